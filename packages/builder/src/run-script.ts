// Running buildpack scripts and tools the way the reference does (CONTRACT §2.11): executed directly
// (shebang), the builder's environment and working directory, no stdin, failures rendered as Go does.
//
// Captured output is bounded: a script may print gigabytes, the builder keeps at most `captureLimit`
// bytes of it (the rest is read and dropped, or with `killOnOverflow` the script's process group is
// ended). Streamed output goes to our descriptors directly and is never held.
import { spawn } from 'node:child_process';
import { goErrnoText, goExitText } from '@cf-lifecycle/contract';
import { trackChild } from './process-registry.ts';

/** What a captured stream keeps by default: detect's buildpack name, git's messages. */
export const CAPTURE_LIMIT = 1024 * 1024;

export interface ScriptResult {
  /** undefined on success; otherwise Go's rendering: `exit status 1`, `signal: killed`, `fork/exec <path>: permission denied`. */
  failure?: string;
  stdout: string;
  /** Combined output when `capture: 'combined'`. */
  output: string;
  /** The captured output went past `captureLimit`: `stdout`/`output` hold only its first bytes. */
  overflowed?: true;
}

export interface RunOptions {
  /** `inherit`: stdout and stderr stream live to ours. `stdout`: capture stdout, stderr streams. `combined`: capture both. */
  capture: 'inherit' | 'stdout' | 'combined';
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * With `capture: 'stdout'`: receive stderr here instead of streaming it to ours. Returning a promise
   * pauses the script's stderr (the script blocks once the pipe is full) until it settles.
   */
  onStderr?: (chunk: Buffer) => void | Promise<void>;
  /** Ends the script's whole process group. */
  signal?: AbortSignal;
  /** Bytes of captured output kept (default CAPTURE_LIMIT). */
  captureLimit?: number;
  /** End the script's process group as soon as its captured output passes `captureLimit`. */
  killOnOverflow?: boolean;
  /**
   * Once the script exits, SIGKILL whatever it left running in its process group: a background child
   * would outlive staging (and, holding the pipe, keep a captured stdout open).
   */
  endGroupOnExit?: boolean;
}

/** Keeps the first `limit` bytes of a stream, counting the rest. */
class BoundedCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  overflowed = false;

  constructor(private readonly limit: number) {}

  /** Returns false once the limit is passed. */
  add(chunk: Buffer): boolean {
    const room = this.limit - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      // A copy: a subarray would keep the whole pooled chunk alive.
      this.chunks.push(part === chunk ? chunk : Buffer.from(part));
      this.kept += part.length;
    }
    if (chunk.length > room) this.overflowed = true;
    return !this.overflowed;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function runScript(file: string, args: readonly string[], opts: RunOptions): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const stderrMode = opts.capture === 'combined' || opts.onStderr ? 'pipe' : 'inherit';
    const stdio: Array<'ignore' | 'inherit' | 'pipe'> = ['ignore', opts.capture === 'inherit' ? 'inherit' : 'pipe', stderrMode];
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, { stdio, env: opts.env ?? process.env, cwd: opts.cwd, detached: true });
    } catch (err) {
      resolve({ failure: spawnFailure(file, err), stdout: '', output: '' });
      return;
    }
    trackChild(child);
    const limit = opts.captureLimit ?? CAPTURE_LIMIT;
    const stdout = new BoundedCapture(limit);
    const output = new BoundedCapture(limit);
    const abort = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const capture = (target: BoundedCapture, d: Buffer) => {
      if (!target.add(d) && opts.killOnOverflow) abort();
    };
    child.stdout?.on('data', (d: Buffer) => {
      capture(stdout, d);
      if (opts.capture === 'combined') capture(output, d);
    });
    const stderr = child.stderr;
    stderr?.on('data', (d: Buffer) => {
      if (!opts.onStderr) return capture(output, d);
      const wait = opts.onStderr(d);
      if (wait) {
        stderr.pause();
        void wait.finally(() => stderr.resume());
      }
    });
    if (opts.signal?.aborted) abort();
    opts.signal?.addEventListener('abort', abort, { once: true });
    if (opts.endGroupOnExit) child.once('exit', abort);
    let spawnError: unknown;
    child.once('error', (err) => (spawnError = err));
    child.once('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', abort);
      const stdoutText = stdout.text();
      const result: ScriptResult = {
        stdout: stdoutText,
        output: opts.capture === 'combined' ? output.text() : stdoutText,
        ...(stdout.overflowed || output.overflowed ? { overflowed: true as const } : {}),
      };
      if (spawnError) resolve({ ...result, failure: spawnFailure(file, spawnError) });
      else if (code === 0) resolve(result);
      else resolve({ ...result, failure: goExitText(code, signal) });
    });
  });
}

function spawnFailure(file: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return `fork/exec ${file}: ${goErrnoText(e.code, e.message)}`;
}
