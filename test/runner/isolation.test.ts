// What the process inside sees: vcap, a read-only root that is never written to, a writable /tmp,
// the bind mounts (ro and rw), its environment and working directory, no capabilities.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerError, startContainer } from '@cf-lifecycle/runner';
import { bash, collect, tempDir, testRootfs, traces } from './helpers.ts';

let rootfs: string;
let marker: string;
const dirs: string[] = [];

beforeAll(async () => {
  rootfs = await testRootfs();
  const d = tempDir('marker');
  dirs.push(d);
  marker = path.join(d, 'marker');
  fs.writeFileSync(marker, '');
  // find -newer compares mtimes; make the marker's strictly later than anything before this point.
  const past = new Date(Date.now() - 1000);
  fs.utimesSync(marker, past, new Date());
}, 900_000);

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dir(prefix: string, owner?: number): string {
  const d = tempDir(prefix);
  dirs.push(d);
  // mkdtemp makes 0700 directories: vcap could not even enter them.
  fs.chmodSync(d, 0o755);
  if (owner !== undefined) fs.chownSync(d, owner, owner);
  return d;
}

describe('identity', () => {
  it('runs as vcap 2000:2000 by default, with no capabilities and no_new_privs', async () => {
    const r = await collect(bash(rootfs, 'id; grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs):" /proc/self/status'));

    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('uid=2000(vcap) gid=2000(vcap) groups=2000(vcap)');
    expect(r.stdout).toMatch(/CapEff:\s+0000000000000000/);
    expect(r.stdout).toMatch(/CapPrm:\s+0000000000000000/);
    expect(r.stdout).toMatch(/CapBnd:\s+0000000000000000/);
    expect(r.stdout).toMatch(/NoNewPrivs:\s+1/);
  });

  it('runs as another user when asked', async () => {
    const r = await collect(bash(rootfs, 'id -u; id -g', { user: { uid: 65534, gid: 65534 } }));

    expect(r.stdout).toBe('65534\n65534\n');
  });

  it('has its own hostname (the id by default) and an /etc/hosts naming it', async () => {
    const named = await collect(bash(rootfs, 'hostname; getent hosts localhost; getent hosts my-app', { hostname: 'my-app' }));
    expect(named.stdout.split('\n')[0]).toBe('my-app');
    expect(named.stdout).toMatch(/^127\.0\.0\.1\s+localhost my-app$/m);
    expect(named.stdout).toMatch(/^(127\.0\.0\.1|::1)\s+localhost/m);

    const byId = await collect(bash(rootfs, 'hostname', { id: `cfl-test-hostname-${process.pid}` }));
    expect(byId.stdout).toBe(`cfl-test-hostname-${process.pid}\n`);
  });
});

describe('root filesystem', () => {
  it('is read-only: `touch /etc/x` fails', async () => {
    const r = await collect(bash(rootfs, 'touch /etc/x; echo status=$?'));

    expect(r.stderr).toContain("touch: cannot touch '/etc/x': Read-only file system");
    expect(r.stdout).toBe('status=1\n');
  });

  it('/tmp is a writable tmpfs (mode 1777) and /proc/sys is read-only', async () => {
    const r = await collect(
      bash(
        rootfs,
        'stat -c "%a %U" /tmp; echo x > /tmp/f && cat /tmp/f; grep " /tmp " /proc/mounts | cut -d" " -f3; echo foo > /proc/sys/kernel/hostname; echo status=$?',
      ),
    );

    expect(r.stdout).toBe('1777 root\nx\ntmpfs\nstatus=1\n');
    expect(r.stderr).toContain('Read-only file system');
  });

  it("masks /proc paths as runc's defaults do (/proc/keys reads empty, /proc/acpi hidden)", async () => {
    const r = await collect(bash(rootfs, 'wc -c < /proc/keys; ls -A /proc/acpi | wc -l; grep -c -E " /proc/(keys|acpi|timer_list) " /proc/self/mountinfo'));

    expect(r.stdout).toBe('0\n0\n3\n');
  });

  it('a mount destination missing from the rootfs is refused before anything is written', async () => {
    const src = dir('missing-dest');
    const id = `cfl-test-missing-${process.pid}`;

    await expect(startContainer({ ...bash(rootfs, 'true'), id, mounts: [{ source: src, destination: '/opt/not-in-the-stack' }] })).rejects.toThrow(
      new RunnerError(
        `/opt/not-in-the-stack does not exist in the rootfs ${rootfs}, which is read-only and never written to: create it in the stack, or use a path under /tmp or under a mount`,
      ),
    );
    await expect(startContainer({ ...bash(rootfs, 'true'), cwd: '/not-in-the-stack' })).rejects.toThrow(/\/not-in-the-stack does not exist in the rootfs/);
    expect(fs.existsSync(path.join(rootfs, 'opt/not-in-the-stack'))).toBe(false);
    expect(traces(id)).toEqual([]);
  });
});

