// Composer (Packagist): VersionParser::normalize (a leading `v` dropped, four numeric parts,
// stability suffixes `alpha`/`beta`/`RC`/`patch` and `-dev` spelled one way), then PHP's
// version_compare on the normalised text, as Composer's Comparator does. Branch names (`dev-main`)
// are not versions.
import type { VersionOrdering } from './ordering.ts';

const NORMAL = /^v?(\d{1,5})(\.\d+)?(\.\d+)?(\.\d+)?[._-]?(?:(stable|beta|b|rc|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?$/i;
const DATE = /^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})[._-]?(?:(stable|beta|b|rc|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?$/i;
const STABILITY: Record<string, string> = {
  stable: '',
  beta: 'beta',
  b: 'beta',
  rc: 'RC',
  alpha: 'alpha',
  a: 'alpha',
  patch: 'patch',
  pl: 'patch',
  p: 'patch',
};

export function normalizeComposerVersion(version: string): string | undefined {
  const text = version.trim().replace(/@(stable|rc|beta|alpha|dev)$/i, '');
  if (/^dev-/i.test(text)) return undefined;
  let m = NORMAL.exec(text);
  let base: string;
  let stability: string | undefined;
  let number: string | undefined;
  let dev: string | undefined;
  if (m) {
    base = [m[1], m[2] ?? '.0', m[3] ?? '.0', m[4] ?? '.0'].join('').replace(/^(\d+)/, (d) => String(Number(d)));
    [stability, number, dev] = [m[5], m[6], m[7]];
  } else {
    m = DATE.exec(text);
    if (!m) return undefined;
    base = m[1]!.replace(/\D/g, '.');
    [stability, number, dev] = [m[2], m[3], m[4]];
  }
  let out = base;
  if (stability) {
    const s = STABILITY[stability.toLowerCase()]!;
    if (s !== '') out += `-${s}${number ? number.replace(/^[.-]/, '') : ''}`;
  }
  if (dev) out += '-dev';
  return out;
}

// PHP's version_compare: special forms by prefix, any other string lowest.
const SPECIAL: Array<[string, number]> = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];

function specialOrder(form: string): number {
  for (const [name, order] of SPECIAL) if (form.startsWith(name)) return order;
  return -1;
}

/** PHP's canonicalisation: `-`, `_`, `+` and other non-alphanumerics become `.`, and a `.` goes between digits and letters. */
export function phpCanonicalParts(version: string): string[] {
  let out = version[0] ?? '';
  const isDigit = (c: string): boolean => c >= '0' && c <= '9';
  const isNonDigit = (c: string): boolean => !isDigit(c) && c !== '.';
  for (let i = 1; i < version.length; i++) {
    const c = version[i]!;
    const lp = version[i - 1]!;
    if (c === '-' || c === '_' || c === '+') {
      if (!out.endsWith('.')) out += '.';
    } else if ((isNonDigit(lp) && isDigit(c)) || (isDigit(lp) && isNonDigit(c))) {
      if (!out.endsWith('.')) out += '.';
      out += c;
    } else if (!/[0-9A-Za-z]/.test(c) && c !== '.') {
      if (!out.endsWith('.')) out += '.';
    } else {
      out += c;
    }
  }
  return out.split('.');
}

/** A normalised version split as PHP canonicalises it, numbers as numbers: parsed once, compared often. */
export type ComposerVersion = Array<number | string>;

export function parseComposerVersion(version: string): ComposerVersion | undefined {
  const normal = normalizeComposerVersion(version);
  if (normal === undefined) return undefined;
  return phpCanonicalParts(normal).map((p) => (/^\d/.test(p) ? Number.parseInt(p, 10) : p));
}

const NUMBER_ORDER = specialOrder('#N#');

export function compareComposerVersions(x: ComposerVersion, y: ComposerVersion): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x[i]!;
    const q = y[i]!;
    let c: number;
    if (typeof p === 'number' && typeof q === 'number') c = Math.sign(p - q);
    else if (typeof p === 'string' && typeof q === 'string') c = Math.sign(specialOrder(p) - specialOrder(q));
    else if (typeof p === 'number') c = Math.sign(NUMBER_ORDER - specialOrder(q as string));
    else c = Math.sign(specialOrder(p) - NUMBER_ORDER);
    if (c !== 0) return c;
  }
  if (x.length > n) {
    const p = x[n]!;
    return typeof p === 'number' ? 1 : Math.sign(specialOrder(p) - NUMBER_ORDER);
  }
  if (y.length > n) {
    const q = y[n]!;
    return typeof q === 'number' ? -1 : Math.sign(NUMBER_ORDER - specialOrder(q));
  }
  return 0;
}

export const composerOrdering: VersionOrdering<ComposerVersion> = { name: 'Composer', parse: parseComposerVersion, compare: compareComposerVersions };
