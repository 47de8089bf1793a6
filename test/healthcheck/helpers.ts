// Helpers for the healthcheck tests: run the built `dist/lifecycle/healthcheck` as a process, and real
// servers on 127.0.0.1 (TCP, Unix socket, HTTP) for it to check.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const HEALTHCHECK = path.resolve(import.meta.dirname, '..', '..', 'dist', 'lifecycle', 'healthcheck');

export interface HealthcheckRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  elapsedMs: number;
}

/** A running healthcheck: `done` settles when it exits (killed after `killAfterMs` at the latest). */
export interface Started {
  child: ChildProcess;
  done: Promise<HealthcheckRun>;
  /** Whether it is still running. */
  running(): boolean;
}

export function startHealthcheck(args: readonly string[], opts: { cwd?: string; killAfterMs?: number } = {}): Started {
  const started = performance.now();
  const child = spawn(HEALTHCHECK, args, { cwd: opts.cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<HealthcheckRun>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 30_000);
    child.on('error', reject);
    child.on('exit', () => (exited = true));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
  return { child, done, running: () => !exited };
}

export function runHealthcheck(args: readonly string[], opts: { cwd?: string; killAfterMs?: number } = {}): Promise<HealthcheckRun> {
  return startHealthcheck(args, opts).done;
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resources a test opened; `closeAll()` in afterEach closes every one of them. */
export class Resources {
  private readonly closers: (() => Promise<void> | void)[] = [];

  add(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }

  /** A temporary directory, removed by `closeAll()`. Short, so socket paths stay under 108 bytes. */
  tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hc-'));
    this.add(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** Kills a healthcheck that a failing test left running. */
  process(started: Started): Started {
    this.add(async () => {
      if (started.running()) started.child.kill('SIGKILL');
      await started.done;
    });
    return started;
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close();
  }
}

/** A server the tests can stop at any time, with the connections it accepted. */
export interface TestServer {
  connections: number;
  close(): Promise<void>;
}

function closable(server: net.Server, res: Resources): TestServer & { sockets: Set<net.Socket> } {
  const sockets = new Set<net.Socket>();
  const handle = {
    connections: 0,
    sockets,
    close: (): Promise<void> =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (s: net.Socket) => {
    handle.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  res.add(handle.close);
  return handle;
}

function listenOn(server: net.Server, where: { port: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if ('path' in where) server.listen(where.path, () => resolve());
    else server.listen(where.port, '127.0.0.1', () => resolve());
  });
}

/** A TCP server on 127.0.0.1 that accepts connections and closes them. */
export async function tcpServer(res: Resources, port = 0): Promise<TestServer & { port: number }> {
  const server = net.createServer((s) => s.end());
  const handle = closable(server, res);
  await listenOn(server, { port });
  return Object.assign(handle, { port: (server.address() as net.AddressInfo).port });
}

/** A Unix socket server at `socketPath` that accepts connections and closes them. */
export async function unixServer(res: Resources, socketPath: string): Promise<TestServer> {
  const server = net.createServer((s) => s.end());
  const handle = closable(server, res);
  await listenOn(server, { path: socketPath });
  return handle;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** An HTTP server (on 127.0.0.1, or on a Unix socket) answering with `handler`; records requests. */
export async function httpServer(
  res: Resources,
  handler: (req: http.IncomingMessage, reply: http.ServerResponse) => void,
  where: { port?: number; path?: string } = {},
): Promise<TestServer & { port: number; requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, reply) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, reply);
  });
  const handle = closable(server, res);
  await listenOn(server, where.path !== undefined ? { path: where.path } : { port: where.port ?? 0 });
  const address = server.address();
  return Object.assign(handle, { port: typeof address === 'object' && address ? address.port : 0, requests });
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await listenOn(server, { port: 0 });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Replies with `status` and a small body. */
export const respond =
  (status: number, body = '') =>
  (_req: http.IncomingMessage, reply: http.ServerResponse): void => {
    reply.writeHead(status, { 'Content-Type': 'text/plain' });
    reply.end(body);
  };
