// Copying a file out of a directory that untrusted code could write (a staging container's /tmp):
// the source is opened without following a link at its last component, checked by descriptor to be a
// regular file with a single link, and copied from that descriptor into a temporary beside the
// destination, which is then renamed. Whatever replaces the name meanwhile is never read.
import fs from 'node:fs';
import path from 'node:path';
import { FileInputError, openRegularFile } from './bounded.ts';

/**
 * Copies `src` to `dest` atomically. `src` must be a regular file with one link, reached without
 * following a symbolic link at its last component; its parent directories must be ones the untrusted
 * side cannot replace (the caller's job). Returns the bytes copied.
 */
export function copyOutNoFollow(src: string, dest: string, opts: { what?: string; maxBytes?: number } = {}): number {
  const what = opts.what ?? path.basename(src);
  const { fd, stat } = openRegularFile(src, { what, noFollow: true });
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  let out: number | undefined;
  try {
    if (stat.nlink !== 1) throw new FileInputError(`${what} has ${stat.nlink} hard links; refusing to copy it (it must be a file of its own)`);
    if (opts.maxBytes !== undefined && stat.size > opts.maxBytes) throw new FileInputError(`${what} is too large: ${stat.size} bytes`);
    out = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
    const buf = Buffer.allocUnsafe(1 << 20);
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      let off = 0;
      while (off < n) off += fs.writeSync(out, buf, off, n - off);
      total += n;
      if (opts.maxBytes !== undefined && total > opts.maxBytes) throw new FileInputError(`${what} is too large: it grew past ${opts.maxBytes} bytes`);
    }
    fs.fsyncSync(out);
    fs.closeSync(out);
    out = undefined;
    fs.renameSync(tmp, dest);
    return total;
  } catch (err) {
    if (out !== undefined) fs.closeSync(out);
    fs.rmSync(tmp, { force: true });
    throw err;
  } finally {
    fs.closeSync(fd);
  }
}
