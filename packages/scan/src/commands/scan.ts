// `droplet scan PATH... --osv DIR [--json] [--fail-on SEVERITY]`: offline matching of the
// dependencies recorded by staging against OSV advisories; one row per finding.
import { EXIT } from '@cf-lifecycle/contract';
import { findingsFor, Matcher, type Finding } from '../findings.ts';
import { plural, redactedJson, safe, table } from '../format.ts';
import { forEachTarget, InputError } from '../inputs.ts';
import { loadAdvisories, OsvError } from '../osv.ts';
import { describeMixed, type StagingSet } from '../staging-set.ts';
import { SEVERITIES, severityRank, type Severity, type SeverityOrUnknown } from '../severity.ts';
import type { Output } from './output.ts';

export interface ScanOptions {
  osv: string;
  json?: boolean;
  failOn?: Severity;
}

export interface ScanReport {
  findings: Finding[];
  /** How many droplets or metadata files were scanned. */
  scanned: number;
  /** How many of them have at least one finding. */
  affected: number;
  advisories: number;
  counts: Record<SeverityOrUnknown, number>;
  /** The droplets whose files come from different stagings (docs/scanning.md, "Mixed sets"): exit status 3. */
  mixed: StagingSet[];
}

export async function scanCommand(paths: string[], opts: ScanOptions, out: Output): Promise<number> {
  if (opts.failOn !== undefined && !SEVERITIES.includes(opts.failOn)) {
    out.stderr(`droplet scan: invalid --fail-on ${safe(JSON.stringify(opts.failOn))}: use one of ${SEVERITIES.join(', ')}\n`);
    return EXIT.droplet.Usage;
  }
  if (!opts.osv) {
    out.stderr('droplet scan: --osv DIR is required\n');
    return EXIT.droplet.Usage;
  }
  if (paths.length === 0) {
    out.stderr('droplet scan: name at least one droplet, staging metadata file or directory\n');
    return EXIT.droplet.Usage;
  }
  let report: ScanReport;
  try {
    report = await scan(paths, opts.osv, (w) => out.stderr(`droplet scan: warning: ${safe(w)}\n`));
  } catch (err) {
    if (err instanceof InputError || err instanceof OsvError) {
      out.stderr(`droplet scan: ${safe(err.message)}\n`);
      return EXIT.droplet.Usage;
    }
    throw err;
  }
  out.stdout(opts.json ? `${redactedJson(report)}\n` : render(report));
  for (const set of report.mixed) out.stderr(`droplet scan: ${safe(describeMixed(set))}\n`);
  if (report.mixed.length > 0) return EXIT.droplet.MixedSet;
  if (opts.failOn) {
    const threshold = severityRank(opts.failOn);
    if (report.findings.some((f) => severityRank(f.severity) >= threshold)) return EXIT.droplet.Findings;
  }
  return EXIT.droplet.Success;
}

/** Loads the advisories and the targets and matches them. */
export async function scan(paths: readonly string[], osv: string, warn: (message: string) => void): Promise<ScanReport> {
  const index = loadAdvisories(osv);
  for (const skipped of index.skipped) warn(skipped);
  const matcher = new Matcher(index);
  const findings: Finding[] = [];
  let affected = 0;
  let scanned = 0;
  const mixed = new Map<string, StagingSet>();
  await forEachTarget(paths, warn, (target) => {
    scanned++;
    if (target.set?.status === 'mixed' && !mixed.has(target.set.droplet)) mixed.set(target.set.droplet, target.set);
    const found = findingsFor(target.path, target.metadata, matcher);
    if (found.length > 0) affected++;
    for (const f of found) findings.push(f);
  });
  findings.sort(
    (a, b) =>
      cmp(a.target, b.target) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      cmp(a.package, b.package) ||
      cmp(a.version, b.version) ||
      cmp(a.advisory, b.advisory),
  );
  const counts: Record<SeverityOrUnknown, number> = { critical: 0, high: 0, moderate: 0, low: 0, unknown: 0 };
  for (const f of findings) counts[f.severity]++;
  return { findings, scanned, affected, advisories: index.advisories, counts, mixed: [...mixed.values()] };
}

function render(report: ScanReport): string {
  const advisories = plural(report.advisories, 'advisory', 'advisories');
  const summary = `${plural(report.findings.length, 'finding')} in ${report.affected} of ${plural(report.scanned, 'droplet')} (${advisories})`;
  if (report.findings.length === 0) return `No known vulnerabilities: ${summary}\n`;
  const rows = report.findings.map((f) => [
    f.target,
    `${f.package} (${f.ecosystem})`,
    f.version,
    [f.advisory, ...f.cves.filter((c) => c !== f.advisory)].join(' '),
    f.severity,
    f.fixed ?? '-',
  ]);
  const bySeverity = (['critical', 'high', 'moderate', 'low', 'unknown'] as const).filter((s) => report.counts[s] > 0).map((s) => `${report.counts[s]} ${s}`);
  return `${table(['DROPLET', 'PACKAGE', 'INSTALLED', 'ADVISORY', 'SEVERITY', 'FIXED'], rows)}\n\n${summary}: ${bySeverity.join(', ')}\n`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
