// Gem::Version (RubyGems): `-` means `.pre.`, segments are runs of digits or of letters, a letter
// segment marks a prerelease (sorts before the release), trailing zeros of the numeric part and of
// the prerelease part are ignored (1.0 == 1.0.0).
import { compareDigits } from './semver.ts';
import type { VersionOrdering } from './ordering.ts';

export type GemVersion = Array<string | { n: string }>;

const GEM_VERSION = /^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function parseGemVersion(version: string): GemVersion | undefined {
  const text = version.trim();
  if (!GEM_VERSION.test(text)) return undefined;
  const segments: GemVersion = (text.replace(/-/g, '.pre.').match(/[0-9]+|[a-z]+/gi) ?? []).map((s) => (/^\d/.test(s) ? { n: s } : s));
  // canonical_segments: drop trailing zeros of the numeric part and of the string part separately.
  const firstString = segments.findIndex((s) => typeof s === 'string');
  const numeric = firstString < 0 ? segments : segments.slice(0, firstString);
  const rest = firstString < 0 ? [] : segments.slice(firstString);
  return [...dropTrailingZeros(numeric), ...dropTrailingZeros(rest)];
}

function dropTrailingZeros(segments: GemVersion): GemVersion {
  let end = segments.length;
  while (end > 0) {
    const s = segments[end - 1]!;
    if (typeof s === 'string' || !/^0+$/.test(s.n)) break;
    end--;
  }
  return segments.slice(0, end);
}

export function compareGemVersions(a: GemVersion, b: GemVersion): number {
  const zero = { n: '0' };
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? zero;
    const y = b[i] ?? zero;
    const xs = typeof x === 'string';
    const ys = typeof y === 'string';
    if (xs && ys) {
      if (x !== y) return x < y ? -1 : 1;
    } else if (xs !== ys) {
      return xs ? -1 : 1;
    } else {
      const c = compareDigits((x as { n: string }).n, (y as { n: string }).n);
      if (c !== 0) return c;
    }
  }
  return 0;
}

export const rubygemsOrdering: VersionOrdering<GemVersion> = { name: 'Gem::Version', parse: parseGemVersion, compare: compareGemVersions };
