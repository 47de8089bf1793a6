import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILDER_FLAGS, builderArgs, parseBuilderArgs, type BuilderConfig } from './builder-flags.ts';
import { STAGING_PATHS } from './diego.ts';
import { goClean } from './paths.ts';

function configOf(args: string[]): BuilderConfig {
  const parsed = parseBuilderArgs(args);
  if (parsed.kind !== 'config') throw new Error(`expected a config, got exit ${parsed.code}: ${parsed.stderr}`);
  return parsed.config;
}

const DEFAULTS = configOf(['-buildpackOrder=x']);

describe('parseBuilderArgs', () => {
  it("defaults to Diego's staging paths and a sequential detect", () => {
    expect(DEFAULTS).toMatchObject({ ...STAGING_PATHS, detectConcurrency: 1, credhubConnectAttempts: 3, credhubRetryDelayMs: 1000, stagingTimeoutMs: 0 });
  });

  it('reports every empty required flag in name order, exit 1; a bad flag exits 2 with the usage', () => {
    expect(parseBuilderArgs(['-buildDir='])).toEqual({ kind: 'exit', code: 1, stderr: 'missing flag: -buildDir, missing flag: -buildpackOrder\n' });
    const bad = parseBuilderArgs(['-nope']);
    expect(bad.kind === 'exit' && bad.code).toBe(2);
    expect(bad.kind === 'exit' && bad.stderr.startsWith('flag provided but not defined: -nope\nUsage of builder:\n')).toBe(true);
  });
});

describe('builderArgs, the inverse of parseBuilderArgs', () => {
  it('passes the required -buildpackOrder and only the flags that differ from their defaults, in table order', () => {
    expect(builderArgs({ buildpackOrder: ['ruby', 'node'] })).toEqual(['-buildpackOrder=ruby,node']);
    expect(builderArgs({ ...DEFAULTS, buildpackOrder: ['a'] })).toEqual(['-buildpackOrder=a']);
    expect(
      builderArgs({
        buildpackOrder: ['$(BUILDPACK_ORDER)'],
        skipDetect: true,
        outputDroplet: '/tmp/output/droplet.tgz',
        buildDir: STAGING_PATHS.buildDir,
        credhubRetryDelayMs: 1500,
        detectConcurrency: 16,
        stagingTimeoutMs: 15 * 60_000,
        outputStagingMetadata: '/tmp/output/droplet.tgz.metadata.json',
      }),
    ).toEqual([
      '-outputDroplet=/tmp/output/droplet.tgz',
      '-buildpackOrder=$(BUILDPACK_ORDER)',
      '-skipDetect=true',
      '-credhubRetryDelay=1.5s',
      '-detectConcurrency=16',
      '-outputStagingMetadata=/tmp/output/droplet.tgz.metadata.json',
      '-stagingTimeout=15m0s',
    ]);
  });

  it('knows every flag of the table', () => {
    const everything = builderArgs({
      buildDir: '/a',
      outputDroplet: '/b',
      outputMetadata: '/c',
      outputBuildArtifactsCache: '/d',
      buildpacksDir: '/e',
      buildpacksDownloadDir: '/f',
      buildArtifactsCacheDir: '/g',
      buildpackOrder: ['k'],
      skipDetect: true,
      skipCertVerify: true,
      credhubConnectAttempts: 5,
      credhubRetryDelayMs: 2000,
      detectConcurrency: 4,
      reproducibleDroplet: true,
      outputStagingMetadata: '/h',
      hooksDir: '/i',
      hooksConfig: '/j',
      stagingTimeoutMs: 60_000,
    });
    expect(everything.map((a) => a.slice(1, a.indexOf('=')))).toEqual(BUILDER_FLAGS.map((f) => f.name));
  });

  it('round-trips: parseBuilderArgs(builderArgs(c)) gives c', () => {
    // What the parser can give back: clean paths, keys without a comma, a non-empty order,
    // durations of whole nanoseconds that are not negative.
    const path = fc.string({ minLength: 1 }).map((p) => goClean(p));
    const optionalPath = fc.oneof(fc.constant(''), path);
    const key = fc.string().filter((k) => !k.includes(','));
    const order = fc.array(key, { minLength: 1, maxLength: 5 }).filter((keys) => keys.join(',') !== '');
    const ms = fc.oneof(
      fc.integer({ min: 0, max: 10 ** 9 }),
      fc.integer({ min: 0, max: 10 ** 12 }).map((ns) => ns / 1e6),
    );
    const config: fc.Arbitrary<BuilderConfig> = fc.record({
      buildDir: path,
      outputDroplet: path,
      outputMetadata: path,
      outputBuildArtifactsCache: path,
      buildpacksDir: path,
      buildpacksDownloadDir: path,
      buildArtifactsCacheDir: path,
      buildpackOrder: order,
      skipDetect: fc.boolean(),
      skipCertVerify: fc.boolean(),
      credhubConnectAttempts: fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
      credhubRetryDelayMs: ms,
      detectConcurrency: fc.integer({ min: -4, max: 64 }),
      reproducibleDroplet: fc.boolean(),
      outputStagingMetadata: optionalPath,
      hooksDir: optionalPath,
      hooksConfig: optionalPath,
      stagingTimeoutMs: ms,
    });
    fc.assert(
      fc.property(config, (c) => {
        expect(configOf(builderArgs(c))).toEqual(c);
      }),
      { numRuns: 500 },
    );
  });
});
