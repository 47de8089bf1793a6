// Staging metadata documents and droplets made by the scan tests: metadata in the format the
// builder writes (docs/staging-metadata.md), droplets as gzip tarballs made with the system tar.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { purlOf, type Dependency, type Ecosystem } from '@cf-lifecycle/sbom';
import type { StagingMetadata } from '@cf-lifecycle/contract';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const OSV_FIXTURE = path.join(ROOT, 'test/fixtures/osv');
export const APPS = path.join(ROOT, 'buildpacks-fixtures/apps');

export function dep(ecosystem: Ecosystem, name: string, version: string, source = 'app/manifest', qualifiers?: Record<string, string>): Dependency {
  return { ecosystem, name, version, purl: purlOf(ecosystem, name, version, qualifiers), source };
}

let counter = 0;

/** A complete staging metadata document; `overrides` replace top-level fields. */
export function metadata(overrides: Partial<StagingMetadata> = {}): StagingMetadata {
  counter++;
  const started = new Date(Date.UTC(2024, 4, 1, 12, 0, counter)).toISOString();
  const finished = new Date(Date.UTC(2024, 4, 1, 12, 0, counter, 900)).toISOString();
  return {
    schemaVersion: 1,
    lifecycle: { name: 'cf-buildpack-lifecycle', version: '0.1.0' },
    stack: { name: 'cflinuxfs2', version: '1.0.0', source: 'version-file' },
    staging: {
      startedAt: started,
      finishedAt: finished,
      durationMs: 900,
      phases: [
        { name: 'detect', durationMs: 12 },
        { name: 'supply', durationMs: 700 },
        { name: 'finalize', durationMs: 150 },
        { name: 'release', durationMs: 8 },
      ],
    },
    app: { name: `app-${counter}`, digest: `sha256:${createHash('sha256').update(String(counter)).digest('hex')}`, files: 12 },
    buildpacks: [{ key: 'python-web', name: 'python-web', version: '1.0.0', detectOutput: 'Python Web', source: { type: 'directory' } }],
    processTypes: { web: 'python3 server.py' },
    dependencies: [],
    executables: { static: [], dynamic: 3 },
    sbom: { path: './.cf-lifecycle/sbom.cdx.json', format: 'CycloneDX-1.5', sha256: '0'.repeat(64) },
    hooks: [],
    ...overrides,
  };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeJson(file: string, value: unknown): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

/**
 * A droplet: `./app` (with `appFiles`) and `./.cf-lifecycle/{staging-metadata.json,sbom.cdx.json}`,
 * tarred in the given order with the system tar (`format` gnu or pax) and gzipped.
 */
export function makeDroplet(
  file: string,
  opts: {
    metadata?: StagingMetadata;
    sbom?: string;
    sbomSha256?: string;
    appFiles?: Record<string, string | Buffer>;
    lifecycleFirst?: boolean;
    format?: 'gnu' | 'pax';
  } = {},
): string {
  const contents = tempDir('droplet-contents-');
  try {
    fs.mkdirSync(path.join(contents, 'app'), { recursive: true });
    for (const [name, content] of Object.entries(opts.appFiles ?? { 'server.py': 'print("hi")\n' })) {
      fs.mkdirSync(path.dirname(path.join(contents, 'app', name)), { recursive: true });
      fs.writeFileSync(path.join(contents, 'app', name), content, { mode: 0o755 });
    }
    for (const d of ['deps', 'profile.d', 'tmp', 'logs']) fs.mkdirSync(path.join(contents, d));
    fs.writeFileSync(path.join(contents, 'staging_info.yml'), '{"detected_buildpack":"","start_command":"python3 server.py"}\n');
    const entries = ['./app', './deps', './profile.d', './staging_info.yml', './tmp', './logs'];
    if (opts.metadata) {
      fs.mkdirSync(path.join(contents, '.cf-lifecycle'));
      const sbom = opts.sbom ?? '{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[]}\n';
      fs.writeFileSync(path.join(contents, '.cf-lifecycle', 'sbom.cdx.json'), sbom);
      const m = {
        ...opts.metadata,
        sbom: { path: './.cf-lifecycle/sbom.cdx.json', format: 'CycloneDX-1.5', sha256: opts.sbomSha256 ?? createHash('sha256').update(sbom).digest('hex') },
      };
      fs.writeFileSync(path.join(contents, '.cf-lifecycle', 'staging-metadata.json'), `${JSON.stringify(m, null, 2)}\n`);
      if (opts.lifecycleFirst) entries.unshift('./.cf-lifecycle');
      else entries.push('./.cf-lifecycle');
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    execFileSync('tar', [`--format=${opts.format ?? 'gnu'}`, '-czf', file, '-C', contents, ...entries]);
    return file;
  } finally {
    fs.rmSync(contents, { recursive: true, force: true });
  }
}

/** Collects what a command function prints. */
export function capture(): { out: { stdout: (s: string) => void; stderr: (s: string) => void }; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    out: { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
