// `droplet run` validates its arguments before any container or stack work (README, "droplet CLI";
// docs/security.md, "Input files"): `--process constructor` used to start `web` (plain object
// indexing found Object.prototype's member), `--process __proto__` ended in a runc JSON error, and
// out-of-range ports and memory limits were only refused by runc or the kernel. Each is now one line
// with the usage exit status 2, and runc is never called: a stand-in `runc` first on PATH records
// every call, and a positive control shows that a valid run does reach it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureStack } from '@cf-lifecycle/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, makeStagingSet, scratchDir } from './cli-fixtures.ts';

let work: string;
let tmp: string;
let marker: string;
let droplet: string;
let rootfs: string;

beforeAll(async () => {
  work = scratchDir('cli-arguments-');
  tmp = path.join(work, 'tmp');
  fs.mkdirSync(tmp);
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  marker = path.join(work, 'runc-calls');
  fs.writeFileSync(path.join(bin, 'runc'), `#!/bin/sh\necho "$*" >> '${marker}'\nexit 1\n`, { mode: 0o755 });
  droplet = makeStagingSet(path.join(work, 'app.droplet'), { label: 'a' }).droplet;
  // The cached minimal stack, opened by its rootfs directory: nothing is built or written for it.
  rootfs = (await ensureStack({ profile: 'minimal' })).rootfsDir;
}, 600_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const env = (): Record<string, string> => ({ PATH: `${path.join(work, 'bin')}:${process.env.PATH}`, TMPDIR: tmp });
const hostMiB = Math.floor(os.totalmem() / 2 ** 20);

describe('droplet run: bad arguments are usage errors before any runc or stack work', () => {
  it.each([
    [['--process', 'constructor'], '--process constructor: the droplet has no such process type (it has: web)'],
    [['--process', '__proto__'], '--process __proto__: the droplet has no such process type (it has: web)'],
    [['--process', 'toString'], '--process toString: the droplet has no such process type (it has: web)'],
    [['--port', '70000'], '--port 70000: not a port number (1 to 65535)'],
    [['--port', '0'], '--port 0: not a port number (1 to 65535)'],
    [['--port', '0x50'], '--port 0x50: not a whole number'],
    [['--memory', '0'], `--memory 0: not a memory limit in MiB this machine can give (1 to ${hostMiB})`],
    [['--memory', String(hostMiB + 1)], `--memory ${hostMiB + 1}: not a memory limit in MiB this machine can give (1 to ${hostMiB})`],
    [['--grace', '99999999'], '--grace 99999999: not a grace period in seconds (0 to 3600)'],
    [['--grace', '-1'], '--grace -1: not a whole number'],
    [['--frobnicate'], "unknown option '--frobnicate' (see droplet --help)"],
  ])('run %j', async (args, line) => {
    const r = await cli(['run', droplet, ...args, '--stack', rootfs], env());
    expect(r.stderr).toBe(`droplet: ${line}\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('a process type the result.json declares itself, even one named __proto__, is found as its own entry', async () => {
    const own = makeStagingSet(path.join(work, 'own.droplet'), { label: 'own' }).droplet;
    fs.writeFileSync(`${own}.result.json`, '{"process_types": {"web": "python3 server.py", "__proto__": "python3 proto.py", "worker": 7}}');
    const r = await cli(['run', own, '--process', 'worker', '--stack', rootfs], env());
    expect(r.stderr).toBe('droplet: --process worker: the droplet has no such process type (it has: web, __proto__)\n');
    expect(r.code).toBe(2);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('shell, k8s: the same checks', async () => {
    const k8s = await cli(['k8s', 'registry.example.com/a:1', '--name', 'a', '--replicas', '0'], env());
    expect(k8s.stderr).toBe(`droplet: --replicas 0: not a number of instances (1 to ${2 ** 31 - 1})\n`);
    expect(k8s.code).toBe(2);
    const port = await cli(['k8s', 'registry.example.com/a:1', '--name', 'a', '--port', '65536'], env());
    expect(port.stderr).toBe('droplet: --port 65536: not a port number (1 to 65535)\n');
    expect(port.code).toBe(2);
    const missing = await cli(['shell'], env());
    expect(missing.stderr).toBe("droplet: missing required argument 'droplet' (see droplet --help)\n");
    expect(missing.code).toBe(2);
  });

  it('positive control: valid arguments do reach runc (the stand-in records the call and fails)', async () => {
    const r = await cli(['run', droplet, '--process', 'web', '--port', '18080', '--stack', rootfs], env());
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(2);
    expect(fs.readFileSync(marker, 'utf8')).toMatch(/\brun\b/);
    expect(fs.readdirSync(tmp)).toEqual([]);
    fs.rmSync(marker);
  });
});
