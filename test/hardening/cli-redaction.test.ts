// A buildpack named by a URL with a token (`https://user:token@host/bp.zip`) is recorded in the
// staging metadata; what the CLI prints and the image labels `droplet export` writes (and `rebase`
// keeps) show it as `https://***@host/bp.zip` (docs/security.md, "Secrets"). The droplet itself is
// what staging wrote (the builder redacts its own records); the image's config, manifest and index
// never carry the token.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureStack } from '@cf-lifecycle/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, dep, makeDroplet, metadata, OSV, scratchDir } from './cli-fixtures.ts';

const TOKEN = 'ghp-s3cr3t-T0KEN-7a1c';
const URL = `https://ci-user:${TOKEN}@buildpacks.example.com/python-web.zip`;
const REDACTED = 'https://***@buildpacks.example.com/python-web.zip';

let work: string;
let droplet: string;
let rootfs: string;

beforeAll(async () => {
  work = scratchDir('cli-redaction-');
  droplet = path.join(work, 'app.droplet');
  makeDroplet(droplet, {
    lifecycleFirst: true,
    metadata: metadata({
      buildpacks: [{ key: URL, name: 'python-web', version: '1.0.0', detectOutput: 'Python Web', source: { type: 'zip', url: URL, sha256: 'a'.repeat(64) } }],
      dependencies: [dep('npm', 'lodash', '4.17.15', `buildpack:${URL}`)],
    }),
  });
  rootfs = (await ensureStack({ profile: 'minimal' })).rootfsDir;
}, 600_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('what the CLI prints', () => {
  it('inspect, text and JSON', async () => {
    const text = await cli(['inspect', droplet]);
    expect(text.code).toBe(0);
    expect(text.stdout + text.stderr).not.toContain(TOKEN);
    expect(text.stdout).toContain(`zip ${REDACTED} sha256:aaaaaaaaaaaa`);
    const json = await cli(['inspect', droplet, '--json']);
    expect(json.stdout + json.stderr).not.toContain(TOKEN);
    const doc = JSON.parse(json.stdout);
    expect(doc.metadata.buildpacks[0]).toMatchObject({ key: REDACTED, source: { url: REDACTED } });
  });

  it('scan and advise reports', async () => {
    const scan = await cli(['scan', droplet, '--osv', OSV, '--json']);
    expect(scan.stdout + scan.stderr).not.toContain(TOKEN);
    expect(JSON.parse(scan.stdout).findings[0].source).toBe(`buildpack:${REDACTED}`);
    // A buildpack recorded by its key alone: advise names it by the key.
    const keyOnly = makeDroplet(path.join(work, 'key-only.droplet'), {
      metadata: metadata({
        buildpacks: [{ key: URL, name: '', version: '1.0.0', source: { type: 'zip', url: URL } }],
        dependencies: [dep('npm', 'lodash', '4.17.15', `buildpack:${URL}`)],
      }),
    });
    const buildpacks = path.join(work, 'buildpacks.json');
    fs.writeFileSync(buildpacks, JSON.stringify([{ name: URL, version: '2.0.0' }]));
    for (const args of [[], ['--json']]) {
      const advise = await cli(['advise', droplet, keyOnly, '--stack-version', '1.0.0', '--buildpacks', buildpacks, '--osv', OSV, ...args]);
      expect(advise.code).toBe(0);
      expect(advise.stdout + advise.stderr).not.toContain(TOKEN);
      expect(advise.stdout).toContain(REDACTED);
    }
  });
});

describe('OCI image labels', () => {
  function imageJson(archive: string): { index: string; manifest: string; config: string } {
    const dir = fs.mkdtempSync(path.join(work, 'unpacked-'));
    execFileSync('tar', ['-xf', archive, '-C', dir, 'index.json']);
    const index = fs.readFileSync(path.join(dir, 'index.json'), 'utf8');
    const blob = (digest: string) =>
      execFileSync('tar', ['-xOf', archive, `blobs/sha256/${digest.slice('sha256:'.length)}`], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const manifest = blob(JSON.parse(index).manifests[0].digest);
    const config = blob(JSON.parse(manifest).config.digest);
    fs.rmSync(dir, { recursive: true, force: true });
    return { index, manifest, config };
  }

  let exported: Promise<string> | undefined;
  /** The droplet exported once, for both tests. */
  function exportOnce(): Promise<string> {
    exported ??= (async () => {
      const image = path.join(work, 'app.tar');
      const r = await cli(['export', droplet, '-o', image, '--stack', rootfs], {}, 300_000);
      expect(r.stderr).not.toContain(TOKEN);
      expect(r.code).toBe(0);
      return image;
    })();
    return exported;
  }

  it('export writes the buildpacks label redacted; skopeo reads it so', async () => {
    const image = await exportOnce();
    const { index, manifest, config } = imageJson(image);
    expect(index + manifest + config).not.toContain(TOKEN);
    const labels = JSON.parse(config).config.Labels as Record<string, string>;
    expect(JSON.parse(labels['org.cloudfoundry.buildpacks']!)).toEqual([{ key: REDACTED, name: 'python-web', version: '1.0.0' }]);
    const skopeo = execFileSync('skopeo', ['inspect', `oci-archive:${image}`], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const inspected = JSON.parse(skopeo) as { Labels: Record<string, string> };
    expect(inspected.Labels['org.cloudfoundry.buildpacks']).toBe(labels['org.cloudfoundry.buildpacks']);
  }, 300_000);

  it('rebase of an image exported before redaction (a token in its label) writes the label redacted', async () => {
    // The exported image with its config's label put back as an older export wrote it: config,
    // manifest and index rewritten with their digests, as a consistent image.
    const image = await exportOnce();
    const old = path.join(work, 'old.tar');
    const layout = fs.mkdtempSync(path.join(work, 'layout-'));
    execFileSync('tar', ['-xf', image, '-C', layout]);
    const read = (digest: string) => fs.readFileSync(path.join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)), 'utf8');
    const write = (text: string): { digest: string; size: number } => {
      const hex = createHash('sha256').update(text).digest('hex');
      fs.writeFileSync(path.join(layout, 'blobs', 'sha256', hex), text);
      return { digest: `sha256:${hex}`, size: Buffer.byteLength(text) };
    };
    const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
    const manifest = JSON.parse(read(index.manifests[0].digest));
    const config = JSON.parse(read(manifest.config.digest));
    config.config.Labels['org.cloudfoundry.buildpacks'] = JSON.stringify([{ key: URL, name: 'python-web', version: '1.0.0' }]);
    Object.assign(manifest.config, write(JSON.stringify(config)));
    Object.assign(index.manifests[0], write(JSON.stringify(manifest)));
    fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify(index));
    execFileSync('tar', ['-cf', old, '-C', layout, 'oci-layout', 'index.json', 'blobs']);
    expect(fs.readFileSync(old).includes(TOKEN)).toBe(true);

    const r = await cli(['rebase', old, '--stack', rootfs], {}, 300_000);
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.code).toBe(0);
    const rebased = imageJson(old);
    expect(rebased.index + rebased.manifest + rebased.config).not.toContain(TOKEN);
    const label = JSON.parse(rebased.config).config.Labels['org.cloudfoundry.buildpacks'];
    expect(JSON.parse(label)).toEqual([{ key: REDACTED, name: 'python-web', version: '1.0.0' }]);
    // Byte for byte what export writes for the same droplet on the same stack.
    expect(rebased.manifest).toBe(imageJson(image).manifest);
  }, 300_000);
});
