// The per-app build cache on the host: restored into the staging task's /tmp/cache before the
// builder runs and replaced by its /tmp/output-cache afterwards, as Cloud Controller does.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot } from './paths.ts';
import { extractTarball, UnsafeTarballError } from './tarball.ts';
import { copyFileAtomic } from './workspace.ts';

export function appCacheFile(appDir: string): string {
  const id = createHash('sha256').update(fs.realpathSync(appDir)).digest('hex').slice(0, 16);
  return path.join(cacheRoot(), 'app-caches', `${path.basename(appDir)}-${id}.tgz`);
}

/**
 * Extracts the saved cache into `dest`; returns false when there is none, or it is unreadable or unsafe
 * (absolute or `..` members, devices, too large: see tarball.ts), which `warn` is told about.
 */
export async function restoreAppCache(file: string, dest: string, warn: (message: string) => void = () => {}): Promise<boolean> {
  if (!fs.existsSync(file)) return false;
  try {
    await extractTarball(file, dest);
    return true;
  } catch (err) {
    // A damaged cache is only a slower staging: start empty.
    if (err instanceof UnsafeTarballError) warn(`ignoring the build cache ${file}: ${err.message}`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    return false;
  }
}

export function saveAppCache(outputCache: string, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  copyFileAtomic(outputCache, file);
}
