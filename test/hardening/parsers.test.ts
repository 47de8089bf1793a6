// Property-based tests of every parser of hostile text: flags, Procfile, `bin/release` output,
// launch.yml, config.yml, staging_info.yml, VCAP_SERVICES / VCAP_APPLICATION / VCAP_PLATFORM_OPTIONS
// JSON and CredHub's error bodies. Whatever the input (bounded in size), each returns a value or
// throws only its documented error class, and returns quickly. Then a smaller run through the built
// executables: random flag vectors to the builder, random staging_info.yml to the launcher.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILDER_FLAGS,
  GoJsonSyntaxError,
  GoJsonUnmarshalTypeError,
  PlatformOptionsError,
  ProcfileInvalidError,
  YamlError,
  applyConfigYml,
  databaseUrlFromServices,
  goJsonParse,
  parseBuilderArgs,
  parseFlags,
  parseGoDuration,
  parseLaunchYml,
  parsePlatformOptions,
  parseProcfile,
  parseReleaseOutput,
  parseStagingInfo,
  rewriteVcapApplication,
  type FlagDef,
} from '../../packages/contract/src/index.ts';
import { serverErrorText } from '../../packages/credhub/src/server-error.ts';
import { HEALTHCHECK_FLAGS } from '../../packages/healthcheck/src/config.ts';
import { CREDHUB_FLAGS } from '../../packages/launcher/src/credhub-flags.ts';
import { BUILDER, LIFECYCLE } from '../helpers/stage.ts';

const RUNS = 1000;
/** A single parse of a few KiB must never take this long (a hang or a blow-up). */
const SLOW_MS = 2000;

/** Calls `fn`, asserting that it returns in time or throws one of `allowed`; returns the value or the error. */
function bounded<T>(fn: () => T, allowed: ReadonlyArray<new (...args: never[]) => Error>): { value?: T; error?: Error } {
  const started = performance.now();
  let out: { value?: T; error?: Error };
  try {
    out = { value: fn() };
  } catch (error) {
    if (!allowed.some((cls) => error instanceof cls)) throw new Error(`undocumented exception: ${(error as Error)?.stack ?? String(error)}`);
    out = { error: error as Error };
  }
  expect(performance.now() - started).toBeLessThan(SLOW_MS);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Text generators

const VOCABULARY = [
  'default_process_types',
  'processes',
  'type',
  'command',
  'web',
  'worker',
  'start_command',
  'config',
  'entrypoint_prefix',
  'platforms',
  'cloudfoundry',
  'sidecar_for',
  'limits',
  'memory',
  'name',
  'version',
  'output_metadata',
  'detected_buildpack',
  'key',
];

/** YAML-ish text: structure characters, indentation, anchors and aliases, tags, odd scalars and code points. */
const yamlToken = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...VOCABULARY) },
  {
    weight: 10,
    arbitrary: fc.constantFrom(
      '\n',
      '\n',
      '\n',
      ' ',
      '  ',
      '    ',
      '\t',
      '- ',
      ': ',
      ':',
      '? ',
      '---\n',
      '...\n',
      '%YAML 1.1\n',
      '%YAML 2.0\n',
      '%TAG ! tag:x,2000:\n',
      '# c\n',
      '&a ',
      '*a',
      '&b ',
      '*b',
      '&a1 ',
      '*nope',
      '!!str ',
      '!!int ',
      '!!float ',
      '!!bool ',
      '!!null ',
      '!!map ',
      '!!seq ',
      '!!binary ',
      '!!timestamp ',
      '!foo ',
      '! ',
      '!<tag:yaml.org,2002:str> ',
      '<<: ',
      '<<: *a',
      '{',
      '}',
      '[',
      ']',
      ', ',
      '"',
      "'",
      '"\\x41\\u00e9\\U0001F600"',
      '|',
      '>',
      '|-',
      '>+',
      '|2',
      '\\',
      'true',
      'no',
      'on',
      'null',
      '~',
      '0x1F',
      '0b101',
      '0o17',
      '017',
      '1_000',
      '1e400',
      '-1e400',
      '.inf',
      '.NaN',
      '9223372036854775807',
      '-9223372036854775809',
      '18446744073709551616',
      '123',
      '-0',
      '2001-12-14t21:59:43.10-05:00',
      '=',
      '"a: b"',
      '\u0000',
      '\u0007',
      '\u0085',
      '\u00a0',
      '\ufeff',
      '\ud800',
      '\udfff',
      '\u2028',
      'é',
      '😀',
      '\r\n',
      '\r',
    ),
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
);
const tokenText = fc.array(yamlToken, { maxLength: 80 }).map((tokens) => tokens.join(''));

