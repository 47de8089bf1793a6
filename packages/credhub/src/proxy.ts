// Proxy selection as Go's `http.ProxyFromEnvironment` does it (CONTRACT §6: "proxy env honoured"):
// HTTPS_PROXY for https, HTTP_PROXY for http (upper case first), NO_PROXY exclusions, and never a
// proxy for localhost or loopback addresses.
import { BlockList, isIP } from 'node:net';
import { goStrconvQuote, hostnameAndPort, parseGoUrl, type GoUrl } from '@cf-lifecycle/contract';
import { GoError } from './errors.ts';

function getEnvAny(env: NodeJS.ProcessEnv, ...names: string[]): string {
  for (const name of names) {
    const value = env[name];
    if (value) return value;
  }
  return '';
}

/** The proxy for a request to `target`, or undefined to connect directly. */
export function proxyFor(target: GoUrl, env: NodeJS.ProcessEnv): GoUrl | undefined {
  let raw: string;
  if (target.scheme === 'https') {
    raw = getEnvAny(env, 'HTTPS_PROXY', 'https_proxy');
  } else {
    raw = getEnvAny(env, 'HTTP_PROXY', 'http_proxy');
    if (raw !== '' && env.REQUEST_METHOD) {
      throw new GoError('refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy');
    }
  }
  if (raw === '') return undefined;
  const { hostname, port } = hostnameAndPort(target);
  if (!useProxy(hostname.toLowerCase(), port, getEnvAny(env, 'NO_PROXY', 'no_proxy'))) return undefined;
  return parseProxy(raw);
}

function parseProxy(raw: string): GoUrl {
  let parsed: GoUrl | undefined;
  let error: Error | undefined;
  try {
    parsed = parseGoUrl(raw);
  } catch (err) {
    error = err as Error;
  }
  if (parsed === undefined || !['http', 'https', 'socks5'].includes(parsed.scheme)) {
    // A bare `host:port` is taken as an http proxy.
    try {
      return parseGoUrl(`http://${raw}`);
    } catch {
      // fall through to the original outcome
    }
  }
  if (parsed === undefined) throw new GoError(`invalid proxy address ${goStrconvQuote(raw)}: ${error?.message ?? ''}`);
  return parsed;
}

function useProxy(host: string, port: string, noProxy: string): boolean {
  if (host === '') return true;
  if (host === 'localhost') return false;
  const ipVersion = isIP(host);
  if (ipVersion !== 0 && isLoopback(host, ipVersion)) return false;

  for (let entry of noProxy.split(',')) {
    entry = entry.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return false;
    const cidr = /^(.+)\/(\d+)$/.exec(entry);
    if (cidr && isIP(cidr[1]!) !== 0) {
      if (ipVersion !== 0) {
        const list = new BlockList();
        const family = isIP(cidr[1]!) === 6 ? 'ipv6' : 'ipv4';
        list.addSubnet(cidr[1]!, Number(cidr[2]), family);
        if (list.check(host, ipVersion === 6 ? 'ipv6' : 'ipv4')) return false;
      }
      continue;
    }
    let entryHost = entry;
    let entryPort = '';
    const hostPort = /^(\[[^\]]*\]|[^:]*):(\d*)$/.exec(entry);
    if (hostPort) {
      entryHost = hostPort[1]!.replace(/^\[(.*)\]$/, '$1');
      entryPort = hostPort[2]!;
      if (entryHost === '') continue;
    }
    if (isIP(entryHost) !== 0) {
      if (ipVersion !== 0 && sameIp(entryHost, host) && (entryPort === '' || entryPort === port)) return false;
      continue;
    }
    // `example.com` matches it and its subdomains; `.example.com` and `*.example.com` only subdomains.
    if (entryHost.startsWith('*.')) entryHost = entryHost.slice(1);
    const matchHost = !entryHost.startsWith('.');
    if (matchHost) entryHost = `.${entryHost}`;
    if ((host.endsWith(entryHost) || (matchHost && host === entryHost.slice(1))) && (entryPort === '' || entryPort === port)) {
      return false;
    }
  }
  return true;
}

function isLoopback(ip: string, version: number): boolean {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  return list.check(ip, version === 6 ? 'ipv6' : 'ipv4');
}

function sameIp(a: string, b: string): boolean {
  const list = new BlockList();
  list.addAddress(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
  return list.check(b, isIP(b) === 6 ? 'ipv6' : 'ipv4');
}
