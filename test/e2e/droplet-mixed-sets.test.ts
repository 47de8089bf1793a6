// Mixed output sets (docs/scanning.md, "Mixed sets"): `droplet stage` writes DROPLET,
// DROPLET.metadata.json, DROPLET.result.json and DROPLET.result.json.staging-id; the builder puts one
// staging id in the droplet's embedded metadata, in the metadata beside it (with result.json's and the
// droplet's sha256) and in the sidecar. `droplet inspect` and `droplet scan`, run as processes, accept
// a consistent set and report a mixed one (exit 3), naming the file that disagrees and what to do.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, dep, makeDroplet, makeStagingSet, OSV, scratchDir, sha256, type StagingSetFiles } from '../hardening/cli-fixtures.ts';

let work: string;
let a: StagingSetFiles;
let b: StagingSetFiles;

const ADVICE =
  'restage the app, or copy app.droplet, app.droplet.metadata.json, app.droplet.result.json and app.droplet.result.json.staging-id of one staging together';

const RECORDS = 'app.droplet.metadata.json records';

/** The four files of a set in `dir`/app.droplet*, each taken from `from[kind]` (default: set A). */
function assemble(name: string, from: Partial<Record<'droplet' | 'metadata' | 'result' | 'sidecar', StagingSetFiles>> = {}): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const droplet = path.join(dir, 'app.droplet');
  fs.copyFileSync((from.droplet ?? a).droplet, droplet);
  fs.copyFileSync((from.metadata ?? a).metadata, `${droplet}.metadata.json`);
  fs.copyFileSync((from.result ?? a).result, `${droplet}.result.json`);
  fs.copyFileSync((from.sidecar ?? a).sidecar, `${droplet}.result.json.staging-id`);
  return droplet;
}

beforeAll(() => {
  work = scratchDir('droplet-mixed-sets-');
  fs.mkdirSync(path.join(work, 'a'));
  fs.mkdirSync(path.join(work, 'b'));
  // Both ship a vulnerable lodash, so that a scan has findings (and --fail-on something to trip).
  const dependencies = [dep('npm', 'lodash', '4.17.15')];
  a = makeStagingSet(path.join(work, 'a', 'app.droplet'), { label: 'a', metadata: { dependencies } });
  b = makeStagingSet(path.join(work, 'b', 'app.droplet'), { label: 'b', metadata: { dependencies } });
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('a consistent set', () => {
  it('inspect: exit 0, the set shown as consistent with its staging id', async () => {
    const droplet = assemble('consistent');
    const text = await cli(['inspect', droplet]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`staging id  ${a.id}\nset         consistent: 4 files\n`);
    const byMetadata = await cli(['inspect', `${droplet}.metadata.json`]);
    expect(byMetadata.stderr).toBe('');
    expect(byMetadata.code).toBe(0);
    expect(byMetadata.stdout).toContain('set         consistent: 4 files\n');
    const json = await cli(['inspect', droplet, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).set).toEqual({
      status: 'consistent',
      droplet,
      stagingId: a.id,
      files: [droplet, `${droplet}.metadata.json`, `${droplet}.result.json.staging-id`, `${droplet}.result.json`],
      problems: [],
    });
  });

  it('scan: exit 0, the droplet and the metadata beside it read as one staging', async () => {
    const droplet = path.join(work, 'consistent', 'app.droplet');
    const one = await cli(['scan', droplet, '--osv', OSV, '--json']);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ scanned: 1, mixed: [] });
    const dir = await cli(['scan', path.join(work, 'consistent'), '--osv', OSV, '--json']);
    expect(dir.stderr).toBe('');
    expect(dir.code).toBe(0);
    expect(JSON.parse(dir.stdout)).toMatchObject({ scanned: 1, mixed: [] });
  });

  it('a droplet alone is unverified, not mixed; a droplet without metadata (the reference layout) is only that', async () => {
    const dir = path.join(work, 'alone');
    fs.mkdirSync(dir);
    fs.copyFileSync(a.droplet, path.join(dir, 'app.droplet'));
    const alone = await cli(['inspect', path.join(dir, 'app.droplet')]);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toContain('set         unverified: 1 file (nothing to compare)\n');
    const plain = makeDroplet(path.join(dir, 'plain.droplet'));
    fs.writeFileSync(`${plain}.result.json`, '{"process_types":{"web":"x"}}');
    const reference = await cli(['inspect', plain]);
    expect(reference.stderr).toBe(`droplet inspect: ${plain}: a droplet without ./.cf-lifecycle/staging-metadata.json (staged by another lifecycle?)\n`);
    expect(reference.code).toBe(2);
  });
});

