// CONTRACT §2.13 (config.yml buildpack metadata), §2.14 (result.json) and §2.15 (staging_info.yml):
// exact bytes as the reference's Go encoder writes them (§1.2: fixed field order, sorted map keys,
// HTML-safe escaping, one trailing newline). Project decisions: Q5 fixed (a config.yml `key:` is
// ignored), Q6 fixed (nested output_metadata encoded as JSON objects with sorted keys), Q7 fixed
// (result.json written last; a packaging failure leaves the failure document).
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/stage.ts';
import { presetEmptyResult, rawResult, writeAppFiles, stageFixtures } from '../helpers/observe.ts';

const LAST_NOT_MULTI =
  'Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make use of any dependencies supplied by the buildpacks specified before it\n';

// The buildpacks[] entry that the `writes-config-yml` fixture's config.yml yields.
const CONFIG_WRITER_ENTRY =
  '{"key":"writes-config-yml","name":"Config Writer","version":"9.1.3","config":{"entrypoint_prefix":"custom-entrypoint"},' +
  '"output_metadata":{"flat_bool":true,"flat_float":1.5,"flat_int":42,"flat_string":"some value","list":["a",1,false],' +
  '"nested":{"alpha":{"inner":1},"mid":["first","second"],"zeta":"last"},"yes_is_a_yaml_1_1_bool":true}}';

