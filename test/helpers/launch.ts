// Test helpers that run the built `dist/lifecycle/{launcher,shell,getenv}` as processes, the way Diego
// (and `cf ssh`) does: a droplet root as the working directory, `app/` inside it, a minimal environment.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LIFECYCLE, baseEnv, type RunResult } from './stage.ts';
import { parseEnv0 } from './observe.ts';

export { baseEnv, parseEnv0, type RunResult };

export const LAUNCHER = path.join(LIFECYCLE, 'launcher');
export const SHELL = path.join(LIFECYCLE, 'shell');
export const GETENV = path.join(LIFECYCLE, 'getenv');

export interface SpawnOptions {
  /** Exactly the child's environment (no inheritance); `baseEnv()` when absent. */
  env?: Record<string, string>;
  cwd?: string;
  /** argv[0] as the child sees it; the executable's full path when absent. */
  argv0?: string;
  /** Written to the child's stdin, which is then closed; stdin is /dev/null when absent. */
  input?: string;
  timeoutMs?: number;
}

/** A child that is still running: its PID, what it printed so far, and its end. */
export interface Running {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text` (rejects if the process ends first). */
  stdoutContains(text: string): Promise<void>;
  done: Promise<RunResult>;
}

const running = new Set<ChildProcess>();

/** Starts an executable; every child is tracked so `killLeftovers()` can end it. */
export function start(file: string, args: readonly string[], opts: SpawnOptions = {}): Running {
  const child = spawn(file, args, {
    env: opts.env ?? baseEnv(),
    cwd: opts.cwd,
    argv0: opts.argv0,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ text: string; resolve: () => void; reject: (e: Error) => void }> = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      if (stdout.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    check();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (opts.input !== undefined) {
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(opts.input);
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 50_000);
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      for (const w of waiters.splice(0))
        w.reject(
          new Error(
            `process ended (code ${code}, signal ${signal}) before printing ${JSON.stringify(w.text)}; stdout: ${JSON.stringify(stdout)}, stderr: ${JSON.stringify(stderr)}`,
          ),
        );
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    pid: child.pid ?? -1,
    stdout: () => stdout,
    stderr: () => stderr,
    stdoutContains: (text) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ text, resolve, reject });
        check();
      }),
    done,
  };
}

/**
 * Runs an executable to its end and collects its output. `npm run build` swaps dist/lifecycle/ by
 * removing and renaming the directory, so a spawn that finds no executable is retried for a few seconds.
 */
export async function exec(file: string, args: readonly string[], opts: SpawnOptions = {}): Promise<RunResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(file, args, opts).done;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 50 || (code !== 'ENOENT' && code !== 'ETXTBSY')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** SIGKILLs every child started here that has not ended (for afterEach). */
export function killLeftovers(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

/**
 * A droplet root as Diego lays it out: `<root>/app` (the app directory), next to which
 * `profile.d/`, `deps/`, `tmp/` and `staging_info.yml` may go. Removed by `cleanup()`.
 */
export class Droplet {
  readonly root: string;
  readonly app: string;

  constructor() {
    // realpath: the app sees PWD/HOME through a resolved /tmp, whatever symlinks os.tmpdir() has.
    this.root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'launcher-test-')));
    this.app = path.join(this.root, 'app');
    fs.mkdirSync(this.app);
  }

  /** Absolute path of `rel` inside the droplet root. */
  path(...rel: string[]): string {
    return path.join(this.root, ...rel);
  }

  /** Writes a file relative to the droplet root (parents created). */
  write(rel: string, content: string, mode?: number): string {
    const file = this.path(rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    if (mode !== undefined) fs.chmodSync(file, mode);
    return file;
  }

  mkdir(rel: string): string {
    const dir = this.path(rel);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  read(rel: string): string {
    return fs.readFileSync(this.path(rel), 'utf8');
  }

  exists(rel: string): boolean {
    return fs.existsSync(this.path(rel));
  }

  /** A start command that records the app's environment (NUL-separated) for `seenEnv()`. */
  get envCommand(): string {
    return `env -0 > '${this.path('seen.env')}'`;
  }

  /** The environment the app saw, as written by `envCommand`. */
  seenEnv(): Record<string, string> {
    return parseEnv0(this.read('seen.env'));
  }

  /** Runs the launcher from the droplet root (Diego's working directory). */
  launch(args: readonly string[], opts: SpawnOptions = {}): Promise<RunResult> {
    return exec(LAUNCHER, args, { cwd: this.root, ...opts });
  }

  /** Runs the shell from the droplet root. */
  shell(args: readonly string[], opts: SpawnOptions = {}): Promise<RunResult> {
    return exec(SHELL, args, { cwd: this.root, ...opts });
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The stdout the launcher prints around a start command that prints `appOutput`. */
export function launcherStdout(appOutput = ''): string {
  return `Invoking pre-start scripts.\nInvoking start command.\n${appOutput}`;
}

/**
 * The instance identity credentials and system CA directory the CredHub client needs (CONTRACT §6
 * step 3), set up inside `droplet`: `ca` is copied into `<root>/system-certs/` as a `*.crt`.
 */
export function credhubIdentity(droplet: Droplet, client: { certFile: string; keyFile: string }, ca: { cert: string }): Record<string, string> {
  const systemCerts = droplet.mkdir('system-certs');
  fs.writeFileSync(path.join(systemCerts, 'test-ca.crt'), ca.cert);
  fs.writeFileSync(path.join(systemCerts, 'README'), 'not named *.crt: ignored\n');
  return { CF_INSTANCE_CERT: client.certFile, CF_INSTANCE_KEY: client.keyFile, CF_SYSTEM_CERT_PATH: systemCerts };
}

/** `VCAP_PLATFORM_OPTIONS` naming a CredHub URI. */
export const platformOptions = (uri: string): string => JSON.stringify({ 'credhub-uri': uri });
