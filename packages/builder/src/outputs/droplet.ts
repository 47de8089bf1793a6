// Packaging the droplet and the build-artifacts cache as gzip tarballs (CONTRACT §2.16).
import fs from 'node:fs';
import path from 'node:path';
import { StagingError, goPathError } from '@cf-lifecycle/contract';
import type { BuilderConfig } from '../config.ts';
import type { StagingPlan } from '../plan.ts';
import { runScript } from '../run-script.ts';
import { commit, temporaryBeside } from './atomic.ts';

function findTar(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir || '.', 'tar');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // keep looking
    }
  }
  throw new StagingError('Unable to find tar executable: exec: "tar": executable file not found in $PATH');
}

/** Writes `tar -czf` of `sourceDir` to a temporary beside `target` and returns its path. */
async function tarGz(tar: string, target: string, sourceDir: string, describe: (detail: string) => string): Promise<string> {
  const tmp = temporaryBeside(target);
  const result = await runScript(tar, ['-czf', tmp, '-C', sourceDir, '.'], { capture: 'combined' });
  if (result.failure !== undefined) throw new StagingError(describe(`${result.output}: ${result.failure}`));
  return tmp;
}

/** The two archives, complete under temporary names; `commit()` gives them their names. */
export interface PackagedDroplet {
  droplet: string;
  cache: string;
  commit(): void;
}

export async function packageDroplet(config: BuilderConfig, plan: StagingPlan): Promise<PackagedDroplet> {
  for (const dir of ['tmp', 'logs']) {
    try {
      fs.mkdirSync(`${plan.contentsDir}/${dir}`, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw new StagingError(`Failed to set up droplet filesystem: ${goPathError('mkdir', `${plan.contentsDir}/${dir}`, err)}`);
    }
  }
  const copied = await runScript('cp', ['-a', config.buildDir, `${plan.contentsDir}/app`], { capture: 'stdout' });
  if (copied.failure !== undefined) throw new StagingError(`Failed to copy compiled droplet: ${copied.failure}`);

  const tar = findTar();
  const droplet = await tarGz(tar, config.outputDroplet, plan.contentsDir, (d) => `Failed to compress droplet filesystem: ${d}`);
  try {
    fs.mkdirSync(path.dirname(config.outputBuildArtifactsCache), { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new StagingError(`Failed to create output build artifacts cache dir: ${goPathError('mkdir', path.dirname(config.outputBuildArtifactsCache), err)}`);
  }
  const cache = await tarGz(tar, config.outputBuildArtifactsCache, config.buildArtifactsCacheDir, (d) => `Failed to compress build artifacts: ${d}`);
  // Both archives are complete; they take their names only when the caller commits (a failure
  // before that leaves neither).
  return {
    droplet,
    cache,
    commit: () => {
      commit(droplet, config.outputDroplet);
      commit(cache, config.outputBuildArtifactsCache);
    },
  };
}
