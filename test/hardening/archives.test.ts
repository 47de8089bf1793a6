// Hostile archives: buildpack zips (the builder's downloads and `droplet stage -b x.zip`), droplets
// and build caches (`droplet run`/`shell`, the cache `droplet stage` restores), and the readers of
// `droplet scan/inspect/export`. Each refusal is one clear line, and nothing is written outside the
// target directory. Plus the builder's own packaging: symlinks in the app stay symlinks.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ZIP_LIMITS, extractZip } from '../../packages/builder/src/phases/unzip.ts';
import { checkTarball, TARBALL_LIMITS, UnsafeTarballError } from '../../packages/cli/src/tarball.ts';
import { dropletItems } from '../../packages/oci/src/layers/droplet.ts';
import { readTar, TarFormatError, visitTar } from '../../packages/tar/src/index.ts';
import { startBuildpackServer, type BuildpackServer } from '../helpers/servers.ts';
import { ROOT, Workspace, runCli, type RunResult } from '../helpers/stage.ts';
import { S_IFBLK, S_IFCHR, S_IFIFO, S_IFREG, S_IFSOCK, dir, dropletWith, file, rawTar, rawTgz, rawZip, symlink, type RawZipEntry } from './hostile.ts';

const MARKER = 'ORIGINAL-CONTENT-5b1f0e';

let scratch: string;
/** A directory beside every target: nothing may appear in it or change in it. */
let outside: string;

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-archives-'));
  outside = path.join(scratch, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'passwd'), MARKER);
});
afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** What `outside` holds: must stay `{ passwd: MARKER }`. */
function outsideState(): Record<string, string> {
  const state: Record<string, string> = {};
  for (const name of fs.readdirSync(outside))
    state[name] = fs.lstatSync(path.join(outside, name)).isFile() ? fs.readFileSync(path.join(outside, name), 'utf8') : '<not a file>';
  return state;
}
const untouched = { passwd: MARKER };

