// CONTRACT §2.10: the final step, finalize or compile; quirks Q1 (223 for finalize failures), Q2 (doubled
// compile prefix), Q33 (compile gets two arguments, its deps slot is deleted); failure result.json (§2.14).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/stage.ts';
import { failureResult, invocations, precreateResult, readRecords, recording } from '../helpers/records.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  precreateResult(ws);
});
afterEach(() => ws.cleanup());

const MULTI_WARNING =
  'Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make use of any dependencies supplied by the buildpacks specified before it\n';
const skip = { skipDetect: true } as const;
const contentsOf = () => path.dirname(readRecords(ws).find((r) => r.script === 'supply' || r.script === 'finalize')!.args[2]!);

/** Failure path: no droplet, no cache tarball, no temporary files, the failure result.json. */
function expectFailureOutputs(keys: readonly string[]): void {
  expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(failureResult(keys));
  expect(fs.existsSync(ws.outputDroplet)).toBe(false);
  expect(fs.existsSync(ws.outputCache)).toBe(false);
  expect(ws.leftovers()).toEqual([]);
}

describe('CONTRACT §2.10 final step: finalize or compile', () => {
  describe('a final buildpack with bin/finalize', () => {
    it('runs bin/supply then bin/finalize with <cacheDir>/final, the deps dir, idx and the profile.d dir', async () => {
      ws.installBuildpack('records-args', 'supplier');
      ws.installBuildpack('records-args');
      const result = await ws.stage(['supplier', 'records-args'], { ...skip, env: recording(ws) });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const contents = contentsOf();
      const deps = path.join(contents, 'deps');
      const final = path.join(ws.cacheDir, 'final');
      expect(invocations(ws).slice(1)).toEqual([
        ['supply', ws.buildDir, final, deps, '1'],
        ['finalize', ws.buildDir, final, deps, '1', path.join(contents, 'profile.d')],
        ['release', ws.buildDir],
      ]);
    });

    it('single buildpack in skip-detect mode: index 0, no warning', async () => {
      ws.installBuildpack('records-args');
      const result = await ws.stage(['records-args'], { ...skip, env: recording(ws) });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(invocations(ws).map(([s, ...args]) => [s, args[3]])).toEqual([
        ['supply', '0'],
        ['finalize', '0'],
        ['release', undefined],
      ]);
    });

    it('without bin/supply, only bin/finalize runs', async () => {
      const root = ws.installBuildpack('records-args');
      fs.rmSync(path.join(root, 'bin', 'supply'));
      const result = await ws.stage(['records-args'], { ...skip, env: recording(ws) });
      expect(result.code).toBe(0);
      expect(invocations(ws).map(([s]) => s)).toEqual(['finalize', 'release']);
    });

    it('the existence of bin/finalize decides, not its mode: a 0644 finalize fails (223)', async () => {
      const root = ws.installBuildpack('records-args');
      fs.chmodSync(path.join(root, 'bin', 'finalize'), 0o644);
      const result = await ws.stage(['records-args'], { ...skip, env: recording(ws) });
      expect(result.code).toBe(223);
      expect(result.stderr.startsWith('Failed to compile droplet: Failed to run finalize script: ')).toBe(true);
      expect(invocations(ws).map(([s]) => s)).toEqual(['supply']);
    });

    it('also in detect mode: supply and finalize of the selected buildpack, deps index 0', async () => {
      ws.installBuildpack('always-fails');
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['always-fails', 'has-finalize']);
      expect(result.stdout).toBe('has-finalize: supply\nhas-finalize: finalize\n');
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const listing = ws.dropletListing();
      expect(listing).toEqual(
        expect.arrayContaining(['./deps/0/', './deps/0/supplied-by-has-finalize', './deps/0/finalized-by-has-finalize', './profile.d/has-finalize.sh']),
      );
      expect(ws.dropletFile('./profile.d/has-finalize.sh')).toBe('export HAS_FINALIZE=1\n');
    });
  });

  describe('a final buildpack without bin/finalize: compile', () => {
    it('bin/compile gets exactly two arguments (Q33); no warning with a single buildpack', async () => {
      ws.installBuildpack('records-args-compile');
      const result = await ws.stage(['records-args-compile'], { ...skip, env: recording(ws) });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(invocations(ws)).toEqual([
        ['compile', ws.buildDir, path.join(ws.cacheDir, 'final')],
        ['release', ws.buildDir],
      ]);
      expect(readRecords(ws)[0]!.kinds).toBe('dd');
    });

    it('bin/supply of the final buildpack is not run on the compile path', async () => {
      ws.installBuildpack('always-detects-creates-build-artifacts');
      const result = await ws.stage(['always-detects-creates-build-artifacts'], skip);
      expect(result.code).toBe(0);
      expect(ws.dropletListing().filter((e) => e.startsWith('./deps/'))).toEqual(['./deps/']);
      expect(fs.readdirSync(path.join(ws.cacheDir, 'final'))).toEqual(['compiled-artifact']);
    });

    it('with supply buildpacks before it (S > 0): the multi-buildpack warning on stderr, before compile runs', async () => {
      ws.installBuildpack('has-supply-only');
      ws.installBuildpack('prints-on-every-stream');
      const result = await ws.stage(['has-supply-only', 'prints-on-every-stream'], skip);
      expect(result.stdout).toBe('has-supply-only: supply\nprints-on-every-stream: compile stdout\n');
      expect(result.stderr).toBe(`${MULTI_WARNING}prints-on-every-stream: compile stderr\nprints-on-every-stream: release stderr\n`);
      expect(result.code).toBe(0);
    });

    it('detect mode never warns, whatever the order length', async () => {
      ws.installBuildpack('always-fails');
      ws.installBuildpack('always-detects');
      ws.installBuildpack('also-always-detects');
      const result = await ws.stage(['always-fails', 'always-detects', 'also-always-detects']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });

    it('its deps slot is deleted before compile; the droplet still has an empty ./deps/ (Q33)', async () => {
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['always-detects']);
      expect(result.code).toBe(0);
      expect(ws.dropletListing().filter((e) => e.startsWith('./deps'))).toEqual(['./deps/']);
    });

    it('in skip-detect mode only the final slot is deleted; supply slots stay', async () => {
      ws.installBuildpack('has-supply-only');
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['has-supply-only', 'always-detects'], skip);
      expect(result.code).toBe(0);
      expect(ws.dropletListing().filter((e) => e.startsWith('./deps'))).toEqual(['./deps/', './deps/0/', './deps/0/supplied-by-has-supply-only']);
    });
  });

  describe('failures exit 223 and write the failure result.json', () => {
    it('compile fails: `Failed to compile droplet: Failed to compile droplet: exit status 1` (Q2), exact failure result.json', async () => {
      ws.installBuildpack('fails-to-compile');
      const result = await ws.stage(['fails-to-compile']);
      expect(result).toMatchObject({
        code: 223,
        stdout: '',
        stderr: 'fails-to-compile: compile failed\nFailed to compile droplet: Failed to compile droplet: exit status 1\n',
      });
      expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(
        '{"lifecycle_metadata":{"buildpack_key":"fails-to-compile","detected_buildpack":"","buildpacks":[{"key":"fails-to-compile","name":""}]},"process_types":null,"execution_metadata":"","lifecycle_type":"buildpack"}\n',
      );
      expectFailureOutputs(['fails-to-compile']);
    });

    it('the failure result.json follows the JSON conventions of §1.2 (HTML-safe escaping, compact, one newline)', async () => {
      const key = `fails <&> 'compile' \u2028 "é"`;
      ws.installBuildpack('fails-to-compile', key);
      const result = await ws.stage([key]);
      expect(result.code).toBe(223);
      const k = `fails \\u003c\\u0026\\u003e 'compile' \\u2028 \\"é\\"`;
      expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(
        `{"lifecycle_metadata":{"buildpack_key":"${k}","detected_buildpack":"","buildpacks":[{"key":"${k}","name":""}]},"process_types":null,"execution_metadata":"","lifecycle_type":"buildpack"}\n`,
      );
    });

    it('finalize fails: `Failed to compile droplet: Failed to run finalize script: exit status 1`, 223 not 226 (Q1)', async () => {
      ws.installBuildpack('has-supply-only');
      ws.installBuildpack('fails-to-finalize');
      const result = await ws.stage(['has-supply-only', 'fails-to-finalize'], skip);
      expect(result).toMatchObject({
        code: 223,
        stdout: 'has-supply-only: supply\n',
        stderr: 'fails-to-finalize: finalize failed\nFailed to compile droplet: Failed to run finalize script: exit status 1\n',
      });
      expectFailureOutputs(['has-supply-only', 'fails-to-finalize']);
    });

    it('the final buildpack’s supply fails: `Failed to compile droplet: Failed to run all supply scripts: exit status 1`, 223 (Q1); finalize never runs', async () => {
      ws.installBuildpack('fails-to-supply');
      const result = await ws.stage(['fails-to-supply'], skip);
      expect(result).toMatchObject({
        code: 223,
        stdout: '',
        stderr: 'fails-to-supply: supply failed\nFailed to compile droplet: Failed to run all supply scripts: exit status 1\n',
      });
      expect(fs.existsSync(path.join(ws.buildDir, 'finalized-by-fails-to-supply'))).toBe(false);
      expectFailureOutputs(['fails-to-supply']);
    });

    it('detect mode, finalize path: failure result.json names only the selected key, without its detect output (Q8)', async () => {
      ws.installBuildpack('always-fails');
      ws.installBuildpack('fails-to-finalize');
      const result = await ws.stage(['always-fails', 'fails-to-finalize']);
      expect(result.code).toBe(223);
      expect(result.stderr).toBe('fails-to-finalize: finalize failed\nFailed to compile droplet: Failed to run finalize script: exit status 1\n');
      expectFailureOutputs(['fails-to-finalize']);
    });

    it('a compile that cannot be executed (bin is a plain file) fails the same way', async () => {
      ws.installBuildpack('has-supply-only');
      ws.installBuildpack('bin-is-a-file');
      const result = await ws.stage(['has-supply-only', 'bin-is-a-file'], skip);
      expect(result.code).toBe(223);
      expect(result.stderr.startsWith(MULTI_WARNING)).toBe(true);
      const last = result.stderr.slice(MULTI_WARNING.length);
      expect(last.startsWith('Failed to compile droplet: Failed to compile droplet: ')).toBe(true);
      expect(last.split('\n')).toHaveLength(2);
      expectFailureOutputs(['has-supply-only', 'bin-is-a-file']);
    });
  });
});
