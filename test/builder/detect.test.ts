// CONTRACT §2.8: detect mode (-skipDetect=false): order, first match wins, detect output, the
// executability warning (quirk Q12, Q36), and "None of the buildpacks detected" (222, quirk Q9).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace, md5Hex as md5, xxhash64Hex } from '../helpers/stage.ts';
import { invocations, precreateResult, readRecords, recording } from '../helpers/records.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  precreateResult(ws);
});
afterEach(() => ws.cleanup());

const NONE = 'None of the buildpacks detected a compatible application\n';
const WARNING = "WARNING: buildpack script '/bin/detect' is not executable\n";
const metadata = () =>
  (ws.result() as { lifecycle_metadata: { buildpack_key: string; detected_buildpack: string; buildpacks: { key: string; name: string }[] } })
    .lifecycle_metadata;

describe('CONTRACT §2.8 detect mode', () => {
  describe('keys are tried in order and the first match wins', () => {
    it('non-matching buildpacks are passed over; by default (sequential detect) buildpacks after the match are never run', async () => {
      ws.installBuildpack('fails-to-detect-prints-stderr', 'first');
      ws.installBuildpack('fails-to-detect-prints-stderr', 'second');
      const chosen = ws.installBuildpack('records-args', 'chosen');
      ws.installBuildpack('records-args', 'too-late');
      const result = await ws.stage(['first', 'second', 'chosen', 'too-late'], { env: recording(ws) });
      expect(result.stderr).toBe(
        `fails-to-detect-prints-stderr: no match in ${xxhash64Hex('first')}\nfails-to-detect-prints-stderr: no match in ${xxhash64Hex('second')}\n`,
      );
      expect(result.stdout).toBe('');
      expect(result.code).toBe(0);
      const records = readRecords(ws);
      expect(records.map((r) => [r.script, r.path])).toEqual([
        ['detect', `${chosen}/bin/detect`],
        ['supply', `${chosen}/bin/supply`],
        ['finalize', `${chosen}/bin/finalize`],
        ['release', `${chosen}/bin/release`],
      ]);
      expect(metadata()).toEqual({ buildpack_key: 'chosen', detected_buildpack: 'Records Args', buildpacks: [{ key: 'chosen', name: 'Records Args' }] });
    });

    it('bin/detect gets exactly one argument, the build dir', async () => {
      ws.installBuildpack('records-args');
      await ws.stage(['records-args'], { env: recording(ws) });
      const detect = readRecords(ws)[0]!;
      expect([detect.script, ...detect.args]).toEqual(['detect', ws.buildDir]);
      expect(detect.kinds).toBe('d');
    });

    it('the selected buildpack goes through the final step with deps index 0 and <cacheDir>/final', async () => {
      ws.installBuildpack('always-fails');
      ws.installBuildpack('records-args');
      await ws.stage(['always-fails', 'records-args'], { env: recording(ws) });
      const contents = path.dirname(readRecords(ws).find((r) => r.script === 'supply')!.args[2]!);
      const deps = path.join(contents, 'deps');
      const final = path.join(ws.cacheDir, 'final');
      expect(invocations(ws)).toEqual([
        ['detect', ws.buildDir],
        ['supply', ws.buildDir, final, deps, '0'],
        ['finalize', ws.buildDir, final, deps, '0', path.join(contents, 'profile.d')],
        ['release', ws.buildDir],
      ]);
    });
  });

  describe('detect output', () => {
    it('only trailing \\r and \\n are removed: "Name With Space  \\r\\n\\n\\n" → "Name With Space  "', async () => {
      ws.installBuildpack('detect-name-with-trailing-newlines');
      const result = await ws.stage(['detect-name-with-trailing-newlines']);
      expect(result.code).toBe(0);
      expect(metadata()).toMatchObject({
        detected_buildpack: 'Name With Space  ',
        buildpacks: [{ key: 'detect-name-with-trailing-newlines', name: 'Name With Space  ' }],
      });
      expect(JSON.parse(ws.dropletFile('./staging_info.yml'))).toMatchObject({ detected_buildpack: 'Name With Space  ' });
    });

    it('leading whitespace and inner line breaks are kept', async () => {
      ws.installBuildpack('detect-output-with-inner-newlines');
      const result = await ws.stage(['detect-output-with-inner-newlines']);
      expect(result.code).toBe(0);
      expect(metadata().detected_buildpack).toBe('\tFirst Line\r\nSecond Line ');
    });

    it('stdout of detect is captured, never shown; its stderr passes through', async () => {
      ws.installBuildpack('prints-on-every-stream');
      ws.installBuildpack('fails-to-detect-prints-stderr');
      const result = await ws.stage(['fails-to-detect-prints-stderr', 'prints-on-every-stream']);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('detect stdout');
      expect(result.stderr).toContain(`fails-to-detect-prints-stderr: no match in ${xxhash64Hex('fails-to-detect-prints-stderr')}\n`);
      expect(result.stderr).toContain('prints-on-every-stream: detect stderr\n');
      expect(metadata().detected_buildpack).toBe('prints-on-every-stream: detect stdout');
    });

    it('nothing announces the detection result', async () => {
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['always-detects']);
      expect(result.stdout).toBe('always-detects: compile\n');
      expect(result.stderr).toBe('');
    });
  });

  describe('Q12/Q36: a bin/detect without all three execute bits', () => {
    const install = (mode: number) => {
      const root = ws.installBuildpack('detect-not-executable');
      fs.chmodSync(path.join(root, 'bin', 'detect'), mode);
      return root;
    };

    it('0744: WARNING on stdout, still run, and it matches', async () => {
      install(0o744);
      const result = await ws.stage(['detect-not-executable']);
      expect(result.stdout).toBe(`${WARNING}detect-not-executable: compile\n`);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(metadata().detected_buildpack).toBe('Not Executable Detect');
    });

    it('0644: WARNING on stdout, then it cannot run and the next key is tried silently', async () => {
      install(0o644);
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['detect-not-executable', 'always-detects']);
      expect(result.stdout).toBe(`${WARNING}always-detects: compile\n`);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(metadata().detected_buildpack).toBe('Always Matching');
    });

    it('0644 as the only key: WARNING, then none detected', async () => {
      install(0o644);
      const result = await ws.stage(['detect-not-executable']);
      expect(result).toMatchObject({ code: 222, stdout: WARNING, stderr: NONE });
    });

    it.each([
      ['0754', 0o754, true],
      ['0745', 0o745, true],
      ['0700', 0o700, true],
      ['0711', 0o711, false],
      ['0555', 0o555, false],
      ['0755', 0o755, false],
    ])('mode %s: warning %s', async (_label, mode, warns) => {
      install(mode);
      const result = await ws.stage(['detect-not-executable']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${warns ? WARNING : ''}detect-not-executable: compile\n`);
    });

    it('one warning per non-executable detect that is examined', async () => {
      const one = ws.installBuildpack('detect-not-executable', 'one');
      const two = ws.installBuildpack('detect-not-executable', 'two');
      fs.chmodSync(path.join(one, 'bin', 'detect'), 0o644);
      fs.chmodSync(path.join(two, 'bin', 'detect'), 0o744);
      const result = await ws.stage(['one', 'two']);
      expect(result.stdout).toBe(`${WARNING}${WARNING}detect-not-executable: compile\n`);
      expect(result.code).toBe(0);
      expect(metadata().buildpack_key).toBe('two');
    });
  });

  describe('a buildpack that cannot be examined is reported on stderr and skipped', () => {
    it('no bin/detect: `stat <root>/bin/detect: no such file or directory`', async () => {
      const root = ws.installBuildpack('has-supply-only');
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['has-supply-only', 'always-detects']);
      expect(result.stderr).toBe(`stat ${root}/bin/detect: no such file or directory\n`);
      expect(result.stdout).toBe('always-detects: compile\n');
      expect(result.code).toBe(0);
      expect(metadata().buildpack_key).toBe('always-detects');
    });

    it('a resolution error is printed and the next key is tried', async () => {
      ws.installBuildpack('has-no-bin-dir');
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['has-no-bin-dir', 'always-detects']);
      expect(result.stderr).toBe('malformed buildpack does not contain a /bin dir: has-no-bin-dir\n');
      expect(result.code).toBe(0);
    });
  });

  describe('none detected: exit 222', () => {
    it('stderr is exactly the message; nothing else is produced; result.json keeps its content (Q9)', async () => {
      ws.installBuildpack('always-fails');
      ws.installBuildpack('always-fails', 'also-fails');
      const result = await ws.stage(['always-fails', 'also-fails']);
      expect(result).toMatchObject({ code: 222, stdout: '', stderr: NONE });
      expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe('');
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
      expect(fs.existsSync(ws.outputCache)).toBe(false);
      expect(ws.leftovers()).toEqual([]);
    });

    it('a result.json with earlier content is left as it was', async () => {
      fs.writeFileSync(ws.outputMetadata, 'previous content');
      ws.installBuildpack('always-fails');
      const result = await ws.stage(['always-fails']);
      expect(result.code).toBe(222);
      expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe('previous content');
    });

    it('after every kind of miss, the reports come in order and the final line last', async () => {
      const noDetect = ws.installBuildpack('has-supply-only');
      ws.installBuildpack('fails-to-detect-prints-stderr');
      ws.installBuildpack('always-fails');
      const result = await ws.stage(['has-supply-only', 'not-installed', 'fails-to-detect-prints-stderr', 'always-fails']);
      expect(result.stderr).toBe(
        `stat ${noDetect}/bin/detect: no such file or directory\n` +
          `Failed to read buildpack directory '${path.join(ws.buildpacksDir, md5('not-installed'))}' for buildpack 'not-installed'\n` +
          `fails-to-detect-prints-stderr: no match in ${xxhash64Hex('fails-to-detect-prints-stderr')}\n` +
          NONE,
      );
      expect(result.stdout).toBe('');
      expect(result.code).toBe(222);
    });
  });

  it('no supply validation in detect mode: a compile-only buildpack is fine after others', async () => {
    ws.installBuildpack('always-fails');
    ws.installBuildpack('always-detects');
    const result = await ws.stage(['always-fails', 'always-detects']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
