// Exec hooks: the payload on stdin, the answer on stdout, stderr passed through line by line with the
// hook's name in front. Each runs in its own process group, which is killed whole on timeout, on a
// stdout flood and once the hook exits (nothing it started outlives it). Nothing waits on a pipe
// that a runaway grandchild keeps open: after the hook exits, its pipes get a short grace, then close.
import { spawn, type ChildProcess } from 'node:child_process';
import { formatGoDuration } from '@cf-lifecycle/contract';
import { parseAnswer } from '../answer.ts';
import { MAX_ANSWER_BYTES, type HookDefinition, type Verdict } from '../model.ts';
import { LineRedactor, type Redactor } from '../secrets.ts';

export interface ExecContext {
  body: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  redactor: Redactor;
  stderr: (s: string) => void;
  /** Told about each child, so the builder can end its process group when it is interrupted. */
  onChild?: (child: ChildProcess) => void;
}

/** After the hook itself exits, how long its pipes may stay open before they are cut. */
const PIPE_GRACE_MS = 1000;
const MAX_STDERR_BYTES = 1024 * 1024;

export function runExecHook(hook: HookDefinition, ctx: ExecContext): Promise<Verdict> {
  const file = hook.path!;
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(file, [], { stdio: ['pipe', 'pipe', 'pipe'], env: ctx.env, cwd: ctx.cwd, detached: true });
    } catch (err) {
      resolve({ outcome: 'error', message: `cannot start ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, findings: [] });
      return;
    }
    ctx.onChild?.(child);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let flooded = false;
    let timedOut = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const stderr = new LineRedactor(ctx.redactor, `[${hook.name}] `, ctx.stderr, MAX_STDERR_BYTES);

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
      finish();
    }, hook.timeoutMs);

    child.stdout!.on('data', (d: Buffer) => {
      if (flooded) return;
      stdoutBytes += d.length;
      if (stdoutBytes > MAX_ANSWER_BYTES) {
        flooded = true;
        killGroup();
        return;
      }
      stdout.push(d);
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
    // A hook that never reads stdin, or exits first, makes the write fail: that is its business.
    child.stdin!.on('error', () => {});
    child.stdin!.end(ctx.body);

    child.once('error', (err) => {
      spawnError = err;
      finish();
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      killGroup(); // whatever it left running in its group
      graceTimer = setTimeout(finish, PIPE_GRACE_MS);
    });
    child.once('close', () => finish());

    function finish(): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
      stderr.end();
      resolve(verdict());
    }

    function verdict(): Verdict {
      if (timedOut) return { outcome: 'timeout', message: `timed out after ${formatGoDuration(hook.timeoutMs)}`, findings: [] };
      if (spawnError) return { outcome: 'error', message: `cannot run ${file}: ${spawnError.code ?? spawnError.message}`, findings: [] };
      if (flooded) return { outcome: 'malformed', message: `malformed answer: more than ${MAX_ANSWER_BYTES} bytes on stdout`, findings: [] };
      const answer = parseAnswer(Buffer.concat(stdout).toString('utf8'));
      if (exit?.code === 0) return answer;
      // A hook that failed but still answered properly (say, deny and exit 1) is taken at its word.
      const empty = Buffer.concat(stdout).toString('utf8').trim() === '';
      if (!empty && answer.outcome !== 'malformed') return answer;
      const how = exit?.signal ? `killed by signal ${exit.signal}` : `exit status ${exit?.code ?? 'unknown'}`;
      return { outcome: 'error', message: how, findings: [] };
    }
  });
}
