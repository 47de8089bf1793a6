// End to end through the `droplet` CLI: staging metadata and SBOM, then inspect, scan, advise,
// export and k8s on the droplets it staged (docs/staging-metadata.md, docs/scanning.md, docs/oci.md).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ROOT, runCli, type RunResult } from '../helpers/stage.ts';

const FIXTURES = path.join(ROOT, 'buildpacks-fixtures');
const OSV = path.join(ROOT, 'test', 'fixtures', 'osv');

let scratch: string;
let droplet: string;

function cli(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return runCli(args, env);
}

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'droplet-analysis-'));
  const app = path.join(scratch, 'node-lockfile');
  execFileSync('cp', ['-a', path.join(FIXTURES, 'apps', 'node-lockfile'), app]);
  droplet = path.join(scratch, 'node.droplet');
  const r = await cli(['stage', app, '-b', path.join(FIXTURES, 'buildpacks', 'always-detects'), '-o', droplet]);
  expect(r.stderr).toContain('droplet written to');
  expect(r.code).toBe(0);
}, 120_000);

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('droplet inspect', () => {
  it('reads the metadata and SBOM inside the droplet', async () => {
    const r = await cli(['inspect', droplet, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(JSON.stringify(doc)).toContain('pkg:npm/lodash@4.17.15');
    expect(JSON.stringify(doc)).toContain('always-detects');
    const text = await cli(['inspect', droplet]);
    expect(text.stdout).toContain('buildpacks');
    expect(text.stdout).toContain('(digest verified)');
  });
});

describe('droplet scan', () => {
  it('finds the seeded lodash and minimist advisories with their fixed versions; --fail-on sets the exit code', async () => {
    const r = await cli(['scan', droplet, '--osv', OSV, '--json']);
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toContain('CVE-2020-8203');
    expect(text).toContain('4.17.19');
    expect(text).toContain('CVE-2021-44906');
    expect(text).toContain('1.2.6');
    const failing = await cli(['scan', droplet, '--osv', OSV, '--fail-on', 'high']);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('lodash');
  });

  it('a bad --osv directory is one clear line and exit 2', async () => {
    const r = await cli(['scan', droplet, '--osv', path.join(scratch, 'missing')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('droplet advise', () => {
  it('ok on the same stack version, restart when only the stack is newer', async () => {
    const meta = JSON.parse(fs.readFileSync(`${droplet}.metadata.json`, 'utf8'));
    expect(meta.stack).toMatchObject({ name: 'cflinuxfs2', version: '1.0.0', source: 'version-file' });
    const same = await cli(['advise', droplet, '--stack-version', '1.0.0']);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(new RegExp(`^${droplet.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+ok\\b`));
    const newer = await cli(['advise', droplet, '--stack-version', '1.0.1']);
    expect(newer.code).toBe(0);
    expect(newer.stdout).toMatch(/\srestart\s/);
  });
});

describe('droplet k8s', () => {
  it('writes a Deployment, a Service and a staging Job', async () => {
    const r = await cli(['k8s', 'registry.example.com/apps/node:1.0', '--name', 'node-app', '--replicas', '3', '--port', '9000']);
    expect(r.code).toBe(0);
    const docs = r.stdout
      .split(/^---$/m)
      .map((d) => parseYaml(d))
      .filter(Boolean);
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'Service', 'Job']);
    const deployment = docs[0];
    expect(deployment.spec.replicas).toBe(3);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example.com/apps/node:1.0');
    expect(JSON.stringify(container)).toContain('/tmp/lifecycle/healthcheck');
    expect(JSON.stringify(deployment.spec.template.spec)).toContain('2000');
  });
});

describe('droplet export', () => {
  it('writes an oci-archive that skopeo reads, with the launcher as entrypoint and user 2000', async () => {
    const image = path.join(scratch, 'node.tar');
    const r = await cli(['export', droplet, '-o', image, '--tag', 'node-app:v1']);
    expect(r.stderr).toContain('image ');
    expect(r.code).toBe(0);
    const config = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `oci-archive:${image}`], { encoding: 'utf8' }));
    expect(config.config.User).toBe('2000:2000');
    expect(config.config.Entrypoint).toEqual(['/tmp/lifecycle/launcher', 'app', '', '{}']);
    expect(config.rootfs.diff_ids).toHaveLength(3);
  }, 120_000);
});