/** Every path under `root`, relative, sorted. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const full = path.join(d, name);
      out.push(path.relative(root, full));
      if (fs.lstatSync(full).isDirectory()) walk(full);
    }
  };
  walk(root);
  return out.sort();
}

async function extract(entries: readonly RawZipEntry[], limits = ZIP_LIMITS): Promise<{ dest: string; error?: string }> {
  const zipFile = path.join(scratch, 'bp.zip');
  fs.writeFileSync(zipFile, rawZip(entries));
  const dest = path.join(scratch, 'dest', 'bp');
  fs.mkdirSync(dest, { recursive: true });
  try {
    await extractZip(zipFile, dest, limits);
    return { dest };
  } catch (err) {
    return { dest, error: (err as Error).message };
  }
}

describe('buildpack zips: extractZip', () => {
  it('extracts an ordinary zip: files, modes, directories, symlinks that stay inside', async () => {
    const r = await extract([
      dir('bin'),
      file('bin/detect', '#!/bin/sh\n', 0o755),
      symlink('bin/compile', 'detect'),
      dir('lib/sub'),
      symlink('lib/sub/up', '../../bin'),
      file('lib/sub/up/x', 'through an inside link'),
    ]);
    expect(r.error).toBeUndefined();
    expect(fs.statSync(path.join(r.dest, 'bin/detect')).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(r.dest, 'bin/compile'))).toBe('detect');
    expect(fs.readFileSync(path.join(r.dest, 'bin/x'), 'utf8')).toBe('through an inside link');
  });

  it.each([
    ['an absolute name', '/ABS/passwd', 'absolute path: /ABS/passwd'],
    ['a leading ..', '../outside/passwd', 'invalid relative path: ../outside/passwd'],
    ['a .. in the middle', 'bin/../../outside/passwd', 'invalid relative path: bin/../../outside/passwd'],
    ['backslashes', '..\\outside\\passwd', 'invalid relative path: ../outside/passwd'],
  ])('refuses %s', async (_what, name, message) => {
    const r = await extract([file('bin/detect', 'x'), file(name.replace('ABS', outside.slice(1)), 'pwned')]);
    expect(r.error).toBe(message.replace('ABS', outside.slice(1)));
    expect(outsideState()).toEqual(untouched);
  });

  it('refuses a symlink to an absolute path outside, before a file is written through it', async () => {
    const r = await extract([symlink('etc', outside), file('etc/passwd', 'pwned')]);
    expect(r.error).toBe(`illegal symlink in zip: "etc" -> ${JSON.stringify(outside)} leads outside the destination`);
    expect(outsideState()).toEqual(untouched);
    expect(tree(r.dest)).toEqual([]);
  });

  it('refuses a relative symlink that climbs out (../../outside)', async () => {
    const r = await extract([symlink('up', '../../outside'), file('up/passwd', 'pwned')]);
    expect(r.error).toBe('illegal symlink in zip: "up" -> "../../outside" leads outside the destination');
    expect(outsideState()).toEqual(untouched);
  });

  it('never writes through a symlink already in the destination (a re-staged download directory)', async () => {
    const dest = path.join(scratch, 'dest', 'bp');
    fs.mkdirSync(dest, { recursive: true });
    fs.symlinkSync(outside, path.join(dest, 'etc'));
    const r = await extract([file('etc/passwd', 'pwned'), file('etc/new-file', 'pwned')]);
    expect(r.error).toBe('illegal file path in zip: "etc/passwd" leads outside the destination through a symlink');
    expect(outsideState()).toEqual(untouched);
  });

  it('replaces an existing symlink at a file path instead of writing through it', async () => {
    const dest = path.join(scratch, 'dest', 'bp');
    fs.mkdirSync(dest, { recursive: true });
    fs.symlinkSync(path.join(outside, 'passwd'), path.join(dest, 'passwd'));
    const r = await extract([file('passwd', 'the buildpack file')]);
    expect(r.error).toBeUndefined();
    expect(fs.readFileSync(path.join(r.dest, 'passwd'), 'utf8')).toBe('the buildpack file');
    expect(outsideState()).toEqual(untouched);
  });

  it('follows symlinks on disk, not by name: x/b -> .. then a -> x/b/../.. is refused', async () => {
    const r = await extract([dir('x'), symlink('x/b', '..'), symlink('a', 'x/b/../..'), file('a/outside/passwd', 'pwned')]);
    expect(r.error).toBe('illegal symlink in zip: "a" -> "x/b/../.." leads outside the destination');
    expect(outsideState()).toEqual(untouched);
  });

  it('checks symlinks again at the end: a later entry cannot turn an inside link into an outside one', async () => {
    // `a -> x/b/..` is x while x/b does not exist; once x/b -> .. exists, a leads to the parent of the destination.
    const through = await extract([dir('x'), symlink('a', 'x/b/..'), symlink('x/b', '..'), file('a/outside/passwd', 'pwned')]);
    expect(through.error).toBe('illegal file path in zip: "a/outside/passwd" leads outside the destination through a symlink');
    expect(outsideState()).toEqual(untouched);

    fs.rmSync(path.join(scratch, 'dest'), { recursive: true });
    const left = await extract([dir('x'), symlink('a', 'x/b/..'), symlink('x/b', '..')]);
    expect(left.error).toBe('illegal symlink in zip: "a" -> "x/b/.." leads outside the destination');
    expect(fs.existsSync(path.join(left.dest, 'a'))).toBe(false);
  });

  it.each([
    ['a character device', S_IFCHR],
    ['a block device', S_IFBLK],
    ['a fifo', S_IFIFO],
    ['a socket', S_IFSOCK],
  ])('refuses %s entry before writing anything', async (what, type) => {
    const r = await extract([file('bin/detect', 'x'), { name: 'bin/node', unixMode: type | 0o666 }]);
    expect(r.error).toBe(`illegal file type in zip: "bin/node" is ${what}`);
    expect(tree(r.dest)).toEqual([]);
  });

  it('drops setuid, setgid and sticky bits', async () => {
    const r = await extract([file('bin/su', '#!/bin/sh\n', 0o7755)]);
    expect(r.error).toBeUndefined();
    expect(fs.statSync(path.join(r.dest, 'bin/su')).mode & 0o7777).toBe(0o755);
  });

  it('refuses more entries than the limit before writing anything', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => file(`f${i}`, 'x'));
    const r = await extract(entries, { maxEntries: 10, maxBytes: ZIP_LIMITS.maxBytes });
    expect(r.error).toBe('too many entries in zip: 11 (at most 10)');
    expect(tree(r.dest)).toEqual([]);
  });

  it(`refuses a zip of ${ZIP_LIMITS.maxEntries + 1} entries (zip64) with the default limit`, async () => {
    const entries = Array.from({ length: ZIP_LIMITS.maxEntries + 1 }, (_, i) => ({ name: `f${i}`, unixMode: S_IFREG | 0o644 }));
    const r = await extract(entries);
    expect(r.error).toBe(`too many entries in zip: ${ZIP_LIMITS.maxEntries + 1} (at most ${ZIP_LIMITS.maxEntries})`);
    expect(tree(r.dest)).toEqual([]);
  });

  it('refuses a zip bomb by its declared sizes before writing anything', async () => {
    // Three real MiB of zeros (a few KiB compressed) against a 2 MiB limit.
    const zeros = Buffer.alloc(2 ** 20);
    const r = await extract([file('a', zeros), file('b', zeros), file('c', zeros)], { maxEntries: 10, maxBytes: 2 * 2 ** 20 });
    expect(r.error).toBe(`zip too large: its entries expand to more than ${2 * 2 ** 20} bytes`);
    expect(tree(r.dest)).toEqual([]);
  });

  it('refuses entries declaring more than the default 8 GiB in all', async () => {
    const huge = 0xfffffff0;
    const r = await extract([
      { name: 'a', unixMode: S_IFREG | 0o644, declaredSize: huge },
      { name: 'b', unixMode: S_IFREG | 0o644, declaredSize: huge },
      { name: 'c', unixMode: S_IFREG | 0o644, declaredSize: huge },
    ]);
    expect(r.error).toBe(`zip too large: its entries expand to more than ${ZIP_LIMITS.maxBytes} bytes`);
    expect(tree(r.dest)).toEqual([]);
  });

  it('an entry whose data is longer than declared fails as it streams: the declared sizes bound what is written', async () => {
    const r = await extract([{ name: 'a', unixMode: S_IFREG | 0o644, data: Buffer.alloc(100_000), declaredSize: 10 }]);
    expect(r.error).toMatch(/^too many bytes in the stream\. expected 10\. got at least \d+$/);
    expect(fs.statSync(path.join(r.dest, 'a')).size).toBeLessThanOrEqual(10);
  });

  it('keeps error messages on one line whatever the names hold', async () => {
    const r = await extract([{ name: 'evil\n\u001b[31mname', unixMode: S_IFCHR | 0o600 }]);
    expect(r.error).toBe('illegal file type in zip: "evil\\n\\u001b[31mname" is a character device');
  });

  it('property: random entry lists never put anything outside the destination', async () => {
    const segment = fc.constantFrom('a', 'b', 'x', '..', '.', 'outside', 'passwd', '');
    const relPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
    const linkTarget = fc.oneof(
      relPath,
      fc.constant(outside),
      fc.constant('/'),
      relPath.map((p) => `../${p}`),
    );
    const entry = fc.oneof(
      relPath.map((name) => file(name || 'f', 'pwned')),
      relPath.map((name) => dir(name || 'd')),
      fc.tuple(relPath, linkTarget).map(([name, target]) => symlink(name || 'l', target)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 8 }), async (entries) => {
        fs.rmSync(path.join(scratch, 'dest'), { recursive: true, force: true });
        await extract(entries);
        expect(outsideState()).toEqual(untouched);
        expect(fs.readdirSync(scratch).sort()).toEqual(['bp.zip', 'dest', 'outside']);
        expect(fs.readdirSync(path.join(scratch, 'dest'))).toEqual(['bp']);
      }),
      { numRuns: 300 },
    );
  });
});

describe('buildpack zips through the executables', () => {
  let ws: Workspace | undefined;
  let server: BuildpackServer | undefined;
  afterEach(async () => {
    ws?.cleanup();
    ws = undefined;
    await server?.close();
    server = undefined;
  });

  it('builder: a downloaded zip with a symlink out and a file through it fails staging with one line (exit 1)', async () => {
    ws = new Workspace();
    server = await startBuildpackServer({
      routes: { '/evil.zip': rawZip([symlink('bin', outside), file('bin/passwd', 'pwned'), file('bin/detect', '#!/bin/sh\n', 0o755)]) },
    });
    const url = server.url('/evil.zip');
    const r = await ws.stage([url]);
    expect(r.stderr).toBe(`Failed to extract buildpack '${url}': illegal symlink in zip: "bin" -> ${JSON.stringify(outside)} leads outside the destination\n`);
    expect(r.code).toBe(1);
    expect(outsideState()).toEqual(untouched);
  });

  it('droplet stage: a zip buildpack with a device entry is refused before staging', async () => {
    const zipFile = path.join(scratch, 'evil.zip');
    fs.writeFileSync(zipFile, rawZip([file('bin/detect', '#!/bin/sh\n', 0o755), { name: 'bin/disk', unixMode: S_IFBLK | 0o666 }]));
    const app = path.join(scratch, 'app');
    fs.mkdirSync(app);
    const r = await cli(['stage', app, '-b', zipFile, '--host', '-o', path.join(scratch, 'app.droplet')]);
    expect(r.stderr).toBe(`droplet: buildpack ${zipFile}: cannot extract the zip: illegal file type in zip: "bin/disk" is a block device\n`);
    expect(r.code).toBe(1);
  });
});

let cliTmp: string;
let cliCache: string;
beforeAll(() => {
  cliTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-cli-tmp-'));
  // `droplet stage --host` as root runs the lifecycle as vcap, who must reach the workspace in TMPDIR.
  fs.chmodSync(cliTmp, 0o755);
  cliCache = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-cli-cache-'));
});
afterAll(() => {
  fs.rmSync(cliTmp, { recursive: true, force: true });
  fs.rmSync(cliCache, { recursive: true, force: true });
});

function cli(args: string[]): Promise<RunResult> {
  return runCli(args, { TMPDIR: cliTmp, CF_LIFECYCLE_CACHE: cliCache }, 120_000);
}

describe('droplets: droplet run --host / droplet shell --host', () => {
  /** Writes the droplet and runs it; the droplet's start command prints "started". */
  async function runDroplet(members: Parameters<typeof dropletWith>[0], command: 'run' | 'shell' = 'run'): Promise<RunResult> {
    const droplet = path.join(scratch, 'evil.droplet');
    fs.writeFileSync(droplet, dropletWith(members));
    // The droplet's app exits without listening: any valid port will do (0 is a usage error now).
    return command === 'run' ? cli(['run', droplet, '--host', '--port', '65535']) : cli(['shell', droplet, '--host', '-c', 'true']);
  }
  const refused = (reason: string) => `droplet: ${path.join(scratch, 'evil.droplet')}: refusing to extract the droplet: ${reason}\n`;

  it.each([
    ['a leading ../', { path: '../outside/passwd', type: '0', content: 'pwned' }, 'member "../outside/passwd" has a ".." component'],
    ['a .. in the middle', { path: './app/../../outside/passwd', type: '0', content: 'pwned' }, 'member "./app/../../outside/passwd" has a ".." component'],
    ['an absolute name', { path: '/OUT/passwd', type: '0', content: 'pwned' }, 'member "/OUT/passwd" is an absolute path'],
    [
      'a hard link to an absolute path',
      { path: './app/h', type: '1', linkname: '/OUT/passwd' },
      'member "./app/h" is a hard link to "/OUT/passwd", which is an absolute path',
    ],
    [
      'a hard link climbing out',
      { path: './app/h', type: '1', linkname: '../outside/passwd' },
      'member "./app/h" is a hard link to "../outside/passwd", which has a ".." component',
    ],
    ['a character device', { path: './app/null', type: '3', devmajor: 1, devminor: 3 }, 'member "./app/null" is a character device'],
    ['a block device', { path: './app/sda', type: '4', devmajor: 8, devminor: 0 }, 'member "./app/sda" is a block device'],
  ] as const)('refuses %s before extracting anything', async (_what, member, reason) => {
    const fix = (s: string) => s.replace('/OUT', outside);
    const m = { ...member, path: fix(member.path), ...('linkname' in member ? { linkname: fix(member.linkname) } : {}) };
    const r = await runDroplet([m]);
    expect(r.stderr).toBe(refused(fix(reason)));
    expect(r.code).toBe(1);
    expect(outsideState()).toEqual(untouched);
    expect(fs.readdirSync(cliTmp)).toEqual([]);
  });

  it('droplet shell refuses the same way', async () => {
    const r = await runDroplet([{ path: './app/null', type: '3', devmajor: 1, devminor: 3 }], 'shell');
    expect(r.stderr).toBe(refused('member "./app/null" is a character device'));
    expect(r.code).toBe(1);
  });

  it(`refuses a droplet whose files hold more than ${TARBALL_LIMITS.maxBytes} bytes, from the listing alone`, async () => {
    const r = await runDroplet([{ path: './app/huge', type: '0', declaredSize: TARBALL_LIMITS.maxBytes + 1 }]);
    expect(r.stderr).toBe(refused(`its files hold more than ${TARBALL_LIMITS.maxBytes} bytes`));
    expect(r.code).toBe(1);
  });

  it('GNU tar never writes through a symlink member: app/etc -> outside, then app/etc/passwd fails', async () => {
    const r = await runDroplet([
      { path: './app/etc', type: '2', linkname: outside },
      { path: './app/etc/passwd', type: '0', content: 'pwned' },
      { path: './app/up', type: '2', linkname: '../../outside' },
      { path: './app/up/passwd', type: '0', content: 'pwned' },
    ]);
    expect(r.stderr).toBe(
      `droplet: ${path.join(scratch, 'evil.droplet')}: not a droplet (a gzip tarball): tar: ./app/etc/passwd: Cannot open: Not a directory\n`,
    );
    expect(r.code).toBe(1);
    expect(outsideState()).toEqual(untouched);
  });

  it('runs a droplet whose symlinks point outside: they stay symlinks', async () => {
    const r = await runDroplet([
      { path: './app/etc', type: '2', linkname: '/etc' },
      { path: './app/up', type: '2', linkname: '../../outside' },
    ]);
    expect(r.stderr).toContain('exited with status 0');
    expect(r.stdout).toContain('started');
    expect(r.code).toBe(0);
    expect(outsideState()).toEqual(untouched);
  });
});

