// The healthcheck's single check (ANCHORS §1.2, docs/healthcheck.md "Checks"), seen through the built
// `dist/lifecycle/healthcheck`: a TCP port, a Unix socket, an HTTP endpoint.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Resources, closedPort, httpServer, respond, runHealthcheck, tcpServer, unixServer } from './helpers.ts';

const res = new Resources();
afterEach(() => res.closeAll());

describe('port check over TCP (no -uri)', () => {
  it('exits 0, silently, when the port accepts a connection', async () => {
    const server = await tcpServer(res);
    const result = await runHealthcheck([`-port=${server.port}`]);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(server.connections).toBe(1);
  });

  it('exits 4 and says "connection refused" when nothing listens on the port', async () => {
    const port = await closedPort();
    const result = await runHealthcheck([`-port=${port}`]);
    expect(result.code).toBe(4);
    // Diego's wording, printed without a trailing newline: it becomes the crash reason verbatim.
    expect(result.stdout).toBe(`Failed to make TCP connection to port ${port}: connection refused`);
    expect(result.stderr).toBe('');
  });

  it('exits 4 and says "invalid port" when -port is not a port number', async () => {
    const result = await runHealthcheck(['-port=http-ish']);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('Failed to make TCP connection to port http-ish: invalid port');
  });

  it('exits 4 for a network it does not dial', async () => {
    const result = await runHealthcheck(['-network=udp', '-port=9']);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('Failed to make udp connection to port 9: unknown network udp');
  });
});

describe('port check over a Unix socket (-network=unix, -port is the socket path)', () => {
  it('exits 0 when the socket accepts a connection', async () => {
    const socket = path.join(res.tempDir(), 'app.sock');
    const server = await unixServer(res, socket);
    const result = await runHealthcheck(['-network=unix', `-port=${socket}`]);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(server.connections).toBe(1);
  });

  it('exits 4 and names the socket when it does not exist', async () => {
    const socket = path.join(res.tempDir(), 'missing.sock');
    const result = await runHealthcheck(['-network=unix', `-port=${socket}`]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe(`Failed to make Unix socket connection to ${socket}: no such file or directory`);
  });

  it('resolves a relative socket path against the working directory', async () => {
    const dir = res.tempDir();
    await unixServer(res, path.join(dir, 'rel.sock'));
    expect((await runHealthcheck(['-network=unix', '-port=rel.sock'], { cwd: dir })).code).toBe(0);
  });
});

describe('HTTP check (-uri): GET http://127.0.0.1:<port><uri>, healthy on 2xx', () => {
  it("exits 0 on 200, sending Diego's headers", async () => {
    const server = await httpServer(res, respond(200, 'ok'));
    const result = await runHealthcheck([`-port=${server.port}`, '-uri=/health?probe=1']);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      method: 'GET',
      url: '/health?probe=1',
      headers: { 'user-agent': 'diego-healthcheck', 'x-forwarded-proto': 'https', host: `127.0.0.1:${server.port}` },
    });
  });

  it('exits 6 on 500, with the status and the time it took in the message', async () => {
    const server = await httpServer(res, respond(500, 'boom'));
    const result = await runHealthcheck([`-port=${server.port}`, '-uri=/health']);
    expect(result.code).toBe(6);
    expect(result.stdout).toMatch(new RegExp(`^Failed to make HTTP request to '/health' on port ${server.port}: received status code 500 in \\d+ms$`));
  });

  it('exits 0 on any 2xx (204 No Content is healthy)', async () => {
    const server = await httpServer(res, respond(204));
    const result = await runHealthcheck([`-port=${server.port}`, '-uri=/health']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
  });

  it('exits 6 on a 3xx that is not followed to a 2xx, and on 4xx', async () => {
    const server = await httpServer(res, respond(404));
    const result = await runHealthcheck([`-port=${server.port}`, '-uri=/health']);
    expect(result.code).toBe(6);
    expect(result.stdout).toContain('received status code 404 in');
  });

  it('follows redirects, and the final answer decides', async () => {
    const server = await httpServer(res, (req, reply) => {
      if (req.url === '/health') reply.writeHead(302, { Location: '/health/' }).end();
      else respond(200)(req, reply);
    });
    const result = await runHealthcheck([`-port=${server.port}`, '-uri=/health']);
    expect(result.code).toBe(0);
    expect(server.requests.map((r) => r.url)).toEqual(['/health', '/health/']);
  });

  it('exits 5 after 10 redirects', async () => {
    const server = await httpServer(res, (_req, reply) => reply.writeHead(301, { Location: '/again' }).end());
    const result = await runHealthcheck([`-port=${server.port}`, '-uri=/loop']);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe(`Failed to make HTTP request to '/loop' on port ${server.port}: stopped after 10 redirects`);
    expect(server.requests).toHaveLength(11);
  });

  it('exits 65 when the server never answers within -timeout', async () => {
    const server = await httpServer(res, () => {}); // accepts, reads the request, never replies
    const result = await runHealthcheck([`-port=${server.port}`, '-uri=/slow', '-timeout=300ms']);
    expect(result.code).toBe(65);
    expect(result.stdout).toBe(`Failed to make HTTP request to '/slow' on port ${server.port}: timed out after 0.30 seconds`);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(300);
    expect(result.elapsedMs).toBeLessThan(5000);
  });

  it('decides on the status even when the body takes longer than -timeout', async () => {
    const server = await httpServer(res, (_req, reply) => {
      reply.writeHead(200);
      reply.write('partial'); // and never ends
    });
    const result = await runHealthcheck([`-port=${server.port}`, '-uri=/streaming', '-timeout=300ms']);
    expect(result.code).toBe(0);
  });

  it('exits 5 and says "connection refused" when nothing listens', async () => {
    const port = await closedPort();
    const result = await runHealthcheck([`-port=${port}`, '-uri=/health']);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe(`Failed to make HTTP request to '/health' on port ${port}: connection refused`);
  });

  it('exits 5 when the server closes the connection without answering', async () => {
    const server = await httpServer(res, (req) => req.socket.destroy());
    const result = await runHealthcheck([`-port=${server.port}`, '-uri=/health']);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe(`Failed to make HTTP request to '/health' on port ${server.port}: server closed the connection without a response`);
  });

  it('exits 6 when -uri does not make a request (no leading slash), without connecting', async () => {
    const server = await httpServer(res, respond(200));
    const result = await runHealthcheck([`-port=${server.port}`, '-uri=health']);
    expect(result.code).toBe(6);
    expect(result.stdout).toBe(`Failed to create an HTTP request to 'health' on port ${server.port}`);
    expect(server.connections).toBe(0);
  });

  describe('over a Unix socket', () => {
    it('exits 0 on 200 and 6 on 503', async () => {
      const socket = path.join(res.tempDir(), 'web.sock');
      let status = 200;
      const server = await httpServer(res, (req, reply) => respond(status)(req, reply), { path: socket });
      expect((await runHealthcheck(['-network=unix', `-port=${socket}`, '-uri=/ready'])).code).toBe(0);
      status = 503;
      const failed = await runHealthcheck(['-network=unix', `-port=${socket}`, '-uri=/ready']);
      expect(failed.code).toBe(6);
      expect(failed.stdout).toMatch(new RegExp(`^Failed to make HTTP request to '/ready' on socket ${socket}: received status code 503 in \\d+ms$`));
      expect(server.requests.map((r) => r.url)).toEqual(['/ready', '/ready']);
    });
  });
});
