// One tar header, encoded and decoded. Written as POSIX ustar, preceded by a PAX extended header
// ('x') when a field does not fit (a path beyond ustar's 155+100 bytes, a link target beyond 100, a
// size of 8 GiB or more). Every field is written the same way every time: numeric owners only, no
// user or group names, no access or change times, so equal entries give equal bytes (OCI layer
// digests depend on it). Read as ustar, GNU (base-256 numbers) or old v7.
import { TarFormatError } from './errors.ts';
import { paxRecordBytes } from './pax.ts';

export type TarType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarHeader {
  /** The member's path, without a trailing slash (OCI layers use no `./`; droplets start with `./`). */
  path: string;
  type: TarType;
  /** Permission bits, including setuid, setgid and sticky. */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content (regular files only; 0 for the others). */
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Target of a symlink, or the path of the entry a hard link repeats. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

export const BLOCK = 512;

const TYPEFLAG: Record<TarType, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

/** The entry types a reader accepts: '\0' is the old v7 file, '7' a contiguous file (a file). */
export const TYPE_OF_FLAG: Readonly<Record<string, TarType>> = {
  '0': 'file',
  '\u0000': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

const MAX_OCTAL_12 = 0o77777777777;
const MAX_OCTAL_8 = 0o7777777;

/** Bytes of padding after `size` bytes of content, up to the next block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * What `encodeHeader` takes: a TarHeader whose path and link target may be raw bytes. File names are
 * bytes on Linux and need not be UTF-8 (`caf\xe9.txt` in Latin-1): they are stored as they are.
 */
export type EncodableHeader = Omit<TarHeader, 'path' | 'linkname'> & { path: string | Buffer; linkname?: string | Buffer };

const SLASH = 0x2f;
const NO_BYTES = Buffer.alloc(0);

const bytesOf = (text: string | Buffer | undefined): Buffer => (text === undefined ? NO_BYTES : Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));

/**
 * The header block(s) for one entry: a PAX header when needed, then the ustar header. Names that are
 * not UTF-8 are written as GNU tar writes them: the raw bytes in the ustar fields when they fit, else
 * raw bytes in the PAX `path`/`linkpath` record (GNU tar reads them back byte for byte; it does not know
 * POSIX's `hdrcharset=BINARY` and warns about it on every read, so that record is not written).
 */
export function encodeHeader(entry: EncodableHeader): Buffer {
  const pathBytes = bytesOf(entry.path);
  const name = entry.type === 'dir' ? Buffer.concat([pathBytes, Buffer.from('/')]) : pathBytes;
  const pax: Array<[string, Buffer]> = [];
  const split = splitUstarPath(name);
  if (!split) pax.push(['path', name]);
  const linkname = bytesOf(entry.linkname);
  if (linkname.length > 100) pax.push(['linkpath', linkname]);
  const size = entry.type === 'file' ? entry.size : 0;
  if (size > MAX_OCTAL_12) pax.push(['size', Buffer.from(String(size))]);
  if (entry.uid > MAX_OCTAL_8) pax.push(['uid', Buffer.from(String(entry.uid))]);
  if (entry.gid > MAX_OCTAL_8) pax.push(['gid', Buffer.from(String(entry.gid))]);
  const mtime = Math.max(0, Math.floor(entry.mtime));
  if (mtime > MAX_OCTAL_12) pax.push(['mtime', Buffer.from(String(mtime))]);

  const ustar = ustarBlock({
    name: split ? split.name : name,
    prefix: split ? split.prefix : NO_BYTES,
    mode: entry.mode & 0o7777,
    uid: Math.min(entry.uid, MAX_OCTAL_8),
    gid: Math.min(entry.gid, MAX_OCTAL_8),
    size: Math.min(size, MAX_OCTAL_12),
    mtime: Math.min(mtime, MAX_OCTAL_12),
    typeflag: TYPEFLAG[entry.type],
    linkname,
    devmajor: entry.devmajor ?? 0,
    devminor: entry.devminor ?? 0,
  });
  if (pax.length === 0) return ustar;

  const body = Buffer.concat(pax.map(([key, value]) => paxRecordBytes(key, value)));
  // The last component of the name (without a directory's trailing slash).
  const end = name[name.length - 1] === SLASH ? name.length - 1 : name.length;
  const base = name.subarray(name.lastIndexOf(SLASH, end - 1) + 1, end);
  const paxHeader = ustarBlock({
    name: Buffer.concat([Buffer.from('PaxHeaders/'), base]),
    prefix: NO_BYTES,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: Math.min(mtime, MAX_OCTAL_12),
    typeflag: 'x',
    linkname: NO_BYTES,
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxHeader, body, Buffer.alloc(padding(body.length)), ustar]);
}

/** ustar's name and prefix for a path, or undefined when it needs a PAX `path`. */
function splitUstarPath(name: Buffer): { name: Buffer; prefix: Buffer } | undefined {
  if (name.length <= 100) return { name, prefix: NO_BYTES };
  if (name.length > 256) return undefined;
  // The prefix ends at a slash; a directory's own trailing slash cannot be the split point.
  for (let i = name.length - 2; i > 0; i--) {
    if (name[i] !== SLASH) continue;
    const rest = name.length - i - 1;
    if (rest > 100) break;
    if (i <= 155) return { name: name.subarray(i + 1), prefix: name.subarray(0, i) };
  }
  return undefined;
}

/** `bytes` into a field, cut at `width` bytes (even inside a character). */
function writeBytes(block: Buffer, bytes: Buffer, offset: number, width: number): void {
  if (bytes.length > 0) bytes.copy(block, offset, 0, Math.min(width, bytes.length));
}

interface UstarFields {
  name: Buffer;
  prefix: Buffer;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: Buffer;
  devmajor: number;
  devminor: number;
}

function ustarBlock(f: UstarFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeBytes(block, f.name, 0, 100);
  writeOctal(block, f.mode, 100, 8);
  writeOctal(block, f.uid, 108, 8);
  writeOctal(block, f.gid, 116, 8);
  writeOctal(block, f.size, 124, 12);
  writeOctal(block, f.mtime, 136, 12);
  block.fill(0x20, 148, 156);
  block.write(f.typeflag, 156, 'latin1');
  writeBytes(block, f.linkname, 157, 100);
  block.write('ustar\u000000', 257, 'latin1');
  writeOctal(block, f.devmajor, 329, 8);
  writeOctal(block, f.devminor, 337, 8);
  writeBytes(block, f.prefix, 345, 155);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return block;
}

function writeOctal(block: Buffer, value: number, offset: number, width: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, offset, 'latin1');
}

// Decoding.

export function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/** A NUL-terminated (or full-width) text field. */
export function cString(block: Buffer, offset: number, width: number): string {
  const field = block.subarray(offset, offset + width);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? width : nul).toString('utf8');
}

/** An octal field, or GNU base-256 (the top bit of the first byte set). */
export function parseNumber(block: Buffer, offset: number, width: number): number {
  const field = block.subarray(offset, offset + width);
  if (field[0]! & 0x80) {
    // GNU base-256: big-endian, the top bit of the first byte marks it.
    let value = field[0]! & 0x7f;
    for (let i = 1; i < width; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = field
    .toString('latin1')
    .replace(/[\u0000 ]+$/, '')
    .replace(/^[\u0000 ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`invalid number ${JSON.stringify(text)} in a tar header`);
  return parseInt(text, 8);
}

function checksumMatches(block: Buffer): boolean {
  const stored = parseNumber(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** Whether a 512-byte block is a valid tar header (its checksum matches). */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < BLOCK || isZeroBlock(block)) return false;
  try {
    return checksumMatches(block);
  } catch {
    return false;
  }
}
