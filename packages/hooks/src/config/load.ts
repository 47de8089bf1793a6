// loadHooks: `-hooksDir` and `-hooksConfig` merged into one list, validated before staging starts.
import { HookConfigError } from '../errors.ts';
import type { HookDefinition } from '../model.ts';
import { readConfigFile } from './config-file.ts';
import { readHooksDir } from './hooks-dir.ts';
import { byPhaseThenName } from './names.ts';

/**
 * Every hook, in phase then name order. A config entry of kind `exec` without `path` sets the policy
 * or timeout of the `-hooksDir` hook with its phase and name; any other entry adds a hook. Throws a
 * HookConfigError (one line) on anything unusable.
 */
export async function loadHooks(opts: { hooksDir?: string; hooksConfig?: string }): Promise<HookDefinition[]> {
  const fromDir = opts.hooksDir ? readHooksDir(opts.hooksDir) : [];
  const entries = opts.hooksConfig ? readConfigFile(opts.hooksConfig) : [];
  const key = (h: HookDefinition) => `${h.phase}/${h.name}`;
  const hooks = new Map(fromDir.map((h) => [key(h), h]));
  const fromConfig = new Set<string>();
  for (const { definition, explicit } of entries) {
    const k = key(definition);
    if (fromConfig.has(k))
      throw new HookConfigError(`Invalid hooks config ${opts.hooksConfig}: hook '${definition.name}' (${definition.phase}) is listed twice`);
    fromConfig.add(k);
    const inDir = hooks.get(k);
    if (definition.kind === 'exec' && definition.path === undefined) {
      if (!inDir) {
        const where = opts.hooksDir ? `no ${definition.phase}/${definition.name} in ${opts.hooksDir}` : 'no -hooksDir given';
        throw new HookConfigError(`Invalid hooks config ${opts.hooksConfig}: hook '${definition.name}' has no 'path' and ${where}`);
      }
      if (explicit.policy) inDir.policy = definition.policy;
      if (explicit.timeout) inDir.timeoutMs = definition.timeoutMs;
      continue;
    }
    if (inDir)
      throw new HookConfigError(`Invalid hooks config ${opts.hooksConfig}: hook '${definition.name}' (${definition.phase}) is also in ${opts.hooksDir}`);
    hooks.set(k, definition);
  }
  return [...hooks.values()].sort(byPhaseThenName);
}
