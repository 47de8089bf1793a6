// The final step: finalize, or compile for single-buildpack-style buildpacks (CONTRACT §2.10).
import fs from 'node:fs';
import { CompileFailedError, type BuilderConfig } from '@cf-lifecycle/contract';
import type { StagingPlan } from '../plan.ts';
import { runScript } from '../run-script.ts';
import { runningScript, setActivity } from '../staging-timeout.ts';
import { exists } from './resolve.ts';

export const MULTI_BUILDPACK_WARNING =
  'Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make use of any dependencies ' +
  'supplied by the buildpacks specified before it';

export async function runFinalStep(config: BuilderConfig, plan: StagingPlan, root: string): Promise<void> {
  const cache = `${config.buildArtifactsCacheDir}/final`;
  const idx = plan.finalDepsIndex;
  if (exists(`${root}/bin/finalize`)) {
    if (exists(`${root}/bin/supply`)) {
      setActivity(runningScript('bin/supply', plan.finalKey));
      const supplied = await runScript(`${root}/bin/supply`, [config.buildDir, cache, plan.depsDir, idx], { capture: 'inherit' });
      if (supplied.failure !== undefined) throw new CompileFailedError(`Failed to run all supply scripts: ${supplied.failure}`);
    }
    setActivity(runningScript('bin/finalize', plan.finalKey));
    const finalized = await runScript(`${root}/bin/finalize`, [config.buildDir, cache, plan.depsDir, idx, plan.profileDir], { capture: 'inherit' });
    if (finalized.failure !== undefined) throw new CompileFailedError(`Failed to run finalize script: ${finalized.failure}`);
    return;
  }
  if (plan.supplyKeys.length > 0) process.stderr.write(`${MULTI_BUILDPACK_WARNING}\n`);
  // Quirk Q33 kept: compile gets exactly two arguments and no deps slot.
  fs.rmSync(`${plan.depsDir}/${idx}`, { recursive: true, force: true });
  setActivity(runningScript('bin/compile', plan.finalKey));
  const compiled = await runScript(`${root}/bin/compile`, [config.buildDir, cache], { capture: 'inherit' });
  // Quirk Q2 kept: the prefix appears twice.
  if (compiled.failure !== undefined) throw new CompileFailedError(`Failed to compile droplet: ${compiled.failure}`);
}
