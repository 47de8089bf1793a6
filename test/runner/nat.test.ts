// network 'nat' (packages/runner/src/network.ts): a namespace of the container's own with outbound
// access through slirp4netns, no way to the host's loopback or its abstract unix sockets, DNS through
// slirp's resolver; its helper processes never outlive the container, whatever ends it. And for every
// network mode: `exited` resolves only once no process of the container is left, not even one that
// left its session (setsid) to survive.
import { spawn } from 'node:child_process';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupStale } from '@cf-lifecycle/runner';
import { bash, collect, holderPath, removeHolder, startHolder, stopHolders, testRootfs, traces, tracesAfter, watch } from './helpers.ts';

let rootfs: string;
let external: string;
const servers: net.Server[] = [];

/** The host's first non-loopback IPv4 address: what "outbound" reaches without leaving the machine. */
function externalAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this host has no non-loopback IPv4 address: the NAT tests need one to connect to');
}

/** A TCP server that answers `hello from <name>` to each connection. */
async function listen(where: { host: string; port?: number } | { path: string }, name: string): Promise<number> {
  const server = net.createServer((s) => s.end(`hello from ${name}\n`));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen('path' in where ? where.path : { host: where.host, port: where.port ?? 0 }, resolve));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

beforeAll(async () => {
  rootfs = await testRootfs();
  external = externalAddress();
  await holderPath();
}, 900_000);

afterEach(async () => {
  await stopHolders();
});

afterAll(async () => {
  for (const s of servers) s.close();
  await cleanupStale();
  await removeHolder();
});

