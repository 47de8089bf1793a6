// `-hooksDir=DIR`: one subdirectory per phase, each executable in it an exec hook named after its file.
import fs from 'node:fs';
import path from 'node:path';
import { HookConfigError } from '../errors.ts';
import { DEFAULT_TIMEOUT_MS, HOOK_PHASES, type HookDefinition } from '../model.ts';
import { HOOK_NAME, isPhase } from './names.ts';
import { checkExecutable, errnoText } from './checks.ts';

export function readHooksDir(dir: string): HookDefinition[] {
  const root = path.resolve(dir);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch (err) {
    throw new HookConfigError(`Invalid hooks directory ${dir}: ${errnoText(err)}`);
  }
  const hooks: HookDefinition[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(root, entry.name);
    if (!isDirectory(full)) continue; // a README or the like beside the phase directories
    // A misspelled phase directory would silently drop its checks: refuse it.
    if (!isPhase(entry.name)) {
      throw new HookConfigError(`Invalid hooks directory ${dir}: unknown phase directory '${entry.name}' (expected ${HOOK_PHASES.join(', ')})`);
    }
    for (const file of fs.readdirSync(full).sort()) {
      if (file.startsWith('.')) continue;
      const hookPath = path.join(full, file);
      if (!HOOK_NAME.test(file)) throw new HookConfigError(`Invalid hook ${hookPath}: a hook name has only letters, digits, '.', '_' and '-'`);
      checkExecutable(hookPath, `Invalid hook ${hookPath}`);
      hooks.push({ name: file, kind: 'exec', phase: entry.name, path: hookPath, policy: 'required', timeoutMs: DEFAULT_TIMEOUT_MS });
    }
  }
  return hooks;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