describe('CONTRACT §2.14 result.json', () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  it('is byte-identical to the reference for always-detects', async () => {
    ws = new Workspace();
    presetEmptyResult(ws);

    const r = await stageFixtures(ws, ['always-detects']);

    expect(r.code).toBe(0);
    expect(rawResult(ws)).toBe(
      '{"lifecycle_metadata":{"buildpack_key":"always-detects","detected_buildpack":"Always Matching","buildpacks":[{"key":"always-detects","name":"Always Matching"}]},"process_types":{"web":"the start command"},"processes":[{"type":"web","command":"the start command"}],"execution_metadata":"","lifecycle_type":"buildpack"}\n',
    );
  });

  it('is created with mode 0666 minus the umask', async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['always-detects']);

    expect(r.code).toBe(0);
    expect(fs.statSync(ws.outputMetadata).mode & 0o777).toBe(0o666 & ~process.umask());
  });

  it('writes process_types {} and omits processes when there is no process at all', async () => {
    ws = new Workspace();
    writeAppFiles(ws, { 'deps-files/0/launch.yml': 'processes: []\n' });

    const r = await stageFixtures(ws, ['copies-deps-files-from-app']);

    expect(r.code).toBe(0);
    expect(rawResult(ws)).toBe(
      '{"lifecycle_metadata":{"buildpack_key":"copies-deps-files-from-app","detected_buildpack":"Copies Deps Files","buildpacks":[{"key":"copies-deps-files-from-app","name":"Copies Deps Files"}]},"process_types":{},"execution_metadata":"","lifecycle_type":"buildpack"}\n',
    );
    expect(ws.dropletFile('./staging_info.yml')).toBe('{"detected_buildpack":"Copies Deps Files","start_command":""}\n');
  });

  it('escapes HTML-sensitive characters (&& → \\u0026\\u0026, < > → \\u003c \\u003e) (Q11)', async () => {
    ws = new Workspace();
    writeAppFiles(ws, {
      Procfile: "web: bundle exec rake db:migrate && bundle exec rails s -p $PORT <dev> 'quoted'\n",
      'deps-files/0/config.yml': 'name: A & B <Buildpack>\n',
    });

    const r = await stageFixtures(ws, ['copies-deps-files-from-app']);

    expect(r.code).toBe(0);
    const web = "bundle exec rake db:migrate \\u0026\\u0026 bundle exec rails s -p $PORT \\u003cdev\\u003e 'quoted'";
    expect(rawResult(ws)).toBe(
      '{"lifecycle_metadata":{"buildpack_key":"copies-deps-files-from-app","detected_buildpack":"A \\u0026 B \\u003cBuildpack\\u003e","buildpacks":[{"key":"copies-deps-files-from-app","name":"A \\u0026 B \\u003cBuildpack\\u003e"}]},' +
        `"process_types":{"web":"${web}"},"processes":[{"type":"web","command":"${web}"}],"execution_metadata":"","lifecycle_type":"buildpack"}\n`,
    );
    expect(ws.dropletFile('./staging_info.yml')).toBe(`{"detected_buildpack":"A \\u0026 B \\u003cBuildpack\\u003e","start_command":"${web}"}\n`);
  });

  it('names the LAST buildpack in buildpack_key/detected_buildpack in skip-detect mode', async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['writes-config-yml', 'release-with-several-process-types'], { skipDetect: true });

    expect(r.stderr).toBe(LAST_NOT_MULTI);
    expect(r.code).toBe(0);
    expect(rawResult(ws)).toBe(
      '{"lifecycle_metadata":{"buildpack_key":"release-with-several-process-types","detected_buildpack":"",' +
        `"buildpacks":[${CONFIG_WRITER_ENTRY},{"key":"release-with-several-process-types","name":""}]},` +
        '"process_types":{"clock":"clock from release","web":"web from release","worker":"worker from release"},' +
        '"processes":[{"type":"web","command":"web from release"},{"type":"worker","command":"worker from release"},{"type":"clock","command":"clock from release"}],' +
        '"execution_metadata":"","lifecycle_type":"buildpack"}\n',
    );
  });

  describe('failure document', () => {
    it('keeps config.yml metadata, process_types null, no processes', async () => {
      ws = new Workspace();
      presetEmptyResult(ws);
      writeAppFiles(ws, { Procfile: 'web: [\n' });

      const r = await stageFixtures(ws, ['writes-config-yml']);

      expect(r.stderr).toBe('Failed to read command from Procfile: invalid YAML\n');
      expect(r.code).toBe(1);
      expect(rawResult(ws)).toBe(
        `{"lifecycle_metadata":{"buildpack_key":"writes-config-yml","detected_buildpack":"Config Writer","buildpacks":[${CONFIG_WRITER_ENTRY}]},"process_types":null,"execution_metadata":"","lifecycle_type":"buildpack"}\n`,
      );
    });

    it('has no detect-output name in detect mode (Q8)', async () => {
      ws = new Workspace();
      presetEmptyResult(ws);
      writeAppFiles(ws, { 'deps-files/0/config.yml': 'version: 2.0.1\n', Procfile: 'web: [\n' });

      const r = await stageFixtures(ws, ['copies-deps-files-from-app']);

      expect(r.code).toBe(1);
      expect(rawResult(ws)).toBe(
        '{"lifecycle_metadata":{"buildpack_key":"copies-deps-files-from-app","detected_buildpack":"","buildpacks":[{"key":"copies-deps-files-from-app","name":"","version":"2.0.1"}]},"process_types":null,"execution_metadata":"","lifecycle_type":"buildpack"}\n',
      );
    });

    it('lists all keys in skip-detect mode', async () => {
      ws = new Workspace();
      presetEmptyResult(ws);

      const r = await stageFixtures(ws, ['writes-config-yml', 'fails-to-release'], { skipDetect: true });

      expect(r.code).toBe(224);
      expect(rawResult(ws)).toBe(
        `{"lifecycle_metadata":{"buildpack_key":"fails-to-release","detected_buildpack":"","buildpacks":[${CONFIG_WRITER_ENTRY},{"key":"fails-to-release","name":""}]},"process_types":null,"execution_metadata":"","lifecycle_type":"buildpack"}\n`,
      );
    });

    it('replaces the success document when packaging fails (Q7 decision: result.json written last)', async () => {
      ws = new Workspace();
      presetEmptyResult(ws);

      const r = await stageFixtures(ws, ['deletes-build-dir']);

      expect(r.stderr.endsWith('Failed to copy compiled droplet: exit status 1\n')).toBe(true);
      expect(r.code).toBe(1);
      expect(rawResult(ws)).toBe(
        '{"lifecycle_metadata":{"buildpack_key":"deletes-build-dir","detected_buildpack":"","buildpacks":[{"key":"deletes-build-dir","name":""}]},"process_types":null,"execution_metadata":"","lifecycle_type":"buildpack"}\n',
      );
    });
  });
});

