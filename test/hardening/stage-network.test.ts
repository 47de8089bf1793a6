// The staging network of `droplet stage` (docs/security.md, "droplet stage"): by default a namespace of
// its own behind user-mode NAT (slirp4netns), as Garden gives staging: outbound works (a server on the
// host's non-loopback address answers, names resolve), the host's 127.0.0.1 and its abstract unix
// sockets are out of reach. `--network host` is the explicit way back to the host's network; `--network
// none` (or `isolated`) has only loopback. A buildpack makes the connections and prints the results.
import { execFileSync, spawn } from 'node:child_process';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DROPLET_CLI } from '../helpers/stage.ts';
import { expectNothingLeft, stageScratch, writeApp, writeBuildpack, type StageScratch } from './stage-helpers.ts';

let s: StageScratch;
let app: string;
let probe: string;
let resolved: string;
const servers: net.Server[] = [];

function externalAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this host has no non-loopback IPv4 address: the staging network tests need one to connect to');
}

async function listen(where: net.ListenOptions, name: string): Promise<number> {
  const server = net.createServer((c) => c.end(`hello from ${name}\n`));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(where, resolve));
  return (server.address() as net.AddressInfo | null)?.port ?? 0;
}

const NAME = 'registry.npmjs.org';

beforeAll(async () => {
  s = stageScratch('stage-network');
  const external = externalAddress();
  const loopback = await listen({ host: '127.0.0.1', port: 0 }, 'the host loopback');
  const outside = await listen({ host: external, port: 0 }, 'the host address');
  const abstract = `cfl-stage-net-${process.pid}`;
  await listen({ path: `\0${abstract}` }, 'the abstract socket');
  // The host resolves the npm registry (the one remote this machine may reach): so must staging.
  resolved = (await dns.lookup(NAME, { family: 4, all: true }))
    .map((a) => a.address)
    .sort()
    .join(' ');
  const script = `
import socket
for label, target in [('external', ('${external}', ${outside})), ('loopback', ('127.0.0.1', ${loopback})), ('abstract', '\\0${abstract}')]:
    try:
        if isinstance(target, str):
            c = socket.socket(socket.AF_UNIX); c.settimeout(3); c.connect(target)
        else:
            c = socket.create_connection(target, timeout=3)
        print(f'{label}: ' + c.makefile().readline().strip())
    except OSError as e:
        print(f'{label}: ' + (e.strerror or type(e).__name__))
try:
    print('dns: ' + ' '.join(sorted({a[4][0] for a in socket.getaddrinfo('${NAME}', 443, socket.AF_INET)})))
except OSError as e:
    print('dns: ' + (e.strerror or type(e).__name__))
print('resolv.conf: ' + ' '.join(open('/etc/resolv.conf').read().split()))
`;
  probe = writeBuildpack(path.join(s.dir, 'buildpacks', 'probe'), { compile: 'python3 "$(dirname "$0")/probe.py"', extra: { 'probe.py': script } });
  app = writeApp(path.join(s.dir, 'apps', 'probed'));
}, 60_000);

afterAll(() => {
  for (const server of servers) server.close();
  s.cleanup();
});

function runcContainers(): Array<{ id: string; bundle: string }> {
  return JSON.parse(execFileSync('runc', ['--root', '/run/cf-lifecycle/runc', 'list', '--format', 'json'], { encoding: 'utf8' }).trim() || 'null') ?? [];
}

function processesNaming(text: string): string[] {
  return fs.readdirSync('/proc').filter((pid) => {
    try {
      return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  });
}

/** The probe's lines from the staging log. */
function results(stdout: string): Record<string, string> {
  return Object.fromEntries([...stdout.matchAll(/^(external|loopback|abstract|dns|resolv\.conf): (.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('droplet stage --network', () => {
  it("default (nat): outbound works and names resolve; the host's 127.0.0.1 and abstract sockets are out of reach", async () => {
    const r = await s.cli(['stage', app, '-b', probe, '-o', path.join(s.dir, 'nat.droplet')]);

    expect(r.code).toBe(0);
    expect(results(r.stdout)).toEqual({
      external: 'hello from the host address',
      loopback: 'Connection refused',
      abstract: 'Connection refused',
      dns: resolved,
      'resolv.conf': 'nameserver 10.0.2.3',
    });
    expectNothingLeft(s);
  }, 300_000);

  it("--network host: the host's loopback and abstract sockets are there", async () => {
    const r = await s.cli(['stage', app, '-b', probe, '--network', 'host', '-o', path.join(s.dir, 'host.droplet')]);

    expect(r.code).toBe(0);
    expect(results(r.stdout)).toMatchObject({
      external: 'hello from the host address',
      loopback: 'hello from the host loopback',
      abstract: 'hello from the abstract socket',
      dns: resolved,
    });
    expectNothingLeft(s);
  }, 300_000);

  it.each(['none', 'isolated'])(
    '--network %s: only loopback',
    async (mode) => {
      const r = await s.cli(['stage', app, '-b', probe, '--network', mode, '-o', path.join(s.dir, `${mode}.droplet`)]);

      expect(r.code).toBe(0);
      expect(results(r.stdout)).toMatchObject({ external: 'Network is unreachable', loopback: 'Connection refused', abstract: 'Connection refused' });
      expect(results(r.stdout).dns).not.toBe(resolved);
      expectNothingLeft(s);
    },
    300_000,
  );

  it('SIGTERM during a staging behind NAT: exit 143, the container and its NAT helpers are gone', async () => {
    const slow = writeBuildpack(path.join(s.dir, 'buildpacks', 'slow'), { compile: 'echo "-----> slow: compiling"; sleep 60' });
    const child = spawn(process.execPath, [DROPLET_CLI, 'stage', app, '-b', slow, '-o', path.join(s.dir, 'slow.droplet')], {
      env: { ...process.env, TMPDIR: s.tmp, CF_LIFECYCLE_CACHE: s.cache },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const compiling = new Promise<void>((resolve) => child.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('slow: compiling') && resolve()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await compiling;
    // Our container: the one whose bundle is in this test's TMPDIR; its helpers carry its id.
    const id = runcContainers().find((c) => c.bundle.startsWith(s.tmp))!.id;
    expect(processesNaming(`cfl-nat-${id}`)).toHaveLength(2);

    child.kill('SIGTERM');

    expect(await closed).toBe(143);
    expect(output).toContain('==> interrupted: stopping');
    expect(processesNaming(`cfl-nat-${id}`)).toEqual([]);
    expectNothingLeft(s);
  }, 300_000);

  it('an unknown mode is refused before staging, with the choices', async () => {
    const r = await s.cli(['stage', app, '-b', probe, '--network', 'bridge']);

    expect(r.stderr).toBe(
      "droplet: option '--network <mode>' argument 'bridge' is invalid. Allowed choices are nat, none, isolated, host. (see droplet --help)\n",
    );
    expect(r.code).toBe(2);
  });
});
