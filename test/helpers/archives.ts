// Buildpack archives made in the test: zip files written with Node's zlib (unix modes and symlinks
// recorded the way Info-ZIP does, so no `zip` CLI is needed), bare git repositories made with the
// real `git`, and Go's bytefmt size formatting that the builder's download message uses.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export type ZipEntry =
  | { name: string; type: 'file'; content: Buffer | string; mode?: number; stored?: boolean }
  | { name: string; type: 'dir'; mode?: number }
  | { name: string; type: 'symlink'; target: string };

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
// 2024-01-01 00:00:00 in MS-DOS format.
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

/**
 * A zip archive of `entries` in the given order. "Version made by" is Unix, and each entry's
 * external attributes carry its unix type and permission bits (symlinks store their target as
 * data). With `padTo`, the archive comment is filled so that the file is exactly that many bytes.
 */
export function makeZip(entries: readonly ZipEntry[], opts: { padTo?: number } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name, 'utf8');
    let data: Buffer;
    let unixMode: number;
    let stored = true;
    if (e.type === 'file') {
      data = Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content, 'utf8');
      unixMode = S_IFREG | (e.mode ?? 0o644);
      stored = e.stored ?? false;
    } else if (e.type === 'dir') {
      data = Buffer.alloc(0);
      unixMode = S_IFDIR | (e.mode ?? 0o755);
    } else {
      data = Buffer.from(e.target, 'utf8');
      unixMode = S_IFLNK | 0o777;
    }
    const crc = crc32(data);
    const compressed = stored ? data : zlib.deflateRawSync(data);
    const method = stored ? 0 : 8;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(((unixMode << 16) | (e.type === 'dir' ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + compressed.length;
  }
  const centralDir = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(0, 4);
  eocd.writeUInt16LE(0, 6);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(centralDir.length, 12);
  eocd.writeUInt32LE(offset, 16);
  const unpadded = offset + centralDir.length + eocd.length;
  let comment = Buffer.alloc(0);
  if (opts.padTo !== undefined) {
    if (opts.padTo < unpadded || opts.padTo - unpadded > 0xffff) throw new Error(`cannot pad a ${unpadded}-byte zip to ${opts.padTo} bytes`);
    comment = Buffer.alloc(opts.padTo - unpadded, 0x20);
  }
  eocd.writeUInt16LE(comment.length, 20);
  return Buffer.concat([...locals, centralDir, eocd, comment]);
}

/** Zip entries for everything under `dir` (sorted, directories first), names prefixed by `prefix`. */
export function zipEntriesOf(dir: string, prefix = ''): ZipEntry[] {
  const entries: ZipEntry[] = [];
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      const abs = path.join(dir, relPath);
      const st = fs.lstatSync(abs);
      if (st.isSymbolicLink()) entries.push({ name: prefix + relPath, type: 'symlink', target: fs.readlinkSync(abs) });
      else if (st.isDirectory()) {
        entries.push({ name: `${prefix}${relPath}/`, type: 'dir', mode: st.mode & 0o7777 });
        walk(relPath);
      } else entries.push({ name: prefix + relPath, type: 'file', content: fs.readFileSync(abs), mode: st.mode & 0o7777 });
    }
  };
  walk('');
  return entries;
}

/**
 * Go's `bytefmt.ByteSize`: the largest binary unit not exceeding the value, one decimal
 * (round half to even on the exact value, as strconv does), a trailing `.0` dropped.
 */
export function bytefmt(bytes: number): string {
  const units: [string, number][] = [
    ['E', 2 ** 60],
    ['P', 2 ** 50],
    ['T', 2 ** 40],
    ['G', 2 ** 30],
    ['M', 2 ** 20],
    ['K', 2 ** 10],
    ['B', 1],
  ];
  if (bytes === 0) return '0B';
  for (const [unit, size] of units) {
    if (bytes >= size) {
      const tenths = (bytes * 10) / size;
      let rounded = Math.floor(tenths);
      const frac = tenths - rounded;
      if (frac > 0.5 || (frac === 0.5 && rounded % 2 === 1)) rounded += 1;
      const text = (rounded / 10).toFixed(1).replace(/\.0$/, '');
      return `${text}${unit}`;
    }
  }
  return `${bytes}B`;
}

const GIT_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  GIT_AUTHOR_NAME: 'Lifecycle Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Lifecycle Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  HOME: '/nonexistent',
};

export function git(args: readonly string[], cwd: string): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A bare repository at `bareDir` whose `main` branch holds a copy of `srcDir`; each extra branch
 * starts from main and gets `change(workTree)` committed on top. `git update-server-info` is run
 * so the repository can also be served over git's dumb HTTP protocol by a static file server.
 */
export function makeBareRepo(srcDir: string, bareDir: string, branches: Record<string, (workTree: string) => void> = {}): void {
  const work = `${bareDir}.work`;
  fs.mkdirSync(path.dirname(bareDir), { recursive: true });
  execFileSync('cp', ['-a', srcDir, work]);
  git(['init', '-q', '-b', 'main'], work);
  git(['add', '-A'], work);
  git(['commit', '-q', '-m', 'buildpack'], work);
  for (const [branch, change] of Object.entries(branches)) {
    git(['checkout', '-q', '-b', branch, 'main'], work);
    change(work);
    git(['add', '-A'], work);
    git(['commit', '-q', '-m', `on ${branch}`], work);
  }
  git(['checkout', '-q', 'main'], work);
  git(['clone', '-q', '--bare', work, bareDir], path.dirname(bareDir));
  git(['update-server-info'], bareDir);
  fs.rmSync(work, { recursive: true, force: true });
}
