// CONTRACT §2.11 (and §2.3 step 4): how buildpack scripts are invoked: arguments, working directory,
// environment, stdin, direct execution through the shebang.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILDER, Workspace, baseEnv, xxhash64Hex } from '../helpers/stage.ts';
import { invocations, readRecords, recordedEnv, recording, runProcess } from '../helpers/records.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.cleanup());

describe('CONTRACT §2.11 script invocation', () => {
  it('the argument table, skip-detect mode with a finalize buildpack', async () => {
    ws.installBuildpack('records-args', 'supplier');
    ws.installBuildpack('records-args');
    const result = await ws.stage(['supplier', 'records-args'], { skipDetect: true, env: recording(ws) });
    expect(result.code).toBe(0);
    const records = readRecords(ws);
    const contents = path.dirname(records[0]!.args[2]!);
    const deps = path.join(contents, 'deps');
    expect(invocations(ws)).toEqual([
      ['supply', ws.buildDir, path.join(ws.cacheDir, xxhash64Hex('supplier')), deps, '0'],
      ['supply', ws.buildDir, path.join(ws.cacheDir, 'final'), deps, '1'],
      ['finalize', ws.buildDir, path.join(ws.cacheDir, 'final'), deps, '1', path.join(contents, 'profile.d')],
      ['release', ws.buildDir],
    ]);
    // depsDir and profileDir are absolute temporary paths.
    expect(path.isAbsolute(deps)).toBe(true);
  });

  it('the argument table, detect mode with a compile buildpack', async () => {
    ws.installBuildpack('records-args-compile');
    const result = await ws.stage(['records-args-compile'], { env: recording(ws) });
    expect(result.code).toBe(0);
    expect(invocations(ws)).toEqual([
      ['detect', ws.buildDir],
      ['compile', ws.buildDir, path.join(ws.cacheDir, 'final')],
      ['release', ws.buildDir],
    ]);
  });

  describe('scripts run in the builder’s working directory', () => {
    it.each([
      ['detect mode', false, ['detect', 'supply', 'finalize', 'release']],
      ['skip-detect mode', true, ['supply', 'supply', 'finalize', 'release']],
    ])('%s', async (_label, skipDetect, scripts) => {
      ws.installBuildpack('records-args', 'supplier');
      ws.installBuildpack('records-args');
      const cwd = path.join(ws.root, 'somewhere', 'else');
      fs.mkdirSync(cwd, { recursive: true });
      const order = skipDetect ? ['supplier', 'records-args'] : ['records-args'];
      const result = await ws.stage(order, { skipDetect, env: recording(ws), cwd });
      expect(result.code).toBe(0);
      const records = readRecords(ws);
      expect(records.map((r) => r.script)).toEqual(scripts);
      for (const r of records) expect(r.cwd).toBe(fs.realpathSync(cwd));
    });

    it('compile too', async () => {
      ws.installBuildpack('records-args-compile');
      const cwd = path.join(ws.root, 'elsewhere');
      fs.mkdirSync(cwd);
      await ws.stage(['records-args-compile'], { skipDetect: true, env: recording(ws), cwd });
      expect(readRecords(ws).map((r) => [r.script, r.cwd])).toEqual([
        ['compile', fs.realpathSync(cwd)],
        ['release', fs.realpathSync(cwd)],
      ]);
    });
  });

  describe('scripts inherit the builder’s environment', () => {
    it('every script sees a variable given to the builder', async () => {
      ws.installBuildpack('records-args', 'supplier');
      ws.installBuildpack('records-args');
      await ws.stage(['supplier', 'records-args'], { skipDetect: true, env: recording(ws, { FIXTURE_MARK: 'a value with  spaces & "quotes"' }) });
      await ws.stage(['records-args'], { env: recording(ws, { FIXTURE_MARK: 'second run' }) });
      expect(readRecords(ws).map((r) => [r.script, r.mark])).toEqual([
        ['supply', 'a value with  spaces & "quotes"'],
        ['supply', 'a value with  spaces & "quotes"'],
        ['finalize', 'a value with  spaces & "quotes"'],
        ['release', 'a value with  spaces & "quotes"'],
        ['detect', 'second run'],
        ['supply', 'second run'],
        ['finalize', 'second run'],
        ['release', 'second run'],
      ]);
    });

    it.each(['detect', 'supply', 'finalize', 'release'])('%s sees exactly the builder’s environment, nothing added or removed', async (script) => {
      ws.installBuildpack('records-args');
      const extra = recording(ws, { FIXTURE_MARK: 'mark', SOME_SETTING: 'x=y', EMPTY_VALUE: '' });
      const result = await ws.stage(['records-args'], { env: extra });
      expect(result.code).toBe(0);
      expect(recordedEnv(ws, script)).toEqual(baseEnv({ TMPDIR: ws.tmpDir, ...extra }));
    });

    it('compile sees exactly the builder’s environment', async () => {
      ws.installBuildpack('records-args-compile');
      const extra = recording(ws, { FIXTURE_MARK: 'mark' });
      await ws.stage(['records-args-compile'], { skipDetect: true, env: extra });
      expect(recordedEnv(ws, 'compile')).toEqual(baseEnv({ TMPDIR: ws.tmpDir, ...extra }));
    });
  });

  describe('scripts receive no stdin', () => {
    // The builder's own stdin is a pipe that has data and stays open: a script that inherited it would
    // read the data (or wait), one given no stdin reads end-of-file at once.
    it.each([
      ['detect mode', false, ['detect', 'supply', 'finalize', 'release']],
      ['skip-detect mode', true, ['supply', 'supply', 'finalize', 'release']],
    ])('%s', async (_label, skipDetect, scripts) => {
      ws.installBuildpack('records-args', 'supplier');
      ws.installBuildpack('records-args');
      const order = skipDetect ? ['supplier', 'records-args'] : ['records-args'];
      const result = await runProcess(BUILDER, ws.args(order, { skipDetect }), {
        env: baseEnv({ TMPDIR: ws.tmpDir, ...recording(ws) }),
        cwd: ws.root,
        stdin: 'data the scripts must not see\n',
      });
      expect(result.code).toBe(0);
      expect(readRecords(ws).map((r) => [r.script, r.stdin])).toEqual(scripts.map((s) => [s, 'eof']));
    });

    it('compile', async () => {
      ws.installBuildpack('records-args-compile');
      const result = await runProcess(BUILDER, ws.args(['records-args-compile'], { skipDetect: true }), {
        env: baseEnv({ TMPDIR: ws.tmpDir, ...recording(ws) }),
        cwd: ws.root,
        stdin: 'data the scripts must not see\n',
      });
      expect(result.code).toBe(0);
      expect(readRecords(ws).map((r) => [r.script, r.stdin])).toEqual([
        ['compile', 'eof'],
        ['release', 'eof'],
      ]);
    });
  });

  it('scripts are executed directly, through their shebang line', async () => {
    const root = ws.installBuildpack('detect-uses-its-shebang');
    const result = await ws.stage(['detect-uses-its-shebang']);
    expect(result.code).toBe(0);
    expect((ws.result() as { lifecycle_metadata: { detected_buildpack: string } }).lifecycle_metadata.detected_buildpack).toBe(
      `Shebang Detected ${root}/bin/detect ${ws.buildDir}`,
    );
  });
});
