// Go's path/filepath.Clean on Unix: flag paths are cleaned lexically before use (CONTRACT §2.1).
import { posix } from 'node:path';

export function goClean(p: string): string {
  if (p === '') return '.';
  const normalized = posix.normalize(p);
  if (normalized.length > 1 && normalized.endsWith('/')) return normalized.slice(0, -1);
  return normalized;
}

/**
 * Deps directory index, zero-padded to the width of the buildpack count (CONTRACT §2.5):
 * N ≤ 9 → `0`…; N = 10…99 → `00`…
 */
export function depsIndex(i: number, buildpackCount: number): string {
  const width = Math.floor(Math.log10(Math.max(buildpackCount, 1))) + 1;
  return String(i).padStart(width, '0');
}
