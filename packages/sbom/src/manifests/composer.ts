// composer.lock: `packages` (not `packages-dev`). Versions are kept as Composer locked them
// (`v1.2.3` included); the scanner's Packagist ordering normalises them.
import { dependency, type Dependency } from '../dependency.ts';
import { isObject } from './npm.ts';

export function parseComposerLock(text: string, source: string): Dependency[] {
  const lock = JSON.parse(text) as unknown;
  if (!isObject(lock)) throw new Error('not a JSON object');
  const deps: Dependency[] = [];
  if (!Array.isArray(lock.packages)) return deps;
  for (const pkg of lock.packages) {
    if (!isObject(pkg) || typeof pkg.name !== 'string' || typeof pkg.version !== 'string') continue;
    const licenses = Array.isArray(pkg.license) ? pkg.license.filter((l): l is string => typeof l === 'string') : [];
    deps.push(dependency('Packagist', pkg.name.toLowerCase(), pkg.version, source, { licenses }));
  }
  return deps;
}
