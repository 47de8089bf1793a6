// Build-artifacts cache clean-up (CONTRACT §2.7): only `final` and the supply buildpacks' caches survive.
import fs from 'node:fs';
import { StagingError, goPathError } from '@cf-lifecycle/contract';

export function cleanCache(cacheDir: string, keep: ReadonlySet<string>): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(cacheDir);
  } catch (err) {
    throw new StagingError(goPathError('open', cacheDir, err));
  }
  for (const entry of entries) {
    if (keep.has(entry)) continue;
    const path = `${cacheDir}/${entry}`;
    try {
      fs.rmSync(path, { recursive: true, force: true });
    } catch (err) {
      throw new StagingError(goPathError('unlinkat', path, err));
    }
  }
}
