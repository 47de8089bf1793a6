// The staging plan: which buildpacks supply, which is final, and where their outputs go (CONTRACT §2.5).
import { depsIndex, type BuilderConfig } from '@cf-lifecycle/contract';

export interface StagingPlan {
  /** The temporary droplet root: `deps/`, `profile.d/`, later `app/`, `tmp/`, `logs/`, `staging_info.yml`. */
  contentsDir: string;
  depsDir: string;
  profileDir: string;
  /** Skip-detect mode: every key but the last. Detect mode: none. */
  supplyKeys: string[];
  /** Skip-detect mode: the last key. Detect mode: the selected key, known after detect. */
  finalKey: string;
  /** Number of buildpacks that get a deps slot: S + 1. */
  buildpackCount: number;
  depsIndex(i: number): string;
  finalDepsIndex: string;
}

export function makePlan(config: BuilderConfig, contentsDir: string): StagingPlan {
  const supplyKeys = config.skipDetect ? config.buildpackOrder.slice(0, -1) : [];
  const buildpackCount = supplyKeys.length + 1;
  return {
    contentsDir,
    depsDir: `${contentsDir}/deps`,
    profileDir: `${contentsDir}/profile.d`,
    supplyKeys,
    finalKey: config.skipDetect ? config.buildpackOrder[config.buildpackOrder.length - 1]! : '',
    buildpackCount,
    depsIndex: (i: number) => depsIndex(i, buildpackCount),
    finalDepsIndex: depsIndex(supplyKeys.length, buildpackCount),
  };
}
