import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ociConfig, hostsFile, MASKED_PATHS, READONLY_PATHS, type ConfigContext } from './oci-config.ts';
import { resolveSpec, type ContainerSpec } from './spec.ts';

const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-config-test-'));
afterAll(() => fs.rmSync(rootfs, { recursive: true, force: true }));

const base: ContainerSpec = { rootfs, args: ['/tmp/lifecycle/builder', '-buildpackOrder=x'], env: { A: '1' }, cwd: '/home/vcap', id: 'cfl-abc' };
const ctx: ConfigContext = {
  init: { kind: 'host', hostPath: '/usr/bin/tini-static', containerPath: '/dev/init' },
  etc: { hosts: '/b/hosts', resolvConf: '/b/resolv.conf' },
  swapLimit: true,
};

function config(spec: Partial<ContainerSpec> = {}, c: Partial<ConfigContext> = {}) {
  return ociConfig(resolveSpec({ ...base, ...spec }), { ...ctx, ...c });
}

describe('process', () => {
  it('vcap 2000:2000 with its group, no capabilities at all, no new privileges, NOFILE 1024', () => {
    const p = config().process;

    expect(p.user).toEqual({ uid: 2000, gid: 2000, additionalGids: [2000] });
    expect(p.capabilities).toEqual({ bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] });
    expect(p.noNewPrivileges).toBe(true);
    expect(p.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
    expect(p.terminal).toBe(false);
  });

  it('the init goes in front of args, with `--`', () => {
    expect(config().process.args).toEqual(['/dev/init', '--', '/tmp/lifecycle/builder', '-buildpackOrder=x']);
    expect(config({}, { init: { kind: 'rootfs', containerPath: '/usr/bin/tini' } }).process.args).toEqual([
      '/usr/bin/tini',
      '--',
      '/tmp/lifecycle/builder',
      '-buildpackOrder=x',
    ]);
    expect(config({}, { init: { kind: 'none' } }).process.args).toEqual(['/tmp/lifecycle/builder', '-buildpackOrder=x']);
  });

  it('env becomes NAME=value, with runc spec’s PATH when none is given', () => {
    expect(config().process.env).toEqual(['A=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    expect(config({ env: { PATH: '/bin', B: 'x=y' } }).process.env).toEqual(['PATH=/bin', 'B=x=y']);
    expect(config({ env: {}, terminal: true }).process.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm']);
  });
});

describe('root and mounts', () => {
  it('the root is read-only', () => {
    expect(config().root).toEqual({ path: rootfs, readonly: true });
  });

  it("runc spec's mounts, then the init, /tmp as tmpfs, /etc/hosts and resolv.conf, then the caller's binds, shallower first (otherwise in the caller's order)", () => {
    const mounts = config({
      mounts: [
        { source: '/', destination: '/tmp/lifecycle', readonly: true },
        { source: '/', destination: '/home/vcap/app' },
        { source: '/', destination: '/home/vcap' },
      ],
    }).mounts;

    expect(mounts.map((m) => `${m.type} ${m.destination}`)).toEqual([
      'proc /proc',
      'tmpfs /dev',
      'devpts /dev/pts',
      'tmpfs /dev/shm',
      'mqueue /dev/mqueue',
      'sysfs /sys',
      'cgroup /sys/fs/cgroup',
      'bind /dev/init',
      'tmpfs /tmp',
      'bind /etc/hosts',
      'bind /etc/resolv.conf',
      'bind /tmp/lifecycle',
      'bind /home/vcap',
      'bind /home/vcap/app',
    ]);
    expect(mounts.find((m) => m.destination === '/tmp')!.options).toEqual(['nosuid', 'nodev', 'mode=1777']);
    expect(mounts.find((m) => m.destination === '/tmp/lifecycle')!.options).toEqual(['rbind', 'nosuid', 'nodev', 'ro']);
    expect(mounts.find((m) => m.destination === '/home/vcap')!.options).toEqual(['rbind', 'nosuid', 'nodev', 'rw']);
    expect(mounts.find((m) => m.destination === '/dev/init')).toEqual({
      destination: '/dev/init',
      type: 'bind',
      source: '/usr/bin/tini-static',
      options: ['rbind', 'nosuid', 'nodev', 'ro'],
    });
    expect(mounts.find((m) => m.destination === '/etc/hosts')!.source).toBe('/b/hosts');
  });

  it("a caller's mount at /tmp replaces the tmpfs; etc files the rootfs lacks are not bound", () => {
    const mounts = config({ mounts: [{ source: '/', destination: '/tmp' }] }, { etc: {}, init: { kind: 'none' } }).mounts;

    expect(mounts.filter((m) => m.destination === '/tmp')).toEqual([
      { destination: '/tmp', type: 'bind', source: '/', options: ['rbind', 'nosuid', 'nodev', 'rw'] },
    ]);
    expect(mounts.some((m) => m.destination.startsWith('/etc/') || m.destination === '/dev/init')).toBe(false);
  });

  it("/proc and /sys masking as runc's defaults", () => {
    const linux = config().linux;

    expect(linux.maskedPaths).toEqual(MASKED_PATHS);
    expect(linux.maskedPaths).toContain('/proc/kcore');
    expect(linux.readonlyPaths).toEqual(READONLY_PATHS);
    expect(linux.readonlyPaths).toContain('/proc/sys');
  });

  it('a seccomp profile: everything allowed but a denylist (EPERM), new user namespaces, and clone3 (ENOSYS)', () => {
    const seccomp = config().linux.seccomp;

    expect(seccomp.defaultAction).toBe('SCMP_ACT_ALLOW');
    expect(seccomp.architectures).toContain(process.arch === 'arm64' ? 'SCMP_ARCH_AARCH64' : 'SCMP_ARCH_X86_64');
    const denied = seccomp.syscalls.find((s) => s.args === undefined && s.errnoRet === 1)!;
    for (const name of [
      'mount',
      'umount2',
      'pivot_root',
      'setns',
      'kexec_load',
      'init_module',
      'bpf',
      'perf_event_open',
      'keyctl',
      'userfaultfd',
      'open_by_handle_at',
    ]) {
      expect(denied.names).toContain(name);
    }
    expect(seccomp.syscalls).toContainEqual({
      names: ['unshare', 'clone'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 1,
      args: [{ index: 0, value: 0x10000000, valueTwo: 0x10000000, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    expect(seccomp.syscalls).toContainEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  });

  it('/etc/hosts names localhost and the hostname', () => {
    expect(hostsFile('web-1')).toBe('127.0.0.1\tlocalhost web-1\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  });
});

describe('namespaces, cgroups, hostname', () => {
  it('isolated: a network namespace of its own; host: none', () => {
    expect(config().linux.namespaces.map((n) => n.type)).toEqual(['pid', 'network', 'ipc', 'uts', 'mount']);
    expect(config({ network: 'host' }).linux.namespaces.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount']);
  });

  it('nat: joins the namespace its helpers made, by path', () => {
    expect(config({ network: 'nat' }, { netnsPath: '/proc/42/ns/net' }).linux.namespaces).toEqual([
      { type: 'pid' },
      { type: 'network', path: '/proc/42/ns/net' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'mount' },
    ]);
  });

  it('memory (with swap when it can be limited) and pids limits in a cgroup named after the id', () => {
    const linux = config({ limits: { memoryBytes: 2 ** 26, pids: 64 } }).linux;

    expect(linux.cgroupsPath).toBe('/cfl-abc');
    expect(linux.resources.memory).toEqual({ limit: 2 ** 26, swap: 2 ** 26 });
    expect(linux.resources.pids).toEqual({ limit: 64 });
    expect(linux.resources.devices).toEqual([{ allow: false, access: 'rwm' }]);
    expect(config({}, { swapLimit: false }).linux.resources.memory).toEqual({ limit: 2 ** 30 });
  });

  it('the hostname defaults to the id', () => {
    expect(config().hostname).toBe('cfl-abc');
    expect(config({ hostname: 'staging' }).hostname).toBe('staging');
  });
});