/** Documents with the right shape and random leaves: reaches the decoders, not only the scanner. */
const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(...VOCABULARY));
const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('map'), tie('list')),
  map: fc.dictionary(fc.oneof(fc.constantFrom(...VOCABULARY), fc.string({ maxLength: 6 })), tie('node'), { maxKeys: 5 }),
  list: fc.array(tie('node'), { maxLength: 5 }),
})).node;
const shapedText = fc.oneof(
  tree.map((value) => YAML.stringify(value)),
  tree.map((value) => JSON.stringify(value) ?? 'null'),
  fc
    .dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 20 }), tree), { maxKeys: 6 })
    .map((types) => YAML.stringify({ default_process_types: types })),
  fc
    .array(fc.record({ type: leaf, command: leaf, platforms: tree, limits: fc.record({ memory: leaf }) }, { requiredKeys: [] }), { maxLength: 4 })
    .map((processes) => YAML.stringify({ processes })),
  fc
    .record({ start_command: leaf, detected_buildpack: leaf, config: fc.oneof(tree, fc.record({ entrypoint_prefix: leaf })) }, { requiredKeys: [] })
    .map((info) => JSON.stringify(info)),
);

/** Aliases multiplying: yaml.v2's "excessive aliasing" guard must stop them, not the clock. */
const aliasBomb = fc.integer({ min: 1, max: 14 }).map((levels) => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `default_process_types:\n  web: *a${levels}\nprocesses: *a${levels}\nconfig: *a${levels}\nstart_command: *a${levels}\n${lines.join('\n')}\n`;
});
/** Deep nesting, in flow and block style. */
const deepText = fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{a: ', '- ')).map(([depth, open]) => {
  if (open === '- ') return Array.from({ length: Math.min(depth, 2000) }, (_, i) => `${' '.repeat(i * 2)}- `).join('\n');
  return open.repeat(depth) + (open === '[' ? ']' : '}').repeat(depth);
});
/** A valid document with a few bytes changed. */
const mutated = fc
  .tuple(
    shapedText,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(':', '-', ' ', '\n', '"', '&', '*', '!', '{', '[', '|', '\t', '\u0000', '#')), { maxLength: 6 }),
  )
  .map(([text, edits]) => {
    const chars = [...text];
    for (const [at, c] of edits) if (chars.length > 0) chars[at % chars.length] = c;
    return chars.join('');
  });

const yamlText = fc.oneof(
  { weight: 4, arbitrary: tokenText },
  { weight: 4, arbitrary: shapedText },
  { weight: 3, arbitrary: mutated },
  { weight: 1, arbitrary: aliasBomb },
  { weight: 1, arbitrary: deepText },
);

