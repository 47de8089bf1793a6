// Matching the dependencies a staging recorded against the advisory index: one finding per
// (package, advisory) of each droplet. Verdicts are cached per package version: across thousands
// of droplets the same versions recur, and each is evaluated once.
import { parsePurl, type Dependency } from '@cf-lifecycle/sbom/dependency';
import type { StagingMetadata } from '@cf-lifecycle/contract';
import { evaluate, SCANNED_ECOSYSTEMS, type Advisory, type AdvisoryIndex, type ParsedVersions } from './osv.ts';
import type { SeverityOrUnknown } from './severity.ts';

export interface Finding {
  /** The droplet or metadata file the dependency was recorded in. */
  target: string;
  app?: string;
  ecosystem: string;
  package: string;
  version: string;
  purl: string;
  /** Where the staging found it: `app/<manifest>`, `buildpack:<key>`, `stack`. */
  source: string;
  advisory: string;
  cves: string[];
  aliases: string[];
  summary?: string;
  severity: SeverityOrUnknown;
  score?: number;
  fixed?: string;
}

export interface Match {
  advisory: Advisory;
  fixed?: string;
}

const DEBIAN_CODENAMES: Record<string, string> = { buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14', stretch: '9', jessie: '8' };

/** The Debian release a dependency belongs to, from its purl's `distro` qualifier (`debian-12`, `bookworm`). */
export function debianRelease(dep: Dependency): string | undefined {
  const distro = parsePurl(dep.purl)?.qualifiers.distro;
  if (!distro) return undefined;
  const d = distro.toLowerCase().replace(/^debian-/, '');
  return DEBIAN_CODENAMES[d] ?? /^(\d+)/.exec(d)?.[1];
}

const NO_MATCH: readonly Match[] = [];

export class Matcher {
  /** Matches by purl: a purl names one version of one package (with a Debian release qualifier). */
  readonly #cache = new Map<string, readonly Match[]>();

  constructor(readonly index: AdvisoryIndex) {}

  /** The advisories affecting one dependency, one match per advisory. */
  matches(dep: Dependency): readonly Match[] {
    const cached = this.#cache.get(dep.purl);
    if (cached !== undefined) return cached;
    const result = this.#evaluate(dep);
    this.#cache.set(dep.purl, result);
    return result;
  }

  #evaluate(dep: Dependency): readonly Match[] {
    if (!SCANNED_ECOSYSTEMS.has(dep.ecosystem)) return NO_MATCH;
    const entries = this.index.lookup(dep.ecosystem, dep.name);
    if (entries.length === 0) return NO_MATCH;
    const release = dep.ecosystem === 'Debian' ? debianRelease(dep) : undefined;
    const parsed: ParsedVersions = new Map();
    let found: Match[] | undefined;
    for (const entry of entries) {
      if (release && entry.release && entry.release !== release) continue;
      // An advisory may list the package once per release line: the first entry that holds the version wins.
      if (found?.some((m) => m.advisory === entry.advisory)) continue;
      const verdict = evaluate(entry, dep.version, parsed);
      if (verdict.affected)
        (found ??= []).push(verdict.fixed === undefined ? { advisory: entry.advisory } : { advisory: entry.advisory, fixed: verdict.fixed });
    }
    return found ?? NO_MATCH;
  }
}

/** The findings of the dependencies a staging recorded (or of any list of them, with the app's name when known). */
export function findingsFor(
  target: string,
  metadata: Pick<StagingMetadata, 'dependencies'> & { app?: { name?: string } },
  matcher: Matcher | AdvisoryIndex,
): Finding[] {
  const m = matcher instanceof Matcher ? matcher : new Matcher(matcher);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const dep of metadata.dependencies) {
    const matches = m.matches(dep);
    if (matches.length === 0 || seen.has(dep.purl)) continue;
    seen.add(dep.purl);
    for (const { advisory: a, fixed } of matches) {
      const finding: Finding = {
        target,
        ecosystem: dep.ecosystem,
        package: dep.name,
        version: dep.version,
        purl: dep.purl,
        source: dep.source,
        advisory: a.id,
        cves: a.cves,
        aliases: a.aliases,
        severity: a.severity,
      };
      if (metadata.app?.name) finding.app = metadata.app.name;
      if (a.summary) finding.summary = a.summary;
      if (a.score !== undefined) finding.score = a.score;
      if (fixed) finding.fixed = fixed;
      findings.push(finding);
    }
  }
  return findings;
}
