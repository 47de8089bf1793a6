// droplet stage APP_DIR -b BUILDPACK [-b …]: runs /tmp/lifecycle/builder in the stack container as
// Diego's staging task does (ANCHORS §1.1), and exits with the builder's status.
//
// Staging code is hostile (docs/security.md, "droplet stage"): it gets a network namespace of its own
// behind NAT by default, no hook secret, and its workspace is only read once every process of the
// staging is gone, never through a link, into a set of outputs published together.
import fs from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_STACK,
  EXIT,
  LIFECYCLE_DIR,
  SBOM_FILE,
  STAGING_METADATA_FILE,
  VCAP_HOME,
  builderArgs,
  lifecyclePath,
  redactUrl,
  redactUrlsIn,
  stagingIdSidecar,
  stagingPaths,
  type StagingSetNames,
} from '@cf-lifecycle/contract';
import { readTextBounded } from '@cf-lifecycle/files';
import { checkNatTools, checkRuntime, startContainer, type Mount, type NetworkMode } from '@cf-lifecycle/runner';
import { appCacheFile, restoreAppCache, saveAppCache } from '../app-cache.ts';
import { describeBuildpacks, installBuildpacks } from '../buildpacks.ts';
import { appNameOf, parseEnvPairs, readServices, stagingEnv } from '../diego-env.ts';
import { CliError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { lifecycleDir } from '../paths.ts';
import { onInterrupt } from '../signals.ts';
import { resolveStack } from '../stack.ts';
import { CliHooks, eventBuildpacks, loadStageHooks, prepareBuilderHooks } from '../staging/hooks.ts';
import { hostIdentity, runOnHost } from '../staging/host.ts';
import { checkOutput, OUTPUT_LIMITS, PendingFiles } from '../staging/outputs.ts';
import { chownVcap, copyTree, createStagingWorkspace, removeWorkspace, type StagingWorkspace } from '../workspace.ts';

/**
 * The builder's `-detectConcurrency` for `droplet stage`: detects run side by side, with the
 * sequential run's result and output (docs/performance.md). The builder's own default is 1.
 */
const STAGE_DETECT_CONCURRENCY = 16;

/** `--network`: nat (default) is Garden's staging network; none (or isolated) only loopback; host the host's. */
export const STAGE_NETWORKS = ['nat', 'none', 'isolated', 'host'] as const;
export type StageNetwork = (typeof STAGE_NETWORKS)[number];

export interface StageOptions {
  buildpack: string[];
  stack?: string;
  skipDetect?: boolean;
  env: string[];
  services?: string;
  output?: string;
  host?: boolean;
  hostUser?: string;
  network: StageNetwork;
  memory: number;
  hooksDir?: string;
  hooksConfig?: string;
}

export async function stage(appDir: string, opts: StageOptions, log: Logger): Promise<number> {
  if (!fs.existsSync(appDir) || !fs.statSync(appDir).isDirectory()) throw new CliError(`${appDir}: no such app directory`);
  if (opts.buildpack.length === 0) throw new CliError('give at least one buildpack with -b (a directory, a .zip file or a URL)');
  const buildpacks = describeBuildpacks(opts.buildpack);
  const userEnv = parseEnvPairs(opts.env);
  const services = readServices(opts.services);
  const app = { name: appNameOf(appDir), memoryMb: opts.memory, diskMb: 4096 };
  // Before anything is staged: a droplet that could not be written should not cost a staging.
  const outputs = checkOutput(opts.output ?? `${app.name}.droplet`, app.name);
  const inContainer = !opts.host;
  if (inContainer && opts.hostUser !== undefined) throw new CliError('--host-user is for --host (in a container the lifecycle always runs as vcap)');
  const hostUser = inContainer ? undefined : hostIdentity(opts.hostUser);
  const hooks = await loadStageHooks(opts);
  const lifecycle = lifecycleDir();
  if (inContainer) await checkRuntime().catch((err: Error) => Promise.reject(new CliError(err.message)));
  if (inContainer && opts.network === 'nat') {
    try {
      checkNatTools();
    } catch {
      throw new CliError('--network nat (the default) needs slirp4netns: apt-get install slirp4netns, or stage with --network none or --network host');
    }
  }
  const stack = inContainer ? await resolveStack(opts.stack, log) : undefined;
  const stackName = stack?.name ?? opts.stack ?? DEFAULT_STACK;
  const keys = buildpacks.map((b) => b.key);

  const ws = createStagingWorkspace();
  // The builder's files in the workspace: Diego's staging paths under its tmp, the container's /tmp.
  const staged = stagingPaths(ws.tmp);
  const pending = new PendingFiles();
  // Ctrl-C/SIGTERM end the process from their handler: temporaries beside -o go with the workspace.
  const releasePending = onInterrupt(async () => pending.discard());
  try {
    const appCopy = staged.buildDir;
    fs.mkdirSync(appCopy, { mode: 0o755 });
    copyTree(path.resolve(appDir), appCopy);
    await installBuildpacks(buildpacks, staged.buildpacksDir);
    const cache = staged.buildArtifactsCacheDir;
    fs.mkdirSync(cache, { mode: 0o755 });
    const cacheFile = appCacheFile(appDir);
    if (await restoreAppCache(cacheFile, cache, (message) => log.warn(message))) log.info(`restored the build cache from ${cacheFile}`);
    // The mount point of /tmp/lifecycle, made before staging code could make it anything else.
    if (inContainer) fs.mkdirSync(path.join(ws.tmp, path.basename(LIFECYCLE_DIR)), { mode: 0o755 });
    const builderHooks = hooks && hooks.builder.length > 0 ? await prepareBuilderHooks(hooks.builder, ws, inContainer) : undefined;
    if (hostUser !== 'root') {
      chownVcap(ws.tmp);
      chownVcap(ws.home);
    }

    // Diego's staging paths in the container's /tmp (the workspace's tmp); the same layout in the workspace on the host.
    const tmp = inContainer ? '/tmp' : ws.tmp;
    const args = builderArgs({
      ...stagingPaths(tmp),
      buildpackOrder: keys,
      skipDetect: opts.skipDetect === true,
      outputStagingMetadata: `${tmp}/${STAGING_METADATA_FILE}`,
      detectConcurrency: STAGE_DETECT_CONCURRENCY,
      ...(builderHooks ? { hooksConfig: builderHooks.hooksConfig } : {}),
    });
    const env = stagingEnv(app, stackName, services, userEnv);
    const where = stack ? `${stack.name} ${stack.version}` : `the host (no container, as ${hostUser === 'self' ? 'the current user' : hostUser})`;
    log.info(redactUrlsIn(`staging ${app.name} with ${keys.map(redactUrl).join(', ')} on ${where}`));

    const cliHooks = new CliHooks(hooks?.outside ?? []);
    const stackFacts = { name: stackName, ...(stack?.version ? { version: stack.version } : {}) };
    // Pre-detect hooks that hold a secret run here, on the host copy of the app bits, before any staging code.
    await cliHooks.run('pre-detect', {
      schemaVersion: 1,
      phase: 'pre-detect',
      app: { name: app.name, buildDir: appCopy },
      stack: stackFacts,
      buildpacks: eventBuildpacks(keys.map((key) => ({ key }))),
      paths: { buildDir: appCopy, cacheDir: cache },
    });

    const code = inContainer
      ? await stageInContainer(ws, lifecycle, args, env, builderHooks?.mounts ?? [], stack!.rootfsDir, opts, log)
      : await runOnHost(path.join(lifecycle, 'builder'), args, { ...process.env, ...env, HOME: ws.home, TMPDIR: ws.tmp }, hostUser!, ws.tmp);
    if (code !== 0) {
      log.error(`staging failed: the builder exited with status ${code}`);
      return code;
    }

    // Every process of the staging is gone (the container's, or the host pid namespace's): from here on
    // nothing changes the workspace, and nothing in it is followed.
    collectOutputs(ws, outputs, pending);
    saveAppCache(staged.outputBuildArtifactsCache, cacheFile, pending);
    for (const o of builderHooks?.sbomOutputs ?? []) {
      // Absent when the hook did not run (or failed as advisory); anything there but a file of its own is refused.
      if (fs.lstatSync(o.staged, { throwIfNoEntry: false }) === undefined) continue;
      fs.mkdirSync(path.dirname(o.final), { recursive: true });
      pending.copyFromWorkspace(o.staged, o.final, "a builtin sbom hook's copy of the SBOM");
    }

    if (cliHooks.has('post-build') || cliHooks.has('post-package')) {
      const facts = await stagedFacts(ws, outputs, pending, app.name, stackFacts);
      for (const phase of ['post-build', 'post-package'] as const) await cliHooks.run(phase, { schemaVersion: 1, phase, ...facts });
    }
    if (cliHooks.records.length > 0) addHookRecords(outputs, pending, cliHooks);

    pending.commit();
    log.info(
      `droplet written to ${outputs.droplet} (${(fs.statSync(outputs.droplet).size / 2 ** 20).toFixed(1)} MiB); result.json and staging metadata beside it ` +
        `(${[outputs.result, outputs.metadata, ...(fs.existsSync(outputs.sidecar) ? [outputs.sidecar] : [])].map((f) => path.basename(f)).join(', ')})`,
    );
    return EXIT.droplet.Success;
  } catch (err) {
    if (err instanceof CliError) log.error(redactUrlsIn(err.message));
    else throw err;
    return err.exitCode;
  } finally {
    releasePending();
    pending.discard();
    removeWorkspace(ws.root);
  }
}

async function stageInContainer(
  ws: StagingWorkspace,
  lifecycle: string,
  args: string[],
  env: Record<string, string>,
  hookMounts: Mount[],
  rootfs: string,
  opts: StageOptions,
  log: Logger,
): Promise<number> {
  const network: NetworkMode = opts.network === 'none' ? 'isolated' : opts.network;
  const container = await startContainer({
    rootfs,
    args: [lifecyclePath('builder'), ...args],
    env: { ...env, TMPDIR: '/tmp' },
    cwd: VCAP_HOME,
    mounts: [
      // The workspace's tmp is the mount: its name cannot be changed from inside.
      { source: ws.tmp, destination: '/tmp' },
      { source: lifecycle, destination: LIFECYCLE_DIR, readonly: true },
      { source: ws.home, destination: VCAP_HOME },
      ...hookMounts,
    ],
    network,
    limits: { memoryBytes: opts.memory * 2 ** 20 },
    hostname: 'staging',
    stdio: 'inherit',
  });
  // Ctrl-C/SIGTERM: the builder gets TERM (it ends its buildpack's process group and removes its
  // temporaries), then KILL after the grace period.
  const release = onInterrupt(() => container.stop(10_000));
  try {
    // Resolves once the container, its cgroups (every process in it) and its network helpers are gone.
    const result = await container.exited;
    const code = result.exitCode ?? 128 + 15;
    // The memory cgroup's OOM kill count says whether 137 was the kernel's doing (runner: oom.ts).
    if (result.oomKilled) log.error(`${code === 137 ? 'staging was killed' : 'a buildpack process was killed'}: out of memory (limit ${opts.memory} MiB)`);
    return code;
  } finally {
    release();
  }
}

/** The builder's outputs, out of the workspace into temporaries beside their destinations. */
function collectOutputs(ws: StagingWorkspace, outputs: StagingSetNames, pending: PendingFiles): void {
  const staged = stagingPaths(ws.tmp);
  const sidecar = stagingIdSidecar(staged.outputMetadata);
  pending.copyFromWorkspace(staged.outputDroplet, outputs.droplet, "the staging's droplet");
  pending.copyFromWorkspace(path.join(ws.tmp, STAGING_METADATA_FILE), outputs.metadata, "the staging's metadata", OUTPUT_LIMITS.metadata);
  // The sidecar holds the staging id result.json belongs to; a builder that writes none leaves none,
  // and an earlier staging's is removed rather than left beside this result.json.
  if (fs.lstatSync(sidecar, { throwIfNoEntry: false }) !== undefined) {
    pending.copyFromWorkspace(sidecar, outputs.sidecar, `the staging's ${path.basename(sidecar)}`, OUTPUT_LIMITS.sidecar);
  } else {
    pending.remove(outputs.sidecar);
  }
  // result.json last, as the builder renames it (quirk Q7).
  pending.copyFromWorkspace(staged.outputMetadata, outputs.result, "the staging's result.json", OUTPUT_LIMITS.result);
}

/**
 * What the CLI's post-build and post-package hooks are told: the buildpacks (from the staging
 * metadata), the process types (from result.json), and the paths of the outputs on the host, before
 * they are published (the droplet and metadata at their temporary names, the SBOM taken out of the
 * droplet into the workspace). `paths.buildDir` is the staged app as staging left it.
 */
async function stagedFacts(ws: StagingWorkspace, outputs: StagingSetNames, pending: PendingFiles, appName: string, stack: HookEventStack) {
  const droplet = pending.temporary(outputs.droplet)!;
  const metadataFile = pending.temporary(outputs.metadata)!;
  const resultFile = pending.temporary(outputs.result)!;
  const metadata = readJson(metadataFile, OUTPUT_LIMITS.metadata, 'staging metadata');
  const result = readJson(resultFile, OUTPUT_LIMITS.result, 'result.json');
  let sbom: string | undefined;
  try {
    const { readDroplet } = await import('@cf-lifecycle/scan');
    const contents = await readDroplet(droplet, { sbom: true });
    if (contents.sbom !== undefined) {
      sbom = path.join(ws.out, SBOM_FILE);
      fs.writeFileSync(sbom, contents.sbom, { mode: 0o644 });
    }
  } catch {
    // No SBOM for the hooks: the droplet is checked by whoever reads it.
  }
  const buildpackList = Array.isArray(metadata.buildpacks) ? (metadata.buildpacks as Array<{ key: string; name?: unknown; version?: unknown }>) : [];
  const processTypes = isObject(result.process_types)
    ? (Object.fromEntries(Object.entries(result.process_types).filter(([, v]) => typeof v === 'string')) as Record<string, string>)
    : undefined;
  return {
    app: { name: appName, buildDir: stagingPaths(ws.tmp).buildDir },
    stack,
    buildpacks: eventBuildpacks(buildpackList.filter((b) => isObject(b) && typeof b.key === 'string')),
    paths: { buildDir: stagingPaths(ws.tmp).buildDir, droplet, stagingMetadata: metadataFile, ...(sbom ? { sbom } : {}) },
    ...(processTypes ? { processTypes } : {}),
  };
}

type HookEventStack = { name: string; version?: string };

/** DROPLET.metadata.json's `hooks`: the CLI's pre-detect runs, the builder's, then the CLI's post-staging runs. */
function addHookRecords(outputs: StagingSetNames, pending: PendingFiles, cliHooks: CliHooks): void {
  const metadata = readJson(pending.temporary(outputs.metadata)!, OUTPUT_LIMITS.metadata, 'staging metadata');
  const builderRecords = Array.isArray(metadata.hooks) ? metadata.hooks : [];
  const before = cliHooks.records.filter((r) => r.phase === 'pre-detect');
  const after = cliHooks.records.filter((r) => r.phase !== 'pre-detect');
  metadata.hooks = [...before, ...builderRecords, ...after];
  pending.write(outputs.metadata, `${JSON.stringify(metadata, null, 2)}\n`);
}

function readJson(file: string, maxBytes: number, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readTextBounded(file, { maxBytes, what, noFollow: true }));
  } catch (err) {
    throw new CliError(`the staging's ${what} cannot be read: ${(err as Error).message}; nothing was written`);
  }
  if (!isObject(value)) throw new CliError(`the staging's ${what} is not a JSON object; nothing was written`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
