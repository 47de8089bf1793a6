// The per-app build cache on the host: restored into the staging task's /tmp/cache before the
// builder runs and replaced by its /tmp/output-cache afterwards, as Cloud Controller does.
//
// A staging only ever sees its own app's cache: the file name is ours (the app directory's name and a
// digest of its real path), never something staging chose; the restore reads that file by descriptor
// (no link followed, one link only), and the save copies the staging's output by descriptor into a
// temporary that is renamed over the app's file (PendingFiles), so a link planted in the workspace can
// neither pull another app's cache in nor send ours elsewhere. The directory is root's alone.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FileInputError, openRegularFile } from '@cf-lifecycle/files';
import { cacheRoot } from './paths.ts';
import type { PendingFiles } from './staging/outputs.ts';
import { extractTarball, UnreadableTarballError, UnsafeTarballError } from './tarball.ts';

export function appCacheDir(): string {
  return path.join(cacheRoot(), 'app-caches');
}

export function appCacheFile(appDir: string): string {
  const id = createHash('sha256').update(fs.realpathSync(appDir)).digest('hex').slice(0, 16);
  return path.join(appCacheDir(), `${path.basename(appDir)}-${id}.tgz`);
}

/**
 * Extracts the saved cache into `dest`; returns false when there is none, or it is unreadable or unsafe
 * (absolute or `..` members, devices, too large: see tarball.ts; a link or a file with other links),
 * which `warn` is told about.
 */
export async function restoreAppCache(file: string, dest: string, warn: (message: string) => void = () => {}): Promise<boolean> {
  let fd: number;
  try {
    const opened = openRegularFile(file, { what: 'build cache', noFollow: true });
    fd = opened.fd;
    if (opened.stat.nlink !== 1) {
      fs.closeSync(fd);
      warn(`ignoring the build cache ${file}: it has ${opened.stat.nlink} hard links (it must be a file of its own)`);
      return false;
    }
  } catch (err) {
    if (err instanceof FileInputError && !/: no such file$/.test(err.message)) warn(`ignoring the build cache ${file}: ${err.message}`);
    return false;
  }
  try {
    // tar reads the very file checked above, through our descriptor, not whatever the name leads to now.
    await extractTarball(`/proc/${process.pid}/fd/${fd}`, dest);
    return true;
  } catch (err) {
    // A damaged cache is only a slower staging: start empty.
    if (err instanceof UnsafeTarballError || err instanceof UnreadableTarballError) warn(`ignoring the build cache ${file}: ${err.message}`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** Copies the staging's output cache (by descriptor) to a temporary that `pending.commit()` renames over the app's cache. */
export function saveAppCache(outputCache: string, file: string, pending: PendingFiles): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  pending.copyFromWorkspace(outputCache, file, "the staging's output cache");
}
