// dpkg's version ordering (deb-version(7)): `[epoch:]upstream[-revision]`, each part compared by
// alternating non-digit runs (letters before other characters, `~` before everything, even the
// end of the string) and digit runs (numerically).
import { compareDigits } from './semver.ts';
import type { VersionOrdering } from './ordering.ts';

export interface DebianVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

export function parseDebianVersion(version: string): DebianVersion | undefined {
  const text = version.trim();
  const colon = text.indexOf(':');
  const epoch = colon >= 0 ? text.slice(0, colon) : '0';
  if (!/^\d+$/.test(epoch)) return undefined;
  const rest = text.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : '';
  if (!/^[0-9][A-Za-z0-9.+~:-]*$/.test(upstream)) return undefined;
  if (revision !== '' && !/^[A-Za-z0-9.+~]+$/.test(revision)) return undefined;
  return { epoch, upstream, revision };
}

function order(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (c >= 48 && c <= 57) return 0;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return c;
  if (c === 126) return -1;
  return c + 256;
}

const isDigitAt = (s: string, i: number): boolean => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;

export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigitAt(a, i)) || (j < b.length && !isDigitAt(b, j))) {
      const ac = order(a, i);
      const bc = order(b, j);
      if (ac !== bc) return Math.sign(ac - bc);
      i++;
      j++;
    }
    let di = i;
    while (isDigitAt(a, di)) di++;
    let dj = j;
    while (isDigitAt(b, dj)) dj++;
    const c = compareDigits(a.slice(i, di) || '0', b.slice(j, dj) || '0');
    if (c !== 0) return c;
    i = di;
    j = dj;
  }
  return 0;
}

export function compareDebianVersions(a: DebianVersion, b: DebianVersion): number {
  return compareDigits(a.epoch, b.epoch) || verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

export const debianOrdering: VersionOrdering<DebianVersion> = { name: 'dpkg', parse: parseDebianVersion, compare: compareDebianVersions };
