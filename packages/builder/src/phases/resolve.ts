// Resolving a buildpack key to the directory that holds its `bin/` (CONTRACT §2.4).
import fs from 'node:fs';
import { StagingError, buildpackDirs, redactUrl, type BuilderConfig } from '@cf-lifecycle/contract';

/** Any file type counts (quirk Q34 kept: a plain file named `bin` satisfies the test). */
export function exists(path: string): boolean {
  try {
    fs.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function list(dir: string): string[] | undefined {
  try {
    return fs.readdirSync(dir);
  } catch {
    return undefined;
  }
}

export function resolveBuildpackRoot(key: string, config: BuilderConfig): string {
  const { primary, legacy } = buildpackDirs(key, config.buildpacksDir, config.buildpacksDownloadDir);
  if (exists(`${primary}/bin`)) return primary;
  if (exists(`${legacy}/bin`)) return legacy;
  let dir = primary;
  let entries = list(primary);
  if (entries === undefined || entries.length === 0) {
    dir = legacy;
    entries = list(legacy);
  }
  if (entries === undefined) {
    // Quirk Q13 fixed: name the directory that failed and the key, not the xxhash path twice.
    throw new StagingError(`Failed to read buildpack directory '${dir}' for buildpack '${redactUrl(key)}'`);
  }
  // A zip with one top-level folder: one level of nesting only.
  if (entries.length === 1 && exists(`${dir}/${entries[0]}/bin`)) return `${dir}/${entries[0]}`;
  throw new StagingError(`malformed buildpack does not contain a /bin dir: ${redactUrl(key)}`);
}
