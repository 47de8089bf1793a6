// A streaming tar writer for droplets and caches: walks directory trees and emits a POSIX tar (ustar
// headers, PAX records for long names and large values) that GNU tar extracts to exactly the tree
// `cp -a` + `tar -czf` would give: modes, symlinks, hard links, timestamps, dotfiles, fifos and
// devices. Sockets are skipped, as GNU tar skips them. Nothing is copied first: file contents go
// from their descriptor straight into the sink's buffers. Headers come from the shared encoder.
import fs from 'node:fs';
import path from 'node:path';
import { BLOCK, encodeHeader, padding, type TarHeader } from './header.ts';

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

/** Writes sources as one tar stream into `sink`; resolves once the end-of-archive blocks are written. */
export async function writeTar(tree: TarTree, out: TarSink, opts: TarOptions = {}): Promise<void> {
  const sink = (chunk: Buffer) => out.write(chunk);
  const hardLinks = new Map<string, string>();

  const owner = (st: fs.Stats) => (opts.reproducible ? { uid: 0, gid: 0 } : { uid: st.uid, gid: st.gid });
  const mtimeOf = (st: fs.Stats) => (opts.reproducible ? opts.reproducible.mtime : Math.floor(st.mtimeMs / 1000));

  const header = (h: TarHeader) => sink(encodeHeader(h));

  const entry = async (full: string, name: string, st: fs.Stats): Promise<void> => {
    const base = { path: name, mode: st.mode, ...owner(st), mtime: mtimeOf(st), size: 0 };
    if (st.isDirectory()) {
      await header({ ...base, type: 'dir' });
      const children = fs.readdirSync(full);
      if (opts.reproducible) children.sort();
      for (const child of children) {
        const childFull = path.join(full, child);
        await entry(childFull, `${name}/${child}`, fs.lstatSync(childFull));
      }
      return;
    }
    if (st.isSymbolicLink()) {
      await header({ ...base, type: 'symlink', linkname: fs.readlinkSync(full) });
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
  const grafts = tree.graft ?? {};
  let names = [...Object.keys(grafts), ...fs.readdirSync(tree.dir).filter((n) => !(n in grafts))];
  if (opts.reproducible) names = names.sort();
  for (const name of names) {
    const full = grafts[name] ?? path.join(tree.dir, name);
    await entry(full, `./${name}`, fs.lstatSync(full));
  }
  await sink(Buffer.alloc(BLOCK * 2));
}
