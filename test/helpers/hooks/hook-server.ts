// A hook receiver on 127.0.0.1, as an operator would write one: it verifies the HMAC signature
// with its copy of the secret (refusing a bad one with 401) and answers per path.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { SIGNATURE_HEADER, verifySignature } from '@cf-lifecycle/hooks';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Whether the signature matched the receiver's secret. */
  verified: boolean;
}

export type Respond = (req: Received, res: http.ServerResponse) => void;

export interface HookServer {
  url(p: string): string;
  received: Received[];
  close(): Promise<void>;
}

export async function startHookServer(opts: { secret: string; tls?: { cert: string; key: string }; routes: Record<string, Respond> }): Promise<HookServer> {
  const received: Received[] = [];
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }) : http.createServer();
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = req.headers[SIGNATURE_HEADER.toLowerCase()];
      const r: Received = {
        path: req.url ?? '',
        headers: req.headers,
        body: body.toString('utf8'),
        verified: verifySignature(body, typeof header === 'string' ? header : undefined, opts.secret),
      };
      received.push(r);
      if (!r.verified) {
        res.writeHead(401, { 'Content-Type': 'text/plain' });
        res.end('bad signature\n');
        return;
      }
      const route = opts.routes[r.path];
      if (!route) {
        res.writeHead(404);
        res.end();
        return;
      }
      route(r, res);
    });
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: (p) => `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}${p}`,
    received,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

export const json =
  (status: number, value: unknown): Respond =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(value));
  };
