// droplet shell DROPLET [-c COMMAND]: a shell in the app's environment through /tmp/lifecycle/shell,
// as `cf ssh` gives one (interactive when no command is given).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { APP_DIR, lifecyclePath, VCAP_HOME } from '@cf-lifecycle/contract';
import { checkRuntime, runContainer } from '@cf-lifecycle/runner';
import { appNameOf, parseEnvPairs, readServices, runningEnv } from '../diego-env.ts';
import { checkDroplet, extractDroplet, listDroplet } from '../droplet-file.ts';
import { CliError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { instanceContainer } from '../instance.ts';
import { lifecycleDir } from '../paths.ts';
import { resolveStack } from '../stack.ts';
import { createWorkspace, mkdirVcap, removeWorkspace } from '../workspace.ts';

export interface ShellOptions {
  command?: string;
  env: string[];
  services?: string;
  stack?: string;
  host?: boolean;
}

export async function shell(droplet: string, opts: ShellOptions, log: Logger): Promise<number> {
  checkDroplet(droplet);
  const app = { name: appNameOf(droplet), memoryMb: 1024, diskMb: 4096 };
  const env = runningEnv(app, 8080, readServices(opts.services), parseEnvPairs(opts.env));
  const interactive = opts.command === undefined;
  if (interactive && !process.stdin.isTTY) throw new CliError('an interactive shell needs a terminal: run it from one, or pass a command with -c');
  const listed = await listDroplet(droplet);
  const lifecycle = lifecycleDir();
  if (!opts.host) await checkRuntime().catch((err: Error) => Promise.reject(new CliError(err.message)));
  const stack = opts.host ? undefined : await resolveStack(opts.stack, log);

  const ws = createWorkspace('shell');
  try {
    const home = mkdirVcap(path.join(ws, 'home'));
    await extractDroplet(droplet, home, listed);
    const shellArgs = interactive ? [] : [`${VCAP_HOME}/${APP_DIR}`, opts.command!];
    if (stack) {
      const result = await runContainer(instanceContainer(stack, home, lifecycle, [lifecyclePath('shell'), ...shellArgs], env, { terminal: interactive }));
      return result.exitCode ?? 1;
    }
    const hostArgs = interactive ? [path.join(home, APP_DIR)] : [path.join(home, APP_DIR), opts.command!];
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(path.join(lifecycle, 'shell'), hostArgs, { cwd: home, env: { ...env, HOME: home }, stdio: 'inherit' });
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
  } finally {
    log.done();
    removeWorkspace(ws);
  }
}
