// CONTRACT §2.12: the process list is merged from supply launch.yml files, the final buildpack's
// launch.yml or `bin/release`, and the app's Procfile; sidecars are split off; a missing web
// command is only a warning. Project decisions: Q3/Q4 fixed (launch.yml is looked up in the padded
// deps slot the buildpack received, deps/0 for a detected buildpack), Q10 fixed (document order).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/stage.ts';
import { presetEmptyResult, rawResult, writeAppFiles, stageFixtures } from '../helpers/observe.ts';

const NO_START_COMMAND = 'No start command specified by buildpack or via Procfile.\nApp will not start unless a command is provided at runtime.\n';
const LAST_NOT_MULTI =
  'Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make use of any dependencies supplied by the buildpacks specified before it\n';

interface Proc {
  type: string;
  command: string;
}

function processesOf(ws: Workspace): Proc[] | undefined {
  return (ws.result() as { processes?: Proc[] }).processes;
}

function processTypesOf(ws: Workspace): Record<string, string> | null {
  return (ws.result() as { process_types: Record<string, string> | null }).process_types;
}

/** The failure result.json of §2.14 for a single detected buildpack without config.yml (Q8: no detect-output name). */
function failureResult(key: string): string {
  return `{"lifecycle_metadata":{"buildpack_key":"${key}","detected_buildpack":"","buildpacks":[{"key":"${key}","name":""}]},"process_types":null,"execution_metadata":"","lifecycle_type":"buildpack"}\n`;
}

const launchYml = (...procs: [string, string][]): string =>
  'processes:\n' + procs.map(([type, command]) => `- type: ${type}\n  command: ${command}\n`).join('');

