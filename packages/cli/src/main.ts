// The `droplet` CLI: stage and run apps with the lifecycle in a cflinuxfs2-compatible container.
import os from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { EXIT } from '@cf-lifecycle/contract';
import { adviseCommand, inspectCommand, scanCommand } from '@cf-lifecycle/scan';
import { exportImage, k8s, rebaseImage } from './commands/image.ts';
import { run } from './commands/run.ts';
import { shell } from './commands/shell.ts';
import { stage, STAGE_NETWORKS } from './commands/stage.ts';
import { CliError } from './errors.ts';
import { createLogger, type LogFormat, type Logger } from './log.ts';
import { removeAllWorkspaces } from './workspace.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

/** A whole number's allowed range, and how to say it: `--port 70000: not a port number (1 to 65535)`. */
interface Range {
  min: number;
  max: number;
  what: string;
}

const hostMiB = Math.floor(os.totalmem() / 2 ** 20);
const PORT: Range = { min: 1, max: 65535, what: 'not a port number (1 to 65535)' };
// The container's memory limit: at least a MiB, at most what this machine has.
const MEMORY: Range = { min: 1, max: hostMiB, what: `not a memory limit in MiB this machine can give (1 to ${hostMiB})` };
// Seconds between TERM and KILL: Node's timers hold at most 2^31-1 ms; an hour is beyond any app's need.
const GRACE: Range = { min: 0, max: 3600, what: 'not a grace period in seconds (0 to 3600)' };
// A Deployment's replicas are an int32; none would run nothing.
const REPLICAS: Range = { min: 1, max: 2 ** 31 - 1, what: `not a number of instances (1 to ${2 ** 31 - 1})` };
/** The ranges of options that name no range of their own (stage's `--memory`). */
const RANGES: Record<string, Range> = { '--memory': MEMORY, '--port': PORT, '--grace': GRACE, '--replicas': REPLICAS };

/**
 * A whole-number option, checked against its range while the arguments are parsed: a bad value is
 * one line and exit status 2 (usage) before any file, container or stack is touched.
 */
const integer =
  (name: string, range: Range = RANGES[name] ?? { min: 0, max: Number.MAX_SAFE_INTEGER, what: 'not a whole number' }) =>
  (value: string): number => {
    const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n)) throw new CliError(`${name} ${value}: not a whole number`, EXIT.droplet.Usage);
    if (n < range.min || n > range.max) throw new CliError(`${name} ${value}: ${range.what}`, EXIT.droplet.Usage);
    return n;
  };

/** A process type to look up in result.json: any non-empty name (a Procfile key may be any string). */
const processType = (value: string): string => {
  if (value === '') throw new CliError('--process: name a process type (web, worker, …)', EXIT.droplet.Usage);
  return value;
};

// Commander's own errors (an unknown option, a missing argument) are logged by main as one line.
const COMMANDER_SILENT = new Set(['commander.help', 'commander.helpDisplayed', 'commander.version', 'commander.executeSubCommandAsync']);

