// Hostile archives made in the test, byte by byte: zips whose central directory says whatever the
// test wants (any unix type bits, declared sizes that lie, more than 65,535 entries with a zip64 end
// record) and gzip tarballs with any member names, link targets and types (written with the shared tar header
// encoder, which checks nothing about paths).
import zlib from 'node:zlib';
import { encodeHeader, type TarType } from '../../packages/tar/src/index.ts';

export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;
export const S_IFSOCK = 0o140000;

export interface RawZipEntry {
  name: string;
  /** Unix type and permission bits, stored in the external attributes. */
  unixMode: number;
  /** The entry's content (a symlink's target); empty when absent. */
  data?: Buffer | string;
  /** What the central directory claims as uncompressed size (default: the truth). */
  declaredSize?: number;
}

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

const EMPTY_DEFLATED = zlib.deflateRawSync(Buffer.alloc(0));

/** A zip of `entries`, deflated, names as given (no normalisation); zip64 end records past 65,535 entries. */
export function rawZip(entries: readonly RawZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '', 'utf8');
    const compressed = data.length === 0 ? EMPTY_DEFLATED : zlib.deflateRawSync(data);
    const crc = crc32(data);
    const size = e.declaredSize ?? data.length;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.unixMode << 16) | ((e.unixMode & 0o170000) === S_IFDIR ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const cd = Buffer.concat(centrals);
  const cdOffset = offset;
  const tail: Buffer[] = [];
  const zip64 = entries.length > 0xfffe;
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE((3 << 8) | 45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(cd.length), 40);
    record.writeBigUInt64LE(BigInt(cdOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(cdOffset + cd.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(zip64 ? 0xffff : entries.length, 8);
  eocd.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([...parts, cd, ...tail, eocd]);
}

export const file = (name: string, data: string | Buffer, mode = 0o644): RawZipEntry => ({ name, unixMode: S_IFREG | mode, data });
export const dir = (name: string): RawZipEntry => ({ name: name.endsWith('/') ? name : `${name}/`, unixMode: S_IFDIR | 0o755 });
export const symlink = (name: string, target: string): RawZipEntry => ({ name, unixMode: S_IFLNK | 0o777, data: target });

export interface TarMember {
  path: string;
  /** '0' file, '1' hard link, '2' symlink, '3' char device, '4' block device, '5' directory, '6' fifo. */
  type: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  content?: string;
  linkname?: string;
  mode?: number;
  /** What the header claims as size (default: the content's length); no content is written past it. */
  declaredSize?: number;
  devmajor?: number;
  devminor?: number;
}

const TAR_TYPES: Record<TarMember['type'], TarType> = { '0': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };

/** The tar stream (uncompressed) of `members`, in order, with the end-of-archive blocks. */
export function rawTar(members: readonly TarMember[]): Buffer {
  const out: Buffer[] = [];
  for (const m of members) {
    const data = Buffer.from(m.content ?? '');
    const size = m.declaredSize ?? (m.type === '0' ? data.length : 0);
    const type = TAR_TYPES[m.type];
    out.push(
      encodeHeader({
        // The encoder adds a directory's trailing slash itself.
        path: type === 'dir' ? m.path.replace(/\/+$/, '') : m.path,
        mode: m.mode ?? (m.type === '5' ? 0o755 : 0o644),
        uid: 0,
        gid: 0,
        size,
        mtime: 1_700_000_000,
        type,
        ...(m.linkname !== undefined && { linkname: m.linkname }),
        ...(m.devmajor !== undefined && { devmajor: m.devmajor }),
        ...(m.devminor !== undefined && { devminor: m.devminor }),
      }),
    );
    if (m.type === '0' && m.declaredSize === undefined) out.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (members.every((m) => m.declaredSize === undefined)) out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

/** A gzip tarball of `members`. */
export function rawTgz(members: readonly TarMember[]): Buffer {
  return zlib.gzipSync(rawTar(members));
}

/** A small droplet around `extra` members: ./app with a start script, ./staging_info.yml. */
export function dropletWith(extra: readonly TarMember[]): Buffer {
  return rawTgz([
    { path: './', type: '5' },
    { path: './app/', type: '5' },
    { path: './app/start.sh', type: '0', content: '#!/bin/sh\necho started\n', mode: 0o755 },
    { path: './staging_info.yml', type: '0', content: '{"detected_buildpack":"","start_command":"sh start.sh"}' },
    ...extra,
  ]);
}
