// File names are bytes (docs/security.md, "Hostile input"): an app whose names are not UTF-8 (Latin-1
// `caf\xe9.txt`, a long one, a symlink whose target is Latin-1) stages, as it does with the Go
// builder, and GNU tar lists and extracts the droplet to the exact bytes. The app digest and the SBOM
// walkers read those files too (the metadata renders the stray bytes as \xNN).
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/stage.ts';
import { PLAIN, scriptBuildpack } from './builder-helpers.ts';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const under = (dir: string, ...parts: Buffer[]): Buffer => Buffer.concat([Buffer.from(dir), ...parts.flatMap((p) => [Buffer.from('/'), p])]);

const CAFE = latin1('caf\xe9.txt');
// One component of 121 bytes: only a PAX `path` record can hold it.
const LONG_NAME = latin1(`${'l'.repeat(120)}\xe9`);
// Two components of 61 and 65 bytes: ustar's prefix and name fields hold it.
const LONG_DIR = latin1(`${'d'.repeat(60)}\xe9`);
const LONG_FILE = latin1(`${'f'.repeat(60)}\xe9.txt`);
const LINK = latin1('lien-\xe9');
const LINK_TARGET = latin1('cible-\xe9');
const BIN_DIR = latin1('bin\xe9');
const REQS_DIR = latin1('sub\xe9');

let ws: Workspace;
let metadataFile: string;
let r: Awaited<ReturnType<Workspace['stage']>>;
let extracted: string;
let tarExtract: SpawnSyncReturns<string>;

beforeAll(async () => {
  ws = new Workspace(null);
  scriptBuildpack(ws, 'plain', PLAIN);
  const app = ws.buildDir;
  fs.writeFileSync(under(app, CAFE), 'un café\n');
  fs.writeFileSync(under(app, LONG_NAME), 'long name\n');
  fs.mkdirSync(under(app, LONG_DIR));
  fs.writeFileSync(under(app, LONG_DIR, LONG_FILE), 'long path\n');
  fs.symlinkSync(LINK_TARGET, under(app, LINK));
  fs.mkdirSync(under(app, BIN_DIR));
  // A statically linked executable (Debian's ldconfig is static-pie) under a Latin-1 directory.
  fs.copyFileSync('/sbin/ldconfig', under(app, BIN_DIR, Buffer.from('tool')));
  fs.mkdirSync(under(app, REQS_DIR));
  fs.writeFileSync(under(app, REQS_DIR, Buffer.from('requirements.txt')), 'click==8.1.3\n');
  metadataFile = path.join(ws.root, 'out', 'staging-metadata.json');

  r = await ws.stage(['plain'], { extra: [`-outputStagingMetadata=${metadataFile}`] });

  extracted = path.join(ws.root, 'extracted');
  fs.mkdirSync(extracted);
  tarExtract = spawnSync('tar', ['-xzf', ws.outputDroplet, '-C', extracted], { encoding: 'utf8' });
});
afterAll(() => ws.cleanup());

describe('an app with file names that are not UTF-8', () => {
  it('stages', () => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('GNU tar lists every name with its exact bytes (short ones in ustar, a 121-byte component through PAX)', () => {
    const listing = execFileSync('tar', ['--quoting-style=literal', '-tzf', ws.outputDroplet]).toString('latin1').split('\n');
    for (const name of [
      ['app', CAFE],
      ['app', LONG_NAME],
      ['app', LONG_DIR, LONG_FILE],
      ['app', LINK],
      ['app', BIN_DIR, Buffer.from('tool')],
    ]) {
      expect(listing).toContain(under('.', ...name.map((n) => (typeof n === 'string' ? Buffer.from(n) : n))).toString('latin1'));
    }
    // The symlink's Latin-1 target, as `tar -tv` shows it.
    const verbose = execFileSync('tar', ['--quoting-style=literal', '-tvzf', ws.outputDroplet]).toString('latin1');
    expect(verbose).toContain(`./app/${LINK.toString('latin1')} -> ${LINK_TARGET.toString('latin1')}\n`);
  });

  it('extracts to the same bytes, without a warning: names, contents and the symlink target', () => {
    expect(tarExtract.stderr).toBe('');
    expect(tarExtract.status).toBe(0);
    const app = Buffer.from(path.join(extracted, 'app'));
    const names = fs
      .readdirSync(app, { encoding: 'buffer' })
      .map((n) => n.toString('hex'))
      .sort();
    expect(names).toEqual([CAFE, LONG_NAME, LONG_DIR, LINK, BIN_DIR, REQS_DIR].map((n) => n.toString('hex')).sort());
    expect(fs.readFileSync(under(app.toString(), CAFE), 'utf8')).toBe('un café\n');
    expect(fs.readFileSync(under(app.toString(), LONG_NAME), 'utf8')).toBe('long name\n');
    expect(fs.readFileSync(under(app.toString(), LONG_DIR, LONG_FILE), 'utf8')).toBe('long path\n');
    expect(fs.readlinkSync(under(app.toString(), LINK), { encoding: 'buffer' }).equals(LINK_TARGET)).toBe(true);
  });

  it('the staging metadata counts and reads them: app files, the static executable and the requirements, stray bytes as \\xNN', () => {
    const metadata = JSON.parse(fs.readFileSync(metadataFile, 'utf8'));
    // café, the long name, the long path, the tool, requirements.txt.
    expect(metadata.app.files).toBe(5);
    expect(metadata.executables.static).toEqual(['app/bin\\xe9/tool']);
    const click = { ecosystem: 'PyPI', name: 'click', version: '8.1.3', source: 'app/sub\\xe9/requirements.txt' };
    expect(metadata.dependencies).toEqual([expect.objectContaining(click)]);
  });
});
