// Buildpack keys, URLs and directories (CONTRACT §2.4, §2.6).
import { createHash } from 'node:crypto';
import { parseGoUrl } from './go/go-url.ts';
import { xxhash64Hex } from './go/xxhash64.ts';

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

/** The error Go's `url.Parse` gives for a key (`parse "<key>": <reason>`), or undefined when it parses. */
export function goUrlParseError(raw: string): string | undefined {
  try {
    parseGoUrl(raw);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
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
