// Reading what `droplet stage` wrote: the droplet tarball and its result.json beside it.
import fs from 'node:fs';
import { EXIT } from '@cf-lifecycle/contract';
import { FileInputError, openRegularFile, readTextBounded } from '@cf-lifecycle/files';
import { CliError } from './errors.ts';
import { checkTarball, extractTarball, UnsafeTarballError } from './tarball.ts';
import { chownVcap } from './workspace.ts';

/** `DROPLET.result.json`: process types and buildpack metadata (bin/release output is capped at 1 MiB). */
export const RESULT_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Checks, before anything else, that `file` is a regular file that starts like a gzip droplet:
 * `/dev/zero`, a FIFO or a directory gives one line, and a file that is not gzip is told from its
 * first two bytes, never read further.
 */
export function checkDroplet(file: string): void {
  let opened: ReturnType<typeof openRegularFile>;
  try {
    opened = openRegularFile(file, { what: 'the droplet' });
  } catch (err) {
    if (err instanceof FileInputError) {
      if (!fs.existsSync(file)) throw new CliError(`${file}: no such droplet file (stage one with \`droplet stage\`)`);
      throw new CliError(err.message);
    }
    throw err;
  }
  try {
    const head = Buffer.alloc(2);
    const n = fs.readSync(opened.fd, head, 0, 2, 0);
    if (n < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
      throw new CliError(`${file}: not a droplet: it does not start with gzip's magic bytes (a droplet is a gzip tarball)`);
    }
  } finally {
    fs.closeSync(opened.fd);
  }
}

/**
 * Lists the droplet with GNU tar and checks every member (tarball.ts), before any container or stack
 * work: a droplet that cannot be extracted is refused before a stack is built. The result tells
 * `extractDroplet` not to list it again.
 */
export async function listDroplet(file: string): Promise<{ checked: true }> {
  try {
    await checkTarball(file);
  } catch (err) {
    throw tarballError(file, err);
  }
  return { checked: true };
}

function tarballError(file: string, err: unknown): CliError {
  if (err instanceof UnsafeTarballError) return new CliError(`${file}: refusing to extract the droplet: ${err.message}`);
  return new CliError(`${file}: not a droplet (a gzip tarball): ${(err as Error).message}`);
}

/**
 * Extracts the droplet into `home` (what Diego mounts at /home/vcap), owned by vcap. A droplet with
 * absolute or `..` members, devices, or too many members or bytes is refused before anything is
 * written (by checkDroplet, whose result says it was listed already).
 */
export async function extractDroplet(file: string, home: string, listed?: { checked: true }): Promise<void> {
  try {
    await extractTarball(file, home, undefined, listed ?? {});
  } catch (err) {
    throw tarballError(file, err);
  }
  if (!fs.existsSync(`${home}/app`)) throw new CliError(`${file}: not a droplet: it has no ./app directory`);
  chownVcap(home);
}

/**
 * The start command of a process type, from `<droplet>.result.json`. The types are looked up as the
 * file's own entries (a Map), never by indexing an object: `--process constructor` or `__proto__`
 * must not find Object.prototype's members. An unknown type is a usage error.
 */
export function processCommand(file: string, type: string): string {
  const resultFile = `${file}.result.json`;
  let text: string;
  try {
    text = readTextBounded(resultFile, { maxBytes: RESULT_MAX_BYTES, what: `--process ${type}: the droplet's result.json` });
  } catch (err) {
    if (err instanceof FileInputError) {
      if (!fs.existsSync(resultFile)) {
        throw new CliError(`--process ${type}: needs the droplet's metadata at ${resultFile} (written by \`droplet stage\`)`, EXIT.droplet.Usage);
      }
      throw new CliError(err.message, EXIT.droplet.Usage);
    }
    throw err;
  }
  let result: unknown;
  try {
    result = JSON.parse(text);
  } catch {
    throw new CliError(`--process ${type}: ${resultFile} is not valid JSON (restage, or copy the droplet's own result.json beside it)`, EXIT.droplet.Usage);
  }
  const types = processTypes(result);
  const command = types.get(type);
  if (command === undefined || command === '') {
    const known = [...types.keys()];
    throw new CliError(`--process ${type}: the droplet has no such process type (it has: ${known.join(', ') || 'none'})`, EXIT.droplet.Usage);
  }
  return command;
}

/** result.json's `process_types`: only its own string entries. */
function processTypes(result: unknown): Map<string, string> {
  const types = new Map<string, string>();
  if (typeof result !== 'object' || result === null || !Object.hasOwn(result, 'process_types')) return types;
  const declared = (result as { process_types: unknown }).process_types;
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared)) return types;
  for (const [name, command] of Object.entries(declared)) if (typeof command === 'string') types.set(name, command);
  return types;
}
