// droplet run DROPLET: starts the droplet as a Diego app instance: extracted into /home/vcap of a fresh
// container, `/tmp/lifecycle/launcher app "<command>" '{}'` with Diego's environment, the healthcheck
// in readiness mode, and on Ctrl-C/SIGTERM: TERM, a grace period, then KILL (ANCHORS §1.2).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { launcherArgs as diegoLauncherArgs, lifecyclePath } from '@cf-lifecycle/contract';
import { checkRuntime, startContainer } from '@cf-lifecycle/runner';
import { appNameOf, parseEnvPairs, readServices, runningEnv } from '../diego-env.ts';
import { checkDroplet, extractDroplet, listDroplet, processCommand } from '../droplet-file.ts';
import { CliError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { instanceContainer } from '../instance.ts';
import { lifecycleDir } from '../paths.ts';
import { onInterrupt } from '../signals.ts';
import { resolveStack } from '../stack.ts';
import { createWorkspace, mkdirVcap, removeWorkspace } from '../workspace.ts';

export interface RunOptions {
  port: number;
  process?: string;
  env: string[];
  services?: string;
  stack?: string;
  host?: boolean;
  grace: number;
  memory: number;
}

export async function run(droplet: string, opts: RunOptions, log: Logger): Promise<number> {
  // Every input is checked before runc or the stack is touched: a bad one costs nothing to report.
  checkDroplet(droplet);
  const command = opts.process !== undefined ? processCommand(droplet, opts.process) : '';
  const app = { name: appNameOf(droplet), memoryMb: opts.memory, diskMb: 4096 };
  const env = runningEnv(app, opts.port, readServices(opts.services), parseEnvPairs(opts.env));
  const listed = await listDroplet(droplet);
  const lifecycle = lifecycleDir();
  if (!opts.host) await checkRuntime().catch((err: Error) => Promise.reject(new CliError(err.message)));
  const stack = opts.host ? undefined : await resolveStack(opts.stack, log);

  const ws = createWorkspace('run');
  try {
    const home = mkdirVcap(path.join(ws, 'home'));
    await extractDroplet(droplet, home, listed);
    log.info(
      `starting ${app.name}${opts.process ? ` (${opts.process})` : ''} on port ${opts.port}` +
        (stack ? ` in a ${stack.name} ${stack.version} container` : ' on the host (no container)'),
    );
    const launcherArgs = diegoLauncherArgs(command);
    let exited: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; oomKilled?: boolean }>;
    let stop: () => Promise<void>;
    if (stack) {
      const container = await startContainer(
        instanceContainer(stack, home, lifecycle, [lifecyclePath('launcher'), ...launcherArgs], env, {
          limits: { memoryBytes: opts.memory * 2 ** 20 },
          hostname: app.name.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 63) || 'app',
        }),
      );
      exited = container.exited;
      stop = () => container.stop(opts.grace * 1000);
    } else {
      const child = spawn(path.join(lifecycle, 'launcher'), launcherArgs, { cwd: home, env: { ...env, HOME: home }, stdio: ['ignore', 'inherit', 'inherit'] });
      exited = new Promise((resolve) => child.on('close', (exitCode, signal) => resolve({ exitCode, signal })));
      stop = async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.grace * 1000);
        await exited;
        clearTimeout(timer);
      };
    }
    const release = onInterrupt(stop);
    const abort = new AbortController();
    const health = waitHealthy(path.join(lifecycle, 'healthcheck'), opts.port, abort.signal);
    const first = await Promise.race([exited.then(() => 'exited' as const), health]);
    abort.abort();
    if (first === true) log.info(`${app.name} is healthy: http://127.0.0.1:${opts.port}/ (Ctrl-C stops it)`);
    else if (first === false) log.warn(`${app.name} did not become healthy on port ${opts.port} within 60 s`);
    const outcome = await exited;
    release();
    const code = outcome.exitCode ?? (outcome.signal ? 128 + signalNumber(outcome.signal) : 1);
    // The memory cgroup's OOM kill count says whether 137 was the kernel's doing (runner: oom.ts).
    if (outcome.oomKilled) log.error(outOfMemory(code === 137 ? 'the app was killed' : 'a process of the app was killed', opts.memory));
    log.info(`${app.name} exited with status ${code}`);
    return code;
  } finally {
    removeWorkspace(ws);
  }
}

/** Diego's readiness check: the port accepts connections (the default `port` health check). */
function waitHealthy(healthcheck: string, port: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(healthcheck, [`-port=${port}`, '-readiness-interval=200ms', '-readiness-timeout=60s'], { stdio: 'ignore', signal });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/** `the app was killed: out of memory (limit 64 MiB)`. */
function outOfMemory(what: string, limitMb: number): string {
  return `${what}: out of memory (limit ${limitMb} MiB)`;
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 15;
}
