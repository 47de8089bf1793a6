// The three ways Diego runs the healthcheck (ANCHORS §1.2): one check; readiness, which waits for
// the app to become healthy; liveness, which watches it until it is not. Each returns the failure
// that ends it, or `undefined` when the app is healthy.
import type { HealthcheckConfig } from './config.ts';
import type { Check } from './checks/check.ts';
import { type CheckFailure, terminatedBeforeFirstCheck } from './failure.ts';
import { ABORTED, sleep, unlessAborted } from './timers.ts';

export async function monitor(check: Check, config: HealthcheckConfig): Promise<CheckFailure | undefined> {
  // Readiness wins when both intervals are set: like Diego's tool, a ready app ends the process.
  if (config.readinessIntervalMs > 0) {
    const stop = new AbortController();
    // Diego stops a readiness check that it no longer needs with SIGTERM; the answer is then the last failure.
    const onTerm = (): void => stop.abort();
    process.once('SIGTERM', onTerm);
    try {
      return await untilReady(check, config, stop.signal);
    } finally {
      process.off('SIGTERM', onTerm);
    }
  }
  if (config.livenessIntervalMs > 0) return untilFailure(check, config);
  return check(config.checkTimeoutMs);
}

/**
 * Checks every `-readiness-interval` (measured from the start of one check to the start of the next)
 * until one passes. Once `-readiness-timeout` has passed, the last failure is the answer; a check still
 * running then is cut short, and only speaks when no check finished before it.
 */
export async function untilReady(check: Check, config: HealthcheckConfig, stop: AbortSignal): Promise<CheckFailure | undefined> {
  const deadline = performance.now() + config.readinessTimeoutMs;
  let last: CheckFailure | undefined;
  for (;;) {
    const started = performance.now();
    const result = await unlessAborted(check(Math.min(config.checkTimeoutMs, deadline - started)), stop);
    if (result === ABORTED) return last ?? terminatedBeforeFirstCheck();
    if (result === undefined) return undefined;
    if (last === undefined || performance.now() < deadline) last = result;

    await sleep(Math.min(started + config.readinessIntervalMs, deadline) - performance.now(), stop);
    if (stop.aborted || performance.now() >= deadline) return last;
  }
}

/** Checks every `-liveness-interval` (a pause between checks) until one fails. */
export async function untilFailure(check: Check, config: HealthcheckConfig): Promise<CheckFailure> {
  for (;;) {
    const failure = await check(config.checkTimeoutMs);
    if (failure !== undefined) return failure;
    await sleep(config.livenessIntervalMs);
  }
}
