// Export and rebase on small inputs: a toy stack tarball, a toy lifecycle (hard links of one file)
// and a droplet made with tar, checked by reading the layout back. The real stack, lifecycle,
// skopeo, umoci, runc and podman are exercised in test/oci.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll, readTar, type TarHeader } from '@cf-lifecycle/tar';
import { OciError, exportCommand, k8sManifests, rebaseCommand, type StackInput } from './index.ts';
import { LABEL } from './labels.ts';
import type { ImageConfig, Index, Manifest } from './media-types.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-export-test-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const log = { info: () => undefined };
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function makeStack(name: string, version: string, extra: Record<string, string> = {}): StackInput {
  const rootfs = path.join(work, `rootfs-${version}`);
  fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(rootfs, 'home', 'vcap'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'etc', 'os-release'), 'ID=debian\n');
  for (const [file, content] of Object.entries(extra)) fs.writeFileSync(path.join(rootfs, file), content);
  const tar = execFileSync('tar', ['--create', '--file=-', '--numeric-owner', '--sort=name', '--directory', rootfs, '.']);
  const tarball = path.join(work, `${name}-${version}.tar.gz`);
  const gz = zlib.gzipSync(tar, { level: 6 });
  fs.writeFileSync(tarball, gz);
  return { name, version, rootfsDir: rootfs, tarball, sha256: sha256(gz) };
}

function makeLifecycle(): string {
  const dir = path.join(work, 'lifecycle');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'builder'), '#!/bin/sh\necho lifecycle\n', { mode: 0o755 });
  for (const name of ['launcher', 'shell', 'healthcheck', 'getenv']) fs.linkSync(path.join(dir, 'builder'), path.join(dir, name));
  fs.writeFileSync(path.join(dir, '.build-stamp'), 'a'.repeat(64));
  return dir;
}

