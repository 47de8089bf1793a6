import { describe, expect, it } from 'vitest';
import { BUILDER_FLAGS } from '../builder-flags.ts';
import { flagUsage, formatGoDuration, parseFlags, parseGoDuration, type FlagDef, type FlagParseResult } from './flags.ts';

// The builder's real flag set (CONTRACT §2.1 and ours), declared in the reference's order (not sorted).
const BUILDER_USAGE = [
  'Usage of builder:',
  '  -buildArtifactsCacheDir string',
  '    \tdirectory where previous cached build artifacts should be extracted (default "/tmp/cache")',
  '  -buildDir string',
  '    \tdirectory containing raw app bits (default "/tmp/app")',
  '  -buildpackOrder string',
  '    \tcomma-separated list of buildpacks, to be tried in order',
  '  -buildpacksDir string',
  '    \tdirectory containing the buildpacks to try (default "/tmp/buildpacks")',
  '  -buildpacksDownloadDir string',
  '    \tdirectory to download buildpacks to (default "/tmp/buildpackdownloads")',
  '  -credhubConnectAttempts int',
  '    \tnumber of times that the credhub client will attempt to connect to credhub (default 3)',
  '  -credhubRetryDelay duration',
  '    \tdelay duration that the credhub client will wait before retrying the connection to credhub (default 1s)',
  '  -detectConcurrency int',
  '    \thow many bin/detect scripts may run at once (1: one after another, as the reference does); ' +
    'the result and output are always those of the sequential run (default 1)',
  '  -hooksConfig string',
  '    \tYAML or JSON file listing staging hooks (docs/hooks.md)',
  '  -hooksDir string',
  '    \tdirectory of exec staging hooks: pre-detect/, post-build/, post-package/ (docs/hooks.md)',
  '  -outputBuildArtifactsCache string',
  '    \tfile where compressed contents of new cached build artifacts should be written (default "/tmp/output-cache")',
  '  -outputDroplet string',
  '    \tfile where compressed droplet should be written (default "/tmp/droplet")',
  '  -outputMetadata string',
  '    \tfile where the app metadata (result.json) should be written (default "/tmp/result.json")',
  '  -outputStagingMetadata string',
  '    \tfile where the versioned staging metadata (docs/staging-metadata.md) should be written; also embeds it and the SBOM in the droplet',
  '  -reproducibleDroplet',
  '    \tmake the droplet and cache tarballs byte-identical for identical inputs: sorted entries, mtimes from SOURCE_DATE_EPOCH (default 0), owners 0:0',
  '  -skipCertVerify',
  '    \tskip SSL certificate verification',
  '  -skipDetect',
  '    \tskip buildpack detect',
  '  -stagingTimeout duration',
  '    \tend staging (exit 229) when it takes longer than this Go duration; 0 or less: no limit',
  '',
].join('\n');

const builder = (...args: string[]): FlagParseResult => parseFlags('builder', BUILDER_FLAGS, args);

