// A dependency as the SBOM and the staging metadata record it: one package of one ecosystem, named
// by its package URL (purl). Builders of purls live here so every manifest reader spells them alike.
import { ECOSYSTEMS, type Dependency, type Ecosystem } from '@cf-lifecycle/contract';
import { PackageURL } from 'packageurl-js';

// The types are the staging metadata's (contract); re-exported for the manifest readers here.
export { ECOSYSTEMS, type Dependency, type Ecosystem };

/** The purl type of each ecosystem (purl-spec PURL-TYPES), and back. */
const PURL_TYPE: Record<Ecosystem, string> = {
  npm: 'npm',
  PyPI: 'pypi',
  RubyGems: 'gem',
  Packagist: 'composer',
  Go: 'golang',
  Maven: 'maven',
  Debian: 'deb',
  generic: 'generic',
};
const ECOSYSTEM_OF_TYPE = new Map(Object.entries(PURL_TYPE).map(([eco, type]) => [type, eco as Ecosystem]));

export function ecosystemOfPurlType(type: string): Ecosystem {
  return ECOSYSTEM_OF_TYPE.get(type.toLowerCase()) ?? 'generic';
}

/**
 * The purl of a package by its ecosystem name: npm `@scope/name`, Packagist `vendor/name`, Go module
 * paths and Maven `group:artifact` carry their namespace in the name, as OSV names them.
 */
export function purlOf(ecosystem: Ecosystem, name: string, version: string, qualifiers?: Record<string, string>): string {
  let namespace: string | undefined;
  let base = name;
  if (ecosystem === 'Maven') {
    const colon = name.indexOf(':');
    if (colon > 0) {
      namespace = name.slice(0, colon);
      base = name.slice(colon + 1);
    }
  } else if (ecosystem === 'npm' || ecosystem === 'Packagist' || ecosystem === 'Go') {
    const slash = name.lastIndexOf('/');
    if (slash > 0) {
      namespace = name.slice(0, slash);
      base = name.slice(slash + 1);
    }
  } else if (ecosystem === 'Debian') {
    namespace = 'debian';
  }
  return new PackageURL(PURL_TYPE[ecosystem], namespace, base, version || undefined, qualifiers, undefined).toString();
}

export interface ParsedPurl {
  ecosystem: Ecosystem;
  /** The name as OSV spells it for that ecosystem (see {@link purlOf}). */
  name: string;
  version?: string;
  qualifiers: Record<string, string>;
}

/** Parses a purl; undefined when it is not one. */
export function parsePurl(purl: string): ParsedPurl | undefined {
  let parsed: PackageURL;
  try {
    parsed = PackageURL.fromString(purl);
  } catch {
    return undefined;
  }
  const ecosystem = ecosystemOfPurlType(parsed.type);
  let name = parsed.name;
  if (parsed.namespace) {
    if (ecosystem === 'Maven') name = `${parsed.namespace}:${parsed.name}`;
    else if (ecosystem !== 'Debian') name = `${parsed.namespace}/${parsed.name}`;
  }
  const result: ParsedPurl = { ecosystem, name, qualifiers: { ...(parsed.qualifiers ?? {}) } };
  if (parsed.version) result.version = parsed.version;
  return result;
}

export function dependency(
  ecosystem: Ecosystem,
  name: string,
  version: string,
  source: string,
  extra: { licenses?: readonly string[]; qualifiers?: Record<string, string> } = {},
): Dependency {
  const dep: Dependency = { ecosystem, name, version, purl: purlOf(ecosystem, name, version, extra.qualifiers), source };
  const licenses = (extra.licenses ?? []).map((l) => l.trim()).filter((l) => l !== '');
  if (licenses.length > 0) dep.licenses = [...new Set(licenses)];
  return dep;
}

/**
 * One entry per purl, licenses merged, the first source in code-unit order kept (so the result
 * does not depend on the order found), sorted by ecosystem, name and version: the SBOM of the same
 * app is the same text every time.
 */
export function dedupeDependencies(deps: Iterable<Dependency>): Dependency[] {
  const byPurl = new Map<string, Dependency>();
  const ordered = [...deps].sort((a, b) => cmp(a.purl, b.purl) || cmp(a.source, b.source));
  for (const dep of ordered) {
    const seen = byPurl.get(dep.purl);
    if (!seen) {
      byPurl.set(dep.purl, { ...dep, ...(dep.licenses ? { licenses: [...dep.licenses] } : {}) });
    } else if (dep.licenses) {
      seen.licenses = [...new Set([...(seen.licenses ?? []), ...dep.licenses])];
    }
  }
  return [...byPurl.values()].sort(compareDependencies);
}

export function compareDependencies(a: Dependency, b: Dependency): number {
  return cmp(a.ecosystem, b.ecosystem) || cmp(a.name, b.name) || cmp(a.version, b.version) || cmp(a.purl, b.purl);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
