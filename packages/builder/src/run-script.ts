// Running buildpack scripts and tools the way the reference does (CONTRACT §2.11): executed directly
// (shebang), the builder's environment and working directory, no stdin, failures rendered as Go does.
import { spawn } from 'node:child_process';
import { goErrnoText, goExitText } from '@cf-lifecycle/contract';
import { trackChild } from './process-registry.ts';

export interface ScriptResult {
  /** undefined on success; otherwise Go's rendering: `exit status 1`, `signal: killed`, `fork/exec <path>: permission denied`. */
  failure?: string;
  stdout: string;
  /** Combined output when `capture: 'combined'`. */
  output: string;
}

export interface RunOptions {
  /** `inherit`: stdout and stderr stream live to ours. `stdout`: capture stdout, stderr streams. `combined`: capture both. */
  capture: 'inherit' | 'stdout' | 'combined';
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** With `capture: 'stdout'`: receive stderr here instead of streaming it to ours. */
  onStderr?: (chunk: Buffer) => void;
  /** Ends the script's whole process group. */
  signal?: AbortSignal;
}

export function runScript(file: string, args: readonly string[], opts: RunOptions): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const stderrMode = opts.capture === 'combined' || opts.onStderr ? 'pipe' : 'inherit';
    const stdio: Array<'ignore' | 'inherit' | 'pipe'> = ['ignore', opts.capture === 'inherit' ? 'inherit' : 'pipe', stderrMode];
    let child;
    try {
      child = spawn(file, args, { stdio, env: opts.env ?? process.env, cwd: opts.cwd, detached: true });
    } catch (err) {
      resolve({ failure: spawnFailure(file, err), stdout: '', output: '' });
      return;
    }
    trackChild(child);
    const stdout: Buffer[] = [];
    const output: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => {
      stdout.push(d);
      output.push(d);
    });
    child.stderr?.on('data', (d: Buffer) => (opts.onStderr ? opts.onStderr(d) : output.push(d)));
    const abort = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    if (opts.signal?.aborted) abort();
    opts.signal?.addEventListener('abort', abort, { once: true });
    let spawnError: unknown;
    child.once('error', (err) => (spawnError = err));
    child.once('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', abort);
      const result = { stdout: Buffer.concat(stdout).toString('utf8'), output: Buffer.concat(output).toString('utf8') };
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
