import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunnerError } from './errors.ts';
import { resolveSpec, type ContainerSpec } from './spec.ts';

const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'spec-test-'));
afterAll(() => fs.rmSync(rootfs, { recursive: true, force: true }));
const base: ContainerSpec = { rootfs, args: ['true'], env: {}, cwd: '/' };

describe('defaults', () => {
  it('vcap, isolated network, init, 1 GiB / 1024 pids / 1024 files, inherited stdio, a cfl- id as hostname', () => {
    const s = resolveSpec(base);

    expect(s.user).toEqual({ uid: 2000, gid: 2000 });
    expect(s.network).toBe('isolated');
    expect(s.init).toBe(true);
    expect(s.limits).toEqual({ memoryBytes: 2 ** 30, pids: 1024, nofile: 1024 });
    expect(s.stdio).toBe('inherit');
    expect(s.terminal).toBe(false);
    expect(s.id).toMatch(/^cfl-[0-9a-f]{12}$/);
    expect(s.hostname).toBe(s.id);
  });

  it('every container gets a new id', () => {
    expect(resolveSpec(base).id).not.toBe(resolveSpec(base).id);
  });
});

describe('refused with one clear line', () => {
  it.each<[string, Partial<ContainerSpec>, string]>([
    ['an empty args', { args: [] }, 'args is empty: give the process to run'],
    ['a relative cwd', { cwd: 'app' }, 'cwd must be an absolute path inside the container, not "app"'],
    ['a bad id', { id: 'a b' }, "invalid container id \"a b\": use letters, digits, '_', '+', '-' and '.'"],
    ['a bad hostname', { hostname: 'no_underscores' }, 'invalid hostname "no_underscores"'],
    ['a zero limit', { limits: { pids: 0 } }, 'limits.pids must be a positive integer, not 0'],
    ['a relative mount destination', { mounts: [{ source: '/', destination: 'tmp/x' }] }, 'mount destination must be absolute: "tmp/x"'],
    ['a missing mount source', { mounts: [{ source: '/no/such/dir', destination: '/tmp/x' }] }, 'mount source /no/such/dir does not exist'],
    ['an env name with =', { env: { 'A=B': 'x' } }, 'invalid environment variable "A=B": names need no \'=\' and neither may contain NUL'],
    [
      'a terminal with piped stdio',
      { terminal: true, stdio: 'pipe' },
      "terminal: true needs stdio: 'inherit' (runc copies between the terminal and its own stdio)",
    ],
  ])('%s', (_what, change, message) => {
    expect(() => resolveSpec({ ...base, ...change })).toThrow(new RunnerError(message));
  });

  it('a rootfs that is not a directory', () => {
    expect(() => resolveSpec({ ...base, rootfs: '/no/such/rootfs' })).toThrow(new RunnerError('rootfs /no/such/rootfs is not a directory'));
  });
});

describe('network', () => {
  it("'none' is 'isolated'; 'host' and 'nat' as given; anything else refused", () => {
    expect(resolveSpec({ ...base, network: 'none' }).network).toBe('isolated');
    expect(resolveSpec({ ...base, network: 'nat' }).network).toBe('nat');
    expect(resolveSpec({ ...base, network: 'host' }).network).toBe('host');
    expect(() => resolveSpec({ ...base, network: 'bridge' as never })).toThrow(new RunnerError('invalid network "bridge": use isolated, none, host, nat'));
  });
});
