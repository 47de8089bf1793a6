import { describe, expect, it } from 'vitest';
import { ProcfileInvalidError, applyConfigYml, parseLaunchYml, parseProcfile, parseReleaseOutput, parseStagingInfo } from './buildpack-files.ts';
import type { BuildpackMetadata } from './buildpack-files.ts';
import { YamlError } from './go/yaml.ts';
import type { YamlValue } from './go/yaml.ts';

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('Procfile (CONTRACT §2.12)', () => {
  it('maps process types to commands in document order', () => {
    expect(parseProcfile('web: bundle exec rackup\nworker: rake jobs:work\n')).toEqual([
      { type: 'web', command: 'bundle exec rackup' },
      { type: 'worker', command: 'rake jobs:work' },
    ]);
  });

  it('keeps scalar text: web: 123 → "123", true → "true", 1.0 → "1.0"', () => {
    expect(parseProcfile('web: 123\nworker: true\nclock: 1.0\n')).toEqual([
      { type: 'web', command: '123' },
      { type: 'worker', command: 'true' },
      { type: 'clock', command: '1.0' },
    ]);
  });

  it('turns a null command into ""', () => {
    expect(parseProcfile('web:\nworker: ~\n')).toEqual([
      { type: 'web', command: '' },
      { type: 'worker', command: '' },
    ]);
  });

  it('lets the last duplicate key win', () => {
    expect(parseProcfile('web: first\nweb: second\n')).toEqual([{ type: 'web', command: 'second' }]);
  });

  it('is empty for an empty file or a null document', () => {
    expect(parseProcfile('')).toEqual([]);
    expect(parseProcfile('# nothing\n')).toEqual([]);
    expect(parseProcfile('---\n')).toEqual([]);
  });

  it.each([
    ['a sequence command', 'web: [a, b]\n'],
    ['a mapping command', 'web:\n  cmd: x\n'],
    ['a top-level string', 'web bundle exec rackup\n'],
    ['a top-level sequence', '- web\n'],
    ['a syntax error', 'web: [\n'],
    ['an invalid anchor', 'web: &ruby/object:Pathname x\n'],
  ])('rejects %s with "invalid YAML"', (_what, text) => {
    const error = errorOf(() => parseProcfile(text));
    expect(error).toBeInstanceOf(ProcfileInvalidError);
    expect(error.message).toBe('invalid YAML');
  });
});

