// Starting, signalling and reaping one container with `runc run` in the foreground, as Garden does:
// runc stays the container's parent, so its exit status is the container's (N for `exit N`, 128+n
// for a death by signal n, CONTAINER-LAB §2.4) and it deletes the container when the process ends.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import tty from 'node:tty';
import { createBundle, removeBundle, runcLoggedError, type Bundle } from './bundle.ts';
import { RunnerError } from './errors.ts';
import { awaitNoProcessesLeft } from './cgroups.ts';
import { chooseInit, type Init } from './init.ts';
import { startNatNetwork, type NatNetwork } from './network.ts';
import { cgroupsPath } from './oci-config.ts';
import { oomKills } from './oom.ts';
import { checkRuntime, deleteContainer, oneLine, runc, runcCommand } from './runtime.ts';
import { track, untrack } from './signals.ts';
import { resolveSpec, type ContainerSpec, type ResolvedSpec } from './spec.ts';

export interface ExitStatus {
  /** The container's status as `runc run` reports it; null only when runc itself died of a signal. */
  exitCode: number | null;
  /** The signal that killed runc itself (a container's death by signal shows as 128+n above). */
  signal: NodeJS.Signals | null;
  /**
   * The kernel's OOM killer killed a process in the container (its memory limit was reached). With
   * exitCode 137 that process was the container's own; otherwise one of its children.
   */
  oomKilled: boolean;
  /** The container's memory limit in bytes, for messages such as "out of memory (limit 64 MiB)". */
  memoryLimitBytes: number;
}

export interface RunningContainer {
  id: string;
  /** runc's pid. */
  pid: number | undefined;
  /** network 'nat': the pids of its helper processes (the namespace holder and slirp4netns); else empty. */
  networkHelpers: number[];
  /** With stdio 'pipe': the container's output; read both to their end to have all of it. */
  stdout?: NodeJS.ReadableStream;
  stderr?: NodeJS.ReadableStream;
  /** `runc kill <id> <signal>` (default SIGTERM) to the container's PID 1; a no-op once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, up to `graceMs` (default 10 s) for the process to exit, then SIGKILL; resolves once exited. */
  stop(graceMs?: number): Promise<void>;
  /**
   * Resolves after the process ended and the container, its cgroups (so every process that ran in it),
   * its network helpers and its bundle are removed. Rejects with a RunnerError if a process of the
   * container is still there 10 s after the container was deleted.
   */
  exited: Promise<ExitStatus>;
}

export const DEFAULT_GRACE_MS = 10_000;
const START_POLL_MS = 5;

/**
 * Starts the container and resolves once its process is running (so `kill` reaches it), or rejects
 * with a RunnerError, leaving nothing behind, when runc cannot start it.
 */
export async function startContainer(spec: ContainerSpec): Promise<RunningContainer> {
  await checkRuntime();
  const resolved = resolveSpec(spec);
  const init: Init = resolved.init ? chooseInit(resolved.rootfs) : { kind: 'none' };
  if (resolved.terminal && !tty.isatty(0)) throw new RunnerError('terminal: true needs a terminal on stdin');
  // The namespace is configured before the container starts, so its process never sees it half set up.
  const nat = resolved.network === 'nat' ? await startNatNetwork(resolved.id) : undefined;
  let bundle: Bundle;
  try {
    bundle = createBundle(resolved, init, nat);
  } catch (err) {
    await nat?.close();
    throw err;
  }
  return launch(resolved, bundle, nat);
}

/** Starts the container and waits for it to exit; the result is its exit status. */
export async function runContainer(spec: ContainerSpec): Promise<ExitStatus> {
  const container = await startContainer(spec);
  return container.exited;
}

function stdioFor(spec: ResolvedSpec): StdioOptions {
  // With a terminal runc copies between its own stdio and the container's pty (and needs a tty on
  // stdin). Without one the container gets runc's stdout and stderr as they are; stdin is /dev/null,
  // as for a Diego process, since runc runs in a process group of its own and could not read a
  // terminal from there anyway.
  if (spec.terminal) return 'inherit';
  return ['ignore', spec.stdio, spec.stdio];
}