describe('CONTRACT §2.13 Buildpack metadata (config.yml)', () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  it('takes name, version, config and output_metadata; ignores key (Q5 decision) and unknown keys; nested output_metadata sorted (Q6 decision)', async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['writes-config-yml']);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(rawResult(ws)).toBe(
      `{"lifecycle_metadata":{"buildpack_key":"writes-config-yml","detected_buildpack":"Config Writer","buildpacks":[${CONFIG_WRITER_ENTRY}]},` +
        '"process_types":{"web":"web from release of writes-config-yml"},"processes":[{"type":"web","command":"web from release of writes-config-yml"}],' +
        '"execution_metadata":"","lifecycle_type":"buildpack"}\n',
    );
  });

  it('reads config.yml from the padded slot of each buildpack and keeps version scalars as text (1.0, 3.14)', async () => {
    ws = new Workspace();
    writeAppFiles(ws, {
      'deps-files/0/config.yml': 'name: First Copier\nversion: 1.0\n',
      'deps-files/1/config.yml': 'version: 3.14\nconfig: {}\n',
    });
    const key = 'copies-deps-files-from-app';

    const r = await stageFixtures(ws, [key, key], { skipDetect: true });

    expect(r.code).toBe(0);
    expect(rawResult(ws)).toBe(
      `{"lifecycle_metadata":{"buildpack_key":"${key}","detected_buildpack":"",` +
        `"buildpacks":[{"key":"${key}","name":"First Copier","version":"1.0"},{"key":"${key}","name":"","version":"3.14","config":{}}]},` +
        `"process_types":{"web":"web from release of ${key}"},"processes":[{"type":"web","command":"web from release of ${key}"}],` +
        '"execution_metadata":"","lifecycle_type":"buildpack"}\n',
    );
  });

  it('types output_metadata scalars the yaml.v2 (YAML 1.1) way', async () => {
    ws = new Workspace();
    writeAppFiles(ws, {
      'deps-files/0/config.yml': [
        'output_metadata:',
        '  int: 42',
        '  neg: -7',
        '  float: 0.1',
        '  exp: 1e3',
        '  octal: 017',
        '  hex: 0x1F',
        '  underscores: 1_000',
        '  on_is_true: on',
        '  off_is_false: off',
        '  null_value: ~',
        '  quoted: "42"',
        '  list: [1, two, 3.5, yes]',
        '',
      ].join('\n'),
    });

    const r = await stageFixtures(ws, ['copies-deps-files-from-app']);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(rawResult(ws)).toContain(
      '"buildpacks":[{"key":"copies-deps-files-from-app","name":"Copies Deps Files","output_metadata":' +
        '{"exp":1000,"float":0.1,"hex":31,"int":42,"list":[1,"two",3.5,true],"neg":-7,"null_value":null,' +
        '"octal":15,"off_is_false":false,"on_is_true":true,"quoted":"42","underscores":1000}}]',
    );
  });

  it('keeps every digit of an integer beyond 2^53 (yaml.v2 decodes int64/uint64; Go prints them exactly)', async () => {
    ws = new Workspace();
    writeAppFiles(ws, {
      'deps-files/0/config.yml': 'output_metadata:\n  big: 12345678901234567890\n  big_negative: -9223372036854775808\n  safe: 9007199254740993\n',
    });

    const r = await stageFixtures(ws, ['copies-deps-files-from-app']);

    expect(r.code).toBe(0);
    expect(rawResult(ws)).toContain('"output_metadata":{"big":12345678901234567890,"big_negative":-9223372036854775808,"safe":9007199254740993}');
  });

  it('falls back to the detect output for an empty name in detect mode (success path)', async () => {
    ws = new Workspace();
    writeAppFiles(ws, { 'deps-files/0/config.yml': 'version: 3.14\n' });

    const r = await stageFixtures(ws, ['copies-deps-files-from-app']);

    expect(r.code).toBe(0);
    const meta = (ws.result() as { lifecycle_metadata: unknown }).lifecycle_metadata;
    expect(meta).toEqual({
      buildpack_key: 'copies-deps-files-from-app',
      detected_buildpack: 'Copies Deps Files',
      buildpacks: [{ key: 'copies-deps-files-from-app', name: 'Copies Deps Files', version: '3.14' }],
    });
  });

  it('ignores a config.yml that does not parse', async () => {
    ws = new Workspace();
    writeAppFiles(ws, { 'deps-files/0/config.yml': 'name: [unterminated\nversion: 1.2.3\n' });
    const key = 'copies-deps-files-from-app';

    const r = await stageFixtures(ws, [key, key], { skipDetect: true });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const meta = (ws.result() as { lifecycle_metadata: { buildpacks: unknown[] } }).lifecycle_metadata;
    expect(meta.buildpacks[0]).toEqual({ key, name: '' });
  });

  it('keeps the fields that decoded when others have the wrong type (yaml.v2 decodes partially; the error is ignored)', async () => {
    ws = new Workspace();
    writeAppFiles(ws, { 'deps-files/0/config.yml': 'name: [a, b]\nversion: 1.2.3\noutput_metadata:\n  ok: 1\n' });
    const key = 'copies-deps-files-from-app';

    const r = await stageFixtures(ws, [key, key], { skipDetect: true });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const meta = (ws.result() as { lifecycle_metadata: { buildpacks: unknown[] } }).lifecycle_metadata;
    expect(meta.buildpacks[0]).toEqual({ key, name: '', version: '1.2.3', output_metadata: { ok: 1 } });
  });

  it('gives a compile-only final buildpack no metadata (its deps slot is deleted before compile)', async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['has-supply-only', 'always-detects'], { skipDetect: true });

    expect(r.code).toBe(0);
    const meta = (ws.result() as { lifecycle_metadata: unknown }).lifecycle_metadata;
    expect(meta).toEqual({
      buildpack_key: 'always-detects',
      detected_buildpack: '',
      buildpacks: [
        { key: 'has-supply-only', name: '' },
        { key: 'always-detects', name: '' },
      ],
    });
  });
});

