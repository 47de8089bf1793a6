// The credhub URI as Go's `net/url` parses and prints it. The reference client keeps only the scheme,
// user info, host and fragment of the URI and replaces its path and query with the API path
// (CONTRACT §6, quirk Q27); errors and the URL shown in connection errors are Go's texts.
import { GoError } from './go-errors.ts';
import { goStrconvQuote } from './gojson.ts';

export interface GoUrl {
  /** Lower-cased, as Go stores it. */
  scheme: string;
  /** Set for `scheme:opaque` URIs (no `//`); Go then prints the opaque part instead of the path. */
  opaque: string;
  username: string | undefined;
  password: string | undefined;
  /** `host[:port]` after percent-decoding; brackets of IPv6 literals kept. */
  host: string;
  /** The path as written (still escaped); `path` is its decoded form. */
  rawPath: string;
  path: string;
  /** The query as written, without `?`. */
  rawQuery: string;
  /** A `?` with nothing after it survives the path replacement (Go's `ForceQuery`). */
  forceQuery: boolean;
  /** The fragment exactly as written (still escaped). */
  rawFragment: string;
}

/** Go's `url.Parse`; a failure is `parse "<uri>": <reason>`. */
export function parseGoUrl(raw: string): GoUrl {
  const hash = raw.indexOf('#');
  const beforeFragment = hash < 0 ? raw : raw.slice(0, hash);
  const rawFragment = hash < 0 ? '' : raw.slice(hash + 1);
  let url: GoUrl;
  try {
    url = parseWithoutFragment(beforeFragment);
  } catch (err) {
    throw new GoError(`parse ${goStrconvQuote(beforeFragment)}: ${(err as Error).message}`);
  }
  try {
    unescapeUrl(rawFragment, 'fragment');
  } catch (err) {
    throw new GoError(`parse ${goStrconvQuote(raw)}: ${(err as Error).message}`);
  }
  url.rawFragment = rawFragment;
  return url;
}

function parseWithoutFragment(raw: string): GoUrl {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new Error('net/url: invalid control character in URL');
  const url: GoUrl = {
    scheme: '',
    opaque: '',
    username: undefined,
    password: undefined,
    host: '',
    rawPath: '',
    path: '',
    rawQuery: '',
    forceQuery: false,
    rawFragment: '',
  };
  if (raw === '*') return url;
  let rest: string;
  [url.scheme, rest] = splitScheme(raw);
  url.scheme = url.scheme.toLowerCase();
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
    url.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      url.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (url.scheme !== '') {
      url.opaque = rest;
      return url;
    }
    if ((rest.split('/')[0] ?? '').includes(':')) throw new Error('first path segment in URL cannot contain colon');
  }
  if ((url.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    } else {
      rest = '';
    }
    parseAuthority(authority, url);
  }
  url.path = unescapeUrl(rest, 'path');
  url.rawPath = rest;
  return url;
}

function splitScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new Error('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function parseAuthority(authority: string, url: GoUrl): void {
  const at = authority.lastIndexOf('@');
  url.host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return;
  const userinfo = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw new Error('net/url: invalid userinfo');
  const colon = userinfo.indexOf(':');
  if (colon < 0) {
    url.username = unescapeUrl(userinfo, 'userinfo');
  } else {
    url.username = unescapeUrl(userinfo.slice(0, colon), 'userinfo');
    url.password = unescapeUrl(userinfo.slice(colon + 1), 'userinfo');
  }
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new Error("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new Error(`invalid port ${goStrconvQuote(colonPort)} after host`);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0) {
      const colonPort = host.slice(colon);
      if (!validOptionalPort(colonPort)) throw new Error(`invalid port ${goStrconvQuote(colonPort)} after host`);
    }
  }
  return unescapeUrl(host, 'host');
}

function validOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port);
}

type EscapeMode = 'host' | 'userinfo' | 'path' | 'fragment';

// Characters Go refuses in a host name (its shouldEscape(c, encodeHost) for ASCII).
const HOST_CHAR = /[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]/;

