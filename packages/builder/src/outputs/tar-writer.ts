// A streaming tar writer for droplets and caches: walks directory trees and emits a POSIX tar (ustar
// headers, PAX records for long names and large values) that GNU tar extracts to exactly the tree
// `cp -a` + `tar -czf` would give: modes, symlinks, hard links, timestamps, dotfiles, fifos and
// devices. Sockets are skipped, as GNU tar skips them. Nothing is copied first.
import fs from 'node:fs';
import path from 'node:path';

const BLOCK = 512;

export interface TarOptions {
  /** Sorted entries, mtime fixed to `mtime`, owners 0:0: the same tree gives the same bytes. */
  reproducible?: { mtime: number };
}

/**
 * The tree to archive: `dir` is stored as `./`, its entries as `./<name>`; `graft` adds top-level
 * entries from elsewhere (the droplet's `./app` is the build directory itself, never copied).
 */
export interface TarTree {
  dir: string;
  graft?: Record<string, string>;
}

/** Where the tar stream goes: bytes, and file contents read straight from a descriptor. */
export interface TarSink {
  write(chunk: Buffer): Promise<void> | void;
  /** Appends up to `length` bytes from `fd`; returns how many it read (fewer at end of file). */
  writeFromFile(fd: number, length: number): Promise<number>;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return Buffer.from(`${len}${body}`);
}

/** ustar splits a path into a prefix (≤155 bytes) and a name (≤100 bytes) at a slash. */
function splitUstarPath(p: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(p) <= 100) return { name: p, prefix: '' };
  for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { name, prefix };
  }
  return undefined;
}

