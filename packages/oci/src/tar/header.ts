// One tar header: POSIX ustar, preceded by a PAX extended header ('x') when a field does not fit
// (a path beyond ustar's 155+100 bytes, a link target beyond 100, a size of 8 GiB or more). Every
// field is written the same way every time: numeric owners only, no user or group names, no
// access or change times, so equal entries give equal bytes.

export type TarType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarHeader {
  /** Relative path, without `./` or a trailing slash. */
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

const MAX_OCTAL_12 = 0o77777777777;
const MAX_OCTAL_8 = 0o7777777;

/** Bytes of padding after `size` bytes of content, up to the next block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The header block(s) for one entry: a PAX header when needed, then the ustar header. */
export function encodeHeader(entry: TarHeader): Buffer {
  const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
  const pax: Array<[string, string]> = [];
  const split = splitUstarPath(name);
  if (!split) pax.push(['path', name]);
  const linkname = entry.linkname ?? '';
  if (Buffer.byteLength(linkname) > 100) pax.push(['linkpath', linkname]);
  const size = entry.type === 'file' ? entry.size : 0;
  if (size > MAX_OCTAL_12) pax.push(['size', String(size)]);
  if (entry.uid > MAX_OCTAL_8) pax.push(['uid', String(entry.uid)]);
  if (entry.gid > MAX_OCTAL_8) pax.push(['gid', String(entry.gid)]);
  const mtime = Math.max(0, Math.floor(entry.mtime));
  if (mtime > MAX_OCTAL_12) pax.push(['mtime', String(mtime)]);

  const ustar = ustarBlock({
    name: split ? utf8(split.name) : utf8(name).subarray(0, 100),
    prefix: utf8(split ? split.prefix : ''),
    mode: entry.mode & 0o7777,
    uid: Math.min(entry.uid, MAX_OCTAL_8),
    gid: Math.min(entry.gid, MAX_OCTAL_8),
    size: Math.min(size, MAX_OCTAL_12),
    mtime: Math.min(mtime, MAX_OCTAL_12),
    typeflag: TYPEFLAG[entry.type],
    linkname: utf8(linkname).subarray(0, 100),
    devmajor: entry.devmajor ?? 0,
    devminor: entry.devminor ?? 0,
  });
  if (pax.length === 0) return ustar;

  const body = Buffer.from(pax.map(([key, value]) => paxRecord(key, value)).join(''), 'utf8');
  const base = name.replace(/\/$/, '').split('/').pop() ?? '';
  const paxHeader = ustarBlock({
    name: utf8(`PaxHeaders/${base}`).subarray(0, 100),
    prefix: Buffer.alloc(0),
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: Math.min(mtime, MAX_OCTAL_12),
    typeflag: 'x',
    linkname: Buffer.alloc(0),
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxHeader, body, Buffer.alloc(padding(body.length)), ustar]);
}

/** `<length> <key>=<value>\n`, where the length counts the whole record including its own digits. */
export function paxRecord(key: string, value: string): string {
  const rest = Buffer.byteLength(` ${key}=${value}\n`);
  let length = rest + String(rest).length;
  if (String(length).length !== String(rest).length) length = rest + String(length).length;
  return `${length} ${key}=${value}\n`;
}

/** ustar's name and prefix for a path, or undefined when it needs a PAX `path`. */
function splitUstarPath(name: string): { name: string; prefix: string } | undefined {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return { name, prefix: '' };
  if (bytes > 256) return undefined;
  // The prefix ends at a slash; a directory's own trailing slash cannot be the split point.
  for (let i = name.length - 2; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(rest) > 100) break;
    if (Buffer.byteLength(prefix) <= 155) return { name: rest, prefix };
  }
  return undefined;
}

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
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
  f.name.copy(block, 0, 0, 100);
  writeOctal(block, f.mode, 100, 8);
  writeOctal(block, f.uid, 108, 8);
  writeOctal(block, f.gid, 116, 8);
  writeOctal(block, f.size, 124, 12);
  writeOctal(block, f.mtime, 136, 12);
  block.fill(0x20, 148, 156);
  block.write(f.typeflag, 156, 'latin1');
  f.linkname.copy(block, 157, 0, 100);
  block.write('ustar\u000000', 257, 'latin1');
  writeOctal(block, f.devmajor, 329, 8);
  writeOctal(block, f.devminor, 337, 8);
  f.prefix.copy(block, 345, 0, 155);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return block;
}

function writeOctal(block: Buffer, value: number, offset: number, width: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, offset, 'latin1');
}
