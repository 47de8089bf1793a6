// One POST to credhub, as the reference's Go http client makes it (CONTRACT §6 step 4): mutual TLS
// ≥ 1.2 for https, plain HTTP for http, proxy from the environment, one 45 s deadline for connecting,
// sending and reading. Redirects are not followed (Go would follow them; credhub does not send any).
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { goStrconvQuote, formatRequestUrl, hostnameAndPort, type GoUrl } from '@cf-lifecycle/contract';
import type { CredhubClient } from './client.ts';
import { GoError } from './errors.ts';
import { goCheckServerIdentity, goNetErrorText, joinHostPort, type ConnectionFacts } from './net-errors.ts';
import { proxyFor } from './proxy.ts';

export interface PostRequest {
  client: CredhubClient;
  path: string;
  body: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** The most of the answer's body that is read; beyond it the connection is closed. */
  maxBodyBytes: number;
}

export interface PostResponse {
  status: number;
  body: string;
  /** Go's text for a failure while reading the body (the body then holds what arrived). */
  bodyError?: string;
  /** The body was longer than `maxBodyBytes` (declared or as it arrived); `body` is then empty. */
  tooLarge?: true;
}

const AWAITING_HEADERS_TIMEOUT = 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
const READING_BODY_TIMEOUT = 'context deadline exceeded (Client.Timeout or context cancellation while reading body)';

/**
 * Sends the request. A failure before the response headers throws a GoError with Go's
 * `Post "<url>": <reason>` text; a failure while reading the body is reported in the response.
 */
export async function postJson(request: PostRequest): Promise<PostResponse> {
  const { url } = request.client;
  const fail = (reason: string) => new GoError(`Post ${goStrconvQuote(formatRequestUrl(url, request.path))}: ${reason}`);

  if (url.scheme !== 'http' && url.scheme !== 'https') throw fail(`unsupported protocol scheme ${goStrconvQuote(url.scheme)}`);
  if (url.opaque !== '' || url.host === '') throw fail('http: no Host in request URL');
  const { hostname, port } = hostnameAndPort(url);
  if (Number(port) > 65535) throw fail(`dial tcp: address ${port}: invalid port`);

  let proxy: GoUrl | undefined;
  try {
    proxy = proxyFor(url, request.env);
  } catch (err) {
    throw fail((err as Error).message);
  }
  if (proxy !== undefined && proxy.scheme === 'socks5') {
    // The reference dials SOCKS5 proxies itself; this client does not implement SOCKS.
    throw fail('proxyconnect tcp: SOCKS5 proxies are not supported');
  }

  const facts: ConnectionFacts = { hostname, tls: url.scheme === 'https', responded: false };
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), request.timeoutMs);
  try {
    let tunnel: Socket | undefined;
    if (proxy !== undefined && url.scheme === 'https') {
      try {
        tunnel = await connectTunnel(proxy, joinHostPort(hostname, port), request.client, deadline.signal);
      } catch (err) {
        if (deadline.signal.aborted) throw fail(AWAITING_HEADERS_TIMEOUT);
        throw fail(err instanceof GoError ? err.message : `proxyconnect tcp: ${goNetErrorText(err, { ...facts, tls: false })}`);
      }
    }
    return await exchange(request, hostname, port, proxy, tunnel, facts, deadline.signal, fail);
  } finally {
    clearTimeout(timer);
  }
}

function tlsOptions(client: CredhubClient): tls.ConnectionOptions {
  return {
    ca: client.ca,
    cert: client.clientKeyPair.certChain,
    key: client.clientKeyPair.key,
    minVersion: 'TLSv1.2',
  };
}

function serverName(hostname: string): string | undefined {
  // Go sends no SNI for an IP address; Node refuses an IP as server name.
  return isIP(hostname) === 0 ? hostname : undefined;
}

function proxyAuthorization(proxy: GoUrl): Record<string, string> {
  if (proxy.username === undefined) return {};
  const credentials = Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64');
  return { 'Proxy-Authorization': `Basic ${credentials}` };
}

/** Opens a CONNECT tunnel through an http (or https) proxy; the resolved socket is the raw tunnel. */
function connectTunnel(proxy: GoUrl, authority: string, client: CredhubClient, signal: AbortSignal): Promise<Socket> {
  const { hostname, port } = hostnameAndPort(proxy);
  return new Promise((resolve, reject) => {
    const options: http.RequestOptions = {
      host: hostname,
      port: Number(port),
      method: 'CONNECT',
      path: authority,
      headers: { Host: authority, ...proxyAuthorization(proxy) },
      signal,
    };
    if (proxy.scheme === 'https') {
      options.createConnection = () =>
        tls.connect({
          ...tlsOptions(client),
          host: hostname,
          port: Number(port),
          servername: serverName(hostname),
          checkServerIdentity: goCheckServerIdentity,
        });
    } else {
      options.agent = false;
    }
    const req = http.request(options);
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) {
        resolve(socket);
        return;
      }
      socket.destroy();
      // Go reports the status text of a refused CONNECT, e.g. `Forbidden`.
      reject(new GoError(res.statusMessage || 'unknown status code'));
    });
    req.once('error', reject);
    req.end();
  });
}

