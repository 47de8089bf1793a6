// The whole staging run, in the contract's order (CONTRACT §2.18):
// create dirs → lock the build cache → download → clean cache → detect | supply → final step → processes → metadata
// → staging_info.yml → droplet and cache tarballs → result.json → remove the contents directory.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  NO_START_COMMAND_WARNING,
  SBOM_FILE,
  STAGING_METADATA_DIR,
  STAGING_METADATA_FILE,
  StagingError,
  buildStagingMetadata,
  goPathError,
  resultJson,
  splitProcesses,
  stagingIdSidecar,
  stagingInfoJson,
  stagingMetadataBeside,
  xxhash64Hex,
  type BuildpackMetadata,
  type BuildpackSource,
  type BuilderConfig,
  type StagingMetadata,
} from '@cf-lifecycle/contract';
import { removeStaleTemporaries, writeFileAtomic } from './outputs/atomic.ts';
import { OutputSet } from './outputs/output-set.ts';
import { buildpackMetadata } from './outputs/buildpack-metadata.ts';
import { packageDroplet } from './outputs/droplet.ts';
import { PhaseClock, appDigest, hashFile, readStackInfo } from './outputs/staging-metadata.ts';
import { cleanCache } from './phases/cache.ts';
import { detect } from './phases/detect.ts';
import { downloadBuildpacks } from './phases/download.ts';
import { runFinalStep } from './phases/final.ts';
import { collectProcesses } from './phases/release.ts';
import { supply } from './phases/supply.ts';
import { makePlan, type StagingPlan } from './plan.ts';
import { StagingHooks, loadStagingHooks } from './hooks.ts';
import { lockBuildCache } from './cache-lock.ts';
import { trackTemporary } from './process-registry.ts';
import { setActivity } from './staging-timeout.ts';

declare const LIFECYCLE_VERSION: string | undefined;

function mkdirp(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new StagingError(`Failed to set up filesystem when generating droplet: ${goPathError('mkdir', dir, err)}`);
  }
}

/**
 * Writes one of our own files (metadata, SBOM) into the contents directory; a failure, such as a full
 * TMPDIR, is one line naming the file (`Failed to write staging metadata: write <file>: no space left on device`).
 */
function writeStagingFile(file: string, data: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    fs.writeFileSync(file, data);
  } catch (err) {
    throw new StagingError(`Failed to write staging metadata: ${goPathError((err as NodeJS.ErrnoException).syscall ?? 'write', file, err)}`);
  }
}

