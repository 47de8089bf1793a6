// The version ordering of each OSV ecosystem (https://ossf.github.io/osv-schema/#affectedpackage-field).
import { composerOrdering } from './composer.ts';
import { debianOrdering } from './debian.ts';
import { genericOrdering } from './generic.ts';
import { mavenOrdering } from './maven.ts';
import type { VersionOrdering } from './ordering.ts';
import { pep440Ordering } from './pep440.ts';
import { rubygemsOrdering } from './rubygems.ts';
import { semverOrdering } from './semver.ts';

export type { VersionOrdering } from './ordering.ts';
export { compareGeneric } from './generic.ts';

const ORDERINGS: Record<string, VersionOrdering> = {
  npm: semverOrdering as VersionOrdering,
  Go: semverOrdering as VersionOrdering,
  PyPI: pep440Ordering as VersionOrdering,
  RubyGems: rubygemsOrdering as VersionOrdering,
  Packagist: composerOrdering as VersionOrdering,
  Maven: mavenOrdering as VersionOrdering,
  Debian: debianOrdering as VersionOrdering,
};

/** The ordering of an ecosystem (`Debian:12` orders as `Debian`); generic for any other. */
export function orderingFor(ecosystem: string): VersionOrdering {
  const base = ecosystem.split(':')[0]!;
  return ORDERINGS[base] ?? (genericOrdering as VersionOrdering);
}

export const SEMVER_ORDERING = semverOrdering as VersionOrdering;

/** Compares two versions of an ecosystem; undefined when either does not parse. */
export function compareVersions(ecosystem: string, a: string, b: string): number | undefined {
  const ordering = orderingFor(ecosystem);
  const x = ordering.parse(a);
  const y = ordering.parse(b);
  if (x === undefined || y === undefined) return undefined;
  return ordering.compare(x, y);
}