describe('bind mounts', () => {
  it('a read-only mount cannot be written, a read-write one can (files appear on the host as 2000:2000)', async () => {
    const lifecycle = dir('lifecycle');
    fs.writeFileSync(path.join(lifecycle, 'builder'), '#!/bin/bash\necho builder ran "$@"\n', { mode: 0o755 });
    const app = dir('app', 2000);

    const r = await collect({
      ...bash(rootfs, '/tmp/lifecycle/builder -x; touch /tmp/lifecycle/y; echo ro=$?; echo made > /tmp/app/out; echo rw=$?'),
      mounts: [
        { source: app, destination: '/tmp/app' },
        { source: lifecycle, destination: '/tmp/lifecycle', readonly: true },
      ],
    });

    expect(r.stdout).toBe('builder ran -x\nro=1\nrw=0\n');
    expect(r.stderr).toContain('Read-only file system');
    expect(fs.existsSync(path.join(lifecycle, 'y'))).toBe(false);
    const out = fs.statSync(path.join(app, 'out'));
    expect([out.uid, out.gid]).toEqual([2000, 2000]);
    expect(fs.readFileSync(path.join(app, 'out'), 'utf8')).toBe('made\n');
  });

  it('nested mounts work in any order: the parent is mounted first', async () => {
    const home = dir('home', 2000);
    const inner = dir('inner');
    fs.writeFileSync(path.join(inner, 'file'), 'inner\n');
    fs.mkdirSync(path.join(home, 'app'));

    const r = await collect({
      ...bash(rootfs, 'cat /home/vcap/app/file; ls -A /home/vcap'),
      mounts: [
        { source: inner, destination: '/home/vcap/app', readonly: true },
        { source: home, destination: '/home/vcap' },
      ],
    });

    expect(r.stdout).toBe('inner\napp\n');
  });

  it('a bind over /tmp replaces the tmpfs (the CLI stages into a host directory)', async () => {
    const ws = dir('ws', 2000);

    const r = await collect({
      ...bash(rootfs, 'echo droplet > /tmp/droplet; grep " /tmp " /proc/mounts | wc -l'),
      mounts: [{ source: ws, destination: '/tmp' }],
    });

    expect(r.stdout).toBe('1\n');
    expect(fs.readFileSync(path.join(ws, 'droplet'), 'utf8')).toBe('droplet\n');
  });
});

describe('environment and working directory', () => {
  it('the process gets exactly its env (plus a default PATH, and HOME from /etc/passwd as runc sets it) and runs in cwd', async () => {
    const app = dir('cwd', 2000);

    const r = await collect({
      rootfs,
      args: ['bash', '-c', 'pwd; env | grep -v -E "^(PWD|SHLVL|_)=" | sort'],
      env: { FOO: 'bar baz', EMPTY: '', VCAP_APPLICATION: '{"name":"x"}' },
      cwd: '/tmp/app',
      mounts: [{ source: app, destination: '/tmp/app' }],
    });

    expect(r.stdout).toBe(
      [
        '/tmp/app',
        'EMPTY=',
        'FOO=bar baz',
        'HOME=/home/vcap',
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'VCAP_APPLICATION={"name":"x"}',
        '',
      ].join('\n'),
    );
  });

  it('a PATH of its own is kept and used to find args[0]', async () => {
    const bin = dir('bin');
    fs.writeFileSync(path.join(bin, 'hello'), '#!/bin/sh\necho hello from PATH\n', { mode: 0o755 });

    const r = await collect({
      rootfs,
      args: ['hello'],
      env: { PATH: '/tmp/bin:/usr/bin:/bin' },
      cwd: '/',
      mounts: [{ source: bin, destination: '/tmp/bin', readonly: true }],
    });

    expect(r.stdout).toBe('hello from PATH\n');
  });
});

// Last in this file, so every container above has come and gone.
describe('the rootfs afterwards', () => {
  it('was never written to: nothing in it is newer than the start of this file', () => {
    const newer = execFileSync('find', [rootfs, '-xdev', '-newer', marker], { encoding: 'utf8' });

    expect(newer).toBe('');
  });
});
