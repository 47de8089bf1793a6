// File checks done when hooks are loaded, so a broken setup fails before staging starts.
import fs from 'node:fs';
import tls from 'node:tls';
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

export function checkSecretFile(file: string, what: string): void {
  try {
    readSecret(file); // read to validate only: the secret is never kept
  } catch (err) {
    if (err instanceof SecretFileError) throw new HookConfigError(`${what}: ${err.message}`);
    throw err;
  }
}

export function checkCaFile(file: string, what: string): void {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new HookConfigError(`${what}: cannot read CA file ${file}: ${errnoText(err)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new HookConfigError(`${what}: CA file ${file} holds no PEM certificate`);
  try {
    tls.createSecureContext({ ca: pem });
  } catch (err) {
    throw new HookConfigError(`${what}: CA file ${file} is not valid: ${(err as Error).message}`);
  }
}

export function readableFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new HookConfigError(`${what}: cannot read ${file}: ${errnoText(err)}`);
  }
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
