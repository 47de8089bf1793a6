// droplet stage APP_DIR -b BUILDPACK [-b …]: runs /tmp/lifecycle/builder in the stack container as
// Diego's staging task does (ANCHORS §1.1), and exits with the builder's status.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startContainer, checkRuntime } from '@cf-lifecycle/runner';
import { appCacheFile, restoreAppCache, saveAppCache } from '../app-cache.ts';
import { describeBuildpacks, installBuildpacks } from '../buildpacks.ts';
import { appNameOf, parseEnvPairs, readServices, stagingEnv } from '../diego-env.ts';
import { CliError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { lifecycleDir } from '../paths.ts';
import { onInterrupt } from '../signals.ts';
import { resolveStack } from '../stack.ts';
import { chownVcap, copyFileAtomic, copyTree, createWorkspace, mkdirVcap, removeWorkspace } from '../workspace.ts';

export interface StageOptions {
  buildpack: string[];
  stack?: string;
  skipDetect?: boolean;
  env: string[];
  services?: string;
  output?: string;
  host?: boolean;
  network: 'host' | 'isolated';
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
  const output = path.resolve(opts.output ?? `${app.name}.droplet`);
  const lifecycle = lifecycleDir();
  if (!opts.host) await checkRuntime().catch((err: Error) => Promise.reject(new CliError(err.message)));
  const stack = opts.host ? undefined : await resolveStack(opts.stack, log);
  const stackName = stack?.name ?? opts.stack ?? 'cflinuxfs2';

  // The workspace is the staging container's /tmp: app, buildpacks, cache in; droplet, result, cache out.
  const ws = createWorkspace('stage');
  try {
    const appCopy = mkdirVcap(path.join(ws, 'app'));
    copyTree(path.resolve(appDir), appCopy);
    chownVcap(appCopy);
    await installBuildpacks(buildpacks, path.join(ws, 'buildpacks'));
    const cache = mkdirVcap(path.join(ws, 'cache'));
    const cacheFile = appCacheFile(appDir);
    if (await restoreAppCache(cacheFile, cache, (message) => log.warn(message))) log.info(`restored the build cache from ${cacheFile}`);
    chownVcap(cache);
    chownVcap(ws);

    const inContainer = !opts.host;
    const tmp = inContainer ? '/tmp' : ws;
    const args = [
      `-buildpackOrder=${buildpacks.map((b) => b.key).join(',')}`,
      `-skipDetect=${opts.skipDetect ? 'true' : 'false'}`,
      `-buildDir=${tmp}/app`,
      `-outputDroplet=${tmp}/droplet`,
      `-outputMetadata=${tmp}/result.json`,
      `-outputBuildArtifactsCache=${tmp}/output-cache`,
      `-buildpacksDir=${tmp}/buildpacks`,
      `-buildpacksDownloadDir=${tmp}/buildpackdownloads`,
      `-buildArtifactsCacheDir=${tmp}/cache`,
      `-outputStagingMetadata=${tmp}/staging-metadata.json`,
    ];
    // Hooks: in a container their directory and the config's directory are mounted read-only
    // (paths inside the config should be relative to it).
    const hookMounts: Array<{ source: string; destination: string; readonly: boolean }> = [];
    if (opts.hooksDir) {
      const dir = path.resolve(opts.hooksDir);
      if (!fs.existsSync(dir)) throw new CliError(`--hooks-dir ${opts.hooksDir}: no such directory`);
      if (inContainer) hookMounts.push({ source: dir, destination: '/tmp/hooks', readonly: true });
      args.push(`-hooksDir=${inContainer ? '/tmp/hooks' : dir}`);
    }
    if (opts.hooksConfig) {
      const file = path.resolve(opts.hooksConfig);
      if (!fs.existsSync(file)) throw new CliError(`--hooks-config ${opts.hooksConfig}: no such file`);
      if (inContainer) hookMounts.push({ source: path.dirname(file), destination: '/tmp/hooks-config', readonly: true });
      args.push(`-hooksConfig=${inContainer ? `/tmp/hooks-config/${path.basename(file)}` : file}`);
    }
    const env = stagingEnv(app, stackName, services, userEnv);
    log.info(`staging ${app.name} with ${buildpacks.map((b) => b.key).join(', ')} on ${stack ? `${stack.name} ${stack.version}` : 'the host (no container)'}`);

    const home = mkdirVcap(path.join(ws, 'home'));
    let code: number;
    if (inContainer) {
      fs.mkdirSync(path.join(ws, 'lifecycle'), { recursive: true });
      const container = await startContainer({
        rootfs: stack!.rootfsDir,
        args: ['/tmp/lifecycle/builder', ...args],
        env: { ...env, TMPDIR: '/tmp' },
        cwd: '/home/vcap',
        mounts: [
          { source: ws, destination: '/tmp' },
          { source: lifecycle, destination: '/tmp/lifecycle', readonly: true },
          { source: home, destination: '/home/vcap' },
          ...hookMounts,
        ],
        network: opts.network,
        limits: { memoryBytes: opts.memory * 2 ** 20 },
        hostname: 'staging',
        stdio: 'inherit',
      });
      // Ctrl-C/SIGTERM: the builder gets TERM (it ends its buildpack's process group and removes its
      // temporaries), then KILL after the grace period.
      const release = onInterrupt(() => container.stop(10_000));
      const result = await container.exited;
      release();
      code = result.exitCode ?? 128 + 15;
      // The memory cgroup's OOM kill count says whether 137 was the kernel's doing (runner: oom.ts).
      if (result.oomKilled) log.error(`${code === 137 ? 'staging was killed' : 'a buildpack process was killed'}: out of memory (limit ${opts.memory} MiB)`);
    } else {
      code = await runOnHost(path.join(lifecycle, 'builder'), args, { ...process.env, ...env, HOME: home, TMPDIR: ws });
    }
    if (code !== 0 && code !== null) {
      log.error(`staging failed: the builder exited with status ${code}`);
      return code;
    }
    copyFileAtomic(path.join(ws, 'droplet'), output);
    copyFileAtomic(path.join(ws, 'result.json'), `${output}.result.json`);
    copyFileAtomic(path.join(ws, 'staging-metadata.json'), `${output}.metadata.json`);
    saveAppCache(path.join(ws, 'output-cache'), cacheFile);
    log.info(`droplet written to ${output} (${(fs.statSync(output).size / 2 ** 20).toFixed(1)} MiB); result.json and staging metadata beside it (${path.basename(output)}.result.json, ${path.basename(output)}.metadata.json)`);
    return 0;
  } finally {
    removeWorkspace(ws);
  }
}

function runOnHost(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const release = onInterrupt(async () => {
      child.kill('SIGTERM');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      release();
      resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15));
    });
  });
}