describe('bin/release output (CONTRACT §2.12)', () => {
  it('uses default_process_types in document order and ignores other keys', () => {
    const text = '---\naddons: []\nconfig_vars: {A: b}\ndefault_process_types:\n  web: run web\n  worker: 42\n';
    expect(parseReleaseOutput(text)).toEqual([
      { type: 'web', command: 'run web' },
      { type: 'worker', command: '42' },
    ]);
  });

  it('has no entries for empty output or --- {}', () => {
    expect(parseReleaseOutput('')).toEqual([]);
    expect(parseReleaseOutput('--- {}\n')).toEqual([]);
    expect(parseReleaseOutput('default_process_types:\n')).toEqual([]);
  });

  it('accepts custom tags on ignored keys', () => {
    expect(parseReleaseOutput('config_vars: !ruby/hash:Thing {a: 1}\ndefault_process_types:\n  web: go\n')).toEqual([{ type: 'web', command: 'go' }]);
  });

  it('merges a repeated default_process_types into one map', () => {
    expect(parseReleaseOutput('default_process_types: {web: a}\ndefault_process_types: {worker: b}\n')).toEqual([
      { type: 'web', command: 'a' },
      { type: 'worker', command: 'b' },
    ]);
  });

  it.each([
    ['just a string\n', 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `just a ...` into buildpackrunner.Release'],
    [
      'default_process_types: just a string\n',
      'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `just a ...` into buildpackapplifecycle.ProcessTypes',
    ],
    ['[a, b]\n', 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into buildpackrunner.Release'],
    ['default_process_types:\n  web: [a]\n', 'yaml: unmarshal errors:\n  line 2: cannot unmarshal !!seq into string'],
    ['default_process_types: [', 'yaml: line 1: did not find expected node content'],
  ])('rejects %j', (text, message) => {
    const error = errorOf(() => parseReleaseOutput(text));
    expect(error).toBeInstanceOf(YamlError);
    expect(error.message).toBe(message);
  });
});

describe('launch.yml (CONTRACT §2.12)', () => {
  it('reads processes with sidecars and memory limits', () => {
    const text = [
      'processes:',
      '- type: web',
      '  command: bundle exec rackup',
      '- type: sidecar',
      '  command: ./sidecar',
      '  platforms:',
      '    cloudfoundry:',
      '      sidecar_for: [web, worker]',
      '  limits:',
      '    memory: 256',
      '',
    ].join('\n');
    expect(parseLaunchYml(text)).toEqual([
      { type: 'web', command: 'bundle exec rackup' },
      { type: 'sidecar', command: './sidecar', sidecarFor: ['web', 'worker'], memory: 256 },
    ]);
  });

  it('keeps duplicate types and document order', () => {
    expect(parseLaunchYml('processes:\n- {type: web, command: a}\n- {type: web, command: b}\n')).toEqual([
      { type: 'web', command: 'a' },
      { type: 'web', command: 'b' },
    ]);
  });

  it('decodes memory as a YAML int', () => {
    const memory = (value: string) => parseLaunchYml(`processes:\n- type: s\n  limits: {memory: ${value}}\n`)[0]?.memory;
    expect(memory('0x100')).toBe(256);
    expect(memory('1_024')).toBe(1024);
    expect(memory('512.9')).toBe(512);
    expect(memory('~')).toBeUndefined();
    expect(memory('0')).toBeUndefined();
  });

  it('is empty for an empty file, a null document or no processes', () => {
    expect(parseLaunchYml('')).toEqual([]);
    expect(parseLaunchYml('---\n')).toEqual([]);
    expect(parseLaunchYml('other: key\n')).toEqual([]);
    expect(parseLaunchYml('processes: ~\n')).toEqual([]);
  });

  it('turns null fields into empty values', () => {
    expect(parseLaunchYml('processes:\n- type: web\n  command:\n- ~\n')).toEqual([
      { type: 'web', command: '' },
      { type: '', command: '' },
    ]);
  });

  it.each([
    ['processes:\n- type: web\n  limits:\n    memory: abc\n', 'yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `abc` into int'],
    ['processes:\n- type: web\n  limits: {memory: true}\n', 'yaml: unmarshal errors:\n  line 3: cannot unmarshal !!bool `true` into int'],
    ['processes: abc\n', 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `abc` into []resources.Process'],
    ['processes:\n- web\n', 'yaml: unmarshal errors:\n  line 2: cannot unmarshal !!str `web` into resources.Process'],
    ['- a\n', 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into resources.LaunchData'],
    ['just text\n', 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `just text` into resources.LaunchData'],
    [
      'processes:\n- type: s\n  platforms: {cloudfoundry: {sidecar_for: web}}\n',
      'yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `web` into []string',
    ],
    [
      'processes:\n- type: s\n  limits: 5\n',
      'yaml: unmarshal errors:\n  line 3: cannot unmarshal !!int `5` into struct { Memory int "yaml:\\"memory\\" json:\\"memory\\"" }',
    ],
    ['processes: [', 'yaml: line 1: did not find expected node content'],
  ])('rejects %j with the raw yaml.v2 message', (text, message) => {
    const error = errorOf(() => parseLaunchYml(text));
    expect(error).toBeInstanceOf(YamlError);
    expect(error.message).toBe(message);
  });

  it('reports every type error at once', () => {
    const error = errorOf(() => parseLaunchYml('processes:\n- type: [a]\n  command: {b: c}\n'));
    expect(error.message).toBe('yaml: unmarshal errors:\n  line 2: cannot unmarshal !!seq into string\n  line 3: cannot unmarshal !!map into string');
  });
});

describe('config.yml buildpack metadata (CONTRACT §2.13)', () => {
  const base: BuildpackMetadata = { key: 'my-buildpack', name: '' };

  it('reads name and version, keeping the version text', () => {
    expect(applyConfigYml(base, 'name: Ruby\nversion: 1.0\n')).toEqual({ key: 'my-buildpack', name: 'Ruby', version: '1.0' });
    expect(applyConfigYml(base, 'name: Go\nversion: 3.14\n').version).toBe('3.14');
    expect(applyConfigYml(base, 'name: Go\nversion: 9.1.3\n').version).toBe('9.1.3');
  });

  it('ignores a key: override (quirk Q5 fixed)', () => {
    expect(applyConfigYml(base, 'key: overridden\nname: X\n')).toEqual({ key: 'my-buildpack', name: 'X' });
  });

  it('has config iff config: is given, {} for config: {}', () => {
    expect(applyConfigYml(base, 'name: X\n').config).toBeUndefined();
    expect(applyConfigYml(base, 'config: {}\n').config).toEqual({});
    expect(applyConfigYml(base, 'config:\n  entrypoint_prefix: custom-entrypoint\n').config).toEqual({
      entrypointPrefix: 'custom-entrypoint',
    });
    expect(applyConfigYml(base, 'config:\n').config).toBeUndefined();
    expect(applyConfigYml(base, 'config: ~\n').config).toBeUndefined();
  });

  it('allocates config for any non-null value, as yaml.v2 does for a pointer field', () => {
    expect(applyConfigYml(base, 'config: not-a-mapping\n').config).toEqual({});
  });

  it('types output_metadata values: ints, floats, booleans, strings, lists', () => {
    const text =
      'output_metadata:\n  int: 42\n  hex: 0x10\n  float: 1.5\n  bool: yes\n  off: off\n  str: hello\n  quoted: "42"\n  none: ~\n  list: [1, two, 3.0]\n';
    expect(applyConfigYml(base, text).outputMetadata).toEqual(
      new Map<string, YamlValue>([
        ['int', 42],
        ['hex', 16],
        ['float', 1.5],
        ['bool', true],
        ['off', false],
        ['str', 'hello'],
        ['quoted', '42'],
        ['none', null],
        ['list', [1, 'two', 3]],
      ]),
    );
  });

  it('keeps nested output_metadata mappings as Maps (quirk Q6 fixed)', () => {
    const metadata = applyConfigYml(base, 'output_metadata:\n  nested:\n    deeper: {x: 1}\n    7: seven\n');
    expect(metadata.outputMetadata).toEqual(
      new Map<string, YamlValue>([
        [
          'nested',
          new Map<string, YamlValue>([
            ['deeper', new Map([['x', 1]])],
            ['7', 'seven'],
          ]),
        ],
      ]),
    );
  });

  it('leaves the metadata unchanged on a syntax error', () => {
    const start: BuildpackMetadata = { key: 'k', name: 'old', version: '1', outputMetadata: new Map([['a', 1]]) };
    expect(applyConfigYml(start, 'name: [\n')).toEqual(start);
    expect(applyConfigYml(start, 'name: &bad/anchor new\n')).toEqual(start);
  });

  it('skips a field of the wrong type and still applies the others', () => {
    expect(applyConfigYml(base, 'name: [a]\nversion: 2.0\noutput_metadata: [x]\n')).toEqual({
      key: 'my-buildpack',
      name: '',
      version: '2.0',
    });
  });

  it('keeps what was decoded before a fatal decode error', () => {
    expect(applyConfigYml(base, 'name: first\nversion: !!int abc\nconfig: {}\n')).toEqual({ key: 'my-buildpack', name: 'first' });
  });

  it('ignores unknown keys and custom tags', () => {
    expect(applyConfigYml(base, 'name: X\nextra: !ruby/object:Pathname {path: /x}\n')).toEqual({ key: 'my-buildpack', name: 'X' });
  });

  it('returns a new object and leaves the input alone', () => {
    const start: BuildpackMetadata = { key: 'k', name: 'n', outputMetadata: new Map([['a', 1]]) };
    const result = applyConfigYml(start, 'output_metadata: {b: 2}\n');
    expect(result.outputMetadata).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    expect(start.outputMetadata).toEqual(new Map([['a', 1]]));
  });

  it('changes nothing for an empty file', () => {
    expect(applyConfigYml({ key: 'k', name: 'n' }, '')).toEqual({ key: 'k', name: 'n' });
  });
});

describe('staging_info.yml as the launcher reads it (CONTRACT §3.2)', () => {
  it('reads the JSON the builder writes, decoding \\u escapes', () => {
    const text = '{"detected_buildpack":"x","start_command":"a \\u0026\\u0026 b","config":{"entrypoint_prefix":"p"}}\n';
    expect(parseStagingInfo(text)).toEqual({ startCommand: 'a && b', entrypointPrefix: 'p', detectedBuildpack: 'x' });
  });

  it('reads YAML too and ignores other keys and their custom tags', () => {
    const text = 'detected_buildpack: Ruby\nstart_command: bundle exec rackup\nextra: !ruby/object:Pathname {path: /app}\n';
    expect(parseStagingInfo(text)).toEqual({ startCommand: 'bundle exec rackup', entrypointPrefix: '', detectedBuildpack: 'Ruby' });
  });

  it('is empty for an empty file', () => {
    expect(parseStagingInfo('')).toEqual({ startCommand: '', entrypointPrefix: '', detectedBuildpack: '' });
  });

  it('keeps scalar text and turns null into ""', () => {
    expect(parseStagingInfo('start_command: 123\n').startCommand).toBe('123');
    expect(parseStagingInfo('start_command:\n').startCommand).toBe('');
  });

  it.each([
    ['start_command: &ruby/object:Pathname\n', 'yaml: did not find expected alphabetic or numeric character'],
    ['start_command: [a]\n', 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string'],
    ['detected_buildpack: {a: b}\n', 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!map into string'],
    ['config: abc\n', 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `abc` into buildpackrunner.DeaStagingInfoConfig'],
    ['just a string\n', 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `just a ...` into buildpackrunner.DeaStagingInfo'],
    ['{"start_command": "x"', "yaml: line 1: did not find expected ',' or '}'"],
  ])('rejects %j', (text, message) => {
    const error = errorOf(() => parseStagingInfo(text));
    expect(error).toBeInstanceOf(YamlError);
    expect(error.message).toBe(message);
  });
});