/** JSON-ish text: real JSON of random values, JSON with edits, and JSON-flavoured tokens. */
const jsonToken = fc.constantFrom(
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '"',
  '\\',
  '\\u',
  '\\ud800',
  '"credhub-ref"',
  '"credentials"',
  '"uri"',
  '"mysql://u:p@h/d"',
  '"postgres://h"',
  '"p-mysql"',
  'null',
  'true',
  'false',
  '-0',
  '1e400',
  '-1e999',
  '1.5',
  '01',
  '1.',
  '.5',
  ' ',
  '\n',
  '\t',
  '\u0000',
  '\u2028',
  '😀',
  'NaN',
);
const jsonText = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc
    .dictionary(
      fc.string({ maxLength: 8 }),
      fc.array(
        fc.record(
          {
            name: fc.string(),
            credentials: fc.oneof(
              fc.jsonValue(),
              fc.record({ uri: fc.oneof(fc.string(), fc.webUrl(), fc.constantFrom('mysql://u:p@db/x', 'postgresql://h:5432/d', 'postgres://%zz')) }),
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      { maxKeys: 3 },
    )
    .map((value) => JSON.stringify(value)),
  fc.array(jsonToken, { maxLength: 60 }).map((tokens) => tokens.join('')),
  fc
    .tuple(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.array(fc.tuple(fc.nat(), jsonToken), { maxLength: 4 }),
    )
    .map(([text, edits]) => {
      let out = text;
      for (const [at, token] of edits) out = out.slice(0, at % (out.length + 1)) + token + out.slice(at % (out.length + 1));
      return out;
    }),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.string({ maxLength: 200 }),
);

describe('CONTRACT §1.3, §2.12, §2.13, §3.2: YAML files buildpacks and droplets carry', () => {
  it('Procfile: entries of strings, or ProcfileInvalidError', () => {
    fc.assert(
      fc.property(yamlText, (text) => {
        const { value } = bounded(() => parseProcfile(text), [ProcfileInvalidError]);
        for (const entry of value ?? []) expect([typeof entry.type, typeof entry.command]).toEqual(['string', 'string']);
      }),
      { numRuns: RUNS },
    );
  });

  it('bin/release output: entries of strings, or YamlError', () => {
    fc.assert(
      fc.property(yamlText, (text) => {
        const { value } = bounded(() => parseReleaseOutput(text), [YamlError]);
        for (const entry of value ?? []) expect([typeof entry.type, typeof entry.command]).toEqual(['string', 'string']);
      }),
      { numRuns: RUNS },
    );
  });

  it('launch.yml: processes with string fields, string sidecar targets and integer memory, or YamlError', () => {
    fc.assert(
      fc.property(yamlText, (text) => {
        const { value } = bounded(() => parseLaunchYml(text), [YamlError]);
        for (const entry of value ?? []) {
          expect([typeof entry.type, typeof entry.command]).toEqual(['string', 'string']);
          for (const target of entry.sidecarFor ?? []) expect(typeof target).toBe('string');
          if (entry.memory !== undefined) expect(Number.isInteger(entry.memory)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('config.yml: decode errors are ignored, never thrown; the key is never replaced (Q5)', () => {
    fc.assert(
      fc.property(yamlText, (text) => {
        const { value } = bounded(() => applyConfigYml({ key: 'the-key', name: '' }, text), []);
        expect(value!.key).toBe('the-key');
        expect(typeof value!.name).toBe('string');
        if (value!.version !== undefined) expect(typeof value!.version).toBe('string');
      }),
      { numRuns: RUNS },
    );
  });

  it('staging_info.yml: two strings, or YamlError', () => {
    fc.assert(
      fc.property(yamlText, (text) => {
        const { value } = bounded(() => parseStagingInfo(text), [YamlError]);
        if (value) expect([typeof value.startCommand, typeof value.entrypointPrefix]).toEqual(['string', 'string']);
      }),
      { numRuns: RUNS },
    );
  });

  it('every YAML error is one of yaml.v2\'s messages: "yaml: …"', () => {
    fc.assert(
      fc.property(yamlText, (text) => {
        for (const parse of [parseReleaseOutput, parseLaunchYml, parseStagingInfo]) {
          const { error } = bounded(() => parse(text), [YamlError]);
          if (error) expect(error.message).toMatch(/^yaml: /);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('CONTRACT §6-§8, §5: JSON the platform hands over', () => {
  it('Go-compatible JSON: a value, GoJsonSyntaxError or GoJsonUnmarshalTypeError', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        bounded(() => goJsonParse(text), [GoJsonSyntaxError, GoJsonUnmarshalTypeError]);
      }),
      { numRuns: 2000 },
    );
  });

  it('valid JSON always parses', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const { error } = bounded(() => goJsonParse(JSON.stringify(value)), [GoJsonSyntaxError, GoJsonUnmarshalTypeError]);
        expect(error).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('VCAP_SERVICES → DATABASE_URL: a URL string or nothing, never an exception', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const { value } = bounded(() => databaseUrlFromServices(text), []);
        if (value !== undefined) expect(value).toMatch(/^(mysql2|postgres):/);
      }),
      { numRuns: 2000 },
    );
  });

  it('VCAP_APPLICATION rewrite: JSON text or unchanged, never an exception', () => {
    fc.assert(
      fc.property(
        jsonText,
        fc.option(fc.string({ maxLength: 25 })),
        fc.option(fc.string({ maxLength: 25 })),
        fc.option(fc.string()),
        (text, port, index, guid) => {
          const env: NodeJS.ProcessEnv = { VCAP_APPLICATION: text };
          if (port !== null) env.PORT = port;
          if (index !== null) env.INSTANCE_INDEX = index;
          if (guid !== null) env.INSTANCE_GUID = guid;
          const { value } = bounded(() => rewriteVcapApplication(env), []);
          if (value !== undefined) expect(() => JSON.parse(value)).not.toThrow();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('VCAP_PLATFORM_OPTIONS: undefined, a credhub-uri string, or PlatformOptionsError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          jsonText,
          jsonText.map((t) => `{"credhub-uri": ${t}}`),
          fc.constant(undefined),
        ),
        (text) => {
          const { value } = bounded(() => parsePlatformOptions(text), [PlatformOptionsError]);
          if (value) expect(typeof value.credhubUri).toBe('string');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a hostile CredHub error body: one line of Go's text, never an exception", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          jsonText,
          jsonText.map((t) => `{"error": ${t}, "error_description": "d"}`),
        ),
        fc.option(fc.string({ maxLength: 40 })),
        (body, readError) => {
          const { value } = bounded(() => serverErrorText(body, readError ?? undefined), []);
          expect(typeof value).toBe('string');
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Flags

const GETENV_FLAGS: readonly FlagDef[] = [{ name: 'output', kind: 'string', default: '', usage: 'file to write the environment to' }];
const FLAG_SETS: Array<[string, readonly FlagDef[]]> = [
  ['builder', BUILDER_FLAGS],
  ['launcher', CREDHUB_FLAGS],
  ['healthcheck', HEALTHCHECK_FLAGS],
  ['getenv', GETENV_FLAGS],
];
const ALL_NAMES = [...new Set(FLAG_SETS.flatMap(([, defs]) => defs.map((d) => d.name)))];

/** A value with no `/` first and no `:` (the builder's property run must never write outside its scratch directory or download). */
const safeValue = fc.oneof(
  fc.constantFrom(
    '',
    'true',
    'false',
    'TRUE',
    't',
    '0',
    '1',
    '-1',
    '007',
    '0x10',
    '9223372036854775808',
    '1s',
    '1.5h',
    '-2m',
    '1h2m3s',
    '5',
    '.',
    'a,b',
    'x y',
    '=',
    '-',
    '--',
    '-x',
  ),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/^\//, 'x').replace(/:/g, '_')),
);
const flagName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ALL_NAMES, 'h', 'help') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }).map((s) => s.replace(/:/g, '_')) },
);
const flagToken = fc
  .tuple(fc.constantFrom('-', '--', '---'), flagName, fc.option(safeValue, { freq: 2 }))
  .map(([dashes, name, value]) => `${dashes}${name}${value === null ? '' : `=${value}`}`);
const argVector = fc.array(fc.oneof({ weight: 3, arbitrary: flagToken }, { weight: 2, arbitrary: safeValue }), { maxLength: 12 });

const FLAG_ERRORS = /^(bad flag syntax: |flag provided but not defined: -|invalid boolean value "|flag needs an argument: -|invalid value ")/;

describe('CONTRACT §1.1: Go flag syntax', () => {
  it('every flag set: ok with typed values, help, or one documented error line followed by the usage', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FLAG_SETS), argVector, ([setName, defs], args) => {
        const { value: result } = bounded(() => parseFlags(setName, defs, args), []);
        if (result!.kind === 'error') {
          expect(result!.output).toMatch(FLAG_ERRORS);
          expect(result!.output.split('\n')[1]).toBe(`Usage of ${setName}:`);
        } else if (result!.kind === 'help') {
          expect(result!.output.startsWith(`Usage of ${setName}:`)).toBe(true);
        } else {
          for (const def of defs) {
            const v = result!.values[def.name];
            if (def.kind === 'string') expect(typeof v).toBe('string');
            else if (def.kind === 'bool') expect(typeof v).toBe('boolean');
            else expect(Number.isFinite(v)).toBe(true);
          }
          expect(args.slice(args.length - result!.rest.length)).toEqual(result!.rest);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('Go durations: milliseconds or undefined, never an exception', () => {
    const durationText = fc.oneof(
      fc
        .array(fc.constantFrom('1', '0', '9', '.', '-', '+', 'h', 'm', 's', 'ms', 'us', 'µs', 'μs', 'ns', 'd', ' ', '9223372036854775807'), { maxLength: 12 })
        .map((t) => t.join('')),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(durationText, (text) => {
        const { value } = bounded(() => parseGoDuration(text), []);
        if (value !== undefined) expect(Number.isFinite(value)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("the builder's arguments: a configuration or an exit with status 0, 1 or 2 and its text", () => {
    fc.assert(
      fc.property(argVector, (args) => {
        const { value } = bounded(() => parseBuilderArgs(args), []);
        if (value!.kind === 'exit') expect([0, 1, 2]).toContain(value!.code);
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Through the executables

const HAS_BUILD = fs.existsSync(BUILDER);
let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parsers-exec-'));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const STACK_TRACE = /^\s+at |\b(TypeError|RangeError|ReferenceError|SyntaxError|AssertionError)\b|node:internal/m;

describe.skipIf(!HAS_BUILD)('the built executables with random input', () => {
  it('builder: random flag vectors end with a documented status, one-line errors and no stack trace', () => {
    let n = 0;
    fc.assert(
      fc.property(argVector, (random) => {
        const dir = path.join(scratch, `builder-${n++}`);
        fs.mkdirSync(path.join(dir, 'app'), { recursive: true });
        fs.mkdirSync(path.join(dir, 'buildpacks'));
        // Every path defaults into this directory; random values can only add relative paths (cwd: dir).
        const base = [
          '-buildDir=app',
          '-buildpacksDir=buildpacks',
          '-buildpacksDownloadDir=downloads',
          '-buildArtifactsCacheDir=cache',
          '-outputDroplet=out/droplet',
          '-outputMetadata=out/result.json',
          '-outputBuildArtifactsCache=out/cache',
          '-buildpackOrder=none',
        ];
        const r = spawnSync(BUILDER, [...base, ...random], {
          cwd: dir,
          env: { PATH: process.env.PATH!, TMPDIR: dir, LANG: 'C.UTF-8' },
          encoding: 'utf8',
          timeout: 20_000,
        });
        expect(r.signal).toBeNull();
        expect([0, 1, 2, 222, 223, 224, 225, 226, 227, 228, 229]).toContain(r.status);
        expect(r.stderr).not.toMatch(STACK_TRACE);
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 60 },
    );
  });

  it('launcher: random staging_info.yml gives exit 1 with "Invalid staging info - " or runs', () => {
    let n = 0;
    const emptyPath = path.join(scratch, 'empty-path');
    fs.mkdirSync(emptyPath, { recursive: true });
    fc.assert(
      fc.property(yamlText, (text) => {
        const dir = path.join(scratch, `launcher-${n++}`);
        fs.mkdirSync(path.join(dir, 'app'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'staging_info.yml'), text);
        // The start command is given (and PATH holds nothing), so a random start_command never runs;
        // a random entrypoint_prefix (spliced unquoted, Q21) can only reach bash builtins, in `dir`.
        const r = spawnSync(path.join(LIFECYCLE, 'launcher'), ['app', 'exit 0', '{}'], {
          cwd: dir,
          env: { PATH: emptyPath, HOME: dir, LANG: 'C.UTF-8' },
          encoding: 'utf8',
          timeout: 20_000,
        });
        expect(r.signal).toBeNull();
        if (r.status === 1 && r.stderr.startsWith('Invalid staging info - ')) {
          // Deep nesting can take a generated document past the 1 MiB cap (docs/security.md).
          expect(r.stderr).toMatch(
            /^Invalid staging info - (failed to unmarshal staging_info.yml: yaml: |staging_info.yml is too large: \d+ bytes, at most 1 MiB are read$)/,
          );
        } else {
          expect(r.stderr).not.toMatch(/^Invalid staging info/);
        }
        expect(r.stderr).not.toMatch(STACK_TRACE);
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 60 },
    );
  });
});
