import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathWrittenIntoRootfs, resolveInRootfs } from './rootfs-paths.ts';

let rootfs: string;

beforeAll(() => {
  rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'rootfs-paths-test-'));
  for (const d of ['usr/bin', 'home/vcap/app', 'etc', 'proc', 'sys', 'dev', 'tmp', 'run/real']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'usr/bin/tini'), '');
  fs.writeFileSync(path.join(rootfs, 'etc/hosts'), '');
  fs.symlinkSync('usr/bin', path.join(rootfs, 'bin'));
  fs.symlinkSync('/home/vcap/app', path.join(rootfs, 'app'));
  // An absolute link must stay inside the rootfs, not reach the host's /run.
  fs.symlinkSync('/run/real/resolv.conf', path.join(rootfs, 'etc/resolv.conf'));
  fs.symlinkSync('../../../../../..', path.join(rootfs, 'etc/escape'));
});
afterAll(() => fs.rmSync(rootfs, { recursive: true, force: true }));

describe('resolveInRootfs', () => {
  it('follows relative and absolute symlinks inside the rootfs', () => {
    expect(resolveInRootfs(rootfs, '/bin/tini')).toEqual({ path: '/usr/bin/tini', exists: true });
    expect(resolveInRootfs(rootfs, '/app')).toEqual({ path: '/home/vcap/app', exists: true });
    expect(resolveInRootfs(rootfs, '/app/x/y')).toEqual({ path: '/home/vcap/app/x/y', exists: false });
  });

  it('a dangling link does not exist, even if the host has its target', () => {
    expect(resolveInRootfs(rootfs, '/etc/resolv.conf')).toEqual({ path: '/run/real/resolv.conf', exists: false });
  });

  it('`..` never leaves the root', () => {
    expect(resolveInRootfs(rootfs, '/etc/escape/etc/hosts')).toEqual({ path: '/etc/hosts', exists: true });
    expect(resolveInRootfs(rootfs, '/../../etc/hosts')).toEqual({ path: '/etc/hosts', exists: true });
  });
});

describe('pathWrittenIntoRootfs', () => {
  const system = ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/tmp'].map((destination) => ({ destination }));

  it('accepts destinations that exist or sit under an earlier mount', () => {
    const mounts = [
      ...system,
      { destination: '/etc/hosts' },
      { destination: '/home/vcap' },
      { destination: '/tmp/lifecycle' },
      { destination: '/home/vcap/new' },
    ];

    expect(pathWrittenIntoRootfs(rootfs, mounts, '/tmp/app')).toBeUndefined();
    expect(pathWrittenIntoRootfs(rootfs, mounts, '/home/vcap/anything')).toBeUndefined();
  });

  it('reports a destination or cwd runc would create in the rootfs', () => {
    expect(pathWrittenIntoRootfs(rootfs, [...system, { destination: '/opt/x' }], '/')).toBe('/opt/x');
    expect(pathWrittenIntoRootfs(rootfs, [...system, { destination: '/etc/resolv.conf' }], '/')).toBe('/etc/resolv.conf');
    expect(pathWrittenIntoRootfs(rootfs, system, '/srv')).toBe('/srv');
  });

  it('a mount covers only what comes after it', () => {
    expect(pathWrittenIntoRootfs(rootfs, [{ destination: '/opt/a/b' }, { destination: '/opt/a' }], '/')).toBe('/opt/a/b');
  });
});
