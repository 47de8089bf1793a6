// Networking (CONTAINER-LAB §2.2, §2.3): isolated is a network namespace of its own with only a
// loopback that is up; host shares the host's, so a server in the container is reachable on 127.0.0.1.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { bash, collect, sleep, testRootfs, traces, watch } from './helpers.ts';

let rootfs: string;

beforeAll(async () => {
  rootfs = await testRootfs();
}, 900_000);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/hello.txt', timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

// Serves /tmp (with a hello.txt) on 127.0.0.1:PORT and says so once it listens.
const SERVER = (port: number) =>
  `cd /tmp && echo hi from the container > hello.txt && exec python3 -c "
import http.server, socketserver
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
s = socketserver.TCPServer(('127.0.0.1', ${port}), Quiet)
print('listening', flush=True)
s.serve_forever()"`;

describe('network: isolated (default)', () => {
  it('has only `lo`, and it is up', async () => {
    const r = await collect(bash(rootfs, 'ls /sys/class/net; cat /sys/class/net/lo/flags; cat /sys/class/net/lo/operstate'));

    // flags 0x9 = IFF_UP | IFF_LOOPBACK
    expect(r.stdout).toBe('lo\n0x9\nunknown\n');
  });

  it('loopback works inside; the outside world is unreachable', async () => {
    const r = await collect({
      rootfs,
      args: [
        'python3',
        '-c',
        [
          'import socket',
          's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()',
          'c = socket.create_connection(s.getsockname()); a, _ = s.accept(); c.sendall(b"ping"); print(a.recv(4).decode())',
          'try:\n  socket.create_connection(("1.1.1.1", 53), timeout=2)\nexcept OSError as e:\n  print("outside:", e.strerror)',
        ].join('\n'),
      ],
      env: {},
      cwd: '/',
    });

    expect(r.stdout).toBe('ping\noutside: Network is unreachable\n');
  });

  it('a server in it is not reachable from the host', async () => {
    const port = await freePort();
    const w = await watch(bash(rootfs, SERVER(port)));
    await w.printed('listening');

    await expect(get(port)).rejects.toThrow(/ECONNREFUSED/);

    await w.container.stop(2000);
  });
});

describe('network: host', () => {
  it('the host reaches a server in the container on 127.0.0.1, and the port is free again afterwards', async () => {
    const port = await freePort();
    const w = await watch({ ...bash(rootfs, SERVER(port)), network: 'host' });
    await w.printed('listening');

    const res = await get(port);
    await w.container.stop(2000);
    const r = await w.done;

    expect(res).toEqual({ status: 200, body: 'hi from the container\n' });
    expect(r.exitCode).toBe(143);
    expect(traces(w.container.id)).toEqual([]);
    await sleep(50);
    await expect(get(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('sees the host interfaces', async () => {
    const r = await collect({ ...bash(rootfs, 'ls /sys/class/net'), network: 'host' });

    expect(
      r.stdout
        .split('\n')
        .filter((n) => n !== '')
        .sort(),
    ).toEqual(fs.readdirSync('/sys/class/net').sort());
  });
});