function ok(result: FlagParseResult): Extract<FlagParseResult, { kind: 'ok' }> {
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${result.kind}: ${result.output}`);
  return result;
}

function errorLine(result: FlagParseResult): string {
  if (result.kind !== 'error') throw new Error(`expected error, got ${result.kind}`);
  const newline = result.output.indexOf('\n');
  expect(result.output.slice(newline + 1)).toBe(BUILDER_USAGE);
  return result.output.slice(0, newline);
}

describe('CONTRACT §1.1 flag syntax', () => {
  it('uses the defaults when no arguments are given', () => {
    const r = ok(builder());
    expect(r.values).toEqual({
      buildDir: '/tmp/app',
      outputDroplet: '/tmp/droplet',
      outputMetadata: '/tmp/result.json',
      outputBuildArtifactsCache: '/tmp/output-cache',
      buildpacksDir: '/tmp/buildpacks',
      buildpacksDownloadDir: '/tmp/buildpackdownloads',
      buildArtifactsCacheDir: '/tmp/cache',
      buildpackOrder: '',
      skipDetect: false,
      skipCertVerify: false,
      credhubConnectAttempts: 3,
      credhubRetryDelay: 1000,
      reproducibleDroplet: false,
      detectConcurrency: 1,
      outputStagingMetadata: '',
      hooksDir: '',
      hooksConfig: '',
      stagingTimeout: 0,
    });
    expect(r.explicit.size).toBe(0);
    expect(r.rest).toEqual([]);
  });

  it('accepts -name=value, -name value, --name=value and --name value', () => {
    for (const args of [['-buildDir=/a'], ['-buildDir', '/a'], ['--buildDir=/a'], ['--buildDir', '/a']]) {
      const r = ok(builder(...args));
      expect(r.values['buildDir']).toBe('/a');
      expect([...r.explicit]).toEqual(['buildDir']);
      expect(r.rest).toEqual([]);
    }
  });

  it('keeps everything after the first = in the value', () => {
    expect(ok(builder('-buildpackOrder=a=b,c')).values['buildpackOrder']).toBe('a=b,c');
  });

  it('accepts an explicitly empty value and records it as explicit', () => {
    const r = ok(builder('-buildDir=', '-buildpackOrder='));
    expect(r.values['buildDir']).toBe('');
    expect(r.values['buildpackOrder']).toBe('');
    expect(r.explicit).toEqual(new Set(['buildDir', 'buildpackOrder']));
  });

  it('lets a non-boolean flag consume the next argument even when it looks like a flag', () => {
    const r = ok(builder('-buildDir', '-skipDetect'));
    expect(r.values['buildDir']).toBe('-skipDetect');
    expect(r.values['skipDetect']).toBe(false);
  });

  it('lets the last of repeated flags win', () => {
    const r = ok(builder('-buildDir=/a', '--buildDir', '/b', '-credhubConnectAttempts=1', '-credhubConnectAttempts=7'));
    expect(r.values['buildDir']).toBe('/b');
    expect(r.values['credhubConnectAttempts']).toBe(7);
  });

  it('parses the canonical stager argv (one -name=value per flag)', () => {
    const r = ok(
      builder(
        '-buildArtifactsCacheDir=/tmp/cache',
        '-buildDir=/tmp/app',
        '-buildpackOrder=a,b,c',
        '-buildpacksDir=/tmp/buildpacks',
        '-buildpacksDownloadDir=/tmp/buildpackdownloads',
        '-credhubConnectAttempts=3',
        '-credhubRetryDelay=1s',
        '-outputBuildArtifactsCache=/tmp/output-cache',
        '-outputDroplet=/tmp/droplet',
        '-outputMetadata=/tmp/result.json',
        '-skipCertVerify=false',
        '-skipDetect=false',
      ),
    );
    expect(r.values['buildpackOrder']).toBe('a,b,c');
    expect(r.values['credhubRetryDelay']).toBe(1000);
    expect(r.explicit.size).toBe(12);
  });

  describe('booleans', () => {
    it('treats -name alone as true', () => {
      expect(ok(builder('-skipDetect')).values['skipDetect']).toBe(true);
      expect(ok(builder('--skipCertVerify')).values['skipCertVerify']).toBe(true);
    });

    it.each(['1', 't', 'T', 'true', 'TRUE', 'True'])('accepts -name=%s as true', (v) => {
      expect(ok(builder('-skipDetect=false', `-skipDetect=${v}`)).values['skipDetect']).toBe(true);
    });

    it.each(['0', 'f', 'F', 'false', 'FALSE', 'False'])('accepts -name=%s as false', (v) => {
      const r = ok(builder('-skipDetect', `-skipDetect=${v}`));
      expect(r.values['skipDetect']).toBe(false);
      expect(r.explicit.has('skipDetect')).toBe(true);
    });

    it('does not consume the next argument: `-skipDetect false` stops parsing at `false`', () => {
      const r = ok(builder('-skipDetect', 'false', '-buildDir=/x'));
      expect(r.values['skipDetect']).toBe(true);
      expect(r.values['buildDir']).toBe('/tmp/app');
      expect(r.rest).toEqual(['false', '-buildDir=/x']);
    });

    it.each(['yes', 'tRUE', '', '2', ' true'])('rejects -skipDetect=%j', (v) => {
      expect(errorLine(builder(`-skipDetect=${v}`))).toBe(`invalid boolean value "${v}" for -skipDetect: parse error`);
    });
  });

  describe('where parsing stops', () => {
    it('stops at the first argument not starting with -', () => {
      const r = ok(builder('-buildDir=/a', 'positional', '-skipDetect'));
      expect(r.values['skipDetect']).toBe(false);
      expect(r.rest).toEqual(['positional', '-skipDetect']);
    });

    it('stops at a lone - and keeps it', () => {
      expect(ok(builder('-', '-skipDetect')).rest).toEqual(['-', '-skipDetect']);
    });

    it('stops at the empty string and keeps it', () => {
      const r = ok(builder('', '-skipDetect'));
      expect(r.rest).toEqual(['', '-skipDetect']);
      expect(r.values['skipDetect']).toBe(false);
    });

    it('consumes -- and stops after it', () => {
      const r = ok(builder('-skipDetect', '--', '-buildDir=/x', '--'));
      expect(r.values['skipDetect']).toBe(true);
      expect(r.values['buildDir']).toBe('/tmp/app');
      expect(r.rest).toEqual(['-buildDir=/x', '--']);
    });
  });

  describe('errors (message line, then the usage listing)', () => {
    it('reports an unknown flag by its name without the value', () => {
      expect(errorLine(builder('-nope'))).toBe('flag provided but not defined: -nope');
      expect(errorLine(builder('--nope=1'))).toBe('flag provided but not defined: -nope');
      expect(errorLine(builder('-BuildDir=/a'))).toBe('flag provided but not defined: -BuildDir');
    });

    it('reports the first error only, even when later arguments are also bad', () => {
      expect(errorLine(builder('-credhubConnectAttempts=x', '-nope'))).toBe('invalid value "x" for flag -credhubConnectAttempts: parse error');
    });

    it('reports a missing value for a non-boolean flag at the end', () => {
      expect(errorLine(builder('-buildDir'))).toBe('flag needs an argument: -buildDir');
      expect(errorLine(builder('--credhubRetryDelay'))).toBe('flag needs an argument: -credhubRetryDelay');
    });

    it('reports malformed flags with the whole argument', () => {
      expect(errorLine(builder('---x'))).toBe('bad flag syntax: ---x');
      expect(errorLine(builder('-=x'))).toBe('bad flag syntax: -=x');
      expect(errorLine(builder('--='))).toBe('bad flag syntax: --=');
      expect(errorLine(builder('---'))).toBe('bad flag syntax: ---');
    });

    it('reports invalid ints and durations with Go-quoted values', () => {
      expect(errorLine(builder('-credhubConnectAttempts=abc'))).toBe('invalid value "abc" for flag -credhubConnectAttempts: parse error');
      expect(errorLine(builder('-credhubConnectAttempts='))).toBe('invalid value "" for flag -credhubConnectAttempts: parse error');
      expect(errorLine(builder('-credhubRetryDelay', '5'))).toBe('invalid value "5" for flag -credhubRetryDelay: parse error');
      expect(errorLine(builder('-credhubRetryDelay=a"b\n'))).toBe('invalid value "a\\"b\\n" for flag -credhubRetryDelay: parse error');
    });

    it('reports ints outside int64 as out of range', () => {
      expect(errorLine(builder('-credhubConnectAttempts=9223372036854775808'))).toBe(
        'invalid value "9223372036854775808" for flag -credhubConnectAttempts: value out of range',
      );
      expect(errorLine(builder('-credhubConnectAttempts=-9223372036854775809'))).toBe(
        'invalid value "-9223372036854775809" for flag -credhubConnectAttempts: value out of range',
      );
      // Go notices the overflow while reading digits, before it sees the bad character.
      expect(errorLine(builder('-credhubConnectAttempts=99999999999999999999x'))).toBe(
        'invalid value "99999999999999999999x" for flag -credhubConnectAttempts: value out of range',
      );
    });
  });

  describe('help', () => {
    it.each([['-h'], ['-help'], ['--help'], ['--h'], ['-help=1'], ['-skipDetect', '-h', '-nope']])('%j prints the usage', (...args) => {
      expect(builder(...args)).toEqual({ kind: 'help', output: BUILDER_USAGE });
    });

    it('treats -h as a flag when the set defines it', () => {
      const defs: FlagDef[] = [{ name: 'h', kind: 'bool', default: false, usage: 'host' }];
      expect(ok(parseFlags('x', defs, ['-h'])).values['h']).toBe(true);
    });

    it('is not reached after parsing stopped', () => {
      expect(ok(builder('x', '-h')).rest).toEqual(['x', '-h']);
    });
  });

  describe('ints (Go strconv.ParseInt base 0)', () => {
    const intOf = (text: string): number | string => {
      const r = builder(`-credhubConnectAttempts=${text}`);
      return r.kind === 'ok' ? (r.values['credhubConnectAttempts'] as number) : (r.output.split('\n')[0]!.split(': ')[1] ?? '');
    };

    it.each([
      ['0', 0],
      ['42', 42],
      ['+42', 42],
      ['-42', -42],
      ['0x1F', 31],
      ['0X1f', 31],
      ['-0x10', -16],
      ['0o17', 15],
      ['0O17', 15],
      ['017', 15],
      ['00', 0],
      ['0b101', 5],
      ['0B101', 5],
      ['1_000', 1000],
      ['0x_ff', 255],
      ['0_7', 7],
      ['0b1_0', 2],
      ['9223372036854775807', 9223372036854775807],
      ['-9223372036854775808', -9223372036854775808],
    ])('accepts %s', (text, value) => {
      expect(intOf(text)).toBe(value);
    });

    it.each(['', '-', '+', ' 1', '1 ', '1.0', '1e3', '08', '09', '0x', '0b', '0o', '0b2', '0o8', '0xg', '--1', '+-1', '_1', '1_', '1__0', '0x1_', 'x1', '１'])(
      'rejects %j',
      (text) => {
        expect(intOf(text)).toBe('parse error');
      },
    );
  });

  describe('durations (Go time.ParseDuration)', () => {
    it.each([
      ['0', 0],
      ['-0', 0],
      ['+0', 0],
      ['0s', 0],
      ['1s', 1000],
      ['500ms', 500],
      ['1m30s', 90_000],
      ['1h', 3_600_000],
      ['1.5h', 5_400_000],
      ['2h45m', 9_900_000],
      ['1.5s', 1500],
      ['.5s', 500],
      ['1.s', 1000],
      ['-1s', -1000],
      ['+1s', 1000],
      ['1ns', 0.000001],
      ['1us', 0.001],
      ['1\u00b5s', 0.001],
      ['1\u03bcs', 0.001],
      ['1ms1ns', 1.000001],
      ['1s1s', 2000],
      ['0.000000001s', 0.000001],
      ['9223372036854775807ns', 9223372036854775807 / 1e6],
      ['-9223372036854775808ns', -9223372036854775808 / 1e6],
    ])('parses %s', (text, ms) => {
      expect(parseGoDuration(text)).toBe(ms);
    });

    it.each([
      '',
      '5',
      '-5',
      '1',
      '00',
      's',
      '.s',
      '-.s',
      '-',
      '+',
      '1S',
      '1sec',
      '1 s',
      ' 1s',
      '1s ',
      '1d',
      '1.2.3s',
      '9223372036854775808ns',
      '2562048h',
      '1e3s',
    ])('rejects %j', (text) => {
      expect(parseGoDuration(text)).toBeUndefined();
    });

    it('does not trip over unit names that are Object properties', () => {
      expect(parseGoDuration('1constructor')).toBeUndefined();
      expect(parseGoDuration('1__proto__')).toBeUndefined();
    });

    it('parses the duration flag from either form', () => {
      expect(ok(builder('-credhubRetryDelay=250ms')).values['credhubRetryDelay']).toBe(250);
      expect(ok(builder('-credhubRetryDelay', '0')).values['credhubRetryDelay']).toBe(0);
    });
  });

  describe('formatGoDuration (time.Duration.String)', () => {
    it.each([
      [0, '0s'],
      [1000, '1s'],
      [90_000, '1m30s'],
      [500, '500ms'],
      [1500, '1.5s'],
      [1.5, '1.5ms'],
      [7_200_000, '2h0m0s'],
      [3_661_001, '1h1m1.001s'],
      [60_000, '1m0s'],
      [0.001, '1µs'],
      [0.0015, '1.5µs'],
      [0.000001, '1ns'],
      [0.000999, '999ns'],
      [-1000, '-1s'],
      [-0.5, '-500µs'],
      [1.000001, '1.000001ms'],
      [999.999999, '999.999999ms'],
      [1000.000001, '1.000000001s'],
      [9223372036854.775807, '2562047h47m16.854775807s'],
    ])('formats %d ms as %s', (ms, text) => {
      expect(formatGoDuration(ms)).toBe(text);
    });

    it('round-trips through parseGoDuration', () => {
      for (const text of ['1s', '1m30s', '2h0m0s', '500ms', '1.5µs', '3ns', '-4m0.5s']) {
        expect(formatGoDuration(parseGoDuration(text)!)).toBe(text);
      }
    });
  });

  describe('usage listing (Go PrintDefaults)', () => {
    it('lists the builder flags sorted by name with Go-style defaults', () => {
      expect(flagUsage('builder', BUILDER_FLAGS)).toBe(BUILDER_USAGE);
    });

    it('puts single-letter boolean flags on one line and uses back-quoted names', () => {
      const defs: FlagDef[] = [
        { name: 'v', kind: 'bool', default: true, usage: 'verbose' },
        { name: 'o', kind: 'string', default: 'a"b', usage: 'write to `file`\nsecond line' },
        { name: 'n', kind: 'int', default: 0, usage: 'count' },
        { name: 'd', kind: 'duration', default: 0, usage: 'wait' },
        { name: 'w', kind: 'duration', default: 90_000, usage: 'only one ` quote' },
        { name: 'b', kind: 'bool', default: false, usage: 'a `flag` name for a bool' },
        { name: 'x', kind: 'int', default: -3, usage: '' },
      ];
      expect(flagUsage('launcher', defs)).toBe(
        [
          'Usage of launcher:',
          '  -b flag',
          '    \ta flag name for a bool',
          '  -d duration',
          '    \twait',
          '  -n int',
          '    \tcount',
          '  -o file',
          '    \twrite to file',
          '    \tsecond line (default "a\\"b")',
          '  -v\tverbose (default true)',
          '  -w duration',
          '    \tonly one ` quote (default 1m30s)',
          '  -x int',
          '    \t (default -3)',
          '',
        ].join('\n'),
      );
    });

    it('writes `Usage:` for a set without a name', () => {
      expect(flagUsage('', [])).toBe('Usage:\n');
    });
  });
});

describe('CONTRACT §2.2 builder validation inputs', () => {
  // Validation itself lives with the builder; these pin the parse results it relies on.
  it('leaves buildpackOrder empty by default and keeps explicit empty values', () => {
    const r = ok(builder('-buildDir=', '-buildpackOrder='));
    const empty = Object.entries(r.values)
      .filter(([, v]) => v === '')
      .map(([k]) => k)
      .sort();
    expect(empty).toEqual(['buildDir', 'buildpackOrder', 'hooksConfig', 'hooksDir', 'outputStagingMetadata']);
  });
});