describe('build caches: droplet stage --host restores only a safe cache', () => {
  it('ignores a cache with unsafe members, says so, stages without it and writes nothing outside', async () => {
    const app = path.join(scratch, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'index.txt'), 'hello\n');
    // Where `droplet stage` keeps this app's cache (packages/cli/src/app-cache.ts).
    const cacheFile = path.join(cliCache, 'app-caches', `app-${createHash('sha256').update(fs.realpathSync(app)).digest('hex').slice(0, 16)}.tgz`);
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fs.writeFileSync(
      cacheFile,
      rawTgz([
        { path: './final/', type: '5' },
        { path: '../../../../../../../../outside-cache-write', type: '0', content: 'pwned' },
        { path: './final/tty', type: '3', devmajor: 5, devminor: 0 },
      ]),
    );
    const bp = path.join(ROOT, 'buildpacks-fixtures', 'buildpacks', 'always-detects');
    const r = await cli(['stage', app, '-b', bp, '--host', '-o', path.join(scratch, 'app.droplet')]);
    expect(r.stderr).toContain(`warning: ignoring the build cache ${cacheFile}: member "../../../../../../../../outside-cache-write" has a ".." component\n`);
    expect(r.stderr).not.toContain('restored the build cache');
    expect(r.code).toBe(0);
    expect(fs.existsSync('/outside-cache-write')).toBe(false);
  });
});

