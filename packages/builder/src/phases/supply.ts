// Skip-detect (multi-buildpack) mode: validation and supply passes (CONTRACT §2.9).
import { SupplyFailedError, SupplyUnsupportedError, xxhash64Hex, type BuilderConfig } from '@cf-lifecycle/contract';
import { runScript } from '../run-script.ts';
import { runningScript, setActivity } from '../staging-timeout.ts';
import { exists, resolveBuildpackRoot } from './resolve.ts';
import type { StagingPlan } from '../plan.ts';

/** Runs every supply buildpack (all keys but the last) and returns the final buildpack's root. */
export async function supply(config: BuilderConfig, plan: StagingPlan): Promise<string> {
  const roots: string[] = [];
  for (const key of plan.supplyKeys) {
    let root: string;
    try {
      root = resolveBuildpackRoot(key, config);
    } catch (err) {
      // Quirk Q14 fixed: the resolution error is reported once, as the final error line.
      throw new SupplyFailedError((err as Error).message);
    }
    if (!exists(`${root}/bin/supply`)) throw new SupplyUnsupportedError();
    roots.push(root);
  }
  for (const [i, key] of plan.supplyKeys.entries()) {
    const cache = `${config.buildArtifactsCacheDir}/${xxhash64Hex(key)}`;
    setActivity(runningScript('bin/supply', key));
    const result = await runScript(`${roots[i]}/bin/supply`, [config.buildDir, cache, plan.depsDir, plan.depsIndex(i)], { capture: 'inherit' });
    if (result.failure !== undefined) throw new SupplyFailedError(result.failure);
  }
  try {
    return resolveBuildpackRoot(plan.finalKey, config);
  } catch (err) {
    throw new SupplyFailedError((err as Error).message);
  }
}
