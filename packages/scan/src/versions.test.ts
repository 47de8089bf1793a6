// Each ecosystem's version ordering, checked as ascending chains (every earlier element sorts
// strictly before every later one) and as equalities.
import { describe, expect, it } from 'vitest';
import { compareVersions, orderingFor } from './versions/index.ts';
import { normalizeComposerVersion } from './versions/composer.ts';

function expectAscending(ecosystem: string, chain: string[]): void {
  for (let i = 0; i < chain.length; i++) {
    for (let j = 0; j < chain.length; j++) {
      const c = compareVersions(ecosystem, chain[i]!, chain[j]!);
      const want = Math.sign(i - j);
      if (c === undefined || Math.sign(c) !== want) throw new Error(`${ecosystem}: ${chain[i]} vs ${chain[j]}: got ${c}, want ${want}`);
    }
  }
}

function expectEqual(ecosystem: string, a: string, b: string): void {
  expect(compareVersions(ecosystem, a, b), `${a} == ${b}`).toBe(0);
}

describe('npm and Go: SemVer 2.0.0', () => {
  it('prereleases sort before the release, numeric identifiers numerically, then alphanumeric', () => {
    expectAscending('npm', [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.1.0',
      '1.10.0',
      '2.0.0',
    ]);
  });

  it('build metadata is ignored; large numbers compare exactly', () => {
    expectEqual('npm', '1.0.0+build.1', '1.0.0+build.2');
    expectAscending('npm', ['4.17.15', '4.17.19', '4.17.20', '99999999999999999999.0.0', '100000000000000000000.0.0']);
  });

  it('Go: the v prefix, pseudo-versions before their release, +incompatible', () => {
    expectAscending('Go', [
      'v0.0.0-20210101000000-abcdef123456',
      'v0.0.0-20230101000000-abcdef123456',
      '0.1.0',
      'v0.15.0',
      '0.17.0',
      'v2.0.0+incompatible',
      'v2.0.1',
    ]);
    expectEqual('Go', 'v0.17.0', '0.17.0');
  });

  it('does not parse what is not SemVer', () => {
    expect(compareVersions('npm', '1.2.3.4', '1.2.3')).toBeUndefined();
    expect(compareVersions('npm', 'latest', '1.0.0')).toBeUndefined();
  });
});

describe('PyPI: PEP 440', () => {
  it('dev < alpha < beta < rc < final < post, with dev and post variants', () => {
    expectAscending('PyPI', [
      '1.0.dev0',
      '1.0.dev1',
      '1.0a1.dev1',
      '1.0a1',
      '1.0a2',
      '1.0b1',
      '1.0rc1',
      '1.0rc1.post1',
      '1.0',
      '1.0+local.1',
      '1.0.post1.dev1',
      '1.0.post1',
      '1.0.post2',
      '1.0.1',
      '1.1.dev0',
      '1.1',
    ]);
  });

  it('epochs win over everything else', () => {
    expectAscending('PyPI', ['2024.1', '1!0.1', '1!1.0', '2!0.0.1']);
  });

  it('normalisations: spellings of pre-releases, implicit post, separators, trailing zeros, case, v', () => {
    expectEqual('PyPI', '1.0alpha1', '1.0a1');
    expectEqual('PyPI', '1.0-beta.2', '1.0b2');
    expectEqual('PyPI', '1.0c1', '1.0rc1');
    expectEqual('PyPI', '1.0pre1', '1.0rc1');
    expectEqual('PyPI', '1.0-1', '1.0.post1');
    expectEqual('PyPI', '1.0-r1', '1.0.post1');
    expectEqual('PyPI', '1.0.0', '1.0');
    expectEqual('PyPI', 'V1.0RC1', '1.0rc1');
    expectEqual('PyPI', '1.0a', '1.0a0');
  });

  it('local versions: numbers after strings, more segments after fewer', () => {
    expectAscending('PyPI', ['1.0', '1.0+abc', '1.0+abc.1', '1.0+1', '1.0+2.abc']);
  });

  it('3.1.2 is below the jinja2 fix 3.1.3', () => {
    expectAscending('PyPI', ['3.1.2', '3.1.3', '3.1.4']);
  });
});

describe('RubyGems: Gem::Version', () => {
  it('four-part versions, prereleases by letter segments, trailing zeros ignored', () => {
    expectAscending('RubyGems', ['2.0.9', '2.0.9.1', '2.1', '2.1.4', '2.1.4.1', '2.2.0.rc1', '2.2', '2.2.3', '2.2.3.1', '2.2.10']);
    expectEqual('RubyGems', '1.0', '1.0.0.0');
    expectEqual('RubyGems', '2.2', '2.2.0');
  });

  it('a dash means .pre.; letter segments sort lexically, before numbers and before the end', () => {
    // 1.0.0-alpha is 1.0.0.pre.alpha: after 1.0.0.beta (p > b), before 1.0.0.pre (a string before nothing).
    expectAscending('RubyGems', ['1.0.0.a', '1.0.0.b1', '1.0.0.beta', '1.0.0-alpha', '1.0.0.pre', '1.0.0.rc1', '1.0.0']);
  });
});