describe('checkTarball (the listing check)', () => {
  const tgzFile = (members: Parameters<typeof rawTgz>[0]) => {
    const f = path.join(scratch, 'x.tgz');
    fs.writeFileSync(f, rawTgz(members));
    return f;
  };

  it('refuses more members than the limit', async () => {
    const f = tgzFile(Array.from({ length: 11 }, (_, i) => ({ path: `./f${i}`, type: '0' as const, content: 'x' })));
    await expect(checkTarball(f, { maxEntries: 10, maxBytes: 1e9 })).rejects.toThrow(new UnsafeTarballError('it has more than 10 members'));
    await expect(checkTarball(f, { maxEntries: 11, maxBytes: 1e9 })).resolves.toBeUndefined();
  });

  it('names with quotes, arrows, newlines and escapes are listed one per line and checked', async () => {
    const f = tgzFile([
      { path: './a "b" -> c', type: '0', content: 'x' },
      { path: './line\nbreak', type: '2', linkname: 'x -> ../y' },
      { path: './x\u001b[31m/../../y', type: '0', content: 'x' },
    ]);
    await expect(checkTarball(f)).rejects.toThrow('member "./x\\033[31m/../../y" has a ".." component');
  });

  it('accepts what the builder writes: a real droplet', async () => {
    const ws = new Workspace();
    try {
      ws.installBuildpack('always-detects');
      const r = await ws.stage(['always-detects']);
      expect(r.code).toBe(0);
      await expect(checkTarball(ws.outputDroplet)).resolves.toBeUndefined();
    } finally {
      ws.cleanup();
    }
  });
});

