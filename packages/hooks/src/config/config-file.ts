// `-hooksConfig=FILE`: YAML (or JSON, which is YAML) listing hooks (docs/hooks.md "Config file").
// Unknown keys are refused, so a misspelled `polcy: advisory` cannot go unnoticed.
import path from 'node:path';
import { parseGoDuration } from '@cf-lifecycle/contract';
import { parseDocument } from 'yaml';
import { builtinFor } from '../builtins/registry.ts';
import { HookConfigError } from '../errors.ts';
import {
  BUILTIN_HOOKS,
  DEFAULT_TIMEOUT_MS,
  HOOK_KINDS,
  HOOK_PHASES,
  HOOK_POLICIES,
  MAX_TIMEOUT_MS,
  type BuiltinName,
  type HookDefinition,
  type HookKind,
  type HookPhase,
  type HookPolicy,
} from '../model.ts';
import { checkCaFile, checkExecutable, checkSecretFile, readableFile } from './checks.ts';
import { HOOK_NAME, isPhase } from './names.ts';

/** A config entry as written; `path` may be missing for an exec hook that lives in `-hooksDir`. */
export interface ConfigEntry {
  definition: HookDefinition;
  /** Which settings the entry spells out (to override a `-hooksDir` hook's defaults). */
  explicit: { policy: boolean; timeout: boolean };
}

const KEYS = new Set(['name', 'kind', 'phase', 'path', 'url', 'builtin', 'policy', 'timeout', 'secretFile', 'caFile', 'options']);

export function readConfigFile(file: string): ConfigEntry[] {
  const text = readableFile(file, 'Invalid hooks config');
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) throw new HookConfigError(`Invalid hooks config ${file}: ${firstLine(doc.errors[0]!.message)}`);
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  const list = Array.isArray(root) ? root : isObject(root) && Object.keys(root).every((k) => k === 'hooks') ? root.hooks : undefined;
  if (!Array.isArray(list)) throw new HookConfigError(`Invalid hooks config ${file}: expected a 'hooks' list`);
  const baseDir = path.dirname(path.resolve(file));
  return list.map((raw, i) => readEntry(raw, i, file, baseDir));
}

function readEntry(raw: unknown, index: number, file: string, baseDir: string): ConfigEntry {
  let where = `Invalid hooks config ${file}: hooks[${index}]`;
  const fail = (msg: string): never => {
    throw new HookConfigError(`${where}: ${msg}`);
  };
  if (!isObject(raw)) return fail('expected a map');
  const name = raw.name;
  if (typeof name === 'string' && HOOK_NAME.test(name)) where = `Invalid hooks config ${file}: hook '${name}'`;
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) fail(`unknown key '${key}'`);
  if (typeof name !== 'string' || !HOOK_NAME.test(name)) return fail("'name' must be letters, digits, '.', '_' or '-'");
  const kind = oneOf<HookKind>(raw.kind, HOOK_KINDS, 'kind', fail);
  if (!isPhase(raw.phase)) return fail(`'phase' must be one of ${HOOK_PHASES.join(', ')}`);
  const phase: HookPhase = raw.phase;
  const policy = raw.policy === undefined ? 'required' : oneOf<HookPolicy>(raw.policy, HOOK_POLICIES, 'policy', fail);
  const timeoutMs = raw.timeout === undefined ? DEFAULT_TIMEOUT_MS : timeout(raw.timeout, fail);
  const resolve = (p: unknown, key: string): string => {
    if (typeof p !== 'string' || p === '') return fail(`'${key}' must be a path`);
    return path.resolve(baseDir, p);
  };
  const onlyFor = (keys: string[], forKind: HookKind) => {
    for (const key of keys) if (raw[key] !== undefined && kind !== forKind) fail(`'${key}' is only for ${forKind} hooks`);
  };
  onlyFor(['path'], 'exec');
  onlyFor(['url', 'secretFile', 'caFile'], 'http');
  onlyFor(['builtin', 'options'], 'builtin');

  const definition: HookDefinition = { name, kind, phase, policy, timeoutMs };
  if (kind === 'exec' && raw.path !== undefined) {
    definition.path = resolve(raw.path, 'path');
    checkExecutable(definition.path, where);
  } else if (kind === 'http') {
    definition.url = httpUrl(raw.url, fail);
    if (raw.secretFile === undefined) fail("an http hook needs 'secretFile' (its requests are signed)");
    definition.secretFile = resolve(raw.secretFile, 'secretFile');
    checkSecretFile(definition.secretFile, where);
    if (raw.caFile !== undefined) {
      definition.caFile = resolve(raw.caFile, 'caFile');
      checkCaFile(definition.caFile, where);
    }
  } else if (kind === 'builtin') {
    const builtinName = raw.builtin ?? name;
    if (typeof builtinName !== 'string' || !(BUILTIN_HOOKS as readonly string[]).includes(builtinName)) {
      fail(`'builtin' must be one of ${BUILTIN_HOOKS.join(', ')}`);
    }
    definition.builtin = builtinName as BuiltinName;
    const builtin = builtinFor(definition.builtin);
    if (!builtin.phases.includes(phase)) fail(`builtin '${builtinName}' runs in ${builtin.phases.join(' or ')} only (it reads the SBOM)`);
    if (raw.options !== undefined && !isObject(raw.options)) fail("'options' must be a map");
    definition.options = builtin.checkOptions((raw.options ?? {}) as Record<string, unknown>, { baseDir, fail });
  }
  return { definition, explicit: { policy: raw.policy !== undefined, timeout: raw.timeout !== undefined } };
}

function httpUrl(value: unknown, fail: (msg: string) => never): string {
  if (typeof value !== 'string') return fail("an http hook needs 'url'");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail("'url' is not a URL");
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail("'url' must be http:// or https://");
  // Credentials in a URL end up in logs and process listings: the secret file is the place for them.
  if (url.username !== '' || url.password !== '') fail("'url' must not hold credentials (use 'secretFile')");
  return url.toString();
}

/** A Go duration (`30s`, `1m30s`, `500ms`) or a number of seconds. */
function timeout(value: unknown, fail: (msg: string) => never): number {
  let ms: number | undefined;
  if (typeof value === 'number') ms = value * 1000;
  else if (typeof value === 'string') ms = parseGoDuration(value.trim());
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return fail("'timeout' must be a positive duration such as 30s or 2m");
  if (ms > MAX_TIMEOUT_MS) return fail(`'timeout' must be at most ${MAX_TIMEOUT_MS / 60_000}m`);
  return Math.ceil(ms);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], key: string, fail: (msg: string) => never): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) return fail(`'${key}' must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
