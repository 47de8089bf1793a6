// Runs a command under GNU time and reports its peak resident memory (the largest of it and its
// children, as wait4 reports it), for tests that check a command's memory stays bounded on hostile
// input (`/dev/zero` as a file). Not a timing: resident memory, once the process has ended.
import { run, type RunResult } from './stage.ts';

export interface MeasuredRun extends RunResult {
  /** Peak resident set size in MiB. */
  peakMiB: number;
}

const MARK = '@@peak-kib=';

/** `file args…` with `env` (exactly), under `/usr/bin/time`; stderr has time's line removed. */
export async function runMeasured(
  file: string,
  args: readonly string[],
  opts: { env: Record<string, string>; cwd?: string; timeoutMs?: number },
): Promise<MeasuredRun> {
  const result = await run('/usr/bin/time', ['-f', `${MARK}%M`, file, ...args], opts);
  const at = result.stderr.lastIndexOf(MARK);
  if (at === -1) throw new Error(`no peak memory reported for ${file}: ${result.stderr.slice(-500)}`);
  const kib = Number(result.stderr.slice(at + MARK.length).trim());
  // GNU time prefixes "Command exited with non-zero status N" on its own line: drop that too.
  const stderr = result.stderr
    .slice(0, at)
    .replace(/Command exited with non-zero status \d+\n$/, '')
    .replace(/Command terminated by signal \d+\n$/, '');
  return { ...result, stderr, peakMiB: kib / 1024 };
}