function launch(spec: ResolvedSpec, bundle: Bundle, nat: NatNetwork | undefined): Promise<RunningContainer> {
  const { id } = spec;
  // --keep: runc leaves the stopped container (and its cgroups) for us to read the OOM count from;
  // `exited` deletes it right after.
  const cmd = runcCommand(['--log', bundle.logFile, '--log-format', 'json', 'run', '--keep', '--bundle', bundle.dir, '--pid-file', bundle.pidFile, id]);
  let child: ChildProcess;
  try {
    child = spawn(cmd.file, cmd.args, {
      stdio: stdioFor(spec),
      // Its own process group: a Ctrl-C at the terminal reaches only us, and we stop the container
      // with TERM and a grace period. With a terminal runc must stay in the foreground group to read it.
      detached: !spec.terminal,
    });
  } catch (err) {
    return nat === undefined ? failedSpawn(bundle, err) : nat.close().then(() => failedSpawn(bundle, err));
  }

  let ended = false;
  let started = false;
  let settleStart!: () => void;
  // A signal handler may stop a container that runc is still creating: its kill waits for this.
  const startSettled = new Promise<void>((resolve) => (settleStart = resolve));
  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    await startSettled;
    if (ended) return;
    const r = await runc(['kill', id, signal]);
    // The process may end between our check and runc's: runc then says "not running"/"does not exist".
    if (r.code !== 0 && !ended && !/not running|does not exist|no such process/i.test(r.stderr)) {
      throw new RunnerError(`runc kill ${id} ${signal} failed: ${oneLine(r.stderr)}`);
    }
  };

  const exitedRaw = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // Node discards the output of a child that exits while nobody reads its pipes, and a short-lived
  // container can exit before startContainer() has even returned: our own pipe into a PassThrough
  // keeps every byte for the caller (with backpressure on the container when the caller reads slowly).
  const stdout = child.stdout ? child.stdout.pipe(new PassThrough()) : undefined;
  const stderr = child.stderr ? child.stderr.pipe(new PassThrough()) : undefined;
  const closed = new Promise<void>((resolve) => {
    if (child.stdout === null && child.stderr === null) resolve();
    else child.once('close', () => resolve());
  });

  const tracked = { id, bundleDir: bundle.dir, kill, stop: (graceMs?: number) => stop(graceMs) };
  // runc writes the pid file once the process runs and before it waits for it, so even a process
  // that exits at once leaves one; without it, the container never started.
  let pidFileSeen = false;
  let startError: string | undefined;
  const exited: Promise<ExitStatus> = exitedRaw.then(async (raw) => {
    ended = true;
    settleStart();
    pidFileSeen ||= fs.existsSync(bundle.pidFile);
    if (!pidFileSeen) startError = raw.error?.message ?? runcLoggedError(bundle) ?? `runc exited with status ${raw.code ?? raw.signal}`;
    const oomKilled = oomKills(cgroupsPath(id)) > 0;
    try {
      // If runc itself died, the container may still run: delete -f kills it (and closes our pipes).
      await deleteContainer(id);
      // Only now is the container over: not one of its processes is left to change what it wrote.
      await awaitNoProcessesLeft(id);
    } finally {
      await nat?.close();
      removeBundle(bundle.dir);
      untrack(tracked);
    }
    if (raw.error === undefined) await closed;
    return { exitCode: raw.code, signal: raw.signal, oomKilled, memoryLimitBytes: spec.limits.memoryBytes };
  });

  // One stop at a time: a second TERM (say, from both the caller's and our own signal handler) can
  // reach an app that is already shutting down after the first, when its handlers are gone.
  let stopping: Promise<void> | undefined;
  function stop(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    stopping ??= stopOnce(graceMs);
    return stopping;
  }

  async function stopOnce(graceMs: number): Promise<void> {
    try {
      await kill('SIGTERM');
    } catch {
      graceMs = 0; // TERM could not be sent: go straight to KILL
    }
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => (timer = setTimeout(() => resolve('grace-over'), graceMs)));
    const first = await Promise.race([exited.then(() => 'exited' as const), graceOver]);
    clearTimeout(timer);
    if (first === 'grace-over') await kill('SIGKILL');
    await exited;
  }

  track(tracked);

  // Running once runc has written the pid file; if runc ends without one, its log says why.
  return new Promise<RunningContainer>((resolve, reject) => {
    let poll: NodeJS.Timeout | undefined;
    const ready = (): void => {
      clearTimeout(poll);
      started = true;
      settleStart();
      resolve({ id, pid: child.pid, networkHelpers: nat?.helpers.map((h) => h.pid) ?? [], stdout, stderr, kill, stop, exited });
    };
    const check = (): void => {
      if (ended) return;
      if (!fs.existsSync(bundle.pidFile)) {
        poll = setTimeout(check, START_POLL_MS);
        return;
      }
      if (!spec.init) {
        ready();
        return;
      }
      void initReady(bundle.pidFile, () => ended).then(() => {
        if (!ended) ready();
      });
    };
    check();
    void exitedRaw.then(() => {
      clearTimeout(poll);
      if (started) return;
      if (pidFileSeen) return ready();
      // Nobody will read runc's error from our pipes: drain them so they close.
      stdout?.resume();
      stderr?.resume();
      // Reported after the cleanup, so a caller that gives up finds nothing left.
      exited.then(
        () => reject(new RunnerError(`container ${id} did not start: ${startError}`)),
        (err: unknown) => reject(err),
      );
    });
  });
}

function failedSpawn(bundle: Bundle, err: unknown): never {
  removeBundle(bundle.dir);
  throw new RunnerError(`cannot run runc: ${(err as Error).message}`);
}

const SIGTERM_BIT = 1n << 14n;
const SIGTTOU_BIT = 1n << 21n;
const INIT_READY_TIMEOUT_MS = 2000;

/**
 * Waits until the init (tini) has set up its signal handling. runc writes the pid file as soon as it
 * has exec'd the init, and until tini sets its signal mask it is a PID 1 without handlers: a TERM
 * sent then would be dropped by the kernel (CONTAINER-LAB §2.4) and stop() would wait out its grace.
 */
async function initReady(pidFile: string, gone: () => boolean): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  const until = Date.now() + INIT_READY_TIMEOUT_MS;
  while (!gone() && Date.now() < until) {
    let status: string;
    try {
      status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      return; // already exited
    }
    const mask = (field: string): bigint => BigInt(`0x${new RegExp(`^${field}:\\s+([0-9a-f]+)$`, 'm').exec(status)?.[1] ?? '0'}`);
    // tini blocks TERM, then ignores SIGTTOU; while it waits in sigtimedwait() the kernel shows the
    // waited-for signals as unblocked (they are pending-safe all the same), so either mark will do.
    if ((mask('SigBlk') & SIGTERM_BIT) !== 0n || (mask('SigIgn') & SIGTTOU_BIT) !== 0n) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
