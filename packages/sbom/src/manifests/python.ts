// Python: requirements.txt (only pinned `name==version` lines: anything else is a range, not
// what was installed), Pipfile.lock (`default`, not `develop`) and poetry.lock (`[[package]]`
// tables; `category = "dev"` of Poetry < 1.5 left out).
import { dependency, type Dependency } from '../dependency.ts';
import { isObject } from './npm.ts';

export function parseRequirementsTxt(text: string, source: string): Dependency[] {
  const deps: Dependency[] = [];
  // Backslash-newline continues a line (hashes are often on continuation lines).
  for (const raw of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || line.startsWith('-')) continue;
    const requirement = line
      .split(';')[0]!
      .replace(/\s--hash[= ]\S+/g, '')
      .trim();
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*===?\s*([^\s,;]+)$/.exec(requirement);
    if (!m || m[3]!.includes('*')) continue;
    deps.push(dependency('PyPI', normalizePypiName(m[1]!), m[3]!, source));
  }
  return deps;
}

export function parsePipfileLock(text: string, source: string): Dependency[] {
  const lock = JSON.parse(text) as unknown;
  if (!isObject(lock)) throw new Error('not a JSON object');
  const deps: Dependency[] = [];
  const section = lock.default;
  if (!isObject(section)) return deps;
  for (const [name, entry] of Object.entries(section)) {
    if (!isObject(entry) || typeof entry.version !== 'string') continue;
    const version = entry.version.replace(/^===?/, '');
    deps.push(dependency('PyPI', normalizePypiName(name), version, source));
  }
  return deps;
}

/** Only the keys of `[[package]]` tables are read, one `key = "string"` per line (what Poetry writes). */
export function parsePoetryLock(text: string, source: string): Dependency[] {
  const deps: Dependency[] = [];
  let current: Record<string, string> | undefined;
  const flush = (): void => {
    if (current?.name && current.version && current.category !== 'dev') {
      deps.push(dependency('PyPI', normalizePypiName(current.name), current.version, source));
    }
    current = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*\[\[package\]\]\s*$/.test(line)) {
      flush();
      current = {};
      continue;
    }
    if (/^\s*\[/.test(line)) {
      // A sub-table ([package.dependencies]) or another table: the package's own keys are over.
      if (current) flush();
      continue;
    }
    const m = /^\s*([A-Za-z0-9_-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(line);
    if (m && current) current[m[1]!] = m[2]!;
  }
  flush();
  return deps;
}

/** PEP 503 normalisation: lower case, runs of `-`, `_` and `.` become one `-`. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
