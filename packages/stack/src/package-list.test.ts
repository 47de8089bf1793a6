import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StackError } from './errors.ts';
import { packagesDigest, parsePackageList, profilePackages } from './package-list.ts';
import { readSources } from './sources.ts';

const LIST = `
# a comment
version 2.1.0
suite bookworm

[minimal]
bash        # the shell
curl

[full]
aptitude
`;

describe('the package list', () => {
  it('reads settings and sections; full is minimal plus [full]', () => {
    const list = parsePackageList(LIST);
    expect(list.version).toBe('2.1.0');
    expect(list.suite).toBe('bookworm');
    expect(profilePackages(list, 'minimal')).toEqual(['bash', 'curl']);
    expect(profilePackages(list, 'full')).toEqual(['bash', 'curl', 'aptitude']);
  });

  it.each([
    ['a package listed twice', `${LIST}\ncurl\n`, /curl is listed twice \(first on line 8\)/],
    ['an unknown section', `${LIST}\n[huge]\nx11\n`, /unknown section \[huge\]/],
    ['an unknown setting', `colour blue\n${LIST}`, /unknown setting "colour"/],
    ['two names on a line', `${LIST}\nfoo bar\n`, /one package name per line/],
    ['a name that is not a package name', `${LIST}\nFoo_Bar\n`, /"Foo_Bar" is not a Debian package name/],
    ['no version', LIST.replace('version 2.1.0', ''), /missing or invalid "version"/],
  ])('rejects %s with a StackError naming the line', (_, text, message) => {
    expect(() => parsePackageList(text, 'list')).toThrow(StackError);
    expect(() => parsePackageList(text, 'list')).toThrow(message);
  });

  it('the digest is sha256 of the names one per line, as `list-packages.sh PROFILE | sha256sum`', () => {
    const sources = readSources();
    for (const profile of ['minimal', 'full'] as const) {
      const shell = execFileSync('sh', ['-c', `"${sources.listScript}" ${profile} | sha256sum`], { encoding: 'utf8' }).split(' ')[0];
      expect(packagesDigest(profilePackages(sources.list, profile))).toBe(shell);
    }
  });

  it('rootfs/packages.list parses, and the minimal profile has what the lifecycle and the tests need', () => {
    const sources = readSources();
    expect(fs.existsSync(sources.listFile)).toBe(true);
    const minimal = profilePackages(sources.list, 'minimal');
    for (const name of [
      'bash',
      'coreutils',
      'tar',
      'ca-certificates',
      'curl',
      'git',
      'python3',
      'locales',
      'tzdata',
      'jq',
      'unzip',
      'zip',
      'wget',
      'procps',
      'netcat-openbsd',
      'xz-utils',
      'bzip2',
      'less',
      'libyaml-0-2',
      'tini',
    ]) {
      expect(minimal).toContain(name);
    }
    expect(sources.list.suite).toBe('bookworm');
  });
});
