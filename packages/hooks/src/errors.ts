// The failures hooks end staging with. Each is a LifecycleError, so the builder prints its message as
// one line and exits with its code like any other staging failure.
import { EXIT, LifecycleError } from '@cf-lifecycle/contract';
import type { HookRecord } from './model.ts';

/** `-hooksDir` or `-hooksConfig` is unusable: the builder exits 1 with this one line, before staging. */
export class HookConfigError extends LifecycleError {
  constructor(message: string) {
    super(message, EXIT.builder.Failure);
  }
}

/** A `required` hook denied staging or failed; `records` holds every run of the phase up to and including it. */
export class HookDeniedError extends LifecycleError {
  constructor(
    readonly record: HookRecord,
    readonly records: HookRecord[],
  ) {
    // docs/hooks.md: 227 for a deny, 228 for an error, crash, malformed answer or timeout.
    super(deniedMessage(record), record.outcome === 'deny' ? EXIT.builder.HookDenied : EXIT.builder.HookFailed);
  }
}

function deniedMessage(r: HookRecord): string {
  const who = `'${r.name}' (${r.phase})`;
  if (r.outcome === 'deny') return `Staging denied by hook ${who}${r.message ? `: ${r.message}` : ''}`;
  return `Hook ${who} failed: ${r.message ?? r.outcome}`;
}
