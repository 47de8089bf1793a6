// `droplet advise`: ok, restart (only the stack is newer) or restage (a newer buildpack, a
// buildpack-installed dependency whose fix the installed buildpack ships, a static executable).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findExecutables } from '@cf-lifecycle/sbom';
import { adviseCommand, type Advice } from '@cf-lifecycle/scan';
import { afterAll, describe, expect, it } from 'vitest';
import { capture, dep, makeDroplet, metadata, OSV_FIXTURE, tempDir, writeJson } from './fixtures.ts';

const work = tempDir('advise-test-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const BUILDPACKS_YAML = `# the buildpacks installed on the platform today
buildpacks:
  - name: python-web
    version: 1.0.0
  - name: nodejs_buildpack
    version: "1.8.20"
    dependencies:
      - { name: node, version: 20.11.1, purl: "pkg:generic/node@20.11.1" }
      - { name: minimist, version: 1.2.8, purl: "pkg:npm/minimist@1.2.8" }
`;
const buildpacksFile = path.join(work, 'buildpacks.yml');
fs.writeFileSync(buildpacksFile, BUILDPACKS_YAML);

async function adviseJson(
  paths: string[],
  opts: { stackVersion: string; buildpacks?: string; osv?: string },
): Promise<{ code: number; advice: Advice[]; stderr: string }> {
  const c = capture();
  const code = await adviseCommand(paths, { ...opts, json: true }, c.out);
  return { code, advice: JSON.parse(c.stdout() || 'null') as Advice[], stderr: c.stderr() };
}

/** A droplet whose app holds `bin/tool`, statically linked: compiled by gcc -static when it can, else a crafted ELF header. */
function staticTool(): Buffer {
  const dir = tempDir('static-tool-');
  try {
    if (spawnSync('gcc', ['--version']).status === 0) {
      fs.writeFileSync(path.join(dir, 'tool.c'), 'int main(void) { return 0; }\n');
      try {
        execFileSync('gcc', ['-static', '-o', path.join(dir, 'tool'), path.join(dir, 'tool.c')], { stdio: 'pipe' });
        return fs.readFileSync(path.join(dir, 'tool'));
      } catch {
        // no static libc: fall through to the crafted header
      }
    }
    const elf = Buffer.alloc(64 + 56);
    elf.writeUInt32BE(0x7f454c46, 0);
    elf[4] = 2; // 64-bit
    elf[5] = 1; // little-endian
    elf[6] = 1;
    elf.writeUInt16LE(2, 16); // ET_EXEC
    elf.writeUInt16LE(62, 18);
    elf.writeBigUInt64LE(64n, 32); // e_phoff
    elf.writeUInt16LE(64, 52);
    elf.writeUInt16LE(56, 54);
    elf.writeUInt16LE(1, 56); // one program header: PT_LOAD, no PT_INTERP
    elf.writeUInt32LE(1, 64);
    return elf;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the three outcomes', () => {
  it('ok: same stack version, buildpacks current', async () => {
    const file = writeJson(path.join(work, 'ok.json'), metadata());
    const { code, advice } = await adviseJson([file], { stackVersion: '1.0.0', buildpacks: buildpacksFile });
    expect(code).toBe(0);
    expect(advice).toEqual([
      { path: file, app: expect.any(String), outcome: 'ok', reasons: ['stack cflinuxfs2 1.0.0 is current, buildpacks are current'], notes: [] },
    ]);
  });

  it('restart: only the stack is newer', async () => {
    const file = writeJson(path.join(work, 'restart.json'), metadata());
    const { advice } = await adviseJson([file], { stackVersion: '1.0.1', buildpacks: buildpacksFile });
    expect(advice[0]).toMatchObject({ outcome: 'restart', reasons: ['stack cflinuxfs2 1.0.0 → 1.0.1'] });
  });

  it('restage: the buildpack that staged it has a newer version (even when the stack is newer too)', async () => {
    const file = writeJson(
      path.join(work, 'old-buildpack.json'),
      metadata({ buildpacks: [{ key: 'nodejs_buildpack', name: 'nodejs_buildpack', version: '1.8.9', source: { type: 'directory' } }] }),
    );
    const { advice } = await adviseJson([file], { stackVersion: '1.0.1', buildpacks: buildpacksFile });
    expect(advice[0]).toMatchObject({ outcome: 'restage', reasons: ['buildpack nodejs_buildpack 1.8.9 → 1.8.20'] });
  });

  it('restage: a statically linked executable in the droplet (the stack’s libraries are copied into it)', async () => {
    const contents = tempDir('static-droplet-');
    try {
      fs.mkdirSync(path.join(contents, 'app', 'bin'), { recursive: true });
      fs.writeFileSync(path.join(contents, 'app', 'bin', 'tool'), staticTool(), { mode: 0o755 });
      fs.copyFileSync('/bin/sh', path.join(contents, 'app', 'bin', 'sh'));
      const executables = await findExecutables(contents);
      expect(executables.static).toEqual(['app/bin/tool']);
      const droplet = makeDroplet(path.join(work, 'static', 'droplet.tgz'), {
        metadata: metadata({ executables }),
        appFiles: { 'bin/tool': fs.readFileSync(path.join(contents, 'app', 'bin', 'tool')) },
      });
      const { advice } = await adviseJson([droplet], { stackVersion: '1.0.1' });
      expect(advice[0]).toMatchObject({ path: droplet, outcome: 'restage', reasons: ['statically linked executable: app/bin/tool'] });
    } finally {
      fs.rmSync(contents, { recursive: true, force: true });
    }
  });

  it('restage: a vulnerable dependency a buildpack installed, when the installed buildpack ships the fix', async () => {
    const file = writeJson(
      path.join(work, 'vulnerable-runtime.json'),
      metadata({
        buildpacks: [{ key: 'nodejs_buildpack', name: 'nodejs_buildpack', version: '1.8.20', source: { type: 'directory' } }],
        dependencies: [dep('npm', 'minimist', '1.2.5', 'buildpack:nodejs_buildpack'), dep('npm', 'lodash', '4.17.15', 'app/package-lock.json')],
      }),
    );
    const { advice } = await adviseJson([file], { stackVersion: '1.0.0', buildpacks: buildpacksFile, osv: OSV_FIXTURE });
    expect(advice[0]).toMatchObject({
      outcome: 'restage',
      reasons: ['minimist 1.2.5 (GHSA-xvch-5gv4-984h) is vulnerable; nodejs_buildpack 1.8.20 ships minimist 1.2.8'],
      notes: ['lodash 4.17.15 (GHSA-p6mc-m468-83gw) comes from the app (app/package-lock.json): a restage does not change it'],
    });
  });

  it('not a restage when no installed buildpack ships a fix: a note instead', async () => {
    const file = writeJson(
      path.join(work, 'no-fix.json'),
      metadata({
        buildpacks: [{ key: 'python-web', name: 'python-web', version: '1.0.0', source: { type: 'directory' } }],
        dependencies: [dep('PyPI', 'jinja2', '3.1.2', 'buildpack:python-web')],
      }),
    );
    const { advice } = await adviseJson([file], { stackVersion: '1.0.1', buildpacks: buildpacksFile, osv: OSV_FIXTURE });
    expect(advice[0]).toMatchObject({
      outcome: 'restart',
      notes: ['jinja2 3.1.2 (GHSA-h5c8-rqwp-cp95) is vulnerable and no installed buildpack ships a fix (fixed in 3.1.3)'],
    });
  });

  it('restage: staged on a newer stack version than the one installed', async () => {
    const file = writeJson(path.join(work, 'newer-stack.json'), metadata({ stack: { name: 'cflinuxfs2', version: '1.2.0', source: 'version-file' } }));
    const { advice } = await adviseJson([file], { stackVersion: '1.1.9' });
    expect(advice[0]).toMatchObject({ outcome: 'restage', reasons: ['staged on stack cflinuxfs2 1.2.0, newer than the installed 1.1.9'] });
  });
});

describe('output and errors', () => {
  it('text: one line per droplet, `<path>  <outcome>  <reason>`, then notes', async () => {
    const dir = path.join(work, 'text');
    writeJson(path.join(dir, 'a.json'), metadata());
    writeJson(
      path.join(dir, 'b.json'),
      metadata({
        buildpacks: [{ key: 'python-web', name: 'python-web', version: '0.9.0', source: { type: 'directory' } }],
        dependencies: [dep('npm', 'lodash', '4.17.15', 'app/package-lock.json')],
      }),
    );
    const c = capture();
    expect(await adviseCommand([dir], { stackVersion: '1.0.1', buildpacks: buildpacksFile, osv: OSV_FIXTURE }, c.out)).toBe(0);
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    expect(c.stdout()).toBe(
      `${a}  restart  stack cflinuxfs2 1.0.0 → 1.0.1\n${b}  restage  buildpack python-web 0.9.0 → 1.0.0\nnote: ${b}: lodash 4.17.15 (GHSA-p6mc-m468-83gw) comes from the app (app/package-lock.json): a restage does not change it\n`,
    );
  });

  it('the buildpacks file may be JSON, a bare list', async () => {
    const json = writeJson(path.join(work, 'buildpacks.json'), [{ name: 'python-web', version: '2.0.0' }]);
    const { advice } = await adviseJson([writeJson(path.join(work, 'j.json'), metadata())], { stackVersion: '1.0.0', buildpacks: json });
    expect(advice[0]).toMatchObject({ outcome: 'restage', reasons: ['buildpack python-web 1.0.0 → 2.0.0'] });
  });

  it('bad input: exit status 2 and one line', async () => {
    const m = writeJson(path.join(work, 'e.json'), metadata());
    const bad = path.join(work, 'bad-buildpacks.yml');
    fs.writeFileSync(bad, 'buildpacks:\n  - name: x\n');
    for (const [paths, opts, message] of [
      [[m], { stackVersion: '' }, /--stack-version V is required/],
      [[m], { stackVersion: '1', buildpacks: bad }, /bad-buildpacks\.yml: buildpacks\[0\] needs a name and a version/],
      [[m], { stackVersion: '1', buildpacks: path.join(work, 'nope.yml') }, /--buildpacks: cannot read .*nope\.yml: no such file/],
      [[path.join(work, 'nope.json')], { stackVersion: '1' }, /nope\.json: no such file or directory/],
    ] as const) {
      const c = capture();
      expect(await adviseCommand([...paths], { ...opts }, c.out)).toBe(2);
      expect(c.stderr()).toMatch(message);
      expect(c.stderr().trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
