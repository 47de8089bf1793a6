// `droplet scan`: offline OSV matching over droplets, metadata files and directories of them.
import fs from 'node:fs';
import path from 'node:path';
import { appDependencies } from '@cf-lifecycle/sbom';
import { scanCommand, type Finding, type ScanReport } from '@cf-lifecycle/scan';
import { afterAll, describe, expect, it } from 'vitest';
import { APPS, capture, dep, makeDroplet, metadata, OSV_FIXTURE, tempDir, writeJson } from './fixtures.ts';

const work = tempDir('scan-test-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function scanJson(paths: string[], failOn?: 'low' | 'moderate' | 'high' | 'critical'): Promise<{ code: number; report: ScanReport; stderr: string }> {
  const c = capture();
  const code = await scanCommand(paths, { osv: OSV_FIXTURE, json: true, ...(failOn ? { failOn } : {}) }, c.out);
  return { code, report: JSON.parse(c.stdout() || 'null') as ScanReport, stderr: c.stderr() };
}

const row = (f: Finding) => [f.package, f.version, f.advisory, f.cves.join(','), f.severity, f.fixed ?? null];

describe('seeded vulnerabilities', () => {
  it('the fixture apps’ lockfiles, through the SBOM library, give one finding per seeded vulnerability with its fix', async () => {
    const files: string[] = [];
    for (const app of ['node-lockfile', 'ruby-gemfile-lock', 'python-requirements', 'composer-lock', 'go-mod', 'java-jar']) {
      files.push(writeJson(path.join(work, 'apps', `${app}.json`), metadata({ dependencies: await appDependencies(path.join(APPS, app)) })));
    }
    const { code, report } = await scanJson(files);
    expect(code).toBe(0);
    expect(report.findings.map((f) => [path.basename(f.target), ...row(f)])).toEqual([
      ['composer-lock.json', 'guzzlehttp/psr7', '2.1.0', 'GHSA-q7rv-6hp3-vh96', 'CVE-2022-24775', 'high', '2.1.1'],
      ['go-mod.json', 'golang.org/x/net', 'v0.15.0', 'GHSA-4374-p667-p6c8', 'CVE-2023-39325', 'high', '0.17.0'],
      ['java-jar.json', 'org.apache.logging.log4j:log4j-core', '2.14.1', 'GHSA-jfh8-c2jp-5v3q', 'CVE-2021-44228', 'critical', '2.15.0'],
      ['node-lockfile.json', 'minimist', '1.2.5', 'GHSA-xvch-5gv4-984h', 'CVE-2021-44906', 'critical', '1.2.6'],
      ['node-lockfile.json', 'lodash', '4.17.15', 'GHSA-p6mc-m468-83gw', 'CVE-2020-8203', 'high', '4.17.19'],
      ['python-requirements.json', 'jinja2', '3.1.2', 'GHSA-h5c8-rqwp-cp95', 'CVE-2024-22195', 'moderate', '3.1.3'],
      ['ruby-gemfile-lock.json', 'rack', '2.2.3', 'GHSA-wq4h-7r42-5hrr', 'CVE-2022-30123', 'high', '2.2.3.1'],
    ]);
    expect(report).toMatchObject({ scanned: 6, affected: 6, advisories: 8, counts: { critical: 2, high: 4, moderate: 1, low: 0, unknown: 0 } });
  });

  it('picks the fix of the range that holds the version (other release lines, Debian releases)', async () => {
    const file = writeJson(
      path.join(work, 'lines.json'),
      metadata({
        dependencies: [
          dep('npm', 'minimist', '0.0.8'),
          dep('RubyGems', 'rack', '2.1.4'),
          dep('RubyGems', 'rack', '2.0.8'),
          dep('Packagist', 'guzzlehttp/psr7', 'v1.8.3'),
          dep('Maven', 'org.apache.logging.log4j:log4j-core', '2.0-beta9'),
          dep('Maven', 'org.apache.logging.log4j:log4j-core', '2.12.1'),
          dep('npm', 'lodash.set', '4.3.2'),
          dep('Debian', 'glibc', '2.36-9+deb12u1', 'buildpack:apt', { distro: 'debian-12' }),
          dep('Debian', 'glibc', '2.31-13+deb11u5', 'buildpack:apt', { distro: 'bullseye' }),
        ],
      }),
    );
    const { report } = await scanJson([file]);
    expect(report.findings.map(row)).toEqual([
      ['minimist', '0.0.8', 'GHSA-xvch-5gv4-984h', 'CVE-2021-44906', 'critical', '0.2.4'],
      ['org.apache.logging.log4j:log4j-core', '2.0-beta9', 'GHSA-jfh8-c2jp-5v3q', 'CVE-2021-44228', 'critical', '2.3.1'],
      ['org.apache.logging.log4j:log4j-core', '2.12.1', 'GHSA-jfh8-c2jp-5v3q', 'CVE-2021-44228', 'critical', '2.12.2'],
      ['guzzlehttp/psr7', 'v1.8.3', 'GHSA-q7rv-6hp3-vh96', 'CVE-2022-24775', 'high', '1.8.4'],
      ['lodash.set', '4.3.2', 'GHSA-p6mc-m468-83gw', 'CVE-2020-8203', 'high', null],
      ['rack', '2.0.8', 'GHSA-wq4h-7r42-5hrr', 'CVE-2022-30123', 'high', '2.0.9.1'],
      ['rack', '2.1.4', 'GHSA-wq4h-7r42-5hrr', 'CVE-2022-30123', 'high', '2.1.4.1'],
      ['glibc', '2.31-13+deb11u5', 'DSA-5514-1', 'CVE-2023-4527,CVE-2023-4911', 'unknown', '2.31-13+deb11u7'],
      ['glibc', '2.36-9+deb12u1', 'DSA-5514-1', 'CVE-2023-4527,CVE-2023-4911', 'unknown', '2.36-9+deb12u3'],
    ]);
  });

  it('reports nothing for versions at or above the fix, or outside every range', async () => {
    const file = writeJson(
      path.join(work, 'fixed.json'),
      metadata({
        dependencies: [
          dep('npm', 'lodash', '4.17.19'),
          dep('npm', 'lodash', '4.17.21'),
          dep('npm', 'lodash', '3.6.0'),
          dep('npm', 'minimist', '1.2.6'),
          dep('npm', 'minimist', '1.2.8'),
          dep('npm', 'minimist', '0.2.4'),
          dep('npm', 'lodash.set', '4.3.3'),
          dep('PyPI', 'Jinja2', '3.1.3'),
          dep('PyPI', 'jinja2', '3.1.4'),
          dep('RubyGems', 'rack', '2.2.3.1'),
          dep('RubyGems', 'rack', '2.1.4.1'),
          dep('RubyGems', 'rack', '3.0.0'),
          dep('Packagist', 'guzzlehttp/psr7', '2.1.1'),
          dep('Packagist', 'guzzlehttp/psr7', '1.8.4'),
          dep('Go', 'golang.org/x/net', 'v0.17.0'),
          dep('Maven', 'org.apache.logging.log4j:log4j-core', '2.15.0'),
          dep('Maven', 'org.apache.logging.log4j:log4j-core', '2.12.2'),
          dep('Maven', 'org.apache.logging.log4j:log4j-core', '2.3.1'),
          dep('Debian', 'glibc', '2.36-9+deb12u3', 'buildpack:apt', { distro: 'debian-12' }),
          dep('Debian', 'glibc', '2.31-13+deb11u7', 'buildpack:apt', { distro: 'debian-11' }),
          dep('generic', 'lodash', '1.0.0', 'buildpack:x'),
        ],
      }),
    );
    const { code, report } = await scanJson([file], 'low');
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('--fail-on', () => {
  const critical = () => writeJson(path.join(work, 'fail-on', 'critical.json'), metadata({ dependencies: [dep('npm', 'minimist', '1.2.5')] }));
  const moderate = () => writeJson(path.join(work, 'fail-on', 'moderate.json'), metadata({ dependencies: [dep('PyPI', 'jinja2', '3.1.2')] }));
  const unknown = () => writeJson(path.join(work, 'fail-on', 'unknown.json'), metadata({ dependencies: [dep('Debian', 'glibc', '2.36-9', 'stack')] }));

  it('exits 1 when a finding is at or above the threshold, 0 when all are below', async () => {
    expect((await scanJson([critical()], 'critical')).code).toBe(1);
    expect((await scanJson([critical()], 'low')).code).toBe(1);
    expect((await scanJson([moderate()], 'moderate')).code).toBe(1);
    expect((await scanJson([moderate()], 'high')).code).toBe(0);
    expect((await scanJson([moderate()], 'critical')).code).toBe(0);
  });

  it('without --fail-on, findings do not change the exit status; unknown severities never reach a threshold', async () => {
    expect((await scanJson([critical()])).code).toBe(0);
    const u = await scanJson([unknown()], 'low');
    expect(u.report.findings.map((f) => f.severity)).toEqual(['unknown']);
    expect(u.code).toBe(0);
  });
});

describe('inputs', () => {
  it('droplets, metadata files and directories of them; JSON that is not metadata skipped; a droplet and its copy beside it read once', async () => {
    const dir = path.join(work, 'tree');
    const m = metadata({ dependencies: [dep('npm', 'lodash', '4.17.15')] });
    makeDroplet(path.join(dir, 'a', 'droplet.tgz'), { metadata: m, appFiles: { 'big.bin': Buffer.alloc(3 << 20, 7) } });
    // The copy beside the droplet is written after packaging: a later finishedAt, the droplet's digest.
    writeJson(path.join(dir, 'a', 'staging-metadata.json'), {
      ...m,
      staging: { ...m.staging, finishedAt: '2030-01-01T00:00:00.000Z' },
      droplet: { sha256: 'f'.repeat(64), size: 1 },
    });
    writeJson(path.join(dir, 'a', 'result.json'), { process_types: { web: 'x' }, lifecycle_type: 'buildpack' });
    makeDroplet(path.join(dir, 'b', 'c', 'droplet'), {
      metadata: metadata({ dependencies: [dep('npm', 'minimist', '1.2.5')] }),
      lifecycleFirst: true,
      format: 'pax',
    });
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a droplet');
    const { code, report, stderr } = await scanJson([dir]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(report.scanned).toBe(2);
    expect(report.findings.map((f) => [path.relative(dir, f.target), f.package])).toEqual([
      ['a/staging-metadata.json', 'lodash'],
      ['b/c/droplet', 'minimist'],
    ]);
  });

  it('inside a directory, a broken droplet or JSON file is a warning, not a failure', async () => {
    const dir = path.join(work, 'broken');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'truncated.tgz'), fs.readFileSync(makeDroplet(path.join(work, 'whole.tgz'), { metadata: metadata() })).subarray(0, 40));
    fs.writeFileSync(path.join(dir, 'bad.json'), '{');
    makeDroplet(path.join(dir, 'old-lifecycle.tgz'));
    writeJson(path.join(dir, 'ok.json'), metadata({ dependencies: [dep('npm', 'minimist', '1.2.5')] }));
    const { code, report, stderr } = await scanJson([dir]);
    expect(code).toBe(0);
    expect(report.scanned).toBe(1);
    expect(stderr).toMatch(/warning: .*bad\.json: skipped/);
    expect(stderr).toMatch(/warning: .*truncated\.tgz: skipped/);
    expect(stderr).toMatch(/warning: .*old-lifecycle\.tgz: skipped: .*without \.\/\.cf-lifecycle\/staging-metadata\.json/);
  });

  it('bad input is one line on stderr and exit status 2', async () => {
    const cases: Array<[string[], Parameters<typeof scanCommand>[1], RegExp]> = [
      [[path.join(work, 'missing.json')], { osv: OSV_FIXTURE }, /missing\.json: no such file or directory/],
      [[work], { osv: path.join(work, 'no-osv') }, /--osv .*no-osv: no such file or directory/],
      [[work], { osv: '' }, /--osv DIR is required/],
      [[work], { osv: OSV_FIXTURE, failOn: 'severe' as 'low' }, /invalid --fail-on "severe"/],
      [[], { osv: OSV_FIXTURE }, /name at least one/],
      [[path.join(APPS, 'node-lockfile', 'package.json')], { osv: OSV_FIXTURE }, /package\.json: not a staging metadata document/],
      [[makeDroplet(path.join(work, 'plain.tgz'))], { osv: OSV_FIXTURE }, /plain\.tgz: a droplet without/],
      // Staging metadata that breaks docs/staging-metadata.schema.json: the field and what is wrong with it.
      [
        [writeJson(path.join(work, 'v2.json'), metadata({ schemaVersion: 2 as 1 }))],
        { osv: OSV_FIXTURE },
        /v2\.json: not valid staging metadata: schemaVersion: must be 1; see docs\/staging-metadata\.md$/m,
      ],
      [
        [writeJson(path.join(work, 'no-purl.json'), metadata({ dependencies: [{ ...dep('npm', 'x', '1'), purl: undefined as never }] }))],
        { osv: OSV_FIXTURE },
        /no-purl\.json: not valid staging metadata: dependencies\[0\]\.purl: missing; see docs/,
      ],
    ];
    for (const [paths, opts, message] of cases) {
      const c = capture();
      expect(await scanCommand(paths, opts, c.out), String(message)).toBe(2);
      expect(c.stdout()).toBe('');
      expect(c.stderr()).toMatch(message);
      expect(c.stderr().trimEnd().split('\n')).toHaveLength(1);
    }
  });
});

describe('output', () => {
  it('text: one row per finding with the droplet, package, installed version, advisory and CVEs, severity and fix; then a summary', async () => {
    const file = writeJson(
      path.join(work, 'text', 'm.json'),
      metadata({ dependencies: [dep('npm', 'lodash', '4.17.15'), dep('npm', 'minimist', '1.2.5'), dep('npm', 'lodash.set', '4.3.2')] }),
    );
    const c = capture();
    expect(await scanCommand([file], { osv: OSV_FIXTURE }, c.out)).toBe(0);
    const lines = c.stdout().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DROPLET\s+PACKAGE\s+INSTALLED\s+ADVISORY\s+SEVERITY\s+FIXED$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+minimist \\(npm\\)\\s+1\\.2\\.5\\s+GHSA-xvch-5gv4-984h CVE-2021-44906\\s+critical\\s+1\\.2\\.6$`,
      ),
    );
    expect(lines[2]).toMatch(/lodash \(npm\)\s+4\.17\.15\s+GHSA-p6mc-m468-83gw CVE-2020-8203\s+high\s+4\.17\.19$/);
    expect(lines[3]).toMatch(/lodash\.set \(npm\)\s+4\.3\.2\s+GHSA-p6mc-m468-83gw CVE-2020-8203\s+high\s+-$/);
    expect(lines.at(-1)).toBe('3 findings in 1 of 1 droplet (8 advisories): 1 critical, 2 high');
  });

  it('text without findings says so', async () => {
    const file = writeJson(path.join(work, 'text', 'clean.json'), metadata({ dependencies: [dep('npm', 'lodash', '4.17.21')] }));
    const c = capture();
    await scanCommand([file], { osv: OSV_FIXTURE }, c.out);
    expect(c.stdout()).toBe('No known vulnerabilities: 0 findings in 0 of 1 droplet (8 advisories)\n');
  });

  it('JSON: findings with purl, source, aliases, score and summary', async () => {
    const file = writeJson(
      path.join(work, 'json', 'm.json'),
      metadata({
        app: { name: 'hello', digest: `sha256:${'0'.repeat(64)}`, files: 1 },
        dependencies: [dep('npm', 'lodash', '4.17.15', 'app/package-lock.json')],
      }),
    );
    const { report } = await scanJson([file]);
    expect(report.findings).toEqual([
      {
        target: file,
        app: 'hello',
        ecosystem: 'npm',
        package: 'lodash',
        version: '4.17.15',
        purl: 'pkg:npm/lodash@4.17.15',
        source: 'app/package-lock.json',
        advisory: 'GHSA-p6mc-m468-83gw',
        cves: ['CVE-2020-8203'],
        aliases: ['CVE-2020-8203'],
        summary: 'Prototype Pollution in lodash',
        severity: 'high',
        score: 7.4,
        fixed: '4.17.19',
      },
    ]);
  });
});
