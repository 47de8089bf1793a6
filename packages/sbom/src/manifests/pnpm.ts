// pnpm-lock.yaml, lockfile versions 5.x (`/name/1.0.0_peer`), 6.x (`/name@1.0.0(peer)`) and 9.x
// (`name@1.0.0`, dev-ness only in the importers). Packages marked `dev: true` (5.x, 6.x) are left
// out; for 9.x the packages reachable from the importers' non-dev dependencies are kept.
import { parse as parseYaml } from 'yaml';
import { dependency, type Dependency } from '../dependency.ts';
import { isObject } from './npm.ts';

export function parsePnpmLock(text: string, source: string): Dependency[] {
  const doc = parseYaml(text) as unknown;
  if (!isObject(doc)) throw new Error('not a YAML mapping');
  const packages = isObject(doc.packages) ? doc.packages : {};
  const major = Number.parseFloat(String(doc.lockfileVersion ?? '5'));
  const deps: Dependency[] = [];
  const keep = major >= 9 ? prodReachable(doc) : undefined;
  for (const [key, entry] of Object.entries(packages)) {
    if (!isObject(entry) || entry.dev === true) continue;
    const id = splitKey(key, major);
    if (!id) continue;
    if (keep && !keep.has(`${id.name}@${id.version}`)) continue;
    const name = typeof entry.name === 'string' ? entry.name : id.name;
    const version = typeof entry.version === 'string' ? entry.version : id.version;
    deps.push(dependency('npm', name, version, source));
  }
  return deps;
}

/** `/@scope/name/1.2.3_peer@1` (v5), `/@scope/name@1.2.3(peer@1)` (v6), `@scope/name@1.2.3(peer@1)` (v9). */
function splitKey(key: string, major: number): { name: string; version: string } | undefined {
  if (major < 6) {
    // Peer suffixes in v5 start with `_` and spell scopes with `+`, so the last `/` before them ends the name.
    const k = key.replace(/^\//, '').replace(/_.*$/, '');
    const slash = k.lastIndexOf('/');
    if (slash <= 0) return undefined;
    return { name: k.slice(0, slash), version: k.slice(slash + 1) };
  }
  const k = key.replace(/^\//, '').replace(/\(.*$/, '');
  const at = k.indexOf('@', 1);
  if (at < 0) return undefined;
  const version = k.slice(at + 1);
  if (/^(link|file|workspace):/.test(version)) return undefined;
  return { name: k.slice(0, at), version };
}

function prodReachable(doc: Record<string, unknown>): Set<string> | undefined {
  const importers = isObject(doc.importers) ? doc.importers : undefined;
  const snapshots = isObject(doc.snapshots) ? doc.snapshots : {};
  if (!importers) return undefined;
  const keep = new Set<string>();
  const graph = new Map<string, Record<string, unknown>>();
  for (const [key, entry] of Object.entries(snapshots)) if (isObject(entry)) graph.set(key, entry);
  const queue: string[] = [];
  const enqueue = (name: string, version: string): void => {
    const snapshotKey = `${name}@${version}`;
    const plain = snapshotKey.replace(/\(.*$/, '');
    if (!/^(link|file|workspace):/.test(version) && !keep.has(plain)) {
      keep.add(plain);
      queue.push(snapshotKey);
    }
  };
  for (const importer of Object.values(importers)) {
    if (!isObject(importer)) continue;
    for (const field of ['dependencies', 'optionalDependencies']) {
      const section = importer[field];
      if (!isObject(section)) continue;
      for (const [name, spec] of Object.entries(section)) {
        const version = isObject(spec) ? spec.version : spec;
        if (typeof version === 'string') enqueue(name, version);
      }
    }
  }
  while (queue.length > 0) {
    const entry = graph.get(queue.pop()!);
    if (!entry) continue;
    for (const field of ['dependencies', 'optionalDependencies']) {
      const section = entry[field];
      if (!isObject(section)) continue;
      for (const [name, version] of Object.entries(section)) if (typeof version === 'string') enqueue(name, version);
    }
  }
  return keep;
}
