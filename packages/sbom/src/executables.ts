// ELF files in a directory tree, told apart by how they link: a dynamically linked executable
// (it names an interpreter, PT_INTERP: the stack's ld.so) runs against the stack's libraries and
// picks up a patched stack on restart; a statically linked one carries its own copies and needs
// rebuilding (restaging). Shared libraries count as dynamic.
import fs from 'node:fs/promises';
import path from 'node:path';
import { displayName, joinBytes } from './byte-paths.ts';

const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const ET_EXEC = 2;
const ET_DYN = 3;
const DT_NULL = 0;
const DT_FLAGS_1 = 0x6ffffffb;
const DF_1_PIE = 0x08000000;

export type ElfLinking = 'static' | 'dynamic';

export interface Executables {
  /** Statically linked ELF executables, paths relative to the root (`/`-separated, byte order; bytes that are not UTF-8 as `\xNN`). */
  static: string[];
  /** How many dynamically linked ELF files (executables and shared libraries). */
  dynamic: number;
}

export async function findExecutables(root: string): Promise<Executables> {
  const base = Buffer.from(path.resolve(root));
  // Names as bytes (byte-paths.ts): a file whose name is not UTF-8 is read like any other.
  const files: Buffer[] = [];
  const walk = async (rel: Buffer): Promise<void> => {
    let entries: Array<import('node:fs').Dirent<Buffer>>;
    try {
      entries = await fs.readdir(joinBytes(base, rel), { withFileTypes: true, encoding: 'buffer' });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = joinBytes(rel, e.name);
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) files.push(child);
    }
  };
  await walk(Buffer.alloc(0));

  const found: Buffer[] = [];
  let dynamic = 0;
  let next = 0;
  // A few files at a time: droplets with node_modules hold tens of thousands of small files.
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const rel = files[next++]!;
      const linking = await elfLinking(joinBytes(base, rel)).catch(() => undefined);
      if (linking === 'static') found.push(rel);
      else if (linking === 'dynamic') dynamic++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { static: found.sort(Buffer.compare).map(displayName), dynamic };
}

/** How an ELF file links; undefined for anything that is not an ELF executable or shared object. */
export async function elfLinking(file: string | Buffer): Promise<ElfLinking | undefined> {
  const fh = await fs.open(file, 'r');
  try {
    const header = Buffer.alloc(64);
    const { bytesRead } = await fh.read(header, 0, 64, 0);
    if (bytesRead < 52 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const is64 = header[4] === 2;
    const le = header[5] !== 2;
    if (is64 && bytesRead < 64) return undefined;
    const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const word = (b: Buffer, o: number): number => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
    const type = u16(header, 16);
    if (type !== ET_EXEC && type !== ET_DYN) return undefined;
    const phoff = word(header, is64 ? 32 : 28);
    const phentsize = u16(header, is64 ? 54 : 42);
    const phnum = u16(header, is64 ? 56 : 44);
    if (phnum === 0 || phentsize < (is64 ? 56 : 32) || phnum > 4096) return type === ET_EXEC ? 'static' : undefined;
    const table = Buffer.alloc(phentsize * phnum);
    await fh.read(table, 0, table.length, phoff);
    let dynamic: { offset: number; size: number } | undefined;
    for (let i = 0; i < phnum; i++) {
      const ph = table.subarray(i * phentsize, (i + 1) * phentsize);
      const ptype = u32(ph, 0);
      if (ptype === PT_INTERP) return 'dynamic';
      if (ptype === PT_DYNAMIC) dynamic = { offset: word(ph, is64 ? 8 : 4), size: word(ph, is64 ? 32 : 16) };
    }
    if (type === ET_EXEC || !dynamic) return 'static';
    // ET_DYN without an interpreter: a shared library, or a static PIE (DF_1_PIE in DT_FLAGS_1).
    const size = Math.min(dynamic.size, 1 << 20);
    const entries = Buffer.alloc(size);
    const { bytesRead: n } = await fh.read(entries, 0, size, dynamic.offset);
    const entrySize = is64 ? 16 : 8;
    for (let o = 0; o + entrySize <= n; o += entrySize) {
      const tag = word(entries, o);
      if (tag === DT_NULL) break;
      if (tag === DT_FLAGS_1 && (word(entries, o + entrySize / 2) & DF_1_PIE) !== 0) return 'static';
    }
    return 'dynamic';
  } finally {
    await fh.close();
  }
}