function makeDroplet(file: string, metadata?: object): string {
  const dir = path.join(work, `droplet-src-${path.basename(file)}`);
  for (const sub of ['app', 'deps/0', 'profile.d', 'tmp', 'logs']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  fs.writeFileSync(path.join(dir, 'app', 'server.py'), 'print("hi")\n');
  fs.writeFileSync(path.join(dir, 'app', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  fs.linkSync(path.join(dir, 'app', 'server.py'), path.join(dir, 'app', 'a-hard-link.py'));
  fs.symlinkSync('server.py', path.join(dir, 'app', 'link.py'));
  fs.writeFileSync(path.join(dir, 'staging_info.yml'), '{"detected_buildpack":"Python Web","start_command":"python3 server.py"}');
  if (metadata) {
    fs.mkdirSync(path.join(dir, '.cf-lifecycle'));
    fs.writeFileSync(path.join(dir, '.cf-lifecycle', 'staging-metadata.json'), JSON.stringify(metadata));
  }
  execFileSync('tar', ['-czf', file, '-C', dir, '.']);
  return file;
}

async function entriesOf(blob: string): Promise<Array<TarHeader & { content?: string }>> {
  const out: Array<TarHeader & { content?: string }> = [];
  for await (const entry of readTar([zlib.gunzipSync(fs.readFileSync(blob))])) {
    out.push(entry.header.type === 'file' && entry.header.size < 1000 ? { ...entry.header, content: (await readAll(entry.body())).toString() } : entry.header);
  }
  return out;
}

function readLayout(dir: string) {
  const blob = (digest: string) => path.join(dir, 'blobs', 'sha256', digest.replace('sha256:', ''));
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as Index;
  const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as Manifest;
  const config = JSON.parse(fs.readFileSync(blob(manifest.config.digest), 'utf8')) as ImageConfig;
  return { index, manifest, config, blob };
}

let stackA: StackInput;
let stackB: StackInput;
let lifecycleDir: string;
let droplet: string;
const metadata = {
  buildpacks: [{ key: 'python-web', name: 'python-web', version: '1.0.0' }],
  stack: { name: 'cflinuxfs2', version: '1.0.0' },
  sbom: { digest: `sha256:${'b'.repeat(64)}` },
  finishedAt: '2025-03-04T05:06:07.000Z',
};

beforeAll(() => {
  stackA = makeStack('cflinuxfs2', '1.0.0');
  stackB = makeStack('cflinuxfs2', '1.0.1', { 'patched.txt': 'a security fix\n' });
  lifecycleDir = makeLifecycle();
  droplet = makeDroplet(path.join(work, 'hello-web.tgz'), metadata);
});

describe('droplet export', () => {
  it('writes an OCI layout and its tar: three gzip layers, the config and index.json naming the image', async () => {
    const layoutDir = path.join(work, 'layout-1');
    const output = path.join(work, 'image-1.tar');
    const result = await exportCommand(droplet, { stack: stackA, lifecycleDir, output, layout: layoutDir, tag: 'localhost/hello-web:v1' }, log);
    const { index, manifest, config, blob } = readLayout(layoutDir);
    expect(JSON.parse(fs.readFileSync(path.join(layoutDir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]).toMatchObject({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: result.manifestDigest,
      annotations: { 'org.opencontainers.image.ref.name': 'localhost/hello-web:v1' },
    });
    expect(manifest.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(Array(3).fill('application/vnd.oci.image.layer.v1.tar+gzip'));
    expect(manifest.layers.map((l) => l.digest)).toEqual([result.layers.stack, result.layers.lifecycle, result.layers.droplet]);
    for (const [i, layer] of manifest.layers.entries()) {
      const data = fs.readFileSync(blob(layer.digest));
      expect(layer.size).toBe(data.length);
      expect(`sha256:${sha256(data)}`).toBe(layer.digest);
      expect(config.rootfs.diff_ids[i]).toBe(`sha256:${sha256(zlib.gunzipSync(data))}`);
    }
    // The stack tarball is the stack layer as is.
    expect(result.layers.stack).toBe(`sha256:${stackA.sha256}`);

    expect(config).toMatchObject({
      created: '2025-03-04T05:06:07Z',
      architecture: 'amd64',
      os: 'linux',
      config: {
        User: '2000:2000',
        WorkingDir: '/home/vcap',
        Entrypoint: ['/tmp/lifecycle/launcher', 'app', '', '{}'],
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=en_US.UTF-8', 'PORT=8080'],
        ExposedPorts: { '8080/tcp': {} },
      },
    });
    expect(config.config?.Labels).toEqual({
      [LABEL.stackName]: 'cflinuxfs2',
      [LABEL.stackVersion]: '1.0.0',
      [LABEL.stackSha256]: stackA.sha256,
      [LABEL.buildpacks]: JSON.stringify(metadata.buildpacks),
      [LABEL.sbomDigest]: metadata.sbom.digest,
      [LABEL.lifecycleVersion]: 'a'.repeat(64),
      [LABEL.dropletSha256]: sha256(fs.readFileSync(droplet)),
      [LABEL.startCommand]: 'python3 server.py',
    });
    expect(config.history).toHaveLength(3);

    // The archive is the layout, entry for entry.
    const names: string[] = [];
    for await (const entry of readTar(fs.createReadStream(output))) names.push(entry.header.path);
    expect(names).toEqual([
      'blobs',
      'blobs/sha256',
      ...fs
        .readdirSync(path.join(layoutDir, 'blobs', 'sha256'))
        .sort()
        .map((n) => `blobs/sha256/${n}`),
      'index.json',
      'oci-layout',
    ]);
  });

  it('puts the droplet under home/vcap owned by 2000:2000, sorted, hard links after their content', async () => {
    const layoutDir = path.join(work, 'layout-2');
    const result = await exportCommand(droplet, { stack: stackA, lifecycleDir, output: path.join(work, 'image-2.tar'), layout: layoutDir }, log);
    const entries = await entriesOf(readLayout(layoutDir).blob(result.layers.droplet));
    const paths = entries.map((e) => e.path);
    expect(paths.slice(0, 3)).toEqual(['home', 'home/vcap', 'home/vcap/.cf-lifecycle']);
    expect([...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(paths);
    expect(entries[0]).toMatchObject({ uid: 0, gid: 0, type: 'dir' });
    expect(entries.slice(1).every((e) => e.uid === 2000 && e.gid === 2000 && e.mtime === 315532801)).toBe(true);
    for (const p of ['app', 'deps', 'profile.d', 'tmp', 'logs', 'staging_info.yml']) expect(paths).toContain(`home/vcap/${p}`);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.get('home/vcap/app/a-hard-link.py')).toMatchObject({ type: 'file', content: 'print("hi")\n' });
    expect(byPath.get('home/vcap/app/server.py')).toMatchObject({ type: 'hardlink', linkname: 'home/vcap/app/a-hard-link.py' });
    expect(byPath.get('home/vcap/app/link.py')).toMatchObject({ type: 'symlink', linkname: 'server.py' });
    expect(byPath.get('home/vcap/app/run.sh')?.mode).toBe(0o755);
    expect(result.reference).toBe('hello-web:latest');
  });

  it('stores the lifecycle once under tmp/lifecycle, the other executables as hard links, tmp 1777', async () => {
    const layoutDir = path.join(work, 'layout-3');
    const result = await exportCommand(droplet, { stack: stackA, lifecycleDir, output: path.join(work, 'image-3.tar'), layout: layoutDir }, log);
    const entries = await entriesOf(readLayout(layoutDir).blob(result.layers.lifecycle));
    expect(entries.map((e) => [e.path, e.type, e.linkname ?? ''])).toEqual([
      ['tmp', 'dir', ''],
      ['tmp/lifecycle', 'dir', ''],
      ['tmp/lifecycle/builder', 'file', ''],
      ['tmp/lifecycle/getenv', 'hardlink', 'tmp/lifecycle/builder'],
      ['tmp/lifecycle/healthcheck', 'hardlink', 'tmp/lifecycle/builder'],
      ['tmp/lifecycle/launcher', 'hardlink', 'tmp/lifecycle/builder'],
      ['tmp/lifecycle/shell', 'hardlink', 'tmp/lifecycle/builder'],
    ]);
    expect(entries[0]!.mode).toBe(0o1777);
    expect(entries.every((e) => e.uid === 0 && e.gid === 0)).toBe(true);
  });

  it('gives byte-identical images for the same inputs, whenever and wherever it runs', async () => {
    const first = path.join(work, 'same-1.tar');
    const second = path.join(fs.mkdtempSync(path.join(work, 'elsewhere-')), 'same-2.tar');
    const a = await exportCommand(droplet, { stack: stackA, lifecycleDir, output: first }, log);
    // A copy of the droplet with another mtime: file times never reach the image.
    const copy = path.join(work, 'hello-web-copy.tgz');
    fs.copyFileSync(droplet, copy);
    fs.utimesSync(copy, new Date(2001, 1, 1), new Date(2001, 1, 1));
    const b = await exportCommand(copy, { stack: stackA, lifecycleDir, output: second, tag: 'hello-web:latest' }, log);
    expect(b).toEqual(a);
    expect(fs.readFileSync(first).equals(fs.readFileSync(second))).toBe(true);
  });

  it('uses the epoch for created without staging metadata, and staging_info.yml for the buildpack label', async () => {
    const bare = makeDroplet(path.join(work, 'bare.tgz'));
    const layoutDir = path.join(work, 'layout-bare');
    await exportCommand(bare, { stack: stackA, lifecycleDir, output: path.join(work, 'bare.tar'), layout: layoutDir }, log);
    const { config } = readLayout(layoutDir);
    expect(config.created).toBe('1970-01-01T00:00:00Z');
    expect(config.config?.Labels?.[LABEL.buildpacks]).toBe('[{"name":"Python Web"}]');
    expect(config.config?.Labels?.[LABEL.sbomDigest]).toBeUndefined();
  });

  it('takes the metadata inside the droplet, else the one passed in, else the one beside the droplet', async () => {
    const passed = { staging: { finishedAt: '2024-01-01T00:00:00Z' }, buildpacks: ['x'] };
    const withInside = path.join(work, 'layout-meta-inside');
    await exportCommand(droplet, { stack: stackA, lifecycleDir, output: path.join(work, 'meta.tar'), layout: withInside, metadata: passed }, log);
    expect(readLayout(withInside).config.created).toBe('2025-03-04T05:06:07Z');

    const bare = makeDroplet(path.join(work, 'bare-meta.tgz'));
    const withPassed = path.join(work, 'layout-meta-passed');
    await exportCommand(bare, { stack: stackA, lifecycleDir, output: path.join(work, 'meta.tar'), layout: withPassed, metadata: passed }, log);
    expect(readLayout(withPassed).config.created).toBe('2024-01-01T00:00:00Z');
    expect(readLayout(withPassed).config.config?.Labels?.[LABEL.buildpacks]).toBe('[{"name":"x"}]');

    fs.writeFileSync(`${bare}.metadata.json`, JSON.stringify({ finished_at: '2023-01-01T00:00:00Z' }));
    const withBeside = path.join(work, 'layout-meta-beside');
    await exportCommand(bare, { stack: stackA, lifecycleDir, output: path.join(work, 'meta.tar'), layout: withBeside }, log);
    expect(readLayout(withBeside).config.created).toBe('2023-01-01T00:00:00Z');
  });

  it('recompresses a stack tarball whose gzip header has a name and a time, once, cached beside it', async () => {
    const tar = execFileSync('tar', ['--create', '--file=-', '--numeric-owner', '--sort=name', '--directory', stackA.rootfsDir, '.']);
    const dir = fs.mkdtempSync(path.join(work, 'named-'));
    fs.writeFileSync(path.join(dir, 'rootfs.tar'), tar);
    execFileSync('gzip', ['-N', path.join(dir, 'rootfs.tar')]);
    const tarball = path.join(dir, 'rootfs.tar.gz');
    const stack = { name: 'cflinuxfs2', version: '1.0.0', rootfsDir: '', tarball };
    const messages: string[] = [];
    const first = await exportCommand(droplet, { stack, lifecycleDir, output: path.join(dir, 'a.tar') }, { info: (m) => messages.push(m) });
    expect(messages.some((m) => m.includes('recompressing'))).toBe(true);
    expect(fs.readdirSync(dir).filter((n) => n.includes('.oci-layer'))).toHaveLength(2);
    messages.length = 0;
    const second = await exportCommand(droplet, { stack, lifecycleDir, output: path.join(dir, 'b.tar') }, { info: (m) => messages.push(m) });
    expect(messages.some((m) => m.includes('cached'))).toBe(true);
    expect(second).toEqual(first);
    // The same uncompressed tar as the reproducible tarball of stack A: the same diff_id.
    const layoutDir = path.join(dir, 'layout');
    await exportCommand(droplet, { stack, lifecycleDir, output: path.join(dir, 'c.tar'), layout: layoutDir }, log);
    const layoutA = path.join(work, 'layout-a-again');
    await exportCommand(droplet, { stack: stackA, lifecycleDir, output: path.join(work, 'a-again.tar'), layout: layoutA }, log);
    expect(readLayout(layoutDir).config.rootfs.diff_ids[0]).toBe(readLayout(layoutA).config.rootfs.diff_ids[0]);
  });

  it('fails with one line on bad input', async () => {
    const output = path.join(work, 'bad.tar');
    await expect(exportCommand(path.join(work, 'missing.tgz'), { stack: stackA, lifecycleDir, output }, log)).rejects.toThrow(OciError);
    await expect(exportCommand(droplet, { stack: stackA, lifecycleDir, output, tag: 'Not A Name' }, log)).rejects.toThrow(/invalid image name/);
    await expect(exportCommand(droplet, { stack: stackA, lifecycleDir: work, output }, log)).rejects.toThrow(/lacks builder/);
    await expect(exportCommand(droplet, { stack: { ...stackA, tarball: path.join(work, 'nope.tar.gz') }, lifecycleDir, output }, log)).rejects.toThrow(
      /does not exist/,
    );
    const notTar = path.join(work, 'not-a-droplet.tgz');
    fs.writeFileSync(notTar, zlib.gzipSync(Buffer.from('hello')));
    await expect(exportCommand(notTar, { stack: stackA, lifecycleDir, output }, log)).rejects.toThrow(/is not a droplet/);
    expect(fs.existsSync(output)).toBe(false);
    expect(fs.readdirSync(work).filter((n) => n.startsWith('.droplet-export-'))).toEqual([]);
  });
});

describe('droplet rebase', () => {
  it('replaces only the stack layer, giving the image an export on the new stack gives', async () => {
    const image = path.join(work, 'rebase.tar');
    const before = await exportCommand(droplet, { stack: stackA, lifecycleDir, output: image, tag: 'hello-web:v1' }, log);
    const after = await rebaseCommand(image, { stack: stackB }, log);
    expect(after.layers.droplet).toBe(before.layers.droplet);
    expect(after.layers.lifecycle).toBe(before.layers.lifecycle);
    expect(after.layers.stack).toBe(`sha256:${stackB.sha256}`);
    expect(after.manifestDigest).not.toBe(before.manifestDigest);
    const fresh = path.join(work, 'fresh-on-b.tar');
    const exported = await exportCommand(droplet, { stack: stackB, lifecycleDir, output: fresh, tag: 'hello-web:v1' }, log);
    expect(after).toEqual(exported);
    expect(fs.readFileSync(image).equals(fs.readFileSync(fresh))).toBe(true);
    // And back again.
    const back = await rebaseCommand(image, { stack: stackA, output: path.join(work, 'back.tar') }, log);
    expect(back).toEqual(before);
  });

  it('refuses an image that droplet export did not write', async () => {
    const notImage = path.join(work, 'not-image.tar');
    fs.writeFileSync(notImage, Buffer.alloc(2048));
    await expect(rebaseCommand(notImage, { stack: stackB }, log)).rejects.toThrow(OciError);
    await expect(rebaseCommand(path.join(work, 'nothing.tar'), { stack: stackB }, log)).rejects.toThrow(/does not exist/);
  });
});

describe('k8s manifests', () => {
  it('is usable from here too', () => {
    expect(k8sManifests({ image: 'r/a:1', name: 'a', replicas: 1, port: 8080 })).toContain('kind: Deployment');
  });
});
