// -stagingTimeout (beyond the reference): staging that takes longer ends with its own exit status and
// a message naming what was running, e.g.
// `Staging timed out after 5m0s (running bin/compile of buildpack 'ruby_buildpack')`.
// The running process groups get TERM then KILL, temporaries are removed, no output is written.
import { EXIT, formatGoDuration, redactUrl } from '@cf-lifecycle/contract';
import { abortStaging } from './process-registry.ts';

let activity = 'setting up';

/** What staging is doing now, in words for the timeout message (`running bin/supply of buildpack 'x'`). */
export function setActivity(what: string): void {
  activity = what;
}

export function runningScript(script: string, key: string): string {
  return `running ${script} of buildpack '${redactUrl(key)}'`;
}

export function stagingTimedOutMessage(timeoutMs: number, what: string): string {
  return `Staging timed out after ${formatGoDuration(timeoutMs)} (${what})`;
}

// setTimeout takes at most 2^31-1 ms (about 24.8 days); longer durations re-arm until the deadline.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Arms the timeout (`timeoutMs` > 0); returns the function that disarms it. */
export function armStagingTimeout(timeoutMs: number): () => void {
  if (!(timeoutMs > 0)) return () => {};
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const left = deadline - Date.now();
    if (left > MAX_TIMER_MS) timer = setTimeout(arm, MAX_TIMER_MS);
    else timer = setTimeout(() => abortStaging(stagingTimedOutMessage(timeoutMs, activity), EXIT.builder.StagingTimedOut), Math.max(0, left));
  };
  arm();
  return () => clearTimeout(timer);
}
