// PEP 440 (PyPI): `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]` with the normalisations of the
// spec (case, `alpha`/`beta`/`c`/`pre`/`preview`, `-N` as a post-release, `_`/`-`/`.` separators,
// a leading `v`), ordered as the `packaging` library orders them.
import { compareDigits } from './semver.ts';
import type { VersionOrdering } from './ordering.ts';

export interface Pep440 {
  epoch: string;
  release: string[];
  pre?: [number, string];
  post?: string;
  dev?: string;
  local: string[];
  /** The comparison keys of the pre-release, post-release and dev parts, computed once. */
  keys?: [Array<number | string>, Array<number | string>, Array<number | string>];
}

const PEP440 = new RegExp(
  '^v?(?:(\\d+)!)?(\\d+(?:\\.\\d+)*)' +
    '(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\\d+)?)?' +
    '(?:-(\\d+)|[-_.]?(post|rev|r)[-_.]?(\\d+)?)?' +
    '(?:[-_.]?(dev)[-_.]?(\\d+)?)?' +
    '(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$',
);

const PRE_PHASE: Record<string, [number, string]> = {
  a: [0, 'a'],
  alpha: [0, 'a'],
  b: [1, 'b'],
  beta: [1, 'b'],
  c: [2, 'rc'],
  rc: [2, 'rc'],
  pre: [2, 'rc'],
  preview: [2, 'rc'],
};

export function parsePep440(version: string): Pep440 | undefined {
  const m = PEP440.exec(version.trim().toLowerCase());
  if (!m) return undefined;
  const release = m[2]!.split('.');
  while (release.length > 1 && /^0+$/.test(release[release.length - 1]!)) release.pop();
  const v: Pep440 = { epoch: m[1] ?? '0', release, local: m[10] ? m[10].split(/[-_.]/) : [] };
  if (m[3]) {
    const [rank] = PRE_PHASE[m[3]]!;
    v.pre = [rank, m[4] ?? '0'];
  }
  if (m[5] !== undefined) v.post = m[5];
  else if (m[6]) v.post = m[7] ?? '0';
  if (m[8]) v.dev = m[9] ?? '0';
  v.keys = [preKey(v), v.post === undefined ? [-1] : [0, v.post], v.dev === undefined ? [1] : [0, v.dev]];
  return v;
}

export function comparePep440(a: Pep440, b: Pep440): number {
  let c = compareDigits(a.epoch, b.epoch);
  if (c !== 0) return c;
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    c = compareDigits(a.release[i] ?? '0', b.release[i] ?? '0');
    if (c !== 0) return c;
  }
  const ka = a.keys ?? [preKey(a), a.post === undefined ? [-1] : [0, a.post], a.dev === undefined ? [1] : [0, a.dev]];
  const kb = b.keys ?? [preKey(b), b.post === undefined ? [-1] : [0, b.post], b.dev === undefined ? [1] : [0, b.dev]];
  for (let i = 0; i < 3; i++) {
    c = compareKeys(ka[i]!, kb[i]!);
    if (c !== 0) return c;
  }
  return compareLocal(a.local, b.local);
}

// A dev release of a final version sorts before its pre-releases: 1.0.dev0 < 1.0a1 < 1.0.
function preKey(v: Pep440): Array<number | string> {
  if (!v.pre && v.post === undefined && v.dev !== undefined) return [-1];
  if (!v.pre) return [1];
  return [0, v.pre[0], v.pre[1]];
}

function compareKeys(a: Array<number | string>, b: Array<number | string>): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : -1) : 1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : compareDigits(String(x), String(y));
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

// Local segments: numbers sort after strings, numbers numerically, strings lexically; more segments win.
function compareLocal(a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      const c = compareDigits(x, y);
      if (c !== 0) return c;
    } else if (xn !== yn) {
      return xn ? 1 : -1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

export const pep440Ordering: VersionOrdering<Pep440> = { name: 'PEP 440', parse: parsePep440, compare: comparePep440 };