function exchange(
  request: PostRequest,
  hostname: string,
  port: string,
  proxy: GoUrl | undefined,
  tunnel: Socket | undefined,
  facts: ConnectionFacts,
  signal: AbortSignal,
  fail: (reason: string) => GoError,
): Promise<PostResponse> {
  const { url } = request.client;
  const headers: Record<string, string> = {
    Host: url.host,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(request.body)),
  };
  if (url.username !== undefined) {
    // Go's client sends user info from the URL as basic authentication.
    headers.Authorization = `Basic ${Buffer.from(`${url.username}:${url.password ?? ''}`).toString('base64')}`;
  }

  let options: https.RequestOptions;
  if (url.scheme === 'https') {
    options = {
      ...tlsOptions(request.client),
      host: hostname,
      port: Number(port),
      servername: serverName(hostname),
      checkServerIdentity: goCheckServerIdentity,
    };
    if (tunnel !== undefined) {
      const socket = tunnel;
      options.createConnection = () =>
        tls.connect({ ...tlsOptions(request.client), socket, host: hostname, servername: serverName(hostname), checkServerIdentity: goCheckServerIdentity });
    }
  } else if (proxy !== undefined) {
    // Plain http through a proxy: the request goes to the proxy with the absolute URL.
    const proxyAddress = hostnameAndPort(proxy);
    options = { host: proxyAddress.hostname, port: Number(proxyAddress.port), path: `http://${url.host}${request.path}` };
    Object.assign(headers, proxyAuthorization(proxy));
    if (proxy.scheme === 'https') {
      options.createConnection = () =>
        tls.connect({
          ...tlsOptions(request.client),
          host: proxyAddress.hostname,
          port: Number(proxyAddress.port),
          servername: serverName(proxyAddress.hostname),
          checkServerIdentity: goCheckServerIdentity,
        });
    }
  } else {
    options = { host: hostname, port: Number(port) };
  }
  options.path ??= request.path + (url.forceQuery ? '?' : '');
  // A fresh connection per request; `createConnection` is honoured only without an agent.
  Object.assign(options, { method: 'POST', headers, signal }, options.createConnection ? {} : { agent: false });

  return new Promise((resolve, reject) => {
    const send = url.scheme === 'https' ? https.request : http.request;
    const req = send(options, (res) => {
      facts.responded = true;
      const chunks: Buffer[] = [];
      let received = 0;
      let settled = false;
      const finish = (bodyError?: string) => {
        if (settled) return;
        settled = true;
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body, ...(bodyError === undefined ? {} : { bodyError }) });
      };
      // An answer larger than the cap is dropped unread rather than held (docs/security.md): nothing
      // of it is kept, and the connection is closed.
      const refuse = () => {
        if (settled) return;
        settled = true;
        chunks.length = 0;
        res.destroy();
        resolve({ status: res.statusCode ?? 0, body: '', tooLarge: true });
      };
      if (Number(res.headers['content-length'] ?? 0) > request.maxBodyBytes) {
        refuse();
        return;
      }
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > request.maxBodyBytes) refuse();
        else chunks.push(chunk);
      });
      res.on('end', () => finish());
      res.on('error', () => finish(signal.aborted ? READING_BODY_TIMEOUT : 'unexpected EOF'));
      res.on('close', () => finish(signal.aborted ? READING_BODY_TIMEOUT : 'unexpected EOF'));
    });
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        if (socket.localAddress && socket.remoteAddress) {
          facts.localAddress = joinHostPort(socket.localAddress, socket.localPort ?? 0);
          facts.remoteAddress = joinHostPort(socket.remoteAddress, socket.remotePort ?? 0);
        }
      });
    });
    req.on('error', (err) => {
      if (facts.responded) return; // the response handlers report it
      if (signal.aborted) reject(fail(AWAITING_HEADERS_TIMEOUT));
      else
        reject(
          fail(
            proxy !== undefined && url.scheme === 'http' && isDialError(err) ? `proxyconnect tcp: ${goNetErrorText(err, facts)}` : goNetErrorText(err, facts),
          ),
        );
    });
    req.end(request.body);
  });
}

function isDialError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return e.syscall === 'connect' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN';
}
