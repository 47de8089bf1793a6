import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerError } from './errors.ts';
import { chooseInit, withInit } from './init.ts';

let dir: string;
let rootfs: string;
let hostTini: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'init-test-'));
  rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'usr/bin'), { recursive: true });
  hostTini = path.join(dir, 'tini-static');
  fs.writeFileSync(hostTini, '', { mode: 0o755 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('chooseInit', () => {
  it("prefers the host's static tini, bound at /dev/init", () => {
    fs.writeFileSync(path.join(rootfs, 'usr/bin/tini'), '', { mode: 0o755 });

    expect(chooseInit(rootfs, [hostTini])).toEqual({ kind: 'host', hostPath: hostTini, containerPath: '/dev/init' });
  });

  it("falls back to the rootfs's tini (found through the rootfs's own symlinks)", () => {
    fs.symlinkSync('usr/bin', path.join(rootfs, 'sbin'));

    expect(chooseInit(rootfs, [path.join(dir, 'missing')])).toEqual({ kind: 'rootfs', containerPath: '/usr/bin/tini' });
    expect(chooseInit(rootfs, [], ['/sbin/tini'])).toEqual({ kind: 'rootfs', containerPath: '/sbin/tini' });
  });

  it('says how to get one when there is none', () => {
    expect(() => chooseInit(rootfs, [path.join(dir, 'missing')], ['/usr/bin/no-tini'])).toThrow(
      new RunnerError(
        `no init for PID 1: install tini on the host (apt-get install tini, for ${path.join(dir, 'missing')}) or in the rootfs, or start the container with init: false`,
      ),
    );
  });

  it('a file without the executable bit is no init', () => {
    fs.chmodSync(hostTini, 0o644);

    expect(chooseInit(rootfs, [hostTini]).kind).toBe('rootfs');
  });
});

describe('withInit', () => {
  it('puts the init and `--` in front of the args', () => {
    expect(withInit({ kind: 'host', hostPath: '/x', containerPath: '/dev/init' }, ['bash', '-c', 'x'])).toEqual(['/dev/init', '--', 'bash', '-c', 'x']);
    expect(withInit({ kind: 'none' }, ['bash'])).toEqual(['bash']);
  });
});