/** Go's `url.unescape`: validates and decodes `%XX` escapes. */
function unescapeUrl(s: string, mode: EscapeMode): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`invalid URL escape ${goStrconvQuote(s.slice(i, i + 3))}`);
      // In a host only %25 (and non-ASCII bytes) may be escaped.
      if (mode === 'host' && parseInt(hex[0]!, 16) < 8 && s.slice(i, i + 3) !== '%25') {
        throw new Error(`invalid character ${goStrconvQuote(s.slice(i, i + 3))} in host name`);
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
      continue;
    }
    if (mode === 'host' && c.charCodeAt(0) < 0x80 && !HOST_CHAR.test(c)) {
      throw new Error(`invalid character ${goStrconvQuote(c)} in host name`);
    }
    bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go's `URL.Hostname()` and the port Go dials: the URI's own, or the scheme's default. */
export function hostnameAndPort(url: GoUrl): { hostname: string; port: string } {
  let hostname = url.host;
  let port = '';
  const colon = hostname.lastIndexOf(':');
  if (colon >= 0 && validOptionalPort(hostname.slice(colon))) {
    port = hostname.slice(colon + 1);
    hostname = hostname.slice(0, colon);
  }
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  return { hostname, port: port === '' ? (url.scheme === 'https' ? '443' : '80') : port };
}

/**
 * The URL Go prints for a request to `path`: the credhub URI with its path and query replaced.
 * Go's http client shows a password as `***`.
 */
export function formatRequestUrl(url: GoUrl, path: string): string {
  let out = url.scheme === '' ? '' : `${url.scheme}:`;
  if (url.opaque !== '') {
    out += url.opaque;
  } else {
    if (url.scheme !== '' || url.host !== '' || url.username !== undefined) {
      out += '//';
      if (url.username !== undefined) {
        out += escapeUserinfo(url.username);
        if (url.password !== undefined) out += ':***';
        out += '@';
      }
      out += escapeHost(url.host);
    }
    out += path;
  }
  if (url.forceQuery) out += '?';
  if (url.rawFragment !== '') out += `#${url.rawFragment}`;
  return out;
}

function escapeHost(host: string): string {
  return [...Buffer.from(host, 'utf8')]
    .map((b) => (b >= 0x80 || b === 0x25 ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b)))
    .join('');
}

function escapeUserinfo(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      return b < 0x80 && /[A-Za-z0-9\-_.~$&+,;=]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** Go's `shouldEscape` for the modes `URL.String()` uses on a path and on user info. */
function shouldEscape(c: string, mode: 'path' | 'userinfo'): boolean {
  if (/[A-Za-z0-9\-_.~]/.test(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) return mode === 'path' ? c === '?' : '@/?:'.includes(c);
  return true;
}

function escapeBytes(s: string, mode: 'path' | 'userinfo'): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => (b < 0x80 && !shouldEscape(String.fromCharCode(b), mode) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/** Go's `URL.EscapedPath`: the path as written when that is a valid encoding, else re-escaped. */
function escapedPath(url: GoUrl): string {
  const valid = [...url.rawPath].every((c) => "!$&'()*+,;=:@[]%".includes(c) || (c.charCodeAt(0) < 0x80 && !shouldEscape(c, 'path')));
  return valid ? url.rawPath : escapeBytes(url.path, 'path');
}

/** Go's `URL.String()`: user info re-escaped, the path and query as written when valid. */
export function formatGoUrl(url: GoUrl): string {
  let out = url.scheme === '' ? '' : `${url.scheme}:`;
  if (url.opaque !== '') {
    out += url.opaque;
  } else {
    if (url.scheme !== '' || url.host !== '' || url.username !== undefined) {
      if (url.host !== '' || url.path !== '' || url.username !== undefined) out += '//';
      if (url.username !== undefined) {
        out += escapeBytes(url.username, 'userinfo');
        if (url.password !== undefined) out += `:${escapeBytes(url.password, 'userinfo')}`;
        out += '@';
      }
      out += escapeHost(url.host);
    }
    const path = escapedPath(url);
    if (path !== '' && !path.startsWith('/') && url.host !== '') out += '/';
    out += path;
  }
  if (url.forceQuery || url.rawQuery !== '') out += `?${url.rawQuery}`;
  if (url.rawFragment !== '') out += `#${url.rawFragment}`;
  return out;
}
