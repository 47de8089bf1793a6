// Bounded reads of input files (docs/security.md, "Limits"). `/dev/zero`, a FIFO, a directory or a
// socket where a file is expected is refused before a byte is read; a file over its cap is refused
// with the cap in the message; a file that grows while it is read is cut at the cap and refused too.
import fs from 'node:fs';

/** An input file cannot be used; the message is one line that names it and says what to do. */
export class FileInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileInputError';
  }
}

export interface ReadOptions {
  /** Most bytes read; a larger file is refused. */
  maxBytes: number;
  /** What the file is, for messages (`--services`, `staging_info.yml`); default: the path. */
  what?: string;
  /** Refuse a symbolic link at the last path component (O_NOFOLLOW). */
  noFollow?: boolean;
}

export interface OpenedFile {
  fd: number;
  stat: fs.Stats;
}

function describeKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'is a symbolic link (refused: it must be a regular file)';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ENXIO':
      return 'is a socket or a FIFO without a writer';
    default:
      return e?.code ?? (e as Error)?.message ?? String(err);
  }
}

/** A human size: `512 bytes`, `64 KiB`, `1 MiB`, `2.5 GiB`. */
export function formatCap(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit += 1;
  }
  return `${value} ${units[unit]}`;
}

/**
 * Opens `file` for reading without blocking on a FIFO and checks, by descriptor, that it is a regular
 * file. The caller closes `fd`.
 */
export function openRegularFile(file: string | Buffer, opts: { what?: string; noFollow?: boolean } = {}): OpenedFile {
  const what = opts.what ?? String(file);
  const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (opts.noFollow ? fs.constants.O_NOFOLLOW : 0);
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (err) {
    throw new FileInputError(`${what}: cannot read ${String(file)}: ${errnoText(err)}`);
  }
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    throw new FileInputError(`${what}: cannot read ${String(file)}: ${errnoText(err)}`);
  }
  if (!stat.isFile()) {
    fs.closeSync(fd);
    const named = what === String(file) ? what : `${what} ${String(file)}`;
    throw new FileInputError(`${named} is ${describeKind(stat)}; give a regular file`);
  }
  return { fd, stat };
}

/** Reads a whole regular file of at most `maxBytes`. */
export function readFileBounded(file: string | Buffer, opts: ReadOptions): Buffer {
  const what = opts.what ?? String(file);
  const named = what === String(file) ? what : `${what} ${String(file)}`;
  const { fd, stat } = openRegularFile(file, opts);
  try {
    if (stat.size > opts.maxBytes) throw new FileInputError(`${named} is too large: ${stat.size} bytes, at most ${formatCap(opts.maxBytes)} are read`);
    // One byte more than allowed tells a file that grew after fstat.
    const buf = Buffer.allocUnsafe(Math.min(opts.maxBytes + 1, Math.max(stat.size + 1, 1)));
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        if (total > opts.maxBytes) throw new FileInputError(`${named} is too large: it grew past ${formatCap(opts.maxBytes)} while it was read`);
        break;
      }
      let n: number;
      try {
        n = fs.readSync(fd, buf, total, buf.length - total, null);
      } catch (err) {
        throw new FileInputError(`${what}: cannot read ${String(file)}: ${errnoText(err)}`);
      }
      if (n === 0) break;
      total += n;
    }
    if (total > opts.maxBytes) throw new FileInputError(`${named} is too large: it grew past ${formatCap(opts.maxBytes)} while it was read`);
    return buf.subarray(0, total);
  } finally {
    fs.closeSync(fd);
  }
}

/** `readFileBounded` as UTF-8 text. */
export function readTextBounded(file: string | Buffer, opts: ReadOptions): string {
  return readFileBounded(file, opts).toString('utf8');
}
