// Buildpack metadata from `deps/<idx>/config.yml` (CONTRACT §2.13).
import fs from 'node:fs';
import { applyConfigYml, type BuildpackMetadata } from '@cf-lifecycle/contract';
import { readTextBounded } from '@cf-lifecycle/files';
import type { StagingPlan } from '../plan.ts';

/** A config.yml is a few KiB (name, version, output_metadata); a larger one is not read. */
export const CONFIG_YML_LIMIT = 1024 * 1024;

/** Files already warned about: the metadata is read again for the failure result.json. */
const warned = new Set<string>();

/**
 * Entry i starts as {key: keys[i]} and takes what the buildpack wrote into its own deps slot. Read
 * errors are ignored, as decode errors are (CONTRACT §2.13); a config.yml that is not a regular file
 * (`/dev/zero`, a FIFO) or is over the cap is ignored too, with one warning line on stderr, never read
 * whole.
 */
export function buildpackMetadata(keys: readonly string[], plan: StagingPlan): BuildpackMetadata[] {
  return keys.map((key, i) => {
    const base: BuildpackMetadata = { key, name: '' };
    const file = `${plan.depsDir}/${plan.depsIndex(i)}/config.yml`;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return base;
    }
    // A directory (or anything else unreadable) was always ignored silently, as the reference does.
    if (stat.isDirectory()) return base;
    let text: string;
    try {
      text = readTextBounded(file, { maxBytes: CONFIG_YML_LIMIT });
    } catch (err) {
      if (!warned.has(file)) process.stderr.write(`Warning: ignoring the buildpack metadata: ${(err as Error).message}\n`);
      warned.add(file);
      return base;
    }
    return applyConfigYml(base, text);
  });
}
