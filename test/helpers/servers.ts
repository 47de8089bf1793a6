// Real HTTP(S) servers on 127.0.0.1 for the builder to talk to: a buildpack host that serves zips
// (and, for git's dumb HTTP protocol, a directory) and counts requests, and a CredHub-like server
// implementing `POST /api/v1/interpolate` behind mutual TLS.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';

export interface TlsFiles {
  cert: string;
  key: string;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  /** Subject CN of the client certificate, when one was presented over TLS. */
  clientCN?: string;
}

export type Reply = Buffer | string | { status: number; body?: Buffer | string; headers?: Record<string, string> };

interface Started<S extends http.Server> {
  server: S;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function listen<S extends http.Server>(server: S, onRequest: (req: RecordedRequest, res: http.ServerResponse) => void): Promise<Started<S>> {
  const requests: RecordedRequest[] = [];
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const socket = req.socket as Partial<TLSSocket>;
      const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        clientCN: peer?.subject ? String(peer.subject.CN) : undefined,
      };
      requests.push(recorded);
      onRequest(recorded, res);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        server,
        port,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

function send(res: http.ServerResponse, reply: Reply): void {
  if (Buffer.isBuffer(reply) || typeof reply === 'string') {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.end(reply);
    return;
  }
  res.writeHead(reply.status, reply.headers ?? {});
  res.end(reply.body ?? '');
}

export interface BuildpackServer {
  port: number;
  /** `http(s)://127.0.0.1:<port><pathAndMore>`. */
  url(pathAndMore: string): string;
  requests: RecordedRequest[];
  /** Number of requests whose path (query stripped) is `p`. */
  count(p: string): number;
  /** Sets or replaces what a path answers. */
  route(p: string, reply: Reply): void;
  close(): Promise<void>;
}

/**
 * Serves fixed replies by path (query ignored); any other path is looked up under `staticDir`
 * (for git's dumb HTTP protocol) or answered 404. HTTPS when `tls` is given.
 */
export async function startBuildpackServer(opts: { tls?: TlsFiles; routes?: Record<string, Reply>; staticDir?: string } = {}): Promise<BuildpackServer> {
  const routes = new Map<string, Reply>(Object.entries(opts.routes ?? {}));
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }) : http.createServer();
  const started = await listen(server as http.Server, (req, res) => {
    const p = decodeURIComponent(req.url.split('?')[0] ?? '');
    const reply = routes.get(p);
    if (reply !== undefined) return send(res, reply);
    if (opts.staticDir) {
      const file = path.join(opts.staticDir, path.normalize(p));
      if (file.startsWith(opts.staticDir) && fs.existsSync(file) && fs.statSync(file).isFile()) {
        return send(res, fs.readFileSync(file));
      }
    }
    send(res, { status: 404, body: 'not found\n' });
  });
  const scheme = opts.tls ? 'https' : 'http';
  return {
    port: started.port,
    url: (p) => `${scheme}://127.0.0.1:${started.port}${p}`,
    requests: started.requests,
    count: (p) => started.requests.filter((r) => r.url.split('?')[0] === p).length,
    route: (p, reply) => void routes.set(p, reply),
    close: started.close,
  };
}

export interface CredhubServer {
  port: number;
  /** The URI to put into VCAP_PLATFORM_OPTIONS' `credhub-uri`. */
  uri: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A CredHub stand-in: `POST /api/v1/interpolate` answers whatever `respond` returns for the
 * request (other paths 404). With `tls`, it requires a client certificate signed by `tls.ca`
 * (mutual TLS, as CredHub does with the instance identity credentials); without, plain HTTP.
 */
export async function startCredhubServer(opts: { tls?: TlsFiles & { ca: string }; respond: (req: RecordedRequest) => Reply }): Promise<CredhubServer> {
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' })
    : http.createServer();
  const started = await listen(server as http.Server, (req, res) => {
    if (req.method === 'POST' && req.url.split('?')[0] === '/api/v1/interpolate') return send(res, opts.respond(req));
    send(res, { status: 404, body: '{"error":"not found"}' });
  });
  return {
    port: started.port,
    uri: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${started.port}`,
    requests: started.requests,
    close: started.close,
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`, for HTTPS_PROXY / HTTP_PROXY. */
  url: string;
  /** The `host:port` of every CONNECT request received. */
  connects: string[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy that only tunnels (CONNECT), always to 127.0.0.1 on the port `route` picks for the
 * requested `host:port`; so made-up host names are never resolved and nothing leaves the machine.
 */
export async function startConnectProxy(route: (hostPort: string) => number | undefined): Promise<ConnectProxy> {
  const connects: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push(target);
    const port = route(target);
    if (port === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
