// Buildpack keys, URLs and directories (CONTRACT §2.4, §2.6).
import { createHash } from 'node:crypto';
import { xxhash64Hex } from './xxhash64.ts';

/** A key is a URL iff it starts with a URL scheme: a letter, then letters, digits, `+`, `-`, `.`, then `:` (quirk Q16 kept). */
export function isUrlKey(key: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(key);
}

export function md5Hex(key: string): string {
  return createHash('md5').update(key, 'utf8').digest('hex');
}

/** Primary (`<base>/<xxhash64>`) and legacy (`<base>/<md5>`) directories of a key; `<base>` depends on URL-ness. */
export function buildpackDirs(key: string, buildpacksDir: string, downloadDir: string): { primary: string; legacy: string } {
  const base = isUrlKey(key) ? downloadDir : buildpacksDir;
  return { primary: `${base}/${xxhash64Hex(key)}`, legacy: `${base}/${md5Hex(key)}` };
}

/**
 * The error Go's `url.Parse` gives for a key, rendered as `parse "<key>": <reason>`, or undefined when
 * it parses. Only the rules that keys meet in practice: control characters, a missing scheme, a colon
 * in the first segment of a relative reference, invalid `%` escapes, bad ports.
 */
export function goUrlParseError(raw: string): string | undefined {
  const fail = (reason: string) => `parse ${JSON.stringify(raw)}: ${reason}`;
  if (/[\x00-\x1f\x7f]/.test(raw)) return fail('net/url: invalid control character in URL');
  const hash = raw.indexOf('#');
  const beforeFragment = hash >= 0 ? raw.slice(0, hash) : raw;
  if (hash >= 0) {
    const bad = invalidEscape(raw.slice(hash + 1));
    if (bad) return fail(`invalid URL escape ${JSON.stringify(bad)}`);
  }
  if (beforeFragment === '*') return undefined;
  let rest = beforeFragment;
  let scheme = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ':') {
      if (i === 0) return fail('missing protocol scheme');
      scheme = rest.slice(0, i);
      rest = rest.slice(i + 1);
    }
    break;
  }
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (scheme !== '' && !rest.startsWith('/')) return undefined; // opaque: not unescaped
  if (scheme === '') {
    const slash = rest.indexOf('/');
    const first = slash >= 0 ? rest.slice(0, slash) : rest;
    if (first.includes(':')) return fail('first path segment in URL cannot contain colon');
  }
  let path = rest;
  if ((scheme !== '' || rest.startsWith('//')) && rest.startsWith('//')) {
    const authEnd = rest.indexOf('/', 2);
    const authority = authEnd >= 0 ? rest.slice(2, authEnd) : rest.slice(2);
    path = authEnd >= 0 ? rest.slice(authEnd) : '';
    const at = authority.lastIndexOf('@');
    const host = at >= 0 ? authority.slice(at + 1) : authority;
    const userinfo = at >= 0 ? authority.slice(0, at) : '';
    if (userinfo && !/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return fail('net/url: invalid userinfo');
    const badUser = invalidEscape(userinfo);
    if (badUser) return fail(`invalid URL escape ${JSON.stringify(badUser)}`);
    const badHost = invalidEscape(host);
    if (badHost) return fail(`invalid URL escape ${JSON.stringify(badHost)}`);
    const portMatch = /^(\[[^\]]*\]|[^:]*)(:.*)?$/.exec(host);
    const port = portMatch?.[2];
    if (port !== undefined && !/^:[0-9]*$/.test(port)) return fail(`invalid port ${JSON.stringify(port)} after host`);
  }
  const badPath = invalidEscape(path);
  if (badPath) return fail(`invalid URL escape ${JSON.stringify(badPath)}`);
  return undefined;
}

/** The first invalid `%` escape in `s` as Go reports it (`%zz`, or the shorter tail at the end). */
function invalidEscape(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') continue;
    const hex = s.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return s.slice(i, i + 3);
    i += 2;
  }
  return undefined;
}

/** Zip buildpacks: the URL's decoded path ends in `.zip` (query and fragment ignored; CONTRACT §2.6). */
export function isZipUrl(url: string): boolean {
  let rest = url;
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  let path = rest.replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, '');
  if (path.startsWith('//')) {
    const slash = path.indexOf('/', 2);
    path = slash >= 0 ? path.slice(slash) : '';
  }
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep the raw path; an undecodable path was already rejected by goUrlParseError
  }
  return path.endsWith('.zip');
}

/** The URL without its fragment, and the fragment (the git branch or tag). */
export function splitFragment(url: string): { base: string; fragment: string } {
  const hash = url.indexOf('#');
  return hash >= 0 ? { base: url.slice(0, hash), fragment: url.slice(hash + 1) } : { base: url, fragment: '' };
}
