// Extracting droplets and build caches on the host, where the CLI may run as root. GNU tar already
// keeps members inside the target (it refuses `..` members, strips a leading `/`, and creates
// symlinks that point outside only after every other member, so nothing is written through them),
// but it would create device nodes and fill the disk with whatever the archive holds. So the archive
// is first listed by GNU tar itself (the parser that then extracts it, so the check and the
// extraction cannot disagree about a member) and refused, before anything is written, when a member
// is absolute, has a `..` component, hard-links to such a path, is a device, or when there are too
// many members or bytes.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

export interface TarballLimits {
  /** Members of the archive. */
  maxEntries: number;
  /** Bytes of regular-file content. */
  maxBytes: number;
}

/** Far beyond any droplet Cloud Foundry accepts (its default limit is 1 GiB of disk). */
export const TARBALL_LIMITS: TarballLimits = { maxEntries: 1_000_000, maxBytes: 16 * 2 ** 30 };

/** The archive holds something that must not be extracted; the message names it. */
export class UnsafeTarballError extends Error {}

/** The archive cannot be read (not gzip, not tar, truncated); the message is tar's first line. */
export class UnreadableTarballError extends Error {}

const TAR_ENV = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };

// `tar -tv --quoting-style=c` prints `<type><perms> <uid>/<gid> <size or major,minor> <date> <time> "<name>"`,
// then ` -> "<target>"` for a symlink or ` link to "<target>"` for a hard link. Names are C-quoted, so a
// line is one member whatever its name holds.
const QUOTED = String.raw`"(?:[^"\\]|\\.)*"`;
const LISTING_LINE = new RegExp(String.raw`^(\S)\S*\s+\S+\s+(\S+)\s+\S+\s+\S+\s(${QUOTED})(?:\s(->|link to)\s(${QUOTED}))?$`);
const TYPES: Record<string, string> = { '-': 'file', d: 'directory', l: 'symlink', h: 'hard link', p: 'fifo', c: 'character device', b: 'block device' };

/** Why a member path (C-quoted as tar lists it) is unsafe, or undefined. Quoting never hides `/` or `.`. */
function unsafePath(quoted: string): string | undefined {
  const raw = quoted.slice(1, -1);
  if (raw.startsWith('/')) return 'is an absolute path';
  if (raw.split('/').includes('..')) return 'has a ".." component';
  return undefined;
}

/** Checks one listing line; returns the bytes of content it adds. Throws UnsafeTarballError. */
function checkMember(line: string): number {
  const match = LISTING_LINE.exec(line);
  if (!match) throw new UnsafeTarballError(`a member tar lists in an unexpected form: ${JSON.stringify(line.slice(0, 200))}`);
  const [, typeChar, size, name, linkKind, linkTarget] = match as unknown as [string, string, string, string, string | undefined, string | undefined];
  const type = TYPES[typeChar];
  if (type === undefined) throw new UnsafeTarballError(`member ${name} is of an unsupported type (${JSON.stringify(typeChar)})`);
  if (type === 'character device' || type === 'block device') throw new UnsafeTarballError(`member ${name} is a ${type}`);
  const nameProblem = unsafePath(name);
  if (nameProblem) throw new UnsafeTarballError(`member ${name} ${nameProblem}`);
  if (linkKind === 'link to' && linkTarget !== undefined) {
    const targetProblem = unsafePath(linkTarget);
    if (targetProblem) throw new UnsafeTarballError(`member ${name} is a hard link to ${linkTarget}, which ${targetProblem}`);
  }
  if (type !== 'file') return 0;
  const bytes = Number(size);
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new UnsafeTarballError(`member ${name} has an invalid size ${JSON.stringify(size)}`);
  return bytes;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** Lists `file` (a gzip tarball) with GNU tar and checks every member; resolves when all are safe. */
export function checkTarball(file: string, limits: TarballLimits = TARBALL_LIMITS): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-P', '--numeric-owner', '--quoting-style=c', '-tvzf', file], { env: TAR_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let refusal: Error | undefined;
    let stderr = '';
    let entries = 0;
    let bytes = 0;
    const refuse = (err: Error) => {
      refusal ??= err;
      tar.kill('SIGKILL');
    };
    tar.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    const lines = readline.createInterface({ input: tar.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (refusal) return;
      try {
        if (++entries > limits.maxEntries) throw new UnsafeTarballError(`it has more than ${limits.maxEntries} members`);
        bytes += checkMember(line);
        if (bytes > limits.maxBytes) throw new UnsafeTarballError(`its files hold more than ${limits.maxBytes} bytes`);
      } catch (err) {
        refuse(err as Error);
      }
    });
    tar.on('error', (err) => refuse(new UnreadableTarballError(`cannot run tar: ${err.message}`)));
    tar.on('close', (code) => {
      if (refusal) reject(refusal);
      else if (code !== 0) reject(new UnreadableTarballError(firstLine(stderr) || `tar exited with status ${code}`));
      else resolve();
    });
  });
}

/**
 * Checks, then extracts `file` into `dest` with GNU tar; files belong to the caller, not the archive's
 * owners. `checked` says the caller listed it with checkTarball already (a droplet is checked before
 * any container or stack work, and not decompressed a third time).
 */
export async function extractTarball(file: string, dest: string, limits: TarballLimits = TARBALL_LIMITS, opts: { checked?: boolean } = {}): Promise<void> {
  if (!opts.checked) await checkTarball(file, limits);
  await new Promise<void>((resolve, reject) => {
    const tar = spawn('tar', ['-xzf', file, '-C', dest, '--no-same-owner'], { env: TAR_ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    tar.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    tar.on('error', (err) => reject(new UnreadableTarballError(`cannot run tar: ${err.message}`)));
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new UnreadableTarballError(firstLine(stderr) || `tar exited with status ${code}`))));
  });
}
