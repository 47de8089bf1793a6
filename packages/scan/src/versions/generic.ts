// For versions of no known ecosystem (buildpack versions, stack versions, generic runtimes): SemVer
// when both parse as SemVer, otherwise runs of digits compared numerically and other runs
// lexically, a run of digits after a letter run (1.0 > 1.0rc1 is not guaranteed: use SemVer).
import { compareDigits, compareSemver, parseSemver } from './semver.ts';
import type { VersionOrdering } from './ordering.ts';

export function compareGeneric(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (x && y) return compareSemver(x, y);
  const xs = a.replace(/^v/, '').match(/\d+|[A-Za-z]+/g) ?? [];
  const ys = b.replace(/^v/, '').match(/\d+|[A-Za-z]+/g) ?? [];
  for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
    const p = xs[i];
    const q = ys[i];
    if (p === undefined) return /^\d/.test(q!) ? -1 : 1;
    if (q === undefined) return /^\d/.test(p) ? 1 : -1;
    const pn = /^\d/.test(p);
    const qn = /^\d/.test(q);
    const c = pn && qn ? compareDigits(p, q) : pn !== qn ? (pn ? 1 : -1) : p < q ? -1 : p > q ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

export const genericOrdering: VersionOrdering<string> = {
  name: 'generic',
  parse: (v) => (/\d/.test(v) ? v.trim() : undefined),
  compare: compareGeneric,
};
