// The shape of a built-in hook: which phases it fits, how its options are checked when hooks load, and
// the run itself (in process, bounded by the hook's timeout like any other kind).
import type { HookPayload, HookPhase, Verdict } from '../model.ts';

export interface OptionsContext {
  /** Relative paths in options resolve against the config file's directory. */
  baseDir: string;
  fail: (message: string) => never;
}

export interface Builtin {
  phases: readonly HookPhase[];
  /** Validates and normalizes options (paths resolved, files read); throws through `fail`. */
  checkOptions(options: Record<string, unknown>, ctx: OptionsContext): Record<string, unknown>;
  run(payload: HookPayload, options: Record<string, unknown>, signal: AbortSignal): Promise<Verdict>;
}

/** The builtins read the SBOM, which exists from post-build on. */
export const SBOM_PHASES: readonly HookPhase[] = ['post-build', 'post-package'];

export function rejectUnknownOptions(options: Record<string, unknown>, known: readonly string[], fail: (m: string) => never): void {
  for (const key of Object.keys(options)) if (!known.includes(key)) fail(`unknown option '${key}' (expected ${known.join(', ')})`);
}
