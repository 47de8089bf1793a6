// yarn.lock: the classic (v1) format and the YAML format of Yarn 2+ ("berry").
import { parse as parseYaml } from 'yaml';
import { dependency, type Dependency } from '../dependency.ts';
import { isObject } from './npm.ts';

export function parseYarnLock(text: string, source: string): Dependency[] {
  if (/^__metadata:/m.test(text)) return parseBerry(text, source);
  return parseClassic(text, source);
}

// Classic: `"lodash@^4.17.15", lodash@^4.17.11:` followed by indented `version "4.17.15"`.
function parseClassic(text: string, source: string): Dependency[] {
  const deps: Dependency[] = [];
  let name: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      const first = line.replace(/:$/, '').split(',')[0]!.trim().replace(/^"|"$/g, '');
      name = packageName(first);
      continue;
    }
    const m = /^\s+version:?\s+"?([^"\s]+)"?\s*$/.exec(line);
    if (m && name) {
      deps.push(dependency('npm', name, m[1]!, source));
      name = undefined;
    }
  }
  return deps;
}

// Berry: keys `"lodash@npm:^4.17.15"` with `resolution: "lodash@npm:4.17.15"`; workspace, link,
// portal and patch resolutions are not registry packages (a patched package is also listed plainly).
function parseBerry(text: string, source: string): Dependency[] {
  const doc = parseYaml(text) as unknown;
  if (!isObject(doc)) throw new Error('not a YAML mapping');
  const deps: Dependency[] = [];
  for (const [key, entry] of Object.entries(doc)) {
    if (key === '__metadata' || !isObject(entry)) continue;
    const resolution = typeof entry.resolution === 'string' ? entry.resolution : key.split(',')[0]!.trim();
    const at = resolution.indexOf('@', 1);
    if (at < 0 || !resolution.slice(at + 1).startsWith('npm:')) continue;
    const version = typeof entry.version === 'string' ? entry.version : resolution.slice(at + 5);
    deps.push(dependency('npm', resolution.slice(0, at), version, source));
  }
  return deps;
}

/** `@scope/name@^1.0.0` → `@scope/name`; an alias `alias@npm:real@^1` names the real package. */
function packageName(spec: string): string {
  const at = spec.indexOf('@', 1);
  if (at < 0) return spec;
  const range = spec.slice(at + 1);
  if (range.startsWith('npm:')) {
    const real = range.slice(4);
    const realAt = real.indexOf('@', 1);
    return realAt < 0 ? real : real.slice(0, realAt);
  }
  return spec.slice(0, at);
}