// Connects to each target and prints `<label>: <first line of the answer | the error>`. An abstract
// unix socket is a path starting with '@'.
const PROBE = `
import socket, sys
for label, target in zip(sys.argv[1::2], sys.argv[2::2]):
    try:
        if target.startswith('@'):
            s = socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect('\\0' + target[1:])
        else:
            host, port = target.rsplit(':', 1); s = socket.create_connection((host, int(port)), timeout=3)
        print(label + ': ' + s.makefile().readline().strip())
    except OSError as e:
        print(label + ': ' + (e.strerror or type(e).__name__))
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const SOURCE_ADDRESS = "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(('1.1.1.1', 53)); print(s.getsockname()[0])";

describe("network: 'nat'", () => {
  it('has lo and tap0 (10.0.2.100/24), a default route through 10.0.2.2 and slirp4netns as its resolver', async () => {
    const r = await collect({
      // The source address of a route out (a UDP connect sends nothing).
      ...bash(rootfs, `ls /sys/class/net; cat /etc/resolv.conf; python3 -c "${SOURCE_ADDRESS}"`),
      network: 'nat',
    });

    expect(r.stdout).toBe('lo\ntap0\nnameserver 10.0.2.3\n10.0.2.100\n');
    expect(r.exitCode).toBe(0);
  });

  it("reaches the host's non-loopback address; not its 127.0.0.1 (directly or through the gateway), not its abstract unix socket", async () => {
    const loopPort = await listen({ host: '127.0.0.1' }, 'the host loopback');
    const extPort = await listen({ host: external }, 'the host address');
    const abstract = `@cfl-nat-test-${process.pid}`;
    await listen({ path: `\0${abstract.slice(1)}` }, 'the abstract socket');
    const targets = ['external', `${external}:${extPort}`, 'loopback', `127.0.0.1:${loopPort}`, 'gateway', `10.0.2.2:${loopPort}`, 'abstract', abstract];

    const nat = await collect({ rootfs, args: ['python3', '-c', PROBE, ...targets], env: {}, cwd: '/', network: 'nat' });
    const host = await collect({ rootfs, args: ['python3', '-c', PROBE, ...targets], env: {}, cwd: '/', network: 'host' });

    expect(nat.stdout.split('\n')).toEqual([
      'external: hello from the host address',
      'loopback: Connection refused',
      'gateway: Network is unreachable',
      'abstract: Connection refused',
      '',
    ]);
    // The same probe with the host's network: every server is there, so the refusals above are the NAT's.
    expect(host.stdout.split('\n')).toEqual([
      'external: hello from the host address',
      'loopback: hello from the host loopback',
      'gateway: Network is unreachable',
      'abstract: hello from the abstract socket',
      '',
    ]);
  });

  it('resolves names through slirp4netns, as the host does', async () => {
    const name = 'registry.npmjs.org';
    const want = (await dns.lookup(name, { family: 4, all: true })).map((a) => a.address).sort();

    const lookup = `import socket; print(" ".join(sorted({a[4][0] for a in socket.getaddrinfo("${name}", 443, socket.AF_INET)})))`;
    const r = await collect({ rootfs, args: ['python3', '-c', lookup], env: {}, cwd: '/', network: 'nat' });

    expect(r.stdout.trim().split(' ')).toEqual(want);
  });

  it('its helpers are gone once the container ended, failed or was stopped', async () => {
    const ok = await watch({ ...bash(rootfs, 'exit 0'), network: 'nat' });
    const failed = await watch({ ...bash(rootfs, 'exit 3'), network: 'nat' });
    const stopped = await watch({ ...bash(rootfs, 'echo ready; exec sleep 100'), network: 'nat' });
    const helpers = [ok, failed, stopped].map((w) => w.container.networkHelpers);
    expect(helpers.map((h) => h.length)).toEqual([2, 2, 2]);
    await stopped.printed('ready');
    expect(helpers[2]!.every(alive)).toBe(true);

    await stopped.container.stop(1000);
    const results = await Promise.all([ok.done, failed.done, stopped.done]);

    expect(results.map((r) => r.exitCode)).toEqual([0, 3, 143]);
    expect(helpers.flat().filter(alive)).toEqual([]);
    for (const w of [ok, failed, stopped]) expect(traces(w.container.id)).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s to the process that started it: container and helpers gone', async (signal) => {
    const h = await startHolder([{ ...bash(rootfs, 'sleep 100'), network: 'nat' }]);
    const [id] = await h.ids;
    expect(traces(id!).some((t) => t.includes(`cfl-nat-${id}`))).toBe(true);

    h.child.kill(signal);
    await h.done;

    expect(await tracesAfter(id!)).toEqual([]);
  });

  it('SIGKILL of the process that started it: the helpers end on their own, cleanupStale() removes the rest', async () => {
    const h = await startHolder([{ ...bash(rootfs, 'sleep 100'), network: 'nat' }]);
    const [id] = await h.ids;
    const helpers = traces(id!).filter((t) => t.includes(`cfl-nat-${id}`));
    expect(helpers).toHaveLength(2); // the namespace holder and slirp4netns, both labelled with the id

    h.child.kill('SIGKILL');
    await h.exit;
    const removed = await cleanupStale();

    expect(removed).toContain(id);
    expect(await tracesAfter(id!)).toEqual([]);
  });
});

describe('cleanupStale() and NAT helpers', () => {
  it("kills the helpers a dead runner's bundle records, and never a process that merely reuses a recorded pid", async () => {
    const { BUNDLE_PREFIX } = await import('@cf-lifecycle/runner');
    const { processStartTime } = await import('../../packages/runner/src/host.ts');
    const helper = spawn('sleep', ['100'], { detached: true, stdio: 'ignore' });
    const bystander = spawn('sleep', ['100'], { detached: true, stdio: 'ignore' });
    const bundle = fs.mkdtempSync(path.join(os.tmpdir(), `${BUNDLE_PREFIX}cfl-test-natdebris-${process.pid}-`));
    try {
      // The runner that made this bundle is gone (a pid that cannot be alive with this start time).
      fs.writeFileSync(path.join(bundle, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 1, startTime: '1' }));
      fs.writeFileSync(
        path.join(bundle, 'network.json'),
        JSON.stringify({
          helpers: [
            { pid: helper.pid, startTime: processStartTime(helper.pid!), role: 'slirp4netns' },
            // Same pid as a live process, but not the start time recorded: someone else's now.
            { pid: bystander.pid, startTime: '1', role: 'holder' },
          ],
        }),
      );
      const exited = new Promise((resolve) => helper.once('exit', (_code, signal) => resolve(signal)));

      await cleanupStale();

      expect(await exited).toBe('SIGKILL');
      expect(alive(bystander.pid!)).toBe(true);
      expect(fs.existsSync(bundle)).toBe(false);
    } finally {
      helper.kill('SIGKILL');
      bystander.kill('SIGKILL');
      fs.rmSync(bundle, { recursive: true, force: true });
    }
  });
});

describe('every network mode: no process of the container outlives `exited`', () => {
  it.each(['isolated', 'host', 'nat'] as const)("%s: a setsid'd background process is gone when `exited` resolves", async (network) => {
    const marker = `cfl-survivor-${network}-${process.pid}`;
    // The background process leaves the session and process group and ignores TERM and HUP.
    const script = `setsid bash -c 'trap "" TERM HUP; exec -a ${marker} sleep 1000' </dev/null >/dev/null 2>&1 & sleep 0.2; echo started`;
    const r = await collect({ ...bash(rootfs, script), network });

    expect(r.stdout).toBe('started\n');
    const survivors = fs.readdirSync('/proc').filter((p) => {
      try {
        return /^\d+$/.test(p) && fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    });
    expect(survivors).toEqual([]);
  });
});
