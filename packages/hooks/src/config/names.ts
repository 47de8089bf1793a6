// Rules shared by both sources of hooks.
import { HOOK_PHASES, type HookDefinition, type HookPhase } from '../model.ts';

/** Names show up in messages, log prefixes and metadata: keep them plain. */
export const HOOK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isPhase(value: unknown): value is HookPhase {
  return typeof value === 'string' && (HOOK_PHASES as readonly string[]).includes(value);
}

/** Name order is byte order, whatever the locale. */
export function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function byPhaseThenName(a: HookDefinition, b: HookDefinition): number {
  return HOOK_PHASES.indexOf(a.phase) - HOOK_PHASES.indexOf(b.phase) || byName(a, b);
}
