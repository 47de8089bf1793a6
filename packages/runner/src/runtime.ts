// runc, the OCI runtime (CONTAINER-LAB §7b: it works on this hybrid-cgroup host as is; crun 1.8
// refuses hybrid cgroups, §2.6). Every call names our own state root, so `runc list` there shows only
// the containers of this runner and `cleanupStale()` never sees anyone else's.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RunnerError } from './errors.ts';

/** runc's state directory for our containers (one subdirectory per live container). */
export const RUNC_ROOT = '/run/cf-lifecycle/runc';

// /usr/sbin is where Debian puts runc, and it is not on every PATH (su, cron, some CI shells).
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

let runcPath: string | undefined;

/** The runc executable, looked up once on PATH and in the sbin directories. */
export function findRunc(): string | undefined {
  if (runcPath !== undefined) return runcPath;
  const dirs = [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'runc');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return (runcPath = candidate);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Throws a RunnerError with one line saying what is missing to run containers. */
export async function checkRuntime(): Promise<void> {
  if (process.platform !== 'linux') throw new RunnerError(`containers need Linux, not ${process.platform}`);
  if (findRunc() === undefined) throw new RunnerError('runc is not installed: apt-get install runc');
  if (process.getuid?.() !== 0) {
    throw new RunnerError('running containers needs root: runc runs them as root here (rootless would need subuid/subgid mappings for vcap)');
  }
  fs.mkdirSync(RUNC_ROOT, { recursive: true, mode: 0o700 });
}

function runcOrThrow(): string {
  const runc = findRunc();
  if (runc === undefined) throw new RunnerError('runc is not installed: apt-get install runc');
  return runc;
}

/** `runc --root RUNC_ROOT <args>`, for spawning `run`. */
export function runcCommand(args: readonly string[]): { file: string; args: string[] } {
  return { file: runcOrThrow(), args: ['--root', RUNC_ROOT, ...args] };
}

export interface RuncResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a short runc command (kill, delete, list) to completion; never rejects for a non-zero status. */
export function runc(args: readonly string[], timeoutMs = 30_000): Promise<RuncResult> {
  const cmd = runcCommand(args);
  return new Promise((resolve, reject) => {
    execFile(cmd.file, cmd.args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(new RunnerError(`runc ${args[0]} failed: ${err.message}`));
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

/** Whether runc still has state for `id` (runc keeps one directory per container under its root). */
export function hasState(id: string): boolean {
  return fs.existsSync(path.join(RUNC_ROOT, id));
}

/** `runc delete -f`: kills whatever is left of the container and removes its state and cgroups. */
export async function deleteContainer(id: string): Promise<void> {
  // `runc run --keep` leaves its stopped container to us; the state check spares a runc call when a
  // start failed before runc made any state.
  if (!hasState(id)) return;
  const r = await runc(['delete', '--force', id]);
  if (r.code !== 0 && hasState(id)) throw new RunnerError(`runc delete ${id} failed: ${oneLine(r.stderr)}`);
}

/** The synchronous `deleteContainer`, for process 'exit' handlers where nothing async runs. */
export function deleteContainerSync(id: string): void {
  if (!hasState(id)) return;
  const cmd = runcCommand(['delete', '--force', id]);
  try {
    execFileSync(cmd.file, cmd.args, { stdio: 'ignore', timeout: 10_000 });
  } catch {
    // Best effort on the way out; cleanupStale() catches what is left.
  }
}

export interface ListedContainer {
  id: string;
  pid: number;
  status: string;
  bundle: string;
}

/** `runc list` of our root. */
export async function listContainers(): Promise<ListedContainer[]> {
  if (!fs.existsSync(RUNC_ROOT)) return [];
  const r = await runc(['list', '--format', 'json']);
  if (r.code !== 0) throw new RunnerError(`runc list failed: ${oneLine(r.stderr)}`);
  // runc prints `null` when there is no container.
  return (JSON.parse(r.stdout.trim() || 'null') as ListedContainer[] | null) ?? [];
}

/** The last meaningful line of runc's output, for one-line errors. */
export function oneLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines[lines.length - 1] ?? '(no message)';
}