interface Header {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  type: string; // '0' file, '1' hard link, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

function headerBlock(h: Header, pathOverride?: { name: string; prefix: string }, linkOverride?: string): Buffer {
  const buf = Buffer.alloc(BLOCK);
  const split = pathOverride ?? splitUstarPath(h.path) ?? { name: h.path.slice(0, 100), prefix: '' };
  buf.write(split.name, 0, 100, 'utf8');
  buf.write(octal(h.mode & 0o7777, 8), 100, 8, 'ascii');
  buf.write(octal(Math.min(h.uid, 0o7777777), 8), 108, 8, 'ascii');
  buf.write(octal(Math.min(h.gid, 0o7777777), 8), 116, 8, 'ascii');
  buf.write(octal(h.size <= 0o77777777777 ? h.size : 0, 12), 124, 12, 'ascii');
  buf.write(octal(Math.max(0, Math.min(h.mtime, 0o77777777777)), 12), 136, 12, 'ascii');
  buf.write('        ', 148, 8, 'ascii');
  buf.write(h.type, 156, 1, 'ascii');
  if (h.linkname !== undefined) buf.write(linkOverride ?? h.linkname, 157, 100, 'utf8');
  buf.write('ustar\0', 257, 6, 'ascii');
  buf.write('00', 263, 2, 'ascii');
  if (h.devmajor !== undefined) buf.write(octal(h.devmajor, 8), 329, 8, 'ascii');
  if (h.devminor !== undefined) buf.write(octal(h.devminor, 8), 337, 8, 'ascii');
  buf.write(split.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of buf) sum += byte;
  buf.write(octal(sum, 7), 148, 7, 'ascii');
  buf[155] = 0x20;
  return buf;
}

/** The header blocks for an entry: a PAX extended header first when ustar cannot hold it. */
export function headerBlocks(h: Header): Buffer[] {
  const records: Buffer[] = [];
  const split = splitUstarPath(h.path);
  if (!split || /[^\x20-\x7e]/.test(h.path)) records.push(paxRecord('path', h.path));
  if (h.linkname !== undefined && (Buffer.byteLength(h.linkname) > 100 || /[^\x20-\x7e]/.test(h.linkname))) records.push(paxRecord('linkpath', h.linkname));
  if (h.size > 0o77777777777) records.push(paxRecord('size', String(h.size)));
  if (h.uid > 0o7777777) records.push(paxRecord('uid', String(h.uid)));
  if (h.gid > 0o7777777) records.push(paxRecord('gid', String(h.gid)));
  const out: Buffer[] = [];
  if (records.length > 0) {
    const body = Buffer.concat(records);
    const paxName = `./PaxHeaders/${path.posix.basename(h.path).slice(0, 80) || 'entry'}`;
    out.push(headerBlock({ path: paxName, mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: h.mtime, type: 'x' }));
    out.push(body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK));
  }
  out.push(headerBlock(h, split ?? { name: h.path.slice(-100).replace(/^[^/]*\//, '') || 'x', prefix: '' }, h.linkname?.slice(0, 100)));
  return out;
}

/** Writes sources as one tar stream into `sink`; resolves once the end-of-archive blocks are written. */
export async function writeTar(tree: TarTree, out: TarSink, opts: TarOptions = {}): Promise<void> {
  const sink = (chunk: Buffer) => out.write(chunk);
  const hardLinks = new Map<string, string>();

  const owner = (st: fs.Stats) => (opts.reproducible ? { uid: 0, gid: 0 } : { uid: st.uid, gid: st.gid });
  const mtimeOf = (st: fs.Stats) => (opts.reproducible ? opts.reproducible.mtime : Math.floor(st.mtimeMs / 1000));

  const entry = async (full: string, name: string, st: fs.Stats): Promise<void> => {
    const base = { path: name, mode: st.mode, ...owner(st), mtime: mtimeOf(st), size: 0 };
    if (st.isDirectory()) {
      for (const b of headerBlocks({ ...base, path: name.endsWith('/') ? name : `${name}/`, type: '5' })) await sink(b);
      const children = fs.readdirSync(full);
      if (opts.reproducible) children.sort();
      for (const child of children) {
        const childFull = path.join(full, child);
        await entry(childFull, `${name}/${child}`, fs.lstatSync(childFull));
      }
      return;
    }
    if (st.isSymbolicLink()) {
      for (const b of headerBlocks({ ...base, type: '2', linkname: fs.readlinkSync(full) })) await sink(b);
      return;
    }
    if (st.isSocket()) return;
    if (st.nlink > 1 && !st.isDirectory()) {
      const id = `${st.dev}:${st.ino}`;
      const first = hardLinks.get(id);
      if (first !== undefined) {
        for (const b of headerBlocks({ ...base, type: '1', linkname: first })) await sink(b);
        return;
      }
      hardLinks.set(id, name);
    }
    if (st.isFIFO()) {
      for (const b of headerBlocks({ ...base, type: '6' })) await sink(b);
      return;
    }
    if (st.isCharacterDevice() || st.isBlockDevice()) {
      const rdev = st.rdev;
      const major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfff);
      const minor = (rdev & 0xff) | ((rdev >> 12) & ~0xff);
      for (const b of headerBlocks({ ...base, type: st.isCharacterDevice() ? '3' : '4', devmajor: major, devminor: minor })) await sink(b);
      return;
    }
    // A regular file: header, content, padding. The size is the one stat saw; a file that changes
    // while it is read is padded or cut to that size, as GNU tar does (with a warning there).
    const size = st.size;
    for (const b of headerBlocks({ ...base, type: '0', size })) await sink(b);
    const fd = fs.openSync(full, 'r');
    try {
      const read = await out.writeFromFile(fd, size);
      if (read < size) await sink(Buffer.alloc(size - read));
    } finally {
      fs.closeSync(fd);
    }
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad > 0) await sink(Buffer.alloc(pad));
  };

  const rootStat = fs.lstatSync(tree.dir);
  for (const b of headerBlocks({ path: './', mode: rootStat.mode, ...owner(rootStat), mtime: mtimeOf(rootStat), size: 0, type: '5' })) await sink(b);
  const grafts = tree.graft ?? {};
  let names = [...Object.keys(grafts), ...fs.readdirSync(tree.dir).filter((n) => !(n in grafts))];
  if (opts.reproducible) names = names.sort();
  for (const name of names) {
    const full = grafts[name] ?? path.join(tree.dir, name);
    await entry(full, `./${name}`, fs.lstatSync(full));
  }
  await sink(Buffer.alloc(BLOCK * 2));
}
