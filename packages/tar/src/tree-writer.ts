// A streaming tar writer for droplets and caches: walks directory trees and emits a POSIX tar (ustar
// headers, PAX records for long names and large values) that GNU tar extracts to exactly the tree
// `cp -a` + `tar -czf` would give: modes, symlinks, hard links, timestamps, dotfiles, fifos and
// devices. Sockets are skipped, as GNU tar skips them. Nothing is copied first: file contents go
// from their descriptor straight into the sink's buffers. Headers come from the shared encoder.
import fs from 'node:fs';
import { BLOCK, encodeHeader, padding, type EncodableHeader } from './header.ts';

export interface TarOptions {
  /** Sorted entries, mtime fixed to `mtime`, owners 0:0: the same tree gives the same bytes. */
  reproducible?: { mtime: number };
}

/**
 * The tree to archive: `dir` is stored as `./`, its entries as `./<name>`; `graft` adds top-level
 * entries from elsewhere (the droplet's `./app` is the build directory itself, never copied); `first`
 * names top-level entries that come before all others, in that order, when they exist (the droplet's
 * `./.cf-lifecycle`, so a reader finds the metadata without reading past the app).
 */
export interface TarTree {
  dir: string;
  graft?: Record<string, string>;
  first?: readonly string[];
}

/** Where the tar stream goes: bytes, and file contents read straight from a descriptor. */
export interface TarSink {
  write(chunk: Buffer): Promise<void> | void;
  /** Appends up to `length` bytes from `fd`; returns how many it read (fewer at end of file). */
  writeFromFile(fd: number, length: number): Promise<number>;
}

const SLASH = Buffer.from('/');
const join = (dir: Buffer, name: Buffer): Buffer => Buffer.concat([dir, SLASH, name]);
const byteOrder = (a: Buffer, b: Buffer): number => Buffer.compare(a, b);

/**
 * Writes sources as one tar stream into `sink`; resolves once the end-of-archive blocks are written.
 * Names are handled as bytes from readdir to the header (Buffer paths throughout): a file name that
 * is not UTF-8 reaches the archive unchanged, as it does with GNU tar.
 */
export async function writeTar(tree: TarTree, out: TarSink, opts: TarOptions = {}): Promise<void> {
  const sink = (chunk: Buffer) => out.write(chunk);
  const hardLinks = new Map<string, Buffer>();

  const owner = (st: fs.Stats) => (opts.reproducible ? { uid: 0, gid: 0 } : { uid: st.uid, gid: st.gid });
  const mtimeOf = (st: fs.Stats) => (opts.reproducible ? opts.reproducible.mtime : Math.floor(st.mtimeMs / 1000));

  const header = (h: EncodableHeader) => sink(encodeHeader(h));

  const entry = async (full: Buffer, name: Buffer, st: fs.Stats): Promise<void> => {
    const base = { path: name, mode: st.mode, ...owner(st), mtime: mtimeOf(st), size: 0 };
    if (st.isDirectory()) {
      await header({ ...base, type: 'dir' });
      const children = fs.readdirSync(full, { encoding: 'buffer' });
      if (opts.reproducible) children.sort(byteOrder);
      for (const child of children) {
        const childFull = join(full, child);
        await entry(childFull, join(name, child), fs.lstatSync(childFull));
      }
      return;
    }
    if (st.isSymbolicLink()) {
      await header({ ...base, type: 'symlink', linkname: fs.readlinkSync(full, { encoding: 'buffer' }) });
      return;
    }
    if (st.isSocket()) return;
    if (st.nlink > 1 && !st.isDirectory()) {
      const id = `${st.dev}:${st.ino}`;
      const first = hardLinks.get(id);
      if (first !== undefined) {
        await header({ ...base, type: 'hardlink', linkname: first });
        return;
      }
      hardLinks.set(id, name);
    }
    if (st.isFIFO()) {
      await header({ ...base, type: 'fifo' });
      return;
    }
    if (st.isCharacterDevice() || st.isBlockDevice()) {
      const rdev = st.rdev;
      const major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfff);
      const minor = (rdev & 0xff) | ((rdev >> 12) & ~0xff);
      await header({ ...base, type: st.isCharacterDevice() ? 'char' : 'block', devmajor: major, devminor: minor });
      return;
    }
    // A regular file: header, content, padding. The size is the one stat saw; a file that changes
    // while it is read is padded or cut to that size, as GNU tar does (with a warning there).
    const size = st.size;
    await header({ ...base, type: 'file', size });
    const fd = fs.openSync(full, 'r');
    try {
      const read = await out.writeFromFile(fd, size);
      if (read < size) await sink(Buffer.alloc(size - read));
    } finally {
      fs.closeSync(fd);
    }
    const pad = padding(size);
    if (pad > 0) await sink(Buffer.alloc(pad));
  };

  const rootStat = fs.lstatSync(tree.dir);
  // `.` as a directory is written `./`, as GNU tar writes the root of `tar -C dir .`.
  await header({ path: '.', mode: rootStat.mode, ...owner(rootStat), mtime: mtimeOf(rootStat), size: 0, type: 'dir' });
  const dir = Buffer.from(tree.dir);
  const grafts = Object.entries(tree.graft ?? {}).map(([name, from]) => ({ name: Buffer.from(name), full: Buffer.from(from) }));
  const own = fs
    .readdirSync(dir, { encoding: 'buffer' })
    .filter((n) => !grafts.some((g) => g.name.equals(n)))
    .map((name) => ({ name, full: join(dir, name) }));
  let top = [...grafts, ...own];
  if (opts.reproducible) top.sort((a, b) => byteOrder(a.name, b.name));
  const first = (tree.first ?? []).map((n) => Buffer.from(n));
  if (first.length > 0) {
    const rank = (n: Buffer) => {
      const i = first.findIndex((f) => f.equals(n));
      return i === -1 ? first.length : i;
    };
    // A stable sort: everything else keeps its order.
    top = top
      .map((t, i) => ({ t, i }))
      .sort((a, b) => rank(a.t.name) - rank(b.t.name) || a.i - b.i)
      .map(({ t }) => t);
  }
  const dot = Buffer.from('.');
  for (const { name, full } of top) await entry(full, join(dot, name), fs.lstatSync(full));
  await sink(Buffer.alloc(BLOCK * 2));
}
