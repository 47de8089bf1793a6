// For an orchestrator that runs the builder in a container it does not trust with secrets (docs/hooks.md,
// "Trust model"): which hooks need a secret (HTTP hooks sign with their `secretFile`) and must run
// outside, and the hooks config the builder gets for the rest, with every file it names mapped to where
// the builder will find it.
import type { HookDefinition, HookEvent, HookPhase } from './model.ts';

/** Files a hook config names, by what the builder does with them. */
export type HookFileUse =
  /** an exec hook's executable: read and executed */
  | 'executable'
  /** a directory the builder only reads (the `vulnerabilities` builtin's `osv`) */
  | 'read-directory'
  /** a file the builder writes (the `sbom` builtin's `output`) */
  | 'write-file';

/** Where the builder finds a host file: called once per file the kept hooks name. */
export type MapHookFile = (hostPath: string, use: HookFileUse, hook: HookDefinition) => string;

/** A hook needs a secret when it signs its requests: every HTTP hook has a `secretFile`. */
export function needsSecret(hook: HookDefinition): boolean {
  return hook.kind === 'http' || hook.secretFile !== undefined;
}

/** The hooks to run outside the builder (they need a secret) and those the builder runs. */
export function partitionHooks(hooks: readonly HookDefinition[]): { outside: HookDefinition[]; builder: HookDefinition[] } {
  return { outside: hooks.filter(needsSecret), builder: hooks.filter((h) => !needsSecret(h)) };
}

/**
 * A hooks config document (JSON, which `-hooksConfig` reads as YAML) that loads back into `hooks`,
 * with the files they name given by `mapFile`. Hooks that need a secret are refused: they never go to
 * the builder. Builtin options are written in their checked form (a licenses hook's list files are
 * already read into its list), so only files the builder reads at run time need to be there.
 */
export function builderHooksConfig(hooks: readonly HookDefinition[], mapFile: MapHookFile): { hooks: Array<Record<string, unknown>> } {
  return {
    hooks: hooks.map((hook) => {
      if (needsSecret(hook)) throw new Error(`hook '${hook.name}' needs a secret and must not be given to the builder`);
      const entry: Record<string, unknown> = { name: hook.name, kind: hook.kind, phase: hook.phase, policy: hook.policy, timeout: `${hook.timeoutMs}ms` };
      if (hook.kind === 'exec') entry.path = mapFile(hook.path!, 'executable', hook);
      if (hook.kind === 'builtin') {
        entry.builtin = hook.builtin;
        entry.options = builtinOptions(hook, mapFile);
      }
      return entry;
    }),
  };
}

function builtinOptions(hook: HookDefinition, mapFile: MapHookFile): Record<string, unknown> {
  const o = hook.options ?? {};
  switch (hook.builtin) {
    case 'sbom':
      return typeof o.output === 'string' ? { output: mapFile(o.output, 'write-file', hook) } : {};
    case 'licenses':
      // Checked form: { mode, licenses, unknown } (builtins/licenses.ts).
      return { [o.mode === 'allow' ? 'allow' : 'deny']: o.licenses, unknown: o.unknown };
    case 'vulnerabilities':
      return { osv: mapFile(String(o.osv), 'read-directory', hook), threshold: o.threshold };
    default:
      throw new Error(`builtin hook '${hook.name}': unknown builtin ${String(hook.builtin)}`);
  }
}

/** The facts an orchestrator knows after staging, from its outputs (result.json and the staging metadata). */
export interface StagedFacts {
  app: HookEvent['app'];
  stack: HookEvent['stack'];
  buildpacks: HookEvent['buildpacks'];
  paths: HookEvent['paths'];
  processTypes?: Record<string, string>;
}

/** The event an orchestrator sends its own hooks of `phase`. */
export function orchestratorEvent(phase: HookPhase, facts: StagedFacts): HookEvent {
  return {
    schemaVersion: 1,
    phase,
    app: facts.app,
    stack: facts.stack,
    buildpacks: facts.buildpacks,
    paths: facts.paths,
    ...(facts.processTypes ? { processTypes: facts.processTypes } : {}),
  };
}
