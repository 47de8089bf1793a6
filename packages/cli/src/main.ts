// The `droplet` CLI: stage and run apps with the lifecycle in a cflinuxfs2-compatible container.
import { Command, InvalidArgumentError, Option } from 'commander';
import { run } from './commands/run.ts';
import { shell } from './commands/shell.ts';
import { stage } from './commands/stage.ts';
import { CliError } from './errors.ts';
import { createLogger, type LogFormat, type Logger } from './log.ts';
import { removeAllWorkspaces } from './workspace.ts';

const collect = (value: string, previous: string[]) => [...previous, value];
const integer = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};

function program(): Command {
  const cli = new Command('droplet')
    .description('Stage and run Cloud Foundry buildpack apps with the lifecycle, in a cflinuxfs2-compatible container')
    .addOption(new Option('--log-format <format>', 'text for people, json for machines').choices(['text', 'json']).default('text'))
    .showHelpAfterError('(run droplet --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) });

  const logger = (): Logger => createLogger(cli.opts().logFormat as LogFormat);

  cli
    .command('stage')
    .description('stage APP_DIR with buildpacks into a droplet, as the staging task does')
    .argument('<app-dir>', 'the app bits')
    .option('-b, --buildpack <buildpack>', 'a buildpack directory, .zip file or URL (repeat for several, in order)', collect, [])
    .option('--stack <name|path>', 'stack name (built on first use) or a rootfs directory/tarball')
    .option('--skip-detect', 'run every buildpack but the last as supply buildpacks, without detect')
    .option('-e, --env <NAME=VALUE>', 'an environment variable for staging (repeatable)', collect, [])
    .option('--services <file>', 'VCAP_SERVICES as a JSON file')
    .option('-o, --output <droplet>', 'where to write the droplet (default: ./<app>.droplet)')
    .addOption(new Option('--network <mode>', 'the staging container network').choices(['host', 'isolated']).default('host'))
    .option('--memory <mb>', 'memory limit in MiB', integer('--memory'), 1024)
    .option('--hooks-dir <dir>', 'exec staging hooks: <dir>/pre-detect/, post-build/, post-package/ (docs/hooks.md)')
    .option('--hooks-config <file>', 'a YAML or JSON file listing staging hooks (docs/hooks.md)')
    .option('--host', 'run the lifecycle on this machine without a container (fallback when runc is missing)')
    .action(async (appDir: string, opts) => {
      process.exitCode = await stage(appDir, opts, logger());
    });

  cli
    .command('run')
    .description('run a droplet as an app instance: launcher, Diego environment, healthcheck')
    .argument('<droplet>', 'a droplet written by droplet stage')
    .option('--port <n>', 'the port the app listens on, reachable at 127.0.0.1', integer('--port'), 8080)
    .option('--process <type>', 'the process type to start (default: web, from the droplet)')
    .option('-e, --env <NAME=VALUE>', 'an environment variable (repeatable)', collect, [])
    .option('--services <file>', 'VCAP_SERVICES as a JSON file')
    .option('--stack <name|path>', 'stack name or a rootfs directory/tarball')
    .option('--grace <seconds>', 'seconds between TERM and KILL when stopping', integer('--grace'), 10)
    .option('--memory <mb>', 'memory limit in MiB', integer('--memory'), 1024)
    .option('--host', 'run on this machine without a container (fallback when runc is missing)')
    .action(async (droplet: string, opts) => {
      process.exitCode = await run(droplet, opts, logger());
    });

  cli
    .command('shell')
    .description("a shell with the app's environment, as cf ssh gives")
    .argument('<droplet>', 'a droplet written by droplet stage')
    .option('-c, --command <command>', 'run this command instead of an interactive bash')
    .option('-e, --env <NAME=VALUE>', 'an environment variable (repeatable)', collect, [])
    .option('--services <file>', 'VCAP_SERVICES as a JSON file')
    .option('--stack <name|path>', 'stack name or a rootfs directory/tarball')
    .option('--host', 'run on this machine without a container')
    .action(async (droplet: string, opts) => {
      process.exitCode = await shell(droplet, opts, logger());
    });
  return cli;
}

export async function main(argv: string[]): Promise<void> {
  const cli = program();
  try {
    await cli.parseAsync(argv);
  } catch (err) {
    removeAllWorkspaces();
    const log = createLogger((cli.opts().logFormat as LogFormat) ?? 'text');
    if (err instanceof CliError) {
      log.error(err.message);
      process.exitCode = err.exitCode;
      return;
    }
    log.error((err as Error)?.message ?? String(err));
    process.exitCode = 1;
  }
}