/** CONTRACT §2.5: output parents, cache dirs, and a fresh contents directory. */
function setUpDirectories(config: BuilderConfig): { plan: StagingPlan; removeContents: () => void } {
  mkdirp(path.dirname(config.outputDroplet));
  mkdirp(path.dirname(config.outputMetadata));
  // What a SIGKILLed builder left beside the outputs it was writing.
  const sidecar = config.outputStagingMetadata !== '' ? stagingIdSidecar(config.outputMetadata) : '';
  for (const output of [config.outputDroplet, config.outputMetadata, config.outputBuildArtifactsCache, config.outputStagingMetadata, sidecar]) {
    if (output !== '') removeStaleTemporaries(output);
  }
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
  const clock = new PhaseClock();
  const wantMetadata = config.outputStagingMetadata !== '';
  // Names this staging's outputs as one set: the droplet's embedded metadata, the metadata beside it
  // and result.json's sidecar carry it (docs/staging-metadata.md).
  const stagingId = wantMetadata ? randomUUID() : undefined;
  clock.start('setup');
  const { plan, removeContents } = setUpDirectories(config);
  let unlockCache = () => {};
  try {
    // Held until the cache tarball is written: no other staging cleans or changes the cache meanwhile.
    unlockCache = await lockBuildCache(config.buildArtifactsCacheDir);
    setActivity('setting up');
    const hooks = await loadStagingHooks(config);
    const hookRunner = new StagingHooks(config, hooks);
    // The app as the orchestrator delivered it, before any buildpack touches it.
    const app = wantMetadata ? appDigest(config.buildDir) : undefined;
    clock.start('download');
    const sources = await downloadBuildpacks(config);
    clock.start('clean-cache');
    setActivity('cleaning the build artifacts cache');
    const keep = new Set(['final', ...plan.supplyKeys.map((k) => xxhash64Hex(k))]);
    cleanCache(config.buildArtifactsCacheDir, keep);
    if (hooks.length > 0) {
      clock.start('hooks:pre-detect');
      await hookRunner.run('pre-detect', {
        buildpacks: config.buildpackOrder.map((key) => ({ key, name: '' })),
        paths: { buildDir: config.buildDir, cacheDir: config.buildArtifactsCacheDir },
      });
    }

    let finalRoot: string;
    let detectOutput: string | undefined;
    let metadataKeys: string[];
    if (config.skipDetect) {
      clock.start('supply');
      finalRoot = await supply(config, plan);
      metadataKeys = config.buildpackOrder;
    } else {
      clock.start('detect');
      const detected = await detect(config);
      plan.finalKey = detected.key;
      finalRoot = detected.root;
      detectOutput = detected.detectOutput;
      metadataKeys = [detected.key];
    }

    // From here on a failure leaves the failure result.json (CONTRACT §2.14).
    try {
      clock.start(fs.existsSync(`${finalRoot}/bin/finalize`) ? 'finalize' : 'compile');
      await runFinalStep(config, plan, finalRoot);
      clock.start('release');
      setActivity('reading the process types');
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

      let metadata: StagingMetadata | undefined;
      if (wantMetadata) {
        clock.start('inventory');
        setActivity('writing the staging metadata and SBOM');
        const facts = { stagingId: stagingId!, app: app!, buildpacks, detectOutput, sources, processTypes: staged.processTypes };
        metadata = await writeDropletMetadata(config, plan, clock, facts);
      }
      if (hooks.length > 0) {
        clock.start('hooks:post-build');
        const sbomFile = await sbomForHooks(config, plan, buildpacks);
        await hookRunner.run('post-build', {
          buildpacks,
          processTypes: staged.processTypes,
          paths: { buildDir: config.buildDir, depsDir: plan.depsDir, cacheDir: config.buildArtifactsCacheDir, sbom: sbomFile },
        });
        if (metadata) metadata.hooks = [...hookRunner.records];
      }
      if (metadata) writeStagingFile(`${plan.contentsDir}/${STAGING_METADATA_DIR}/${STAGING_METADATA_FILE}`, `${JSON.stringify(metadata, null, 2)}\n`);
      clock.start('package');
      setActivity('packaging the droplet and the build artifacts cache');
      const packaged = await packageDroplet(config, plan);
      clock.end();
      const beside = metadata ? metadataBeside(metadata, packaged.droplet, result, clock) : undefined;
      if (hooks.length > 0) {
        clock.start('hooks:post-package');
        let besideFile: string | undefined;
        if (beside) {
          besideFile = `${plan.contentsDir}/${STAGING_METADATA_DIR}/staging-metadata.beside.json`;
          writeStagingFile(besideFile, `${JSON.stringify(beside, null, 2)}\n`);
        }
        await hookRunner.run('post-package', {
          buildpacks,
          processTypes: staged.processTypes,
          paths: {
            buildDir: config.buildDir,
            droplet: packaged.droplet,
            ...(besideFile ? { stagingMetadata: besideFile } : {}),
            ...(metadata ? { sbom: `${plan.contentsDir}/${STAGING_METADATA_DIR}/${SBOM_FILE}` } : {}),
          },
        });
        clock.end();
        if (beside) Object.assign(beside, { hooks: [...hookRunner.records], staging: { ...beside.staging, phases: clock.phases } });
      }
      // Every output is written under a temporary name before the first one is renamed: a location we
      // cannot write fails here, with the previous staging's outputs untouched.
      const outputs = new OutputSet();
      outputs.adopt('droplet', packaged.droplet, config.outputDroplet);
      outputs.adopt('cache', packaged.cache, config.outputBuildArtifactsCache);
      if (beside) {
        outputs.write('staging-metadata', config.outputStagingMetadata, `${JSON.stringify(beside, null, 2)}\n`, 'Failed to write staging metadata: ');
        outputs.write('sidecar', stagingIdSidecar(config.outputMetadata), `${stagingId}\n`, 'Failed to write staging metadata: ');
      }
      outputs.write('result', config.outputMetadata, result);
      // Quirk Q7 fixed: result.json comes last, once the droplet, the cache and the metadata are in place.
      outputs.commit();
    } catch (err) {
      writeFailureResult(config, buildpackMetadata(metadataKeys, plan));
      throw err;
    }
  } finally {
    unlockCache();
    removeContents();
  }
}