describe('mixed sets: the file that disagrees is named, with what to do; exit 3', () => {
  const cases: Array<[string, () => string, () => Array<[string, string]>]> = [
    [
      'the droplet from another staging',
      () => assemble('droplet-from-b', { droplet: b }),
      () => [['app.droplet', `is from another staging: its stagingId is ${b.id}, app.droplet.metadata.json has ${a.id}`]],
    ],
    [
      'the metadata from another staging',
      () => assemble('metadata-from-b', { metadata: b }),
      () => [['app.droplet.metadata.json', `is from another staging: its stagingId is ${b.id}, the droplet has ${a.id}`]],
    ],
    [
      'result.json and its sidecar from another staging',
      () => assemble('result-from-b', { result: b, sidecar: b }),
      () => [
        ['app.droplet.result.json.staging-id', `is from another staging: its stagingId is ${b.id}, the droplet has ${a.id}`],
        ['app.droplet.result.json', `is not the result.json of this staging: sha256 ${sha(b.result)}, ${RECORDS} ${sha(a.result)}`],
      ],
    ],
    [
      'result.json alone from another staging (the sidecar kept)',
      () => assemble('result-only-from-b', { result: b }),
      () => [['app.droplet.result.json', `is not the result.json of this staging: sha256 ${sha(b.result)}, ${RECORDS} ${sha(a.result)}`]],
    ],
  ];

  it.each(cases)('%s: inspect (text and JSON) and scan', async (_name, make, expected) => {
    const droplet = make();
    const dir = path.dirname(droplet);
    const problems = expected().map(([file, problem]) => ({ file: path.join(dir, file), problem }));
    const line = `${droplet}: mixed set: ${problems.map((p) => `${p.file} ${p.problem}`).join('; ')}; ${ADVICE}`;

    const text = await cli(['inspect', droplet]);
    expect(text.stderr).toBe(`droplet inspect: ${line}\n`);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain('set         MIXED: 4 files\n');
    for (const p of problems) expect(text.stdout).toContain(`\n            ${p.file} ${p.problem}\n`);

    const json = await cli(['inspect', droplet, '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).set).toMatchObject({ status: 'mixed', problems, advice: ADVICE });

    const scan = await cli(['scan', droplet, '--osv', OSV, '--json']);
    expect(scan.stderr).toBe(`droplet scan: ${line}\n`);
    expect(scan.code).toBe(3);
    expect(JSON.parse(scan.stdout).mixed).toEqual([expect.objectContaining({ status: 'mixed', droplet, problems })]);

    // The metadata file named instead of the droplet: the same set, the same line.
    const byMetadata = await cli(['inspect', `${droplet}.metadata.json`]);
    expect(byMetadata.stderr).toBe(`droplet inspect: ${line}\n`);
    expect(byMetadata.code).toBe(3);

    // A directory holding the set: reported once, whichever of its files the walk meets first.
    const walk = await cli(['scan', dir, '--osv', OSV]);
    expect(walk.code).toBe(3);
    expect(walk.stderr.split('\n').filter((l) => l.includes('mixed set'))).toEqual([`droplet scan: ${line}`]);
  });

  it('a droplet changed after staging (same staging id): inspect compares it with the size and digest recorded beside it', async () => {
    const dir = path.join(work, 'changed');
    fs.mkdirSync(dir);
    const droplet = path.join(dir, 'app.droplet');
    const embedded = JSON.parse(fs.readFileSync(a.metadata, 'utf8')) as Record<string, unknown>;
    delete embedded.droplet;
    delete embedded.result;
    const appFiles = { 'server.py': 'print("changed")\n', 'extra.bin': Buffer.alloc(4096, 1) };
    makeDroplet(droplet, { metadata: embedded as never, lifecycleFirst: true, appFiles });
    for (const suffix of ['.metadata.json', '.result.json', '.result.json.staging-id']) fs.copyFileSync(`${a.droplet}${suffix}`, `${droplet}${suffix}`);
    const r = await cli(['inspect', droplet]);
    const size = fs.statSync(droplet).size;
    const recorded = fs.statSync(a.droplet).size;
    const problem = `${droplet} is not the droplet app.droplet.metadata.json describes: ${size} bytes, it records ${recorded}`;
    expect(r.stderr).toBe(`droplet inspect: ${droplet}: mixed set: ${problem}; ${ADVICE}\n`);
    expect(r.code).toBe(3);
  });

  it('a mixed set wins over --fail-on: exit 3 even with findings at the threshold', async () => {
    const consistent = await cli(['scan', path.join(work, 'consistent', 'app.droplet'), '--osv', OSV, '--fail-on', 'low']);
    expect(consistent.code).toBe(1);
    const droplet = path.join(work, 'droplet-from-b', 'app.droplet');
    const r = await cli(['scan', droplet, '--osv', OSV, '--fail-on', 'low']);
    expect(r.stdout).toContain('lodash (npm)');
    expect(r.code).toBe(3);
  });
});

function sha(file: string): string {
  return sha256(fs.readFileSync(file));
}