describe('CONTRACT §2.15 staging_info.yml', () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  it('is JSON with detected_buildpack and start_command, at ./staging_info.yml in the droplet', async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['always-detects']);

    expect(r.code).toBe(0);
    expect(ws.dropletListing()).toContain('./staging_info.yml');
    expect(ws.dropletFile('./staging_info.yml')).toBe('{"detected_buildpack":"Always Matching","start_command":"the start command"}\n');
  });

  it("includes the last buildpack's config", async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['writes-config-yml']);

    expect(r.code).toBe(0);
    expect(ws.dropletFile('./staging_info.yml')).toBe(
      '{"detected_buildpack":"Config Writer","start_command":"web from release of writes-config-yml","config":{"entrypoint_prefix":"custom-entrypoint"}}\n',
    );
  });

  it('omits config when only an earlier buildpack has one', async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['writes-config-yml', 'release-with-several-process-types'], { skipDetect: true });

    expect(r.code).toBe(0);
    expect(ws.dropletFile('./staging_info.yml')).toBe('{"detected_buildpack":"","start_command":"web from release"}\n');
  });

  it("takes the config of the last buildpack in skip-detect mode, not an earlier one's", async () => {
    ws = new Workspace();
    writeAppFiles(ws, { 'deps-files/0/config.yml': 'name: Earlier\nconfig:\n  entrypoint_prefix: earlier-prefix\n' });

    const r = await stageFixtures(ws, ['copies-deps-files-from-app', 'writes-config-yml'], { skipDetect: true });

    expect(r.code).toBe(0);
    expect(ws.dropletFile('./staging_info.yml')).toBe(
      '{"detected_buildpack":"Config Writer","start_command":"web from release of writes-config-yml","config":{"entrypoint_prefix":"custom-entrypoint"}}\n',
    );
  });

  it('writes config {} for an empty config mapping', async () => {
    ws = new Workspace();
    writeAppFiles(ws, { 'deps-files/0/config.yml': 'config: {}\n' });

    const r = await stageFixtures(ws, ['copies-deps-files-from-app']);

    expect(r.code).toBe(0);
    expect(ws.dropletFile('./staging_info.yml')).toBe(
      '{"detected_buildpack":"Copies Deps Files","start_command":"web from release of copies-deps-files-from-app","config":{}}\n',
    );
  });
});
