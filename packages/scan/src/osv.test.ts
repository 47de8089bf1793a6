// OSV records: range evaluation (osv-schema "Evaluation"), versions lists, severity.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdvisoryIndex, evaluate, loadAdvisories, OsvError } from './osv.ts';
import { advisorySeverity, cvss2BaseScore, cvss3BaseScore } from './severity.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../../../test/fixtures/osv');

function entryOf(record: object, name = 'pkg', ecosystem = 'npm') {
  const index = new AdvisoryIndex();
  index.add({ id: 'TEST-1', ...record }, 'test');
  const entry = index.lookup(ecosystem, name)[0];
  if (!entry) throw new Error('not indexed');
  return entry;
}

const range = (type: string, ...events: object[]) => ({ affected: [{ package: { ecosystem: 'npm', name: 'pkg' }, ranges: [{ type, events }] }] });

describe('range evaluation', () => {
  it('introduced/fixed: affected from introduced up to, not including, fixed; the fix reported', () => {
    const e = entryOf(range('ECOSYSTEM', { introduced: '1.0.0' }, { fixed: '1.2.6' }));
    expect(evaluate(e, '0.9.0')).toEqual({ affected: false });
    expect(evaluate(e, '1.0.0')).toEqual({ affected: true, fixed: '1.2.6' });
    expect(evaluate(e, '1.2.5')).toEqual({ affected: true, fixed: '1.2.6' });
    expect(evaluate(e, '1.2.6-rc.1')).toEqual({ affected: true, fixed: '1.2.6' });
    expect(evaluate(e, '1.2.6')).toEqual({ affected: false });
    expect(evaluate(e, '2.0.0')).toEqual({ affected: false });
  });

  it('last_affected: affected up to and including it, no fix known', () => {
    const e = entryOf(range('ECOSYSTEM', { introduced: '0' }, { last_affected: '4.3.2' }));
    expect(evaluate(e, '4.3.2')).toEqual({ affected: true });
    expect(evaluate(e, '4.3.3')).toEqual({ affected: false });
  });

  it('several intervals in one range, events in any order: the fix of the interval that holds the version', () => {
    const e = entryOf(range('SEMVER', { fixed: '2.2.1' }, { introduced: '2.0.0' }, { fixed: '1.5.1' }, { introduced: '0' }));
    expect(evaluate(e, '1.5.0')).toEqual({ affected: true, fixed: '1.5.1' });
    expect(evaluate(e, '1.9.0')).toEqual({ affected: false });
    expect(evaluate(e, '2.1.0')).toEqual({ affected: true, fixed: '2.2.1' });
    expect(evaluate(e, '2.2.1')).toEqual({ affected: false });
  });

  it('introduced without a fix: every later version', () => {
    const e = entryOf(range('ECOSYSTEM', { introduced: '3.0.0' }));
    expect(evaluate(e, '2.9.9')).toEqual({ affected: false });
    expect(evaluate(e, '99.0.0')).toEqual({ affected: true });
  });

  it('versions lists match exactly; the lowest fix above the version is reported', () => {
    const e = entryOf({
      affected: [
        {
          package: { ecosystem: 'npm', name: 'pkg' },
          versions: ['1.0.0', '1.0.1'],
          ranges: [
            { type: 'GIT', repo: 'https://x', events: [{ introduced: '0' }, { fixed: 'abc' }] },
            { type: 'ECOSYSTEM', events: [{ introduced: '5.0.0' }, { fixed: '5.0.1' }] },
          ],
        },
      ],
    });
    expect(evaluate(e, '1.0.1')).toEqual({ affected: true, fixed: '5.0.1' });
    expect(evaluate(e, '1.0.2')).toEqual({ affected: false });
  });

  it('GIT ranges alone are not evaluated (and such an entry is not indexed)', () => {
    const index = new AdvisoryIndex();
    index.add({ id: 'X', affected: [{ package: { ecosystem: 'npm', name: 'pkg' }, ranges: [{ type: 'GIT', events: [{ introduced: '0' }] }] }] }, 't');
    expect(index.lookup('npm', 'pkg')).toEqual([]);
  });

  it('an installed version the ordering cannot parse matches only a versions list', () => {
    const e = entryOf(range('ECOSYSTEM', { introduced: '0' }, { fixed: '2.0.0' }));
    expect(evaluate(e, 'not-a-version')).toEqual({ affected: false });
  });
});

