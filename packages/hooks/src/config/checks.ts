// File checks done when hooks are loaded, so a broken setup fails before staging starts.
import fs from 'node:fs';
import tls from 'node:tls';
import { FileInputError, readTextBounded } from '@cf-lifecycle/files';
import { HookConfigError } from '../errors.ts';
import { SecretFileError, readSecret } from '../secrets.ts';

export function checkExecutable(file: string, what: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw new HookConfigError(`${what}: ${errnoText(err)}`);
  }
  if (!stat.isFile()) throw new HookConfigError(`${what}: not a regular file`);
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    throw new HookConfigError(`${what}: not executable`);
  }
}

/**
 * Caps on the files read while the hooks are loaded (docs/security.md, "Limits"): a config file or a
 * licence list of more is refused, as is anything but a regular file (`/dev/zero`, a FIFO, a
 * directory) — read whole, they would hold staging or fill its memory.
 */
export const CONFIG_FILE_LIMIT = 1024 * 1024;
export const CA_FILE_LIMIT = 1024 * 1024;
export const SECRET_FILE_LIMIT = 64 * 1024;

/** `file`'s text: a regular file of at most `maxBytes`, or a HookConfigError of one line. */
function readBounded(file: string, what: string, maxBytes: number, describe: (err: unknown) => string): string {
  try {
    // A missing or unreadable file keeps its usual message; only what the file is and its size are new.
    fs.statSync(file);
  } catch (err) {
    throw new HookConfigError(`${what}: ${describe(err)}`);
  }
  try {
    return readTextBounded(file, { maxBytes });
  } catch (err) {
    if (err instanceof FileInputError) throw new HookConfigError(`${what}: ${err.message}`);
    throw err;
  }
}

export function checkSecretFile(file: string, what: string): void {
  // Checked before readSecret reads it whole: a secret is a few dozen bytes.
  readBounded(file, what, SECRET_FILE_LIMIT, (err) => `cannot read secret file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  try {
    readSecret(file); // read to validate only: the secret is never kept
  } catch (err) {
    if (err instanceof SecretFileError) throw new HookConfigError(`${what}: ${err.message}`);
    throw err;
  }
}

export function checkCaFile(file: string, what: string): void {
  const pem = readBounded(file, what, CA_FILE_LIMIT, (err) => `cannot read CA file ${file}: ${errnoText(err)}`);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new HookConfigError(`${what}: CA file ${file} holds no PEM certificate`);
  try {
    tls.createSecureContext({ ca: pem });
  } catch (err) {
    throw new HookConfigError(`${what}: CA file ${file} is not valid: ${(err as Error).message}`);
  }
}

export function readableFile(file: string, what: string): string {
  return readBounded(file, what, CONFIG_FILE_LIMIT, (err) => `cannot read ${file}: ${errnoText(err)}`);
}

export function checkDirectory(dir: string, what: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    throw new HookConfigError(`${what}: ${dir}: ${errnoText(err)}`);
  }
  if (!stat.isDirectory()) throw new HookConfigError(`${what}: ${dir}: not a directory`);
}

export function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EACCES':
      return 'permission denied';
    default:
      return e.code ?? e.message;
  }
}
