#!/usr/bin/env node
// `droplet scan` at scale: 10,000 staging metadata files against 50,000 OSV records, generated
// deterministically into a temporary directory, timed against a baseline measured in the same run
// (walking, reading and JSON.parse-ing the very same files, which any scan has to do). Prints the
// medians and their ratio; `node bench/scan.mjs` runs it alone, bench/run.mjs calls runScanBench().
// The scanner's TypeScript sources are bundled with esbuild first, so any Node 20+ runs it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const SCAN_BENCH = { metadataFiles: 10_000, advisories: 50_000, dependenciesPerFile: 50, packages: 20_000 };

// mulberry32: a small deterministic PRNG, so every run generates the same files.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ECOSYSTEMS = ['npm', 'npm', 'npm', 'PyPI', 'PyPI', 'RubyGems', 'Maven', 'Go', 'Packagist', 'Debian'];
const PURL_TYPE = { npm: 'npm', PyPI: 'pypi', RubyGems: 'gem', Maven: 'maven', Go: 'golang', Packagist: 'composer', Debian: 'deb' };

function packageName(ecosystem, i) {
  switch (ecosystem) {
    case 'Maven':
      return `org.example.group${i % 97}:artifact-${i}`;
    case 'Go':
      return `github.com/example${i % 89}/module-${i}`;
    case 'Packagist':
      return `vendor${i % 83}/package-${i}`;
    default:
      return `package-${i}`;
  }
}

// Each package has 25 released versions; index 24 is the newest.
const VERSIONS = 25;
function version(ecosystem, pkg, v) {
  // Monotonic in v: major, minor, then a patch level that differs between packages.
  const text = `${Math.floor(v / 10)}.${v % 10}.${pkg % 7}`;
  if (ecosystem === 'Debian') return `${text}-${1 + (v % 3)}+deb12u${v % 5}`;
  if (ecosystem === 'Go') return `v${text}`;
  return text;
}

function purl(ecosystem, name, v) {
  if (ecosystem === 'Maven') {
    const [g, a] = name.split(':');
    return `pkg:maven/${g}/${a}@${v}`;
  }
  if (ecosystem === 'Debian') return `pkg:deb/debian/${name}@${v}?distro=debian-12`;
  return `pkg:${PURL_TYPE[ecosystem]}/${name}@${v}`;
}

/**
 * Writes the OSV records and the metadata files; returns their directories. Package popularity is
 * skewed (a few packages are in most apps and have most advisories, as lodash and minimist are
 * and do); apps mostly install recent versions; each advisory affects a run of a package's versions
 * up to a fix (one in ten up to a last_affected version), some also list versions.
 */
