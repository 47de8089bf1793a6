// What `droplet stage` publishes: the droplet and the files beside it (DROPLET.result.json,
// DROPLET.result.json.staging-id, DROPLET.metadata.json) as one set, and the app's build cache.
//
// The staging workspace is hostile once staging code has run in it: a process it left could have put
// links where outputs should be. Every output is read after the staging's processes are all gone
// (runner: awaitNoProcessesLeft; host: its pid namespace), from a directory it cannot replace (the
// workspace root is ours), without following a link, by descriptor, a regular file with one link
// (`copyOutNoFollow`). Each is copied into a temporary beside its destination; the renames come only
// once every copy (and every hook run by the CLI) succeeded.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { stagingSetNames, type StagingSetNames } from '@cf-lifecycle/contract';
import { copyOutNoFollow, FileInputError } from '@cf-lifecycle/files';
import { CliError } from '../errors.ts';

/** Caps on the small outputs (the droplet and the cache are bounded by the disk). */
export const OUTPUT_LIMITS = { result: 16 * 2 ** 20, metadata: 64 * 2 ** 20, sidecar: 4096 } as const;

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'ENOENT':
      return 'no such directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return code ?? (err as Error)?.message ?? String(err);
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Checks `-o` before anything is staged: not a directory (`-o /`), none of the set's names something
 * other than a file (renaming over a device or a directory would be destroying it), and its directory
 * one we can create files in (a file is created there and removed). Returns the set's names.
 */
export function checkOutput(given: string, appName: string): StagingSetNames {
  const droplet = path.resolve(given);
  const st = fs.lstatSync(droplet, { throwIfNoEntry: false });
  if (st?.isDirectory()) {
    throw new CliError(`-o ${given}: is a directory; give the droplet's file name, such as -o ${path.join(droplet, `${appName}.droplet`)}`);
  }
  const names = stagingSetNames(droplet);
  for (const file of Object.values(names)) {
    const other = fs.lstatSync(file, { throwIfNoEntry: false });
    if (other && !other.isFile() && !other.isSymbolicLink()) throw new CliError(`-o ${given}: ${file} is ${kindOf(other)}; choose another droplet name`);
  }
  const dir = path.dirname(droplet);
  const probe = path.join(dir, `.${path.basename(droplet)}.check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    fs.closeSync(fs.openSync(probe, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600));
    fs.unlinkSync(probe);
  } catch (err) {
    throw new CliError(`-o ${given}: cannot write the droplet in ${dir}: ${errnoText(err)}`);
  }
  return names;
}

/**
 * Files waiting beside their destinations under temporary names, renamed by `commit()` in the order
 * they were added (`discard()` removes what is left).
 */
export class PendingFiles {
  private readonly pending: Array<{ final: string; temporary?: string }> = [];

  private temporaryFor(final: string): string {
    return path.join(path.dirname(final), `.${path.basename(final)}.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
  }

  /** Copies `src`, a file staging code may have tampered with, without following a link (see above). */
  copyFromWorkspace(src: string, final: string, what: string, maxBytes?: number): string {
    const temporary = this.temporaryFor(final);
    this.pending.push({ final, temporary });
    try {
      copyOutNoFollow(src, temporary, { what, ...(maxBytes !== undefined ? { maxBytes } : {}) });
    } catch (err) {
      if (err instanceof FileInputError) throw new CliError(`${err.message}; nothing was written`);
      throw new CliError(`cannot copy ${what} to ${path.dirname(final)}: ${errnoText(err)}; nothing was written`);
    }
    return temporary;
  }

  /** Our own content for `final` (replacing what was pending for it). */
  write(final: string, content: string | Buffer): string {
    this.drop(final);
    const temporary = this.temporaryFor(final);
    this.pending.push({ final, temporary });
    try {
      const fd = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
      try {
        fs.writeFileSync(fd, content);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      throw new CliError(`cannot write ${final}: ${errnoText(err)}; nothing was written`);
    }
    return temporary;
  }

  /** `final` has no new content: a file there (from an earlier staging) is removed at commit, in order. */
  remove(final: string): void {
    this.drop(final);
    this.pending.push({ final });
  }

  temporary(final: string): string | undefined {
    return this.pending.find((p) => p.final === final)?.temporary;
  }

  private drop(final: string): void {
    const i = this.pending.findIndex((p) => p.final === final);
    if (i === -1) return;
    const [old] = this.pending.splice(i, 1);
    if (old?.temporary) fs.rmSync(old.temporary, { force: true });
  }

  commit(): void {
    for (const p of this.pending) {
      if (p.temporary) fs.renameSync(p.temporary, p.final);
      else fs.rmSync(p.final, { force: true });
    }
    this.pending.length = 0;
  }

  discard(): void {
    for (const p of this.pending) if (p.temporary) fs.rmSync(p.temporary, { force: true });
    this.pending.length = 0;
  }
}