describe("the builder's packaging: symlinks in the app are stored as symlinks, never followed", () => {
  it('an app with links to /etc and to ../../outside gives a droplet holding only the links', async () => {
    const ws = new Workspace();
    try {
      ws.installBuildpack('always-detects');
      const secretOutside = path.join(ws.root, 'outside');
      fs.mkdirSync(secretOutside);
      fs.writeFileSync(path.join(secretOutside, 'secret.txt'), `${MARKER}\n`);
      fs.symlinkSync('/etc', path.join(ws.buildDir, 'etc'));
      // buildDir is <root>/app: ../../outside from app/links/ is <root>/outside.
      fs.mkdirSync(path.join(ws.buildDir, 'links'));
      fs.symlinkSync('../../outside', path.join(ws.buildDir, 'links', 'up'));
      fs.symlinkSync(path.join(secretOutside, 'secret.txt'), path.join(ws.buildDir, 'secret-link'));

      const r = await ws.stage(['always-detects']);
      expect(r.code).toBe(0);

      const listing = execFileSync('tar', ['--quoting-style=c', '-tvzf', ws.outputDroplet], { encoding: 'utf8' }).split('\n');
      const line = (name: string) => listing.find((l) => l.includes(`"${name}"`)) ?? '';
      expect(line('./app/etc')).toMatch(/^l.* "\.\/app\/etc" -> "\/etc"$/);
      expect(line('./app/links/up')).toMatch(/^l.* "\.\/app\/links\/up" -> "\.\.\/\.\.\/outside"$/);
      expect(line('./app/secret-link')).toMatch(/^l.* -> ".*secret\.txt"$/);
      expect(listing.filter((l) => /"\.\/app\/(etc|links\/up|secret-link)\//.test(l))).toEqual([]);
      const content = zlib.gunzipSync(fs.readFileSync(ws.outputDroplet));
      expect(content.includes(MARKER)).toBe(false);
      expect(content.includes(fs.readFileSync('/etc/passwd'))).toBe(false);
    } finally {
      ws.cleanup();
    }
  });
});

describe('droplet readers of scan, inspect and export', () => {
  const paxHeader = (size: number) => {
    const header = rawTar([{ path: './PaxHeaders/x', type: '0', declaredSize: size }]).subarray(0, 512);
    header[156] = 'x'.charCodeAt(0);
    // Fix the checksum after changing the type.
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return header;
  };
  /** The header, then 64 MiB in 1 MiB chunks; `pulled` counts the chunks a reader asked for. */
  function source(header: Buffer): { chunks: AsyncGenerator<Buffer>; pulled: () => number } {
    let pulled = 0;
    const chunks = (async function* () {
      yield header;
      for (let i = 0; i < 64; i++) {
        pulled++;
        yield Buffer.alloc(2 ** 20);
      }
    })();
    return { chunks, pulled: () => pulled };
  }

  it('scan: a PAX header claiming 2 GiB is refused at once, not buffered', async () => {
    const src = source(paxHeader(2 ** 31));
    await expect(visitTar(src.chunks, { want: () => true, content: () => {} })).rejects.toThrow(
      new TarFormatError('an extended header of 2147483648 bytes at byte 0 (at most 1048576)'),
    );
    expect(src.pulled()).toBeLessThanOrEqual(1);
  });

  it('scan: a wanted metadata file larger than the limit is refused, not read', async () => {
    const tar = rawTar([{ path: './.cf-lifecycle/staging-metadata.json', type: '0', declaredSize: 2 ** 30 }]);
    await expect(visitTar([tar], { want: () => true, content: () => {} })).rejects.toThrow(
      '".cf-lifecycle/staging-metadata.json" is 1073741824 bytes (at most 67108864 are read)',
    );
  });

  it('export: a PAX header claiming 2 GiB is refused at once, not buffered', async () => {
    const src = source(paxHeader(2 ** 31));
    const consume = async () => {
      for await (const _ of readTar(src.chunks)) {
        // nothing
      }
    };
    await expect(consume()).rejects.toThrow(new TarFormatError('an extended header of 2147483648 bytes at byte 0 (at most 1048576)'));
    expect(src.pulled()).toBeLessThanOrEqual(1);
  });

  it('export: a droplet member under a symlink member is refused', () => {
    const members = new Map([
      ['app', { header: { path: 'app', type: 'dir' as const, mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0 }, offset: 0 }],
      ['app/etc', { header: { path: 'app/etc', type: 'symlink' as const, mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 0, linkname: '/etc' }, offset: 0 }],
      ['app/etc/passwd', { header: { path: 'app/etc/passwd', type: 'file' as const, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 }, offset: 0 }],
    ]);
    expect(() => dropletItems(members, '/nonexistent')).toThrow(
      'the droplet contains "app/etc/passwd" under "app/etc", which is not a directory (a symlink): refusing to export it',
    );
  });

  it('property: the reader, streamed or visited, ends (resolve or TarFormatError) on any mutation of a valid tar', async () => {
    const valid = rawTar([
      { path: './', type: '5' },
      { path: './app/a-long-name-'.padEnd(150, 'x'), type: '0', content: 'hello' },
      { path: './.cf-lifecycle/staging-metadata.json', type: '0', content: '{"a":1}' },
      { path: './app/l', type: '2', linkname: 'a' },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }),
        fc.nat(valid.length),
        async (edits, cut) => {
          const bytes = Buffer.from(valid.subarray(0, Math.max(cut, 512)));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          try {
            await visitTar([bytes], { want: () => true, content: () => {} });
          } catch (err) {
            expect(err).toBeInstanceOf(TarFormatError);
          }
          try {
            for await (const entry of readTar([bytes])) for await (const _ of entry.body()) void _;
          } catch (err) {
            expect(err).toBeInstanceOf(TarFormatError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