describe('Packagist: Composer', () => {
  it('normalises like VersionParser::normalize', () => {
    expect(normalizeComposerVersion('v2.1.0')).toBe('2.1.0.0');
    expect(normalizeComposerVersion('1.0.0-RC1')).toBe('1.0.0.0-RC1');
    expect(normalizeComposerVersion('1.0.0-b2')).toBe('1.0.0.0-beta2');
    expect(normalizeComposerVersion('1.0-pl3')).toBe('1.0.0.0-patch3');
    expect(normalizeComposerVersion('2.0.x-dev')).toBeUndefined();
    expect(normalizeComposerVersion('1.0.0-dev')).toBe('1.0.0.0-dev');
    expect(normalizeComposerVersion('dev-main')).toBeUndefined();
  });

  it('orders as PHP’s version_compare on the normalised versions', () => {
    expectAscending('Packagist', [
      '1.8.3',
      '1.8.4',
      '2.0.0-dev',
      '2.0.0-alpha1',
      '2.0.0-beta',
      '2.0.0-RC1',
      '2.0.0',
      '2.0.0-patch1',
      'v2.1.0',
      '2.1.1',
      '2.1.10',
    ]);
    expectEqual('Packagist', 'v2.1.0', '2.1.0.0');
    expectEqual('Packagist', '2.1', '2.1.0');
  });
});

describe('Maven: ComparableVersion', () => {
  it('qualifiers: alpha < beta < milestone < rc < snapshot < release < sp < others', () => {
    expectAscending('Maven', [
      '1.0-alpha-1',
      '1.0-alpha-2',
      '1.0-beta-1',
      '1.0-milestone-1',
      '1.0-rc-1',
      '1.0-SNAPSHOT',
      '1.0',
      '1.0-sp-1',
      '1.0-abc',
      '1.0-xyz',
      '1.0.1',
    ]);
  });

  it('short forms and aliases: a1 = alpha-1, cr = rc, ga = final = release = ""', () => {
    expectEqual('Maven', '1.0a1', '1.0-alpha-1');
    expectEqual('Maven', '1.0b2', '1.0-beta-2');
    expectEqual('Maven', '1.0m3', '1.0-milestone-3');
    expectEqual('Maven', '1.0-cr1', '1.0-rc1');
    expectEqual('Maven', '1.0-ga', '1.0');
    expectEqual('Maven', '1.0.Final', '1');
    expectEqual('Maven', '1.0.RELEASE', '1.0.0');
  });

  it('trailing zeros dropped; log4j’s ranges', () => {
    expectEqual('Maven', '2.4', '2.4.0');
    expectAscending('Maven', ['2.0-beta9', '2.0-rc1', '2.0', '2.3', '2.3.1', '2.4', '2.12.1', '2.12.2', '2.13.0', '2.14.1', '2.15.0', '2.16.0']);
  });

  it('31.1-jre and 31.1-android: unknown qualifiers after the release, lexically', () => {
    expectAscending('Maven', ['31.1', '31.1-android', '31.1-jre', '32.0.0-jre']);
  });
});

describe('Debian: dpkg', () => {
  it('~ sorts before everything, even the end of the version', () => {
    expectAscending('Debian', ['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a', '1.0+b1']);
    expectAscending('Debian', ['3.0.11-1~deb12u1', '3.0.11-1~deb12u2', '3.0.11-1', '3.0.11-1+deb12u1']);
  });

  it('epochs first, then upstream, then revision; digits numerically', () => {
    expectAscending('Debian', ['2.36-9', '2.36-9+deb12u2', '2.36-9+deb12u3', '2.36-9+deb12u10', '2.37-1', '1:1.0-1', '2:0.1-1']);
    expectEqual('Debian', '0:1.2-3', '1.2-3');
    expectEqual('Debian', '1.02', '1.2');
  });

  it('letters before other characters', () => {
    expectAscending('Debian', ['1.0a', '1.0+', '1.0.1']);
  });
});

describe('generic', () => {
  it('is used for unknown ecosystems (and for buildpack and stack versions)', () => {
    expect(orderingFor('crates.io').name).toBe('generic');
    expectAscending('generic', ['1.0.0', '1.2', '1.10', '20.11.1']);
  });
});
