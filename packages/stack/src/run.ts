// Running the build's tools (mmdebstrap, apt-get, tar, dpkg-query) as child processes: output as lines,
// and an AbortSignal that ends the tool's whole process group and waits for it to exit.
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Each line of stdout and stderr, as it arrives. */
  onLine?: (line: string) => void;
  /** Called with the child once it is started (to record its pid). */
  onSpawn?: (child: ChildProcess) => void;
  /** Collect stdout whole (for dpkg-query). */
  captureStdout?: boolean;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last lines of output, for error messages. */
  tail: string[];
  aborted: boolean;
}

const TAIL_LINES = 40;
// After SIGTERM, time the tool gets to clean up (mmdebstrap unmounts /proc, /sys, /dev/pts) before SIGKILL.
const KILL_GRACE_MS = 20_000;

/** Starts `command` in its own process group; resolves when it exits (never rejects on exit status). */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const tail: string[] = [];
    const stdout: Buffer[] = [];
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;

    const emit = (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onLine?.(line);
    };
    const splitter = () => {
      let pending = '';
      return {
        push(chunk: Buffer) {
          pending += chunk.toString('utf8');
          const lines = pending.split(/\r\n|\n|\r/);
          pending = lines.pop() ?? '';
          for (const line of lines) emit(line);
        },
        flush() {
          if (pending !== '') emit(pending);
          pending = '';
        },
      };
    };
    const out = splitter();
    const err = splitter();
    child.stdout.on('data', (chunk: Buffer) => (options.captureStdout ? stdout.push(chunk) : out.push(chunk)));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));

    const kill = (sig: NodeJS.Signals) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        child.kill(sig);
      }
    };
    const onAbort = () => {
      aborted = true;
      kill('SIGTERM');
      killTimer = setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    child.once('spawn', () => options.onSpawn?.(child));
    child.once('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      out.flush();
      err.flush();
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), tail, aborted });
    });
  });
}

/** The process exists (signal 0 reaches it, or it belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
