// Buildpack metadata from `deps/<idx>/config.yml` (CONTRACT §2.13).
import fs from 'node:fs';
import { applyConfigYml, type BuildpackMetadata } from '@cf-lifecycle/contract';
import type { StagingPlan } from '../plan.ts';

/** Entry i starts as {key: keys[i]} and takes what the buildpack wrote into its own deps slot; read errors are ignored. */
export function buildpackMetadata(keys: readonly string[], plan: StagingPlan): BuildpackMetadata[] {
  return keys.map((key, i) => {
    const base: BuildpackMetadata = { key, name: '' };
    let text: string;
    try {
      text = fs.readFileSync(`${plan.depsDir}/${plan.depsIndex(i)}/config.yml`, 'utf8');
    } catch {
      return base;
    }
    return applyConfigYml(base, text);
  });
}
