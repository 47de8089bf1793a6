// CONTRACT §2.9: skip-detect (multi-buildpack) mode: validation pass, supply pass, resolution of the
// final buildpack; exit 225 and no result.json (quirk Q9); decided fix Q14 (error printed once).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace, md5Hex, xxhash64Hex } from '../helpers/stage.ts';
import { invocations, precreateResult, readRecords, recording } from '../helpers/records.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  precreateResult(ws);
});
afterEach(() => ws.cleanup());

const NOT_MULTI = 'Error: one of the buildpacks chosen to supply dependencies does not support multi-buildpack apps\n';
const skip = { skipDetect: true } as const;

/** No result.json written, no droplet, no cache tarball, no temporary files. */
function expectNothingProduced(): void {
  expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe('');
  expect(fs.existsSync(ws.outputDroplet)).toBe(false);
  expect(fs.existsSync(ws.outputCache)).toBe(false);
  expect(ws.leftovers()).toEqual([]);
}

describe('CONTRACT §2.9 skip-detect mode', () => {
  it('no detect script is ever run; supply buildpacks run in order with their own cache and index', async () => {
    ws.installBuildpack('records-args', 'one');
    ws.installBuildpack('records-args', 'two');
    ws.installBuildpack('records-args', 'three');
    ws.installBuildpack('records-args-compile');
    const result = await ws.stage(['one', 'two', 'three', 'records-args-compile'], { ...skip, env: recording(ws) });
    expect(result.code).toBe(0);
    const records = readRecords(ws);
    const deps = records[0]!.args[2]!;
    expect(path.basename(deps)).toBe('deps');
    expect(records.map((r) => [r.script, ...r.args])).toEqual([
      ['supply', ws.buildDir, path.join(ws.cacheDir, xxhash64Hex('one')), deps, '0'],
      ['supply', ws.buildDir, path.join(ws.cacheDir, xxhash64Hex('two')), deps, '1'],
      ['supply', ws.buildDir, path.join(ws.cacheDir, xxhash64Hex('three')), deps, '2'],
      ['compile', ws.buildDir, path.join(ws.cacheDir, 'final')],
      ['release', ws.buildDir],
    ]);
    expect(records.slice(0, 3).map((r) => r.path)).toEqual(['one', 'two', 'three'].map((k) => path.join(ws.buildpacksDir, xxhash64Hex(k), 'bin', 'supply')));
    expect(records.slice(0, 3).map((r) => r.kinds)).toEqual(['ddd-', 'ddd-', 'ddd-']);
  });

  it('supply stdout and stderr pass through, in order', async () => {
    ws.installBuildpack('has-supply-only');
    ws.installBuildpack('has-finalize');
    const result = await ws.stage(['has-supply-only', 'has-finalize'], skip);
    expect(result.stdout).toBe('has-supply-only: supply\nhas-finalize: supply\nhas-finalize: finalize\n');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('Q37: the same key twice shares one supply cache and runs supply twice', async () => {
    ws.installBuildpack('records-args');
    ws.installBuildpack('has-finalize');
    const result = await ws.stage(['records-args', 'records-args', 'has-finalize'], { ...skip, env: recording(ws) });
    expect(result.code).toBe(0);
    const cache = path.join(ws.cacheDir, xxhash64Hex('records-args'));
    expect(readRecords(ws).map((r) => [r.script, r.args[1], r.args[3]])).toEqual([
      ['supply', cache, '0'],
      ['supply', cache, '1'],
    ]);
  });

  describe('1. validation pass', () => {
    it('a supply buildpack without bin/supply: exactly the multi-buildpack error, exit 225, before any supply runs', async () => {
      ws.installBuildpack('records-args');
      ws.installBuildpack('has-no-supply');
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['records-args', 'has-no-supply', 'has-finalize'], { ...skip, env: recording(ws) });
      expect(result).toMatchObject({ code: 225, stdout: '', stderr: NOT_MULTI });
      expect(invocations(ws)).toEqual([]);
      expectNothingProduced();
    });

    it('the final buildpack is not validated: a compile-only final buildpack is fine', async () => {
      ws.installBuildpack('has-supply-only');
      ws.installBuildpack('has-no-supply');
      const result = await ws.stage(['has-supply-only', 'has-no-supply'], skip);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('has-supply-only: supply\nhas-no-supply: compile\n');
    });

    it('only the existence of bin/supply is checked: a 0644 supply passes validation and fails to run (225)', async () => {
      const root = ws.installBuildpack('has-supply-only');
      fs.chmodSync(path.join(root, 'bin', 'supply'), 0o644);
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['has-supply-only', 'has-finalize'], skip);
      expect(result.code).toBe(225);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toContain('multi-buildpack');
      expect(result.stderr.startsWith('Failed to run all supply scripts: ')).toBe(true);
      expect(result.stderr.split('\n')).toHaveLength(2);
      expectNothingProduced();
    });

    it('Q34: a supply buildpack whose bin is a plain file has no bin/supply', async () => {
      ws.installBuildpack('bin-is-a-file');
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['bin-is-a-file', 'has-finalize'], skip);
      expect(result).toMatchObject({ code: 225, stdout: '', stderr: NOT_MULTI });
    });

    it('Q14 (fixed): an unresolvable supply buildpack is reported once, as the final error line', async () => {
      ws.installBuildpack('has-no-bin-dir');
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['has-no-bin-dir', 'has-finalize'], skip);
      expect(result).toMatchObject({
        code: 225,
        stdout: '',
        stderr: 'Failed to run all supply scripts: malformed buildpack does not contain a /bin dir: has-no-bin-dir\n',
      });
      expectNothingProduced();
    });

    it('Q14 (fixed), Q13 (fixed): a supply buildpack that is not installed', async () => {
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['not-installed', 'has-finalize'], skip);
      expect(result).toMatchObject({
        code: 225,
        stdout: '',
        stderr: `Failed to run all supply scripts: Failed to read buildpack directory '${path.join(ws.buildpacksDir, md5Hex('not-installed'))}' for buildpack 'not-installed'\n`,
      });
      expectNothingProduced();
    });

    it('validation stops at the first bad supply buildpack, in order', async () => {
      ws.installBuildpack('has-no-supply');
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['has-no-supply', 'not-installed', 'has-finalize'], skip);
      expect(result).toMatchObject({ code: 225, stdout: '', stderr: NOT_MULTI });
    });
  });

  describe('2. supply pass', () => {
    it('a failing supply: `Failed to run all supply scripts: exit status 1`, exit 225, later buildpacks never run', async () => {
      ws.installBuildpack('fails-to-supply');
      ws.installBuildpack('records-args');
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['fails-to-supply', 'records-args', 'has-finalize'], { ...skip, env: recording(ws) });
      expect(result).toMatchObject({
        code: 225,
        stdout: '',
        stderr: 'fails-to-supply: supply failed\nFailed to run all supply scripts: exit status 1\n',
      });
      expect(invocations(ws)).toEqual([]);
      expectNothingProduced();
    });

    it('a supply that runs after a successful one fails the same way', async () => {
      ws.installBuildpack('has-supply-only');
      ws.installBuildpack('fails-to-supply');
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['has-supply-only', 'fails-to-supply', 'has-finalize'], skip);
      expect(result).toMatchObject({
        code: 225,
        stdout: 'has-supply-only: supply\n',
        stderr: 'fails-to-supply: supply failed\nFailed to run all supply scripts: exit status 1\n',
      });
      expectNothingProduced();
    });

    it('a supply killed by a signal is a failure (225)', async () => {
      ws.installBuildpack('supply-dies-by-signal');
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['supply-dies-by-signal', 'has-finalize'], skip);
      expect(result.code).toBe(225);
      expect(result.stderr.startsWith('Failed to run all supply scripts: ')).toBe(true);
      expect(result.stderr.endsWith('\n')).toBe(true);
      expectNothingProduced();
    });
  });

  describe('3. resolving the final buildpack', () => {
    it('an unresolvable final buildpack: `Failed to run all supply scripts: <error>` once, exit 225, after the supplies ran', async () => {
      ws.installBuildpack('records-args');
      const result = await ws.stage(['records-args', 'not-installed'], { ...skip, env: recording(ws) });
      expect(result).toMatchObject({
        code: 225,
        stdout: '',
        stderr: `Failed to run all supply scripts: Failed to read buildpack directory '${path.join(ws.buildpacksDir, md5Hex('not-installed'))}' for buildpack 'not-installed'\n`,
      });
      expect(invocations(ws).map(([s]) => s)).toEqual(['supply']);
      expectNothingProduced();
    });

    it('a malformed final buildpack', async () => {
      ws.installBuildpack('has-supply-only');
      ws.installBuildpack('has-no-bin-dir');
      const result = await ws.stage(['has-supply-only', 'has-no-bin-dir'], skip);
      expect(result).toMatchObject({
        code: 225,
        stdout: 'has-supply-only: supply\n',
        stderr: 'Failed to run all supply scripts: malformed buildpack does not contain a /bin dir: has-no-bin-dir\n',
      });
      expectNothingProduced();
    });

    it('an empty last element of the order is the final key ""', async () => {
      ws.installBuildpack('has-supply-only');
      const result = await ws.stage(['has-supply-only', ''], skip);
      expect(result).toMatchObject({
        code: 225,
        stderr: `Failed to run all supply scripts: Failed to read buildpack directory '${path.join(ws.buildpacksDir, md5Hex(''))}' for buildpack ''\n`,
      });
    });
  });
});
