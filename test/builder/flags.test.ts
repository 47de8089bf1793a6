// CONTRACT §1.1 (flag syntax), §2.1 (the builder's flags) and §2.2 (validation), seen through the built
// `dist/lifecycle/builder`.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace, md5Hex as md5, xxhash64Hex as xx } from '../helpers/stage.ts';
import { flagPairs, invocations, precreateResult, readRecords, recording, runBuilder } from '../helpers/records.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.cleanup());

/** The workspace flags without `-buildpackOrder` and `-skipDetect`, `-name=value` each. */
const flagsWithout = (...names: string[]): string[] =>
  flagPairs(ws, ['unused'])
    .filter(([name]) => !names.includes(name))
    .map(([name, value]) => `-${name}=${value}`);

const USAGE = 'Usage of builder:\n';

/** A parse error: exit 2, the message then the usage listing on stderr, nothing on stdout, no staging. */
function expectParseError(result: { code: number | null; stdout: string; stderr: string }, message: string): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.startsWith(`${message}\n${USAGE}`)).toBe(true);
  expect(fs.existsSync(ws.outputDroplet)).toBe(false);
  expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe('');
}

describe('CONTRACT §1.1 command-line flag syntax, through the builder', () => {
  describe('the four spellings of a flag with a value are equivalent', () => {
    const spellings: [string, (name: string, value: string) => string[]][] = [
      ['-name=value', (n, v) => [`-${n}=${v}`]],
      ['-name value', (n, v) => [`-${n}`, v]],
      ['--name=value', (n, v) => [`--${n}=${v}`]],
      ['--name value', (n, v) => [`--${n}`, v]],
    ];
    it.each(spellings)('%s', async (_label, spell) => {
      ws.installBuildpack('always-detects');
      const args = flagPairs(ws, ['always-detects'])
        .filter(([name]) => name !== 'skipDetect')
        .flatMap(([name, value]) => spell(name, value));
      const result = await runBuilder(ws, args);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('always-detects: compile\n');
      expect(result.code).toBe(0);
      expect(ws.result()).toMatchObject({ lifecycle_metadata: { buildpack_key: 'always-detects', detected_buildpack: 'Always Matching' } });
      expect(ws.dropletListing()).toContain('./app/compiled-by-always-detects');
    });
  });

  describe('boolean flags', () => {
    beforeEach(() => {
      ws.installBuildpack('records-args');
    });
    const scriptsRun = () => readRecords(ws).map((r) => r.script);

    it.each(['-skipDetect', '--skipDetect'])('%s alone means true', async (flag) => {
      const result = await runBuilder(ws, [...flagsWithout('skipDetect', 'buildpackOrder'), '-buildpackOrder=records-args', flag], { env: recording(ws) });
      expect(result.code).toBe(0);
      expect(scriptsRun()).toEqual(['supply', 'finalize', 'release']);
    });

    it.each(['1', 't', 'T', 'true', 'TRUE', 'True'])('-skipDetect=%s is true (no detect runs)', async (value) => {
      const result = await runBuilder(ws, [...flagsWithout('skipDetect', 'buildpackOrder'), '-buildpackOrder=records-args', `-skipDetect=${value}`], {
        env: recording(ws),
      });
      expect(result.code).toBe(0);
      expect(scriptsRun()).toEqual(['supply', 'finalize', 'release']);
    });

    it.each(['0', 'f', 'F', 'false', 'FALSE', 'False'])('-skipDetect=%s is false (detect runs)', async (value) => {
      const result = await runBuilder(ws, [...flagsWithout('skipDetect', 'buildpackOrder'), '-buildpackOrder=records-args', `-skipDetect=${value}`], {
        env: recording(ws),
      });
      expect(result.code).toBe(0);
      expect(scriptsRun()).toEqual(['detect', 'supply', 'finalize', 'release']);
    });

    it('`-skipDetect false` does not consume `false`: skipDetect is true and parsing stops there', async () => {
      const result = await runBuilder(
        ws,
        [...flagsWithout('skipDetect', 'buildpackOrder'), '-buildpackOrder=records-args', '-skipDetect', 'false', '-skipDetect=false'],
        {
          env: recording(ws),
        },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(scriptsRun()).toEqual(['supply', 'finalize', 'release']);
    });

    it('flags after `-skipDetect false` are ignored', async () => {
      const result = await runBuilder(ws, [...flagsWithout('skipDetect', 'buildpackOrder'), '-skipDetect', 'false', '-buildpackOrder=records-args']);
      expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'missing flag: -buildpackOrder\n' });
    });
  });

  describe('parsing stops at the first non-flag argument', () => {
    it.each([
      ['a positional argument', 'positional'],
      ['a lone -', '-'],
      ['--', '--'],
      ['an empty argument', ''],
    ])('%s: later flags are ignored', async (_label, stopper) => {
      const result = await runBuilder(ws, [...flagsWithout('buildpackOrder'), stopper, '-buildpackOrder=always-detects']);
      expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'missing flag: -buildpackOrder\n' });
    });

    it('`--` is consumed, and what follows it (even an unknown flag) is ignored', async () => {
      ws.installBuildpack('always-detects');
      const result = await runBuilder(ws, [...ws.args(['always-detects']), '--', '-foo', 'positional']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });

    it('positional arguments after all flags are ignored', async () => {
      ws.installBuildpack('always-detects');
      const result = await runBuilder(ws, [...ws.args(['always-detects']), 'extra', 'arguments']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });
  });

  it('a flag given twice: the last value wins', async () => {
    ws.installBuildpack('always-fails');
    ws.installBuildpack('always-detects');
    const result = await runBuilder(ws, [...ws.args(['always-fails']), '-buildpackOrder=always-detects']);
    expect(result.code).toBe(0);
    expect(ws.result()).toMatchObject({ lifecycle_metadata: { buildpack_key: 'always-detects' } });
  });

  describe('errors exit 2 with the message and the usage on stderr', () => {
    beforeEach(() => precreateResult(ws));

    it.each([
      ['-foo', 'flag provided but not defined: -foo'],
      ['--foo=bar', 'flag provided but not defined: -foo'],
      ['-BuildDir=/tmp/app', 'flag provided but not defined: -BuildDir'],
    ])('unknown flag %s', async (arg, message) => {
      ws.installBuildpack('always-detects');
      expectParseError(await runBuilder(ws, [...ws.args(['always-detects']), arg]), message);
    });

    it.each([
      ['-buildDir', 'flag needs an argument: -buildDir'],
      ['--outputDroplet', 'flag needs an argument: -outputDroplet'],
      ['-credhubRetryDelay', 'flag needs an argument: -credhubRetryDelay'],
    ])('missing value: %s as the last argument', async (arg, message) => {
      expectParseError(await runBuilder(ws, [...ws.args(['always-detects']), arg]), message);
    });

    it.each(['abc', '1.5', '5x', '0x', ''])('bad integer -credhubConnectAttempts=%j', async (value) => {
      expectParseError(
        await runBuilder(ws, [...ws.args(['always-detects']), `-credhubConnectAttempts=${value}`]),
        `invalid value "${value}" for flag -credhubConnectAttempts: parse error`,
      );
    });

    it.each(['5', '1x', 'abc', '-', ''])('bad duration -credhubRetryDelay=%j', async (value) => {
      expectParseError(
        await runBuilder(ws, [...ws.args(['always-detects']), `-credhubRetryDelay=${value}`]),
        `invalid value "${value}" for flag -credhubRetryDelay: parse error`,
      );
    });

    it.each([
      ['skipDetect', 'maybe'],
      ['skipDetect', 'yes'],
      ['skipDetect', ''],
      ['skipCertVerify', 'tRUE'],
      ['skipCertVerify', '2'],
    ])('bad boolean -%s=%j', async (name, value) => {
      expectParseError(
        await runBuilder(ws, [...ws.args(['always-detects']), `-${name}=${value}`]),
        `invalid boolean value "${value}" for -${name}: parse error`,
      );
    });

    it.each(['---buildDir=/tmp/app', '-=value', '--=value'])('malformed %s', async (arg) => {
      expectParseError(await runBuilder(ws, [...ws.args(['always-detects']), arg]), `bad flag syntax: ${arg}`);
    });
  });

  describe('accepted values', () => {
    beforeEach(() => {
      ws.installBuildpack('always-detects');
    });

    it.each(['10', '0x10', '0X1f', '0o17', '017', '0b101', '-3', '+3', '1_000'])('Go integer syntax -credhubConnectAttempts=%s', async (value) => {
      const result = await runBuilder(ws, [...ws.args(['always-detects']), `-credhubConnectAttempts=${value}`]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });

    it.each(['0', '0s', '500ms', '1s', '1m30s', '1.5h', '-1s'])('Go duration syntax -credhubRetryDelay=%s', async (value) => {
      const result = await runBuilder(ws, [...ws.args(['always-detects']), `-credhubRetryDelay=${value}`]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });
  });

  describe('help', () => {
    it.each(['-h', '-help', '--help', '--h'])('%s prints the usage on stderr and exits 0 without staging', async (flag) => {
      ws.installBuildpack('always-detects');
      const result = await runBuilder(ws, [...ws.args(['always-detects']), flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr.startsWith(USAGE)).toBe(true);
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
      expect(fs.existsSync(path.dirname(ws.outputDroplet))).toBe(false);
    });

    it('-h alone, before any other flag', async () => {
      const result = await runBuilder(ws, ['-h']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr.startsWith(USAGE)).toBe(true);
    });
  });
});

describe('CONTRACT §2.1 flags', () => {
  it('every flag of the table is defined (the canonical `-name=value` argv is accepted)', async () => {
    ws.installBuildpack('always-detects');
    const result = await runBuilder(ws, [...ws.args(['always-detects']), '-skipCertVerify=false', '-credhubConnectAttempts=3', '-credhubRetryDelay=1s']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  describe('path-valued flags are cleaned lexically', () => {
    beforeEach(() => {
      ws.installBuildpack('records-args', 'supplier');
      ws.installBuildpack('records-args');
    });

    it('duplicate and trailing slashes and `.`/`..` segments are removed from absolute paths', async () => {
      const messy = (p: string) => `${path.dirname(p)}/./nowhere/..//${path.basename(p)}//`;
      const args = [
        `-buildDir=${messy(ws.buildDir)}`,
        `-buildpacksDir=${messy(ws.buildpacksDir)}`,
        `-buildpacksDownloadDir=${messy(ws.downloadDir)}`,
        `-buildArtifactsCacheDir=${messy(ws.cacheDir)}`,
        `-outputDroplet=${messy(ws.outputDroplet)}`,
        `-outputMetadata=${messy(ws.outputMetadata)}`,
        `-outputBuildArtifactsCache=${messy(ws.outputCache)}`,
        '-buildpackOrder=supplier,records-args',
        '-skipDetect=true',
      ];
      const result = await runBuilder(ws, args, { env: recording(ws) });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const [supply] = readRecords(ws);
      expect(supply!.args.slice(0, 2)).toEqual([ws.buildDir, path.join(ws.cacheDir, xx('supplier'))]);
      expect(
        invocations(ws)
          .find(([s]) => s === 'finalize')!
          .slice(1, 3),
      ).toEqual([ws.buildDir, path.join(ws.cacheDir, 'final')]);
      expect(
        invocations(ws)
          .find(([s]) => s === 'release')!
          .slice(1),
      ).toEqual([ws.buildDir]);
      expect(fs.existsSync(ws.outputDroplet)).toBe(true);
      expect(fs.existsSync(ws.outputCache)).toBe(true);
      expect(fs.existsSync(ws.outputMetadata)).toBe(true);
    });

    it('relative paths stay relative and are resolved against the working directory', async () => {
      const args = [
        '-buildDir=./app/',
        '-buildpacksDir=buildpacks//',
        '-buildpacksDownloadDir=buildpackdownloads',
        '-buildArtifactsCacheDir=x/../cache/.',
        '-outputDroplet=out//droplet',
        '-outputMetadata=./out/result.json',
        '-outputBuildArtifactsCache=out/../out/output-cache',
        '-buildpackOrder=supplier,records-args',
        '-skipDetect=true',
      ];
      const result = await runBuilder(ws, args, { env: recording(ws), cwd: ws.root });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const calls = invocations(ws);
      expect(calls[0]!.slice(0, 3)).toEqual(['supply', 'app', `cache/${xx('supplier')}`]);
      expect(calls.find(([s]) => s === 'finalize')!.slice(1, 3)).toEqual(['app', 'cache/final']);
      expect(calls.find(([s]) => s === 'release')).toEqual(['release', 'app']);
      expect(fs.existsSync(ws.outputDroplet)).toBe(true);
      expect(fs.existsSync(ws.outputCache)).toBe(true);
      expect(ws.result()).toMatchObject({ lifecycle_metadata: { buildpack_key: 'records-args' } });
    });
  });

  it('-buildpackOrder is split on `,` without trimming', async () => {
    ws.installBuildpack('always-detects');
    precreateResult(ws);
    const result = await ws.stage([' always-detects']);
    const legacy = path.join(ws.buildpacksDir, md5(' always-detects'));
    expect(result.stderr).toBe(
      `Failed to read buildpack directory '${legacy}' for buildpack ' always-detects'\nNone of the buildpacks detected a compatible application\n`,
    );
    expect(result.code).toBe(222);
  });
});

describe('CONTRACT §2.2 validation', () => {
  it('no arguments at all: exactly `missing flag: -buildpackOrder`, exit 1, nothing on stdout', async () => {
    const result = await runBuilder(ws, []);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'missing flag: -buildpackOrder\n' });
  });

  it('-buildDir= -buildpackOrder=: both named, in flag-name order', async () => {
    const result = await runBuilder(ws, ['-buildDir=', '-buildpackOrder=']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'missing flag: -buildDir, missing flag: -buildpackOrder\n' });
  });

  it('an empty value given as a separate argument counts as given-and-empty', async () => {
    const result = await runBuilder(ws, ['-buildpackOrder', '', '-buildDir', '']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'missing flag: -buildDir, missing flag: -buildpackOrder\n' });
  });

  it('every string flag set to the empty string: all named, in byte order of the flag names', async () => {
    const names = [
      'skipDetect',
      'buildDir',
      'outputDroplet',
      'outputMetadata',
      'outputBuildArtifactsCache',
      'buildpacksDir',
      'buildpacksDownloadDir',
      'buildArtifactsCacheDir',
      'buildpackOrder',
      'skipCertVerify',
      'credhubConnectAttempts',
      'credhubRetryDelay',
    ];
    // Booleans, integers and durations cannot be set to "" (that is a parse error); only strings can.
    const strings = names.filter((n) => !['skipDetect', 'skipCertVerify', 'credhubConnectAttempts', 'credhubRetryDelay'].includes(n));
    const result = await runBuilder(
      ws,
      strings.map((n) => `-${n}=`),
    );
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'missing flag: -buildArtifactsCacheDir, missing flag: -buildDir, missing flag: -buildpackOrder, missing flag: -buildpacksDir, ' +
        'missing flag: -buildpacksDownloadDir, missing flag: -outputBuildArtifactsCache, missing flag: -outputDroplet, missing flag: -outputMetadata\n',
    });
  });

  it('a validation error stages nothing: no directories, no outputs, result.json untouched', async () => {
    ws.installBuildpack('records-args');
    precreateResult(ws);
    fs.rmSync(path.dirname(ws.outputMetadata), { recursive: true });
    const result = await runBuilder(ws, flagsWithout('buildpackOrder'), { env: recording(ws) });
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'missing flag: -buildpackOrder\n' });
    expect(fs.existsSync(path.dirname(ws.outputDroplet))).toBe(false);
    expect(fs.existsSync(ws.cacheDir)).toBe(false);
    expect(ws.leftovers()).toEqual([]);
    expect(readRecords(ws)).toEqual([]);
  });

  it('only emptiness is checked: a non-existent build dir passes validation', async () => {
    ws.installBuildpack('always-fails');
    const result = await runBuilder(ws, [...ws.args(['always-fails']), `-buildDir=${path.join(ws.root, 'no-such-app')}`]);
    expect(result).toMatchObject({ code: 222, stdout: '', stderr: 'None of the buildpacks detected a compatible application\n' });
  });
});
