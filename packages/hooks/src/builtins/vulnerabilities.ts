// Built-in `vulnerabilities`: the SBOM's components matched against a directory of OSV advisories by
// the scanner of @cf-lifecycle/scan. Every affected (component, advisory) is a finding; any at or
// above `threshold` denies staging.
import fs from 'node:fs';
import path from 'node:path';
import type { Severity } from '@cf-lifecycle/scan';
import { parsePurl, type Dependency } from '@cf-lifecycle/sbom/dependency';
import type { Finding, HookPayload, Verdict } from '../model.ts';
import { SBOM_PHASES, rejectUnknownOptions, type Builtin, type OptionsContext } from './builtin.ts';
import { readSbom, sbomPath } from './cyclonedx.ts';

const MESSAGE_ITEMS = 5;

/** The scanner's severities, lowest first (its `SEVERITIES`, spelled here so loading hooks does not load the scanner). */
const SEVERITIES: readonly Severity[] = ['low', 'moderate', 'high', 'critical'];

/** `unknown` (an advisory without a usable severity) ranks below `low`: recorded, never blocking. */
const rank = (s: string): number => (SEVERITIES as readonly string[]).indexOf(s);

export const vulnerabilities: Builtin = {
  phases: SBOM_PHASES,

  checkOptions(options: Record<string, unknown>, { baseDir, fail }: OptionsContext): Record<string, unknown> {
    rejectUnknownOptions(options, ['osv', 'threshold'], fail);
    if (typeof options.osv !== 'string' || options.osv === '') return fail("the vulnerabilities hook needs option 'osv' (a directory of OSV advisories)");
    const osv = path.resolve(baseDir, options.osv);
    if (!fs.existsSync(osv)) fail(`option 'osv': ${osv}: no such file or directory`);
    const threshold = options.threshold ?? 'high';
    if (typeof threshold !== 'string' || !(SEVERITIES as readonly string[]).includes(threshold))
      fail(`option 'threshold' must be one of ${SEVERITIES.join(', ')}`);
    return { osv, threshold };
  },

  async run(payload: HookPayload, options: Record<string, unknown>): Promise<Verdict> {
    const sbom = sbomPath(payload.paths);
    const threshold = options.threshold as Severity;
    const dependencies: Dependency[] = [];
    for (const c of readSbom(sbom)) {
      const parsed = c.purl ? parsePurl(c.purl) : undefined;
      const version = parsed?.version ?? c.version;
      if (!parsed || !version) continue;
      dependencies.push({ ecosystem: parsed.ecosystem, name: parsed.name, version, purl: c.purl!, source: 'sbom' });
    }
    // Loaded only when the hook runs: the builder's start-up does not pay for the scanner.
    const { findingsFor, loadAdvisories } = await import('@cf-lifecycle/scan');
    const index = loadAdvisories(options.osv as string);
    const hits = findingsFor(sbom, { dependencies }, index);

    const findings: Finding[] = hits.map((h) => {
      const cves = h.cves.length > 0 ? ` (${h.cves.join(', ')})` : '';
      const fix = h.fixed ? `; fixed in ${h.fixed}` : '';
      return { id: h.advisory, severity: h.severity, summary: `${h.package}@${h.version}: ${h.summary ?? 'vulnerable'}${cves}${fix}` };
    });
    const blocking = hits.filter((h) => rank(h.severity) >= rank(threshold));
    if (blocking.length === 0) {
      const below = hits.length > 0 ? `, ${hits.length} below ${threshold}` : '';
      return { outcome: 'allow', message: `${dependencies.length} components scanned: no vulnerabilities at or above ${threshold}${below}`, findings };
    }
    const first = blocking[0]!;
    const label = (h: (typeof hits)[number]) => `${h.advisory}${h.cves.length > 0 ? ` (${h.cves.join(', ')})` : ''} in ${h.package}@${h.version}`;
    const message =
      blocking.length === 1
        ? `${first.severity} vulnerability ${label(first)}`
        : `${blocking.length} vulnerabilities at or above ${threshold}: ${blocking
            .slice(0, MESSAGE_ITEMS)
            .map((h) => `${h.severity} ${label(h)}`)
            .join('; ')}${blocking.length > MESSAGE_ITEMS ? ` and ${blocking.length - MESSAGE_ITEMS} more` : ''}`;
    return { outcome: 'deny', message, findings };
  },
};