describe('the index', () => {
  it('normalises names per ecosystem: PyPI (PEP 503), npm and Packagist case', () => {
    const index = new AdvisoryIndex();
    index.add(
      { id: 'P', affected: [{ package: { ecosystem: 'PyPI', name: 'Zope.Interface' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] },
      't',
    );
    expect(index.lookup('PyPI', 'zope-interface')).toHaveLength(1);
    expect(index.lookup('PyPI', 'zope_interface')).toHaveLength(1);
  });

  it('keeps the release of distribution ecosystems and skips ecosystems it does not scan', () => {
    const index = new AdvisoryIndex();
    index.add(
      {
        id: 'D',
        affected: [
          { package: { ecosystem: 'Debian:12', name: 'glibc' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] },
          { package: { ecosystem: 'crates.io', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] },
        ],
      },
      't',
    );
    expect(index.lookup('Debian', 'glibc')[0]).toMatchObject({ ecosystem: 'Debian', release: '12' });
    expect(index.lookup('crates.io', 'x')).toEqual([]);
  });

  it('skips withdrawn records; takes CVEs from aliases and upstream', () => {
    const index = new AdvisoryIndex();
    index.add(
      {
        id: 'W',
        withdrawn: '2024-01-01T00:00:00Z',
        affected: [{ package: { ecosystem: 'npm', name: 'w' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }],
      },
      't',
    );
    index.add(
      {
        id: 'DSA-1',
        upstream: ['CVE-2023-1', 'DLA-9'],
        aliases: ['CVE-2023-2'],
        affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }],
      },
      't',
    );
    expect(index.lookup('npm', 'w')).toEqual([]);
    expect(index.lookup('npm', 'a')[0]?.advisory.cves).toEqual(['CVE-2023-2', 'CVE-2023-1']);
    expect(index.advisories).toBe(1);
  });

  it('loads the fixture directory recursively', () => {
    const index = loadAdvisories(FIXTURE);
    expect(index.advisories).toBe(8);
    expect(index.skipped).toEqual([]);
    expect(index.lookup('Maven', 'org.apache.logging.log4j:log4j-core')).toHaveLength(3);
  });

  it('a missing location or one without advisories is an OsvError', () => {
    expect(() => loadAdvisories('/nonexistent/osv')).toThrow(OsvError);
    expect(() => loadAdvisories(path.join(FIXTURE, 'README.md'))).toThrow(/no OSV advisories/);
  });
});

describe('severity', () => {
  it('CVSS 3.1 base scores of the fixture advisories', () => {
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H')).toBe(7.4);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBe(9.8);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N')).toBe(5.4);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H')).toBe(10);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N')).toBe(7.5);
    expect(cvss3BaseScore('CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N')).toBe(3.3);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N')).toBe(6.4);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N')).toBe(0);
    expect(cvss3BaseScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toBeUndefined();
  });

  it('CVSS v2 base scores', () => {
    expect(cvss2BaseScore('AV:N/AC:L/Au:N/C:P/I:P/A:P')).toBe(7.5);
    expect(cvss2BaseScore('AV:N/AC:M/Au:N/C:N/I:P/A:N')).toBe(4.3);
  });

  it('CVSS v3 first, then database_specific.severity, then per-package words, then CVSS v2', () => {
    expect(
      advisorySeverity({ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }], database_specific: { severity: 'LOW' } }),
    ).toEqual({ severity: 'critical', score: 9.8 });
    expect(advisorySeverity({ severity: [], database_specific: { severity: 'MODERATE' } })).toEqual({ severity: 'moderate' });
    expect(advisorySeverity({ severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N' }], database_specific: { severity: 'MEDIUM' } })).toEqual({
      severity: 'moderate',
    });
    expect(advisorySeverity({ affected: [{ ecosystem_specific: { severity: 'HIGH' } }] })).toEqual({ severity: 'high' });
    expect(advisorySeverity({ severity: [{ type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:C/I:C/A:C' }] })).toEqual({ severity: 'high', score: 10 });
    expect(advisorySeverity({ severity: [{ type: 'Ubuntu', score: 'medium' }] })).toEqual({ severity: 'moderate' });
    expect(advisorySeverity({})).toEqual({ severity: 'unknown' });
  });
});
