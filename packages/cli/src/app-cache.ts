// The per-app build cache on the host: restored into the staging task's /tmp/cache before the
// builder runs and replaced by its /tmp/output-cache afterwards, as Cloud Controller does.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot } from './paths.ts';
import { copyFileAtomic } from './workspace.ts';

export function appCacheFile(appDir: string): string {
  const id = createHash('sha256').update(fs.realpathSync(appDir)).digest('hex').slice(0, 16);
  return path.join(cacheRoot(), 'app-caches', `${path.basename(appDir)}-${id}.tgz`);
}

/** Extracts the saved cache into `dest`; returns false when there is none (or it is unreadable). */
export function restoreAppCache(file: string, dest: string): boolean {
  if (!fs.existsSync(file)) return false;
  try {
    execFileSync('tar', ['-xzf', file, '-C', dest], { stdio: ['ignore', 'ignore', 'pipe'] });
    return true;
  } catch {
    // A damaged cache is only a slower staging: start empty.
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    return false;
  }
}

export function saveAppCache(outputCache: string, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  copyFileAtomic(outputCache, file);
}