export function generate(dir) {
  const rand = prng(20240501);
  const packages = Array.from({ length: SCAN_BENCH.packages }, (_, i) => {
    const ecosystem = ECOSYSTEMS[i % ECOSYSTEMS.length];
    return { index: i, ecosystem, name: packageName(ecosystem, i) };
  });
  const popular = (skew) => packages[Math.floor(packages.length * rand() ** skew)];
  const osvDir = path.join(dir, 'osv');
  for (const e of new Set(ECOSYSTEMS)) fs.mkdirSync(path.join(osvDir, e), { recursive: true });
  for (let i = 0; i < SCAN_BENCH.advisories; i++) {
    const affected = [];
    for (let k = rand() < 0.2 ? 2 : 1; k > 0; k--) {
      const p = popular(1.3);
      const lo = Math.floor(rand() * (VERSIONS - 8));
      const hi = Math.min(VERSIONS - 1, lo + 1 + Math.floor(rand() * 3));
      const entry = {
        package: { ecosystem: p.ecosystem === 'Debian' ? 'Debian:12' : p.ecosystem, name: p.name },
        ranges: [
          {
            type: 'ECOSYSTEM',
            events: [
              { introduced: rand() < 0.1 ? '0' : version(p.ecosystem, p.index, lo) },
              rand() < 0.9 ? { fixed: version(p.ecosystem, p.index, hi) } : { last_affected: version(p.ecosystem, p.index, hi - 1) },
            ],
          },
        ],
      };
      if (rand() < 0.1) entry.versions = [version(p.ecosystem, p.index, lo), version(p.ecosystem, p.index, hi - 1)];
      affected.push(entry);
    }
    const id = `BENCH-${String(i).padStart(6, '0')}`;
    const record = {
      schema_version: '1.6.0',
      id,
      modified: '2024-05-01T00:00:00Z',
      aliases: [`CVE-2024-${10000 + i}`],
      summary: `Generated advisory ${i}`,
      details: 'A generated advisory for the scan benchmark. '.repeat(4),
      severity: rand() < 0.7 ? [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }] : [],
      affected,
      references: [{ type: 'WEB', url: `https://example.com/advisories/${id}` }],
      database_specific: { severity: 'MODERATE' },
    };
    fs.writeFileSync(path.join(osvDir, affected[0].package.ecosystem.split(':')[0], `${id}.json`), JSON.stringify(record, null, 2));
  }
  const metaDir = path.join(dir, 'metadata');
  for (let i = 0; i < SCAN_BENCH.metadataFiles; i++) {
    const sub = path.join(metaDir, String(i % 100).padStart(2, '0'));
    if (i < 100) fs.mkdirSync(sub, { recursive: true });
    const dependencies = [];
    for (let k = 0; k < SCAN_BENCH.dependenciesPerFile; k++) {
      const p = popular(2);
      const v = version(p.ecosystem, p.index, VERSIONS - 1 - Math.floor(VERSIONS * rand() ** 8));
      dependencies.push({ ecosystem: p.ecosystem, name: p.name, version: v, purl: purl(p.ecosystem, p.name, v), source: 'app/package-lock.json' });
    }
    const doc = {
      schemaVersion: 1,
      lifecycle: { name: 'cf-buildpack-lifecycle', version: '0.1.0' },
      stack: { name: 'cflinuxfs2', version: '1.0.0', source: 'version-file' },
      staging: { startedAt: '2024-05-01T12:00:00.000Z', finishedAt: '2024-05-01T12:00:01.000Z', durationMs: 1000, phases: [] },
      app: { name: `app-${i}`, digest: `sha256:${i.toString(16).padStart(64, '0')}`, files: 100 },
      buildpacks: [{ key: 'nodejs_buildpack', name: 'nodejs_buildpack', version: '1.8.20', source: { type: 'directory' } }],
      processTypes: { web: 'node server.js' },
      dependencies,
      executables: { static: [], dynamic: 2 },
      sbom: { path: './.cf-lifecycle/sbom.cdx.json', format: 'CycloneDX-1.5', sha256: '0'.repeat(64) },
      hooks: [],
      droplet: { sha256: '0'.repeat(64), size: 1 },
    };
    fs.writeFileSync(path.join(sub, `app-${i}.json`), JSON.stringify(doc, null, 2));
  }
  return { osvDir, metaDir };
}

function readAll(dir) {
  let n = 0;
  const visit = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.name.endsWith('.json')) {
        JSON.parse(fs.readFileSync(p, 'utf8'));
        n++;
      }
    }
  };
  visit(dir);
  return n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Generates, bundles, runs baseline and scan `runs` times each; returns the medians in ms. */
export async function runScanBench({ runs = Number(process.env.BENCH_SCAN_RUNS ?? 3), log = console.log } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scan-'));
  try {
    let t = performance.now();
    const { osvDir, metaDir } = generate(dir);
    log(
      `generated ${SCAN_BENCH.advisories} OSV records and ${SCAN_BENCH.metadataFiles} metadata files (${SCAN_BENCH.dependenciesPerFile} dependencies each) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const bundle = path.join(dir, 'scan.mjs');
    await build({
      entryPoints: [path.join(root, 'packages/scan/src/index.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: bundle,
      logLevel: 'warning',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    const { scan } = await import(pathToFileURL(bundle).href);
    const baseline = [];
    const ours = [];
    let report;
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      const files = readAll(osvDir) + readAll(metaDir);
      baseline.push(performance.now() - t);
      if (files !== SCAN_BENCH.advisories + SCAN_BENCH.metadataFiles) throw new Error(`read ${files} files`);
      t = performance.now();
      report = await scan([metaDir], osvDir, (w) => {
        throw new Error(`unexpected warning: ${w}`);
      });
      ours.push(performance.now() - t);
    }
    if (report.scanned !== SCAN_BENCH.metadataFiles || report.advisories !== SCAN_BENCH.advisories) throw new Error('scan did not see every file');
    const result = { scanMs: median(ours), baselineMs: median(baseline), ratio: median(ours) / median(baseline), findings: report.findings.length };
    log(
      `droplet scan (10,000 metadata files × 50,000 OSV records)   ours ${result.scanMs.toFixed(0)} ms  baseline (read + JSON.parse the same files) ${result.baselineMs.toFixed(0)} ms  ratio ${result.ratio.toFixed(2)}  (${result.findings} findings; medians of ${runs})`,
    );
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runScanBench();
  if (r.scanMs >= 5000) {
    console.error(`bench: the scan took ${r.scanMs.toFixed(0)} ms, over the 5 s budget`);
    process.exit(1);
  }
}