/** The SBOM (written into the droplet under ./.cf-lifecycle/) and the staging metadata document. */
async function writeDropletMetadata(
  config: BuilderConfig,
  plan: StagingPlan,
  clock: PhaseClock,
  facts: {
    stagingId: string;
    app: { digest: string; files: number };
    buildpacks: BuildpackMetadata[];
    detectOutput?: string;
    sources: Map<string, BuildpackSource>;
    processTypes: Map<string, string>;
  },
): Promise<StagingMetadata> {
  const stack = readStackInfo(process.env);
  // Loaded only when asked for: a plain staging does not pay for the SBOM code at start-up.
  const { appDependencies, buildpackDependencies, cycloneDx, dedupeDependencies, findExecutables } = await import('@cf-lifecycle/sbom');
  // The same purl found twice (app and buildpack, two buildpacks) is one dependency, as in the SBOM.
  const dependencies = dedupeDependencies([...(await appDependencies(config.buildDir)), ...buildpackDependencies(facts.buildpacks)]);
  const finishedAt = new Date();
  const appExecutables = await findExecutables(config.buildDir);
  const depsExecutables = await findExecutables(plan.depsDir);
  const executables = {
    static: [...appExecutables.static.map((f) => `app/${f}`), ...depsExecutables.static.map((f) => `deps/${f}`)],
    dynamic: appExecutables.dynamic + depsExecutables.dynamic,
  };
  const appName = appNameFromEnv(process.env);
  const sbom = cycloneDx({
    appName: appName ?? path.basename(config.buildDir),
    dependencies,
    stack: { name: stack.name, version: stack.version ?? '' },
    buildpacks: facts.buildpacks.map((bp) => ({ key: bp.key, name: bp.name, ...(bp.version ? { version: bp.version } : {}) })),
    lifecycleVersion: typeof LIFECYCLE_VERSION === 'string' ? LIFECYCLE_VERSION : 'dev',
    timestamp: finishedAt.toISOString(),
  });
  const dir = `${plan.contentsDir}/${STAGING_METADATA_DIR}`;
  writeStagingFile(`${dir}/${SBOM_FILE}`, sbom);
  return buildStagingMetadata({
    stagingId: facts.stagingId,
    lifecycleVersion: typeof LIFECYCLE_VERSION === 'string' ? LIFECYCLE_VERSION : 'dev',
    startedAt: clock.startedAt,
    finishedAt,
    phases: clock.phases,
    stack,
    app: { ...(appName ? { name: appName } : {}), ...facts.app },
    buildpacks: facts.buildpacks,
    detectOutput: facts.detectOutput,
    sources: facts.sources,
    processTypes: facts.processTypes,
    dependencies,
    executables,
    sbomSha256: createHash('sha256').update(sbom).digest('hex'),
    hooks: [],
  });
}

/** The copy beside the droplet: the digests of the droplet and of the result.json written with it. */
function metadataBeside(metadata: StagingMetadata, droplet: string, result: string, clock: PhaseClock): StagingMetadata {
  return stagingMetadataBeside(metadata, {
    startedAt: clock.startedAt,
    finishedAt: new Date(),
    phases: clock.phases,
    droplet: { sha256: hashFile(droplet), size: fs.statSync(droplet).size },
    resultSha256: createHash('sha256').update(result).digest('hex'),
  });
}

/** For hooks at post-build: the SBOM of what staging produced so far, in the contents directory. */
async function sbomForHooks(config: BuilderConfig, plan: StagingPlan, buildpacks: BuildpackMetadata[]): Promise<string> {
  const file = `${plan.contentsDir}/${STAGING_METADATA_DIR}/${SBOM_FILE}`;
  if (fs.existsSync(file)) return file;
  const { appDependencies, buildpackDependencies, cycloneDx, dedupeDependencies } = await import('@cf-lifecycle/sbom');
  const stack = readStackInfo(process.env);
  const sbom = cycloneDx({
    appName: appNameFromEnv(process.env) ?? path.basename(config.buildDir),
    dependencies: dedupeDependencies([...(await appDependencies(config.buildDir)), ...buildpackDependencies(buildpacks)]),
    stack: { name: stack.name, version: stack.version ?? '' },
    buildpacks: buildpacks.map((bp) => ({ key: bp.key, name: bp.name, ...(bp.version ? { version: bp.version } : {}) })),
    lifecycleVersion: typeof LIFECYCLE_VERSION === 'string' ? LIFECYCLE_VERSION : 'dev',
    timestamp: new Date().toISOString(),
  });
  // Hooks see it, but it only ships in the droplet when metadata was asked for.
  const hooksFile = `${plan.contentsDir}/../${path.basename(plan.contentsDir)}-hooks-sbom.cdx.json`;
  trackTemporary(hooksFile);
  writeStagingFile(hooksFile, sbom);
  return hooksFile;
}

/** The app's name from VCAP_APPLICATION, when the orchestrator gave one. */
function appNameFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const name = (JSON.parse(env.VCAP_APPLICATION ?? '') as { application_name?: unknown }).application_name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

function writeFailureResult(config: BuilderConfig, buildpacks: BuildpackMetadata[]): void {
  try {
    writeFileAtomic(config.outputMetadata, resultJson(buildpacks));
  } catch {
    // The reference ignores errors while writing the failure document.
  }
}
