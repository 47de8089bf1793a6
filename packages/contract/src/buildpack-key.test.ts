import { describe, expect, it } from 'vitest';
import { buildpackDirs, goUrlParseError, isUrlKey, isZipUrl, md5Hex, splitFragment } from './buildpack-key.ts';
import { depsIndex, goClean } from './paths.ts';
import { formatByteSize } from './go/bytefmt.ts';

describe('buildpack keys (CONTRACT §2.4)', () => {
  it('tells URLs by their scheme (quirk Q16 kept)', () => {
    expect(isUrlKey('https://github.com/cloudfoundry/ruby-buildpack')).toBe(true);
    expect(isUrlKey('file:///tmp/bp.zip')).toBe(true);
    expect(isUrlKey('custom:buildpack')).toBe(true);
    expect(isUrlKey('my-buildpack/key/::')).toBe(false);
    expect(isUrlKey('1abc:def')).toBe(false);
    expect(isUrlKey('')).toBe(false);
  });
  it('computes primary and legacy directories', () => {
    expect(buildpackDirs('my-buildpack/key/::', '/bp', '/dl')).toEqual({ primary: '/bp/dc91f5556d3ae859', legacy: '/bp/8b2f72a0702aed614f8b5d8f7f5b431b' });
    expect(buildpackDirs('https://github.com/cloudfoundry/ruby-buildpack', '/bp', '/dl')).toEqual({
      primary: '/dl/0e1df1251578f504',
      legacy: '/dl/21de62d118ecb1f46d868d24f00839ef',
    });
    expect(md5Hex('nested-buildpack')).toBe('70d137ae4ee01fbe39058ccdebf48460');
    expect(md5Hex('always-detect-buildpack')).toBe('e05b2d8a59b30d5e9552282465253095');
  });
  it('renders Go url.Parse errors', () => {
    expect(goUrlParseError('%zz')).toBe('parse "%zz": invalid URL escape "%zz"');
    expect(goUrlParseError('https://example.com/a%2')).toBe('parse "https://example.com/a%2": invalid URL escape "%2"');
    expect(goUrlParseError(':foo')).toBe('parse ":foo": missing protocol scheme');
    expect(goUrlParseError('http://h:abc/')).toBe('parse "http://h:abc/": invalid port ":abc" after host');
    expect(goUrlParseError('my-buildpack/key/::')).toBeUndefined();
    expect(goUrlParseError('https://example.com/bp.zip?x=%zz')).toBeUndefined();
    expect(goUrlParseError('custom:%zz')).toBeUndefined();
    expect(goUrlParseError('')).toBeUndefined();
  });
  it('tells zip URLs by the decoded path', () => {
    expect(isZipUrl('https://h/bp.zip')).toBe(true);
    expect(isZipUrl('https://h/bp.zip?token=1#frag')).toBe(true);
    expect(isZipUrl('https://h/bp%2Ezip')).toBe(true);
    expect(isZipUrl('https://h/bp.git#bp.zip')).toBe(false);
    expect(isZipUrl('https://h/bp')).toBe(false);
  });
  it('splits the git branch off the fragment', () => {
    expect(splitFragment('https://h/r.git#v1.2')).toEqual({ base: 'https://h/r.git', fragment: 'v1.2' });
    expect(splitFragment('https://h/r.git')).toEqual({ base: 'https://h/r.git', fragment: '' });
  });
});

describe('paths and indices (CONTRACT §2.1, §2.5)', () => {
  it('cleans paths like Go', () => {
    expect(goClean('/tmp//app/')).toBe('/tmp/app');
    expect(goClean('/tmp/./a/../b')).toBe('/tmp/b');
    expect(goClean('rel/dir/')).toBe('rel/dir');
    expect(goClean('/')).toBe('/');
    expect(goClean('')).toBe('.');
    expect(goClean('../x')).toBe('../x');
  });
  it('pads deps indices to the width of the buildpack count', () => {
    expect([0, 1, 8].map((i) => depsIndex(i, 9))).toEqual(['0', '1', '8']);
    expect([0, 9, 10].map((i) => depsIndex(i, 11))).toEqual(['00', '09', '10']);
    expect(depsIndex(0, 100)).toBe('000');
    expect(depsIndex(0, 1)).toBe('0');
  });
});

describe('byte sizes (CONTRACT §2.6)', () => {
  it.each([
    [0, '0B'],
    [500, '500B'],
    [1024, '1K'],
    [1491, '1.5K'],
    [1280, '1.2K'],
    [1536, '1.5K'],
    [1048576, '1M'],
    [5 * 1024 ** 3, '5G'],
  ])('%d → %s', (n, s) => expect(formatByteSize(n)).toBe(s));
});
