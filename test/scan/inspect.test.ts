// `droplet inspect`: buildpacks, stack, processes, dependency counts, hooks and digests.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inspectCommand, type Inspection } from '@cf-lifecycle/scan';
import { afterAll, describe, expect, it } from 'vitest';
import { capture, dep, makeDroplet, metadata, tempDir, writeJson } from './fixtures.ts';

const work = tempDir('inspect-test-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const staged = metadata({
  app: { name: 'hello', digest: `sha256:abc123${'0'.repeat(58)}`, files: 12 },
  buildpacks: [
    {
      key: 'https://github.com/cloudfoundry/nodejs-buildpack',
      name: 'nodejs',
      version: '1.8.20',
      detectOutput: 'nodejs',
      source: { type: 'git', url: 'https://github.com/cloudfoundry/nodejs-buildpack', ref: 'v1.8.20', commit: '0123456789abcdef0123456789abcdef01234567' },
    },
    { key: 'python-web', name: 'python-web', version: '1.0.0', detectOutput: 'Python Web', source: { type: 'directory' } },
  ],
  processTypes: { web: 'python3 server.py', worker: 'python3 worker.py' },
  dependencies: [
    dep('npm', 'lodash', '4.17.15'),
    dep('npm', 'minimist', '1.2.5'),
    dep('PyPI', 'jinja2', '3.1.2'),
    dep('generic', 'node', '20.11.1', 'buildpack:nodejs'),
  ],
  executables: { static: ['app/bin/tool'], dynamic: 3 },
  hooks: [{ name: 'secret-scan', phase: 'post-build', kind: 'exec', durationMs: 5, outcome: 'allow', findings: [] }],
});

describe('a droplet', () => {
  const droplet = makeDroplet(path.join(work, 'droplet.tgz'), {
    metadata: staged,
    sbom: '{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{},{},{},{},{}]}\n',
  });
  const sha256 = createHash('sha256').update(fs.readFileSync(droplet)).digest('hex');

  it('text: a readable layout of what staged it and what it holds, digests checked', async () => {
    const c = capture();
    expect(await inspectCommand(droplet, {}, c.out)).toBe(0);
    const text = c.stdout();
    expect(text).toContain(`droplet     ${droplet}\n`);
    expect(text).toMatch(new RegExp(`^sha256      ${sha256}  \\(\\d+\\.\\d KiB\\)$`, 'm'));
    expect(text).toContain(`app         hello  sha256:abc123${'0'.repeat(58)}  12 files\n`);
    expect(text).toContain('stack       cflinuxfs2 1.0.0  (from version-file)\n');
    expect(text).toContain('lifecycle   cf-buildpack-lifecycle 0.1.0\n');
    expect(text).toMatch(/^staged {6}2024-05-01T12:00:\d\d\.900Z {2}900 ms \(detect 12 ms, supply 700 ms, finalize 150 ms, release 8 ms\)$/m);
    expect(text).toMatch(
      /^buildpacks\n {2}1\. {2}nodejs {6}1\.8\.20 {2}git https:\/\/github\.com\/cloudfoundry\/nodejs-buildpack#v1\.8\.20 @ 0123456789ab {2}detect: nodejs\n {2}2\. {2}python-web {2}1\.0\.0 {3}directory\s+detect: Python Web\n/m,
    );
    expect(text).toContain('processes\n  web:     python3 server.py\n  worker:  python3 worker.py\n');
    expect(text).toContain('\ndependencies  4\n  PyPI                  1\n  generic (buildpacks)  1\n  npm                   2\n');
    expect(text).toContain('executables   3 dynamically linked, 1 statically linked\n  static: app/bin/tool\n');
    expect(text).toMatch(/^sbom {10}\.\/\.cf-lifecycle\/sbom\.cdx\.json {2}CycloneDX-1\.5 {2}5 components\n {2}sha256 [0-9a-f]{64} {2}\(digest verified\)$/m);
    expect(text).toContain('hooks\n  post-build  secret-scan  exec  allow  5 ms  0 findings\n');
  });

  it('JSON: the metadata, counts and digests', async () => {
    const c = capture();
    expect(await inspectCommand(droplet, { json: true }, c.out)).toBe(0);
    const i = JSON.parse(c.stdout()) as Inspection;
    expect(i).toMatchObject({
      path: droplet,
      kind: 'droplet',
      droplet: { sha256, size: fs.statSync(droplet).size },
      dependencyCounts: { npm: 2, PyPI: 1, 'generic (buildpacks)': 1 },
      sbom: { verified: true, components: 5 },
      metadata: { app: { name: 'hello' }, processTypes: { web: 'python3 server.py' } },
    });
  });

  it('a SBOM whose digest does not match the metadata is flagged', async () => {
    const tampered = makeDroplet(path.join(work, 'tampered.tgz'), { metadata: staged, sbomSha256: '0'.repeat(64) });
    const json = capture();
    await inspectCommand(tampered, { json: true }, json.out);
    expect((JSON.parse(json.stdout()) as Inspection).sbom).toMatchObject({ recordedSha256: '0'.repeat(64), verified: false });
    const text = capture();
    await inspectCommand(tampered, {}, text.out);
    expect(text.stdout()).toMatch(/^ {2}sha256 [0-9a-f]{64} {2}\(DIGEST MISMATCH\)$/m);
  });
});

describe('other inputs', () => {
  it('a staging metadata file (the copy beside the droplet) shows the recorded droplet digest', async () => {
    const file = writeJson(path.join(work, 'staging-metadata.json'), { ...staged, droplet: { sha256: 'e'.repeat(64), size: 2048 } });
    const c = capture();
    expect(await inspectCommand(file, {}, c.out)).toBe(0);
    expect(c.stdout()).toContain(`metadata    ${file}\nsha256      ${'e'.repeat(64)}  (2.0 KiB)\n`);
  });

  it('missing files, directories, droplets without metadata and other files: exit 2 with one line', async () => {
    const plain = makeDroplet(path.join(work, 'plain.tgz'));
    const text = path.join(work, 'notes.txt');
    fs.writeFileSync(text, 'hello');
    // Documents that break docs/staging-metadata.schema.json: named with the field, in a metadata file or in a droplet.
    const { executables: _, ...noExecutables } = metadata();
    const malformed = writeJson(path.join(work, 'malformed.json'), noExecutables);
    const badDroplet = makeDroplet(path.join(work, 'bad-source.tgz'), {
      metadata: metadata({ buildpacks: [{ key: 'k', name: 'k', source: { type: 'svn' } as never }] }),
    });
    for (const [file, message] of [
      [path.join(work, 'missing'), /missing: no such file or directory/],
      [work, /is a directory/],
      [plain, /plain\.tgz: a droplet without \.\/\.cf-lifecycle\/staging-metadata\.json/],
      [text, /notes\.txt: neither a droplet nor staging metadata/],
      [
        malformed,
        /malformed\.json: neither a droplet nor staging metadata: not valid staging metadata: executables: missing; see docs\/staging-metadata\.md$/m,
      ],
      [badDroplet, /bad-source\.tgz: not valid staging metadata: buildpacks\[0\]\.source\.type: must be one of "directory", "zip", "git"; see docs/],
    ] as const) {
      const c = capture();
      expect(await inspectCommand(file, {}, c.out)).toBe(2);
      expect(c.stderr()).toMatch(message);
      expect(c.stderr().trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
