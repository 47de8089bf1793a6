// The failures hooks end staging with. Each is a LifecycleError, so the builder prints its message as
// one line and exits with its code like any other staging failure.
import { ExitCode, LifecycleError } from '@cf-lifecycle/contract';
import type { HookRecord } from './model.ts';

/** Exit statuses of staging ended by a hook (docs/hooks.md), outside 0–5 and 222–226. */
export const HookExitCode = {
  /** A `required` hook answered `deny`. */
  Denied: 227,
  /** A `required` hook failed: error, crash, malformed answer or timeout. */
  Failed: 228,
} as const;

/** `-hooksDir` or `-hooksConfig` is unusable: the builder exits 1 with this one line, before staging. */
export class HookConfigError extends LifecycleError {
  constructor(message: string) {
    super(message, ExitCode.Failure);
  }
}

/** A `required` hook denied staging or failed; `records` holds every run of the phase up to and including it. */
export class HookDeniedError extends LifecycleError {
  constructor(
    readonly record: HookRecord,
    readonly records: HookRecord[],
  ) {
    super(deniedMessage(record), record.outcome === 'deny' ? HookExitCode.Denied : HookExitCode.Failed);
  }
}

function deniedMessage(r: HookRecord): string {
  const who = `'${r.name}' (${r.phase})`;
  if (r.outcome === 'deny') return `Staging denied by hook ${who}${r.message ? `: ${r.message}` : ''}`;
  return `Hook ${who} failed: ${r.message ?? r.outcome}`;
}
