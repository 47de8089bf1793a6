// Helpers for the container runner tests: run a container and collect what it printed, find every
// trace a container could leave on the host, and start a separate Node process that holds containers
// (to send it signals or kill it).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_PREFIX, RUNC_ROOT, startContainer, type ContainerSpec, type RunningContainer } from '@cf-lifecycle/runner';

export { testRootfs } from './rootfs.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Collected {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A started container with its output collected as it comes. */
export interface Watched {
  container: RunningContainer;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text`; rejects if the container exits first. */
  printed(text: string): Promise<void>;
  done: Promise<Collected>;
}

export async function watch(spec: Omit<ContainerSpec, 'stdio'>): Promise<Watched> {
  const started = Date.now();
  const container = await startContainer({ ...spec, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  container.stdout!.setEncoding('utf8');
  container.stderr!.setEncoding('utf8');
  container.stdout!.on('data', (d: string) => {
    stdout += d;
    for (const w of [...waiters]) if (stdout.includes(w.text)) waiters.splice(waiters.indexOf(w), 1), w.resolve();
  });
  // Bounded: a fork bomb can print a lot of "fork: retry" lines.
  container.stderr!.on('data', (d: string) => {
    if (stderr.length < 64 * 1024) stderr += d;
  });
  const ended = (s: NodeJS.ReadableStream) => new Promise<void>((resolve) => s.once('end', resolve));
  const done = Promise.all([container.exited, ended(container.stdout!), ended(container.stderr!)]).then(([s]) => ({
    ...s,
    stdout,
    stderr,
    ms: Date.now() - started,
  }));
  return {
    container,
    stdout: () => stdout,
    stderr: () => stderr,
    printed: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void done.then((r) =>
          reject(
            new Error(
              `container exited (${r.exitCode}) before printing ${JSON.stringify(text)}; stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`,
            ),
          ),
        );
      }),
    done,
  };
}

/** Runs a container to its end and returns what it printed. */
export async function collect(spec: Omit<ContainerSpec, 'stdio'>): Promise<Collected> {
  return (await watch(spec)).done;
}

/** `bash -c script` as the container's process, with a fixed small environment. */
export function bash(rootfs: string, script: string, extra: Partial<ContainerSpec> = {}): Omit<ContainerSpec, 'stdio'> {
  return { rootfs, args: ['bash', '-c', script], env: { LANG: 'C.UTF-8' }, cwd: '/', ...extra };
}

/** The cgroup directory of a container in one controller (v1 layout, or the unified one on v2). */
export function cgroupDir(controller: string, id: string): string {
  const v1 = path.join('/sys/fs/cgroup', controller, id);
  return fs.existsSync(path.join('/sys/fs/cgroup', controller)) ? v1 : path.join('/sys/fs/cgroup', id);
}

/**
 * Every trace of container `id` on the host: runc state, a bundle directory, a mount, a cgroup, a
 * process whose command line names it. Empty when the container is fully gone.
 */
export function traces(id: string): string[] {
  const found: string[] = [];
  if (fs.existsSync(path.join(RUNC_ROOT, id))) found.push(`runc state ${path.join(RUNC_ROOT, id)}`);
  for (const name of fs.readdirSync(os.tmpdir())) if (name.startsWith(`${BUNDLE_PREFIX}${id}-`)) found.push(`bundle ${name}`);
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(id)) found.push(`mount ${line}`);
  for (const c of ['', ...fs.readdirSync('/sys/fs/cgroup')]) {
    const dir = path.join('/sys/fs/cgroup', c, id);
    if (fs.existsSync(dir)) found.push(`cgroup ${dir}`);
  }
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(id)) found.push(`process ${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Waits until `traces(id)` is empty (a killed runc may take a moment), then returns what is left. */
export async function tracesAfter(id: string, ms = 3000): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const t = traces(id);
    if (t.length === 0 || Date.now() > until) return t;
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `runner-test-${prefix}-`));
}

let holderScript: Promise<string> | undefined;

/** The `holder.ts` fixture bundled into one ESM file a plain `node` can run. */
export function holderPath(): Promise<string> {
  holderScript ??= (async () => {
    const dir = tempDir('holder');
    // Readable by the unprivileged user of the checkRuntime() test.
    fs.chmodSync(dir, 0o755);
    const out = path.join(dir, 'holder.mjs');
    await build({ entryPoints: [path.join(here, 'fixtures', 'holder.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'error' });
    return out;
  })();
  return holderScript;
}

/** Removes the bundled holder (afterAll of the files that use it). */
export async function removeHolder(): Promise<void> {
  if (holderScript === undefined) return;
  fs.rmSync(path.dirname(await holderScript), { recursive: true, force: true });
  holderScript = undefined;
}

export interface Holder {
  child: ChildProcess;
  /** The ids of the containers it started, once it reported them. */
  ids: Promise<string[]>;
  output(): string;
  /** The process ended (its containers, if it could not clean up, may still hold its pipes). */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The process ended and its output is complete. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const holders = new Set<ChildProcess>();

/** SIGTERMs the holders still running (a failed test), so they stop their containers themselves. */
export async function stopHolders(): Promise<void> {
  await Promise.all(
    [...holders].map((child) => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      return exited;
    }),
  );
}

/**
 * Starts a Node process that starts one container per spec (JSON on argv) and prints
 * `started <id>` for each; it then waits for them and prints `exited <id> <status>`.
 */
export async function startHolder(specs: Array<Omit<ContainerSpec, 'stdio'>>, opts: { mode?: string; wrap?: string[] } = {}): Promise<Holder> {
  const script = await holderPath();
  const argv = [...(opts.wrap ?? []), process.execPath, script, JSON.stringify(specs)];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOLDER_MODE: opts.mode ?? '' } });
  let output = '';
  const ids = new Promise<string[]>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      const started = [...output.matchAll(/^started (\S+)$/gm)].map((m) => m[1]!);
      if (started.length === specs.length) resolve(started);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', () => reject(new Error(`holder ended before starting its containers: ${output}`)));
    if (specs.length === 0) resolve([]);
  });
  holders.add(child);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      holders.delete(child);
      resolve({ code, signal });
    }),
  );
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, ids, output: () => output, exit, done };
}
