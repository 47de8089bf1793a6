// The whole staging run, in the contract's order (CONTRACT §2.18):
// create dirs → download → clean cache → detect | supply → final step → processes → metadata
// → staging_info.yml → droplet and cache tarballs → result.json → remove the contents directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  NO_START_COMMAND_WARNING,
  StagingError,
  goPathError,
  resultJson,
  splitProcesses,
  stagingInfoJson,
  xxhash64Hex,
  type BuildpackMetadata,
} from '@cf-lifecycle/contract';
import type { BuilderConfig } from './config.ts';
import { writeFileAtomic } from './outputs/atomic.ts';
import { buildpackMetadata } from './outputs/buildpack-metadata.ts';
import { packageDroplet } from './outputs/droplet.ts';
import { cleanCache } from './phases/cache.ts';
import { detect } from './phases/detect.ts';
import { downloadBuildpacks } from './phases/download.ts';
import { runFinalStep } from './phases/final.ts';
import { collectProcesses } from './phases/release.ts';
import { supply } from './phases/supply.ts';
import { makePlan, type StagingPlan } from './plan.ts';
import { trackTemporary } from './process-registry.ts';

function mkdirp(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new StagingError(`Failed to set up filesystem when generating droplet: ${goPathError('mkdir', dir, err)}`);
  }
}

/** CONTRACT §2.5: output parents, cache dirs, and a fresh contents directory. */
function setUpDirectories(config: BuilderConfig): { plan: StagingPlan; removeContents: () => void } {
  mkdirp(path.dirname(config.outputDroplet));
  mkdirp(path.dirname(config.outputMetadata));
  mkdirp(`${config.buildArtifactsCacheDir}/final`);
  const supplyKeys = config.skipDetect ? config.buildpackOrder.slice(0, -1) : [];
  for (const key of supplyKeys) mkdirp(`${config.buildArtifactsCacheDir}/${xxhash64Hex(key)}`);
  let contents: string;
  try {
    contents = fs.mkdtempSync(path.join(os.tmpdir(), 'contents'));
  } catch (err) {
    throw new StagingError(`Failed to set up filesystem when generating droplet: ${goPathError('mkdir', path.join(os.tmpdir(), 'contents'), err)}`);
  }
  const removeContents = trackTemporary(contents);
  const plan = makePlan(config, contents);
  for (let i = 0; i <= supplyKeys.length; i++) mkdirp(`${plan.depsDir}/${plan.depsIndex(i)}`);
  mkdirp(plan.profileDir);
  return { plan, removeContents };
}

export async function stage(config: BuilderConfig): Promise<void> {
  const { plan, removeContents } = setUpDirectories(config);
  try {
    await downloadBuildpacks(config);
    const keep = new Set(['final', ...plan.supplyKeys.map((k) => xxhash64Hex(k))]);
    cleanCache(config.buildArtifactsCacheDir, keep);

    let finalRoot: string;
    let detectOutput: string | undefined;
    let metadataKeys: string[];
    if (config.skipDetect) {
      finalRoot = await supply(config, plan);
      metadataKeys = config.buildpackOrder;
    } else {
      const detected = await detect(config);
      plan.finalKey = detected.key;
      finalRoot = detected.root;
      detectOutput = detected.detectOutput;
      metadataKeys = [detected.key];
    }

    // From here on a failure leaves the failure result.json (CONTRACT §2.14).
    try {
      await runFinalStep(config, plan, finalRoot);
      const entries = await collectProcesses(config, plan, finalRoot);
      const staged = splitProcesses(entries);
      const web = staged.processTypes.get('web') ?? '';
      if (web === '') process.stderr.write(NO_START_COMMAND_WARNING.map((l) => `${l}\n`).join(''));

      const buildpacks = buildpackMetadata(metadataKeys, plan);
      const last = buildpacks[buildpacks.length - 1];
      if (detectOutput !== undefined && last && last.name === '') last.name = detectOutput;

      try {
        fs.writeFileSync(`${plan.contentsDir}/staging_info.yml`, stagingInfoJson(buildpacks, web), { mode: 0o666 });
      } catch (err) {
        throw new StagingError(goPathError('open', `${plan.contentsDir}/staging_info.yml`, err));
      }
      const result = resultJson(buildpacks, staged);
      await packageDroplet(config, plan);
      // Quirk Q7 fixed: result.json comes last, once the droplet and cache are in place.
      writeFileAtomic(config.outputMetadata, result);
    } catch (err) {
      writeFailureResult(config, buildpackMetadata(metadataKeys, plan));
      throw err;
    }
  } finally {
    removeContents();
  }
}

function writeFailureResult(config: BuilderConfig, buildpacks: BuildpackMetadata[]): void {
  try {
    writeFileAtomic(config.outputMetadata, resultJson(buildpacks));
  } catch {
    // The reference ignores errors while writing the failure document.
  }
}