describe('CONTRACT §2.12 Process types', () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  describe('launch.yml', () => {
    it("uses the detected finalize-style buildpack's launch.yml instead of bin/release", async () => {
      ws = new Workspace();

      const r = await stageFixtures(ws, ['writes-launch-yml']);

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([
        { type: 'web', command: 'web from launch.yml of writes-launch-yml' },
        { type: 'worker', command: 'worker from launch.yml of writes-launch-yml' },
      ]);
      expect(processTypesOf(ws)).toEqual({
        web: 'web from launch.yml of writes-launch-yml',
        worker: 'worker from launch.yml of writes-launch-yml',
      });
      expect(ws.dropletListing()).not.toContain('./app/release-of-writes-launch-yml-ran');
      expect(ws.dropletListing()).toContain('./deps/0/launch.yml');
    });

    it("finds a detected buildpack's launch.yml in deps/0 even when the order has several keys (Q4 decision)", async () => {
      ws = new Workspace();

      const r = await stageFixtures(ws, ['always-fails', 'writes-launch-yml', 'always-detects']);

      expect(r.code).toBe(0);
      expect(processTypesOf(ws)).toEqual({
        web: 'web from launch.yml of writes-launch-yml',
        worker: 'worker from launch.yml of writes-launch-yml',
      });
      expect(ws.dropletListing()).not.toContain('./app/release-of-writes-launch-yml-ran');
    });

    it("merges a supply buildpack's launch.yml, then the final buildpack's release replaces web in place", async () => {
      ws = new Workspace();

      const r = await stageFixtures(ws, ['writes-launch-yml', 'always-detects'], { skipDetect: true });

      expect(r.stderr).toBe(LAST_NOT_MULTI);
      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([
        { type: 'web', command: 'the start command' },
        { type: 'worker', command: 'worker from launch.yml of writes-launch-yml' },
      ]);
      expect(ws.dropletFile('./staging_info.yml')).toBe('{"detected_buildpack":"","start_command":"the start command"}\n');
    });

    it("uses the final buildpack's launch.yml in skip-detect mode (deps/<S>) and does not run its release", async () => {
      ws = new Workspace();

      const r = await stageFixtures(ws, ['has-supply-only', 'writes-launch-yml'], { skipDetect: true });

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([
        { type: 'web', command: 'web from launch.yml of writes-launch-yml' },
        { type: 'worker', command: 'worker from launch.yml of writes-launch-yml' },
      ]);
      expect(ws.dropletListing()).toContain('./deps/1/launch.yml');
      expect(ws.dropletListing()).not.toContain('./app/release-of-writes-launch-yml-ran');
    });

    it('applies the merge rule: same type replaced in place (last duplicate wins), new types appended (duplicates too), Procfile last', async () => {
      ws = new Workspace();
      writeAppFiles(ws, {
        'deps-files/0/launch.yml': launchYml(['web', 'web from 0'], ['worker', 'worker from 0']),
        'deps-files/1/launch.yml': launchYml(['worker', 'worker from 1'], ['extra', 'first extra from 1'], ['extra', 'second extra from 1']),
        'deps-files/2/launch.yml': launchYml(['web', 'web from 2'], ['worker', 'first worker from 2'], ['worker', 'second worker from 2']),
        Procfile: 'worker: worker from Procfile\nclock: clock from Procfile\n',
      });
      const key = 'copies-deps-files-from-app';

      const r = await stageFixtures(ws, [key, key, key], { skipDetect: true });

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(rawResult(ws)).toBe(
        JSON.stringify({
          lifecycle_metadata: {
            buildpack_key: key,
            detected_buildpack: '',
            buildpacks: [
              { key, name: '' },
              { key, name: '' },
              { key, name: '' },
            ],
          },
          process_types: { clock: 'clock from Procfile', extra: 'second extra from 1', web: 'web from 2', worker: 'worker from Procfile' },
          processes: [
            { type: 'web', command: 'web from 2' },
            { type: 'worker', command: 'worker from Procfile' },
            { type: 'extra', command: 'first extra from 1' },
            { type: 'extra', command: 'second extra from 1' },
            { type: 'clock', command: 'clock from Procfile' },
          ],
          execution_metadata: '',
          lifecycle_type: 'buildpack',
        }) + '\n',
      );
      // The final buildpack had a launch.yml: its release did not run.
      expect(ws.dropletListing()).not.toContain('./app/release-of-copies-deps-files-from-app-ran');
    });

    it('reads a supply launch.yml from its padded slot with 10 or more buildpacks (Q3 decision)', async () => {
      ws = new Workspace();
      writeAppFiles(ws, {
        'deps-files/00/launch.yml': launchYml(['worker', 'worker from supply 00']),
        'deps-files/09/launch.yml': launchYml(['clock', 'clock from supply 09']),
      });
      const order = Array.from({ length: 11 }, () => 'copies-deps-files-from-app');

      const r = await stageFixtures(ws, order, { skipDetect: true });

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([
        { type: 'worker', command: 'worker from supply 00' },
        { type: 'clock', command: 'clock from supply 09' },
        { type: 'web', command: 'web from release of copies-deps-files-from-app' },
      ]);
      // deps/10 had no launch.yml, so the final buildpack's release ran.
      expect(ws.dropletListing()).toContain('./app/release-of-copies-deps-files-from-app-ran');
    });

    it('fails with the raw YAML error for an unparsable launch.yml (exit 1, failure result.json)', async () => {
      ws = new Workspace();
      presetEmptyResult(ws);
      writeAppFiles(ws, { 'deps-files/0/launch.yml': 'processes: [\n' });

      const r = await stageFixtures(ws, ['copies-deps-files-from-app']);

      expect(r.stderr).toBe('yaml: line 1: did not find expected node content\n');
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
      expect(rawResult(ws)).toBe(failureResult('copies-deps-files-from-app'));
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
    });

    it('fails for a launch.yml of the wrong shape (exit 1, failure result.json)', async () => {
      ws = new Workspace();
      presetEmptyResult(ws);
      writeAppFiles(ws, { 'deps-files/0/launch.yml': 'processes: not a list\n' });

      const r = await stageFixtures(ws, ['copies-deps-files-from-app']);

      expect(r.stderr).not.toBe('');
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.code).toBe(1);
      expect(rawResult(ws)).toBe(failureResult('copies-deps-files-from-app'));
    });
  });

  describe('sidecars', () => {
    it('turns entries with sidecar_for into sidecars, with memory when set', async () => {
      ws = new Workspace();

      const r = await stageFixtures(ws, ['writes-sidecars']);

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(rawResult(ws)).toBe(
        '{"lifecycle_metadata":{"buildpack_key":"writes-sidecars","detected_buildpack":"Writes Sidecars","buildpacks":[{"key":"writes-sidecars","name":"Writes Sidecars"}]},' +
          '"process_types":{"web":"web from writes-sidecars"},"processes":[{"type":"web","command":"web from writes-sidecars"}],' +
          '"sidecars":[{"name":"sidecar-with-memory","process_types":["web","worker"],"command":"sidecar with memory command","memory":256},' +
          '{"name":"sidecar-without-memory","process_types":["web"],"command":"sidecar without memory command"}],' +
          '"execution_metadata":"","lifecycle_type":"buildpack"}\n',
      );
    });

    it('keeps an entry with an empty sidecar_for as a process', async () => {
      ws = new Workspace();
      writeAppFiles(ws, {
        'deps-files/0/launch.yml':
          'processes:\n- type: web\n  command: web cmd\n- type: helper\n  command: helper cmd\n  platforms:\n    cloudfoundry:\n      sidecar_for: []\n',
      });

      const r = await stageFixtures(ws, ['copies-deps-files-from-app']);

      expect(r.code).toBe(0);
      const result = ws.result() as { processes: Proc[]; sidecars?: unknown };
      expect(result.processes).toEqual([
        { type: 'web', command: 'web cmd' },
        { type: 'helper', command: 'helper cmd' },
      ]);
      expect(result.sidecars).toBeUndefined();
    });

    it('turns a sidecar back into a process when the Procfile redefines its type', async () => {
      ws = new Workspace();
      writeAppFiles(ws, { Procfile: 'sidecar-without-memory: now an ordinary process\n' });

      const r = await stageFixtures(ws, ['writes-sidecars']);

      expect(r.code).toBe(0);
      const result = ws.result() as { processes: Proc[]; sidecars: { name: string }[] };
      expect(result.processes).toEqual([
        { type: 'web', command: 'web from writes-sidecars' },
        { type: 'sidecar-without-memory', command: 'now an ordinary process' },
      ]);
      expect(result.sidecars.map((s) => s.name)).toEqual(['sidecar-with-memory']);
    });
  });

  describe('bin/release', () => {
    it('merges default_process_types in document order (Q10 decision)', async () => {
      ws = new Workspace();

      const r = await stageFixtures(ws, ['release-with-several-process-types']);

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([
        { type: 'web', command: 'web from release' },
        { type: 'worker', command: 'worker from release' },
        { type: 'clock', command: 'clock from release' },
      ]);
      // The map is written with sorted keys.
      expect(rawResult(ws)).toContain('"process_types":{"clock":"clock from release","web":"web from release","worker":"worker from release"}');
    });

    it('fails with exit 224 "Failed to build droplet release: exit status 1" and writes the failure result.json', async () => {
      ws = new Workspace();
      presetEmptyResult(ws);

      const r = await stageFixtures(ws, ['fails-to-release']);

      expect(r.stdout).toBe('fails-to-release: compile\n');
      expect(r.stderr).toBe('fails-to-release: release failed\nFailed to build droplet release: exit status 1\n');
      expect(r.code).toBe(224);
      expect(rawResult(ws)).toBe(failureResult('fails-to-release'));
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
    });

    it('fails with exit 224 "buildpack\'s release output invalid" for bad YAML', async () => {
      ws = new Workspace();
      presetEmptyResult(ws);

      const r = await stageFixtures(ws, ['release-generates-bad-yaml']);

      expect(r.stderr.startsWith("Failed to build droplet release: buildpack's release output invalid: ")).toBe(true);
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.code).toBe(224);
      expect(rawResult(ws)).toBe(failureResult('release-generates-bad-yaml'));
    });

    it('fails with exit 224 when bin/release cannot be executed', async () => {
      ws = new Workspace();
      const root = ws.installBuildpack('always-detects');
      fs.chmodSync(path.join(root, 'bin', 'release'), 0o644);

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.stderr.startsWith('Failed to build droplet release: ')).toBe(true);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.code).toBe(224);
      expect(rawResult(ws)).toBe(failureResult('always-detects'));
    });

    it.each([
      ['empty output', ''],
      ['an empty mapping', '--- {}\n'],
      ['no default_process_types', '---\naddons: []\n'],
    ])('yields no entries for %s (warning only)', async (_what, output) => {
      ws = new Workspace();
      const root = ws.installBuildpack('always-detects');
      fs.writeFileSync(path.join(root, 'bin', 'release'), `#!/usr/bin/env bash\nprintf '%s' '${output}'\n`);

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.stderr).toBe(NO_START_COMMAND);
      expect(r.code).toBe(0);
      expect(processTypesOf(ws)).toEqual({});
      expect(processesOf(ws)).toBeUndefined();
    });

    it('ignores the other keys of a Heroku-style release (addons, config_vars, unknown tags)', async () => {
      ws = new Workspace();
      const root = ws.installBuildpack('always-detects');
      fs.writeFileSync(
        path.join(root, 'bin', 'release'),
        "#!/usr/bin/env bash\nprintf -- '---\\naddons: []\\nconfig_vars:\\n  FOO: bar\\nlanguage_pack: !ruby/object:LanguagePack::Ruby {}\\ndefault_process_types:\\n  web: heroku style web\\n'\n",
      );

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([{ type: 'web', command: 'heroku style web' }]);
    });

    it.each([
      ['a top-level string', 'just a string\n'],
      ['a top-level list', '- web\n'],
      ['default_process_types as a list', 'default_process_types:\n- web\n'],
    ])('fails with exit 224 "buildpack\'s release output invalid" for %s', async (_what, output) => {
      ws = new Workspace();
      const root = ws.installBuildpack('always-detects');
      fs.writeFileSync(path.join(root, 'bin', 'release'), `#!/usr/bin/env bash\nprintf '%s' '${output}'\n`);

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.stderr.startsWith("Failed to build droplet release: buildpack's release output invalid: ")).toBe(true);
      expect(r.code).toBe(224);
    });
  });

  describe('Procfile', () => {
    it('overrides same-typed entries in place and appends new ones (a Procfile written by compile counts)', async () => {
      ws = new Workspace();

      const r = await stageFixtures(ws, ['writes-procfile']);

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([
        { type: 'web', command: 'web from Procfile written by compile' },
        { type: 'worker', command: 'worker from release of writes-procfile' },
        { type: 'migrate', command: 'migrate from Procfile written by compile' },
      ]);
      expect(ws.dropletFile('./staging_info.yml')).toBe('{"detected_buildpack":"Writes Procfile","start_command":"web from Procfile written by compile"}\n');
    });

    it("overrides the release's web command with the app's Procfile", async () => {
      ws = new Workspace();
      writeAppFiles(ws, { Procfile: 'web: procfile web command\n' });

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([{ type: 'web', command: 'procfile web command' }]);
      expect(processTypesOf(ws)).toEqual({ web: 'procfile web command' });
    });

    it('appends new Procfile types in document order (Q10 decision)', async () => {
      ws = new Workspace();
      writeAppFiles(ws, { Procfile: 'zeta: z command\nalpha: a command\nmid: m command\n' });

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([
        { type: 'web', command: 'the start command' },
        { type: 'zeta', command: 'z command' },
        { type: 'alpha', command: 'a command' },
        { type: 'mid', command: 'm command' },
      ]);
    });

    it('keeps the scalar text: web: 123 → "123", true → "true", a null → ""', async () => {
      ws = new Workspace();
      writeAppFiles(ws, { Procfile: 'web: 123\nworker: true\nversion: 1.0\nempty:\n' });

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([
        { type: 'web', command: '123' },
        { type: 'worker', command: 'true' },
        { type: 'version', command: '1.0' },
        { type: 'empty', command: '' },
      ]);
      expect(ws.dropletFile('./staging_info.yml')).toBe('{"detected_buildpack":"Always Matching","start_command":"123"}\n');
    });

    it('lets the last of duplicate keys win', async () => {
      ws = new Workspace();
      writeAppFiles(ws, { Procfile: 'web: first web\nweb: second web\n' });

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([{ type: 'web', command: 'second web' }]);
    });

    it('treats an empty Procfile as no entries', async () => {
      ws = new Workspace();
      writeAppFiles(ws, { Procfile: '' });

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.code).toBe(0);
      expect(processesOf(ws)).toEqual([{ type: 'web', command: 'the start command' }]);
    });

    it.each([
      ['unterminated flow sequence', 'web: [unterminated\n'],
      ['top-level list', '- web\n- worker\n'],
      ['top-level string', 'just a string\n'],
      ['a list where a command is expected', 'web: [a, b]\n'],
      ['a mapping where a command is expected', 'web:\n  nested: value\n'],
    ])('fails with "invalid YAML" for %s (exit 1, failure result.json)', async (_what, procfile) => {
      ws = new Workspace();
      presetEmptyResult(ws);
      writeAppFiles(ws, { Procfile: procfile });

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.stdout).toBe('always-detects: compile\n');
      expect(r.stderr).toBe('Failed to read command from Procfile: invalid YAML\n');
      expect(r.code).toBe(1);
      expect(rawResult(ws)).toBe(failureResult('always-detects'));
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
    });

    it('fails with the read error when Procfile is a directory', async () => {
      ws = new Workspace();
      presetEmptyResult(ws);
      fs.mkdirSync(path.join(ws.buildDir, 'Procfile'));

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.stderr).toMatch(/^Failed to read command from Procfile: .*is a directory\n$/);
      expect(r.stderr).not.toContain('invalid YAML');
      expect(r.code).toBe(1);
      expect(rawResult(ws)).toBe(failureResult('always-detects'));
    });
  });

  describe('no web process', () => {
    it('prints the two warning lines on stderr and still stages (exit 0)', async () => {
      ws = new Workspace();

      const r = await stageFixtures(ws, ['release-without-web']);

      expect(r.stderr).toBe(NO_START_COMMAND);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(0);
      expect(processTypesOf(ws)).toEqual({ worker: 'worker from release-without-web' });
      expect(ws.dropletFile('./staging_info.yml')).toBe('{"detected_buildpack":"Release Without Web","start_command":""}\n');
    });

    it('warns as well when web is present but empty', async () => {
      ws = new Workspace();
      writeAppFiles(ws, { Procfile: 'web:\n' });

      const r = await stageFixtures(ws, ['always-detects']);

      expect(r.stderr).toBe(NO_START_COMMAND);
      expect(r.code).toBe(0);
      expect(processTypesOf(ws)).toEqual({ web: '' });
    });
  });
});