function program(): Command {
  const cli = new Command('droplet')
    .description('Stage and run Cloud Foundry buildpack apps with the lifecycle, in a cflinuxfs2-compatible container')
    .addOption(new Option('--log-format <format>', 'text for people, json for machines').choices(['text', 'json']).default('text'))
    // Usage errors end in main: one line through the logger, exit status 2 (subcommands inherit both).
    .exitOverride()
    .configureOutput({ outputError: () => undefined });

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
    .addOption(
      new Option(
        '--network <mode>',
        "the staging network: its own behind NAT, no way to the host's loopback (nat); only loopback (none, or isolated); the host's (host)",
      )
        .choices([...STAGE_NETWORKS])
        .default('nat'),
    )
    .option('--memory <mb>', 'memory limit in MiB', integer('--memory'), 1024)
    .option('--hooks-dir <dir>', 'exec staging hooks: <dir>/pre-detect/, post-build/, post-package/ (docs/hooks.md)')
    .option('--hooks-config <file>', 'a YAML or JSON file listing staging hooks (docs/hooks.md)')
    .option('--host', 'run the lifecycle on this machine without a container (fallback when runc is missing)')
    .option('--host-user <user>', 'with --host as root: run the lifecycle as vcap (2000:2000, the default) or as root')
    .action(async (appDir: string, opts) => {
      process.exitCode = await stage(appDir, opts, logger());
    });

  cli
    .command('run')
    .description('run a droplet as an app instance: launcher, Diego environment, healthcheck')
    .argument('<droplet>', 'a droplet written by droplet stage')
    .option('--port <n>', 'the port the app listens on, reachable at 127.0.0.1 (1 to 65535)', integer('--port', PORT), 8080)
    .option('--process <type>', 'the process type to start (default: web, from the droplet)', processType)
    .option('-e, --env <NAME=VALUE>', 'an environment variable (repeatable)', collect, [])
    .option('--services <file>', 'VCAP_SERVICES as a JSON file')
    .option('--stack <name|path>', 'stack name or a rootfs directory/tarball')
    .option('--grace <seconds>', 'seconds between TERM and KILL when stopping (0 to 3600)', integer('--grace', GRACE), 10)
    .option('--memory <mb>', 'memory limit in MiB (at least 1, at most this machine has)', integer('--memory', MEMORY), 1024)
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
  const out = { stdout: (s: string) => void process.stdout.write(s), stderr: (s: string) => void process.stderr.write(s) };

  cli
    .command('inspect')
    .description('what staged a droplet: buildpacks, stack, processes, dependencies, hooks, digests')
    .argument('<droplet>', 'a droplet (or a staging metadata file)')
    .option('--json', 'machine-readable output')
    .action(async (droplet: string, opts) => {
      process.exitCode = await inspectCommand(droplet, opts, out);
    });

  cli
    .command('scan')
    .description('offline vulnerability scan of droplets against OSV advisories (docs/scanning.md)')
    .argument('<paths...>', 'droplets, staging metadata files, or directories of them')
    .requiredOption('--osv <dir>', 'a directory of OSV advisories (an export of the OSV database)')
    .option('--json', 'machine-readable output')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding at or above this severity exists').choices(['low', 'moderate', 'high', 'critical']))
    .action(async (paths: string[], opts) => {
      process.exitCode = await scanCommand(paths, opts, out);
    });

  cli
    .command('advise')
    .description('after a stack or buildpack patch: which droplets need a restage, a restart, or nothing')
    .argument('<paths...>', 'droplets, staging metadata files, or directories of them')
    .requiredOption('--stack-version <version>', 'the stack version now installed')
    .option('--buildpacks <file>', 'the buildpacks now installed (docs/scanning.md)')
    .option('--osv <dir>', 'OSV advisories, to tell vulnerable dependencies a newer buildpack fixes')
    .option('--json', 'machine-readable output')
    .action(async (paths: string[], opts) => {
      process.exitCode = await adviseCommand(paths, opts, out);
    });

  cli
    .command('export')
    .description('a droplet and its stack as an OCI image (oci-archive tar), runnable by any container engine (docs/oci.md)')
    .argument('<droplet>', 'a droplet written by droplet stage')
    .requiredOption('-o, --output <image.tar>', 'where to write the image')
    .option('--stack <name|path>', 'the stack (default: the one the droplet was staged on)')
    .option('--tag <name:tag>', 'the image reference inside the archive')
    .option('--layout <dir>', 'also keep the OCI image layout in this directory')
    .action(async (droplet: string, opts) => {
      process.exitCode = await exportImage(droplet, opts, logger());
    });

  cli
    .command('rebase')
    .description('replace only the stack layer of an exported image (no restaging)')
    .argument('<image.tar>', 'an image written by droplet export')
    .requiredOption('--stack <name|path>', 'the new stack')
    .option('-o, --output <image.tar>', 'write the rebased image here (default: replace the input)')
    .action(async (image: string, opts) => {
      process.exitCode = await rebaseImage(image, opts, logger());
    });

  cli
    .command('k8s')
    .description('Kubernetes manifests for an exported image: Deployment, Service and a staging Job (YAML on stdout)')
    .argument('<image>', 'the image reference the cluster pulls, e.g. registry.example.com/apps/hello:1.0')
    .requiredOption('--name <app>', "the app's name")
    .option('--replicas <n>', 'instances (at least 1)', integer('--replicas', REPLICAS), 1)
    .option('--port <n>', 'the port the app listens on (1 to 65535)', integer('--port', PORT), 8080)
    .option('--stack-image <image>', 'the image the staging Job runs the builder in (default: the app image)')
    .option('-b, --buildpack <key>', "the staging Job's buildpack order (repeatable)", collect, [])
    .option('--health-check-endpoint <path>', 'an HTTP health check instead of the port check')
    .action((image: string, opts) => {
      process.exitCode = k8s(image, opts);
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
    if (err instanceof CommanderError) {
      if (!COMMANDER_SILENT.has(err.code)) log.error(`${err.message.replace(/^error: /, '').replace(/\n/g, ' ')} (see droplet --help)`);
      // Help asked for is a success; help shown for a missing command, like any usage error, is not.
      process.exitCode = err.exitCode === 0 ? EXIT.droplet.Success : EXIT.droplet.Usage;
      return;
    }
    if (err instanceof CliError) {
      log.error(err.message);
      process.exitCode = err.exitCode;
      return;
    }
    log.error((err as Error)?.message ?? String(err));
    process.exitCode = EXIT.droplet.Failure;
  }
}
