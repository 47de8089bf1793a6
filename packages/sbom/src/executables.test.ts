// ELF linking: statically linked executables (no PT_INTERP) are what a stack patch cannot reach.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { elfLinking, findExecutables } from './index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sbom-elf-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const hasGcc = spawnSync('gcc', ['--version']).status === 0;

interface Phdr {
  type: number;
  offset?: number;
  filesz?: number;
}

/** A minimal ELF file: header, program headers, then an optional dynamic section. */
function elf(opts: { bits?: 32 | 64; bigEndian?: boolean; type: number; phdrs: Phdr[]; dynamic?: Array<[number, number]> }): Buffer {
  const is64 = (opts.bits ?? 64) === 64;
  const le = !opts.bigEndian;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const dynOffset = ehsize + phentsize * opts.phdrs.length;
  const dynEntry = is64 ? 16 : 8;
  const dynSize = (opts.dynamic?.length ?? 0) * dynEntry;
  const b = Buffer.alloc(dynOffset + dynSize);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = is64 ? 2 : 1;
  b[5] = le ? 1 : 2;
  b[6] = 1;
  const u16 = (v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const u32 = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const word = (v: number, o: number) => (is64 ? (le ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o)) : u32(v, o));
  u16(opts.type, 16);
  u16(62, 18);
  word(ehsize, is64 ? 32 : 28);
  u16(ehsize, is64 ? 52 : 40);
  u16(phentsize, is64 ? 54 : 42);
  u16(opts.phdrs.length, is64 ? 56 : 44);
  opts.phdrs.forEach((ph, i) => {
    const o = ehsize + i * phentsize;
    u32(ph.type, o);
    const isDynamic = ph.type === 2;
    word(isDynamic ? dynOffset : (ph.offset ?? 0), o + (is64 ? 8 : 4));
    word(isDynamic ? dynSize : (ph.filesz ?? 0), o + (is64 ? 32 : 16));
  });
  (opts.dynamic ?? []).forEach(([tag, val], i) => {
    word(tag, dynOffset + i * dynEntry);
    word(val, dynOffset + i * dynEntry + dynEntry / 2);
  });
  return b;
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const ET_EXEC = 2;
const ET_DYN = 3;
const ET_REL = 1;

function write(rel: string, content: Buffer | string, mode = 0o755): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
  return file;
}

describe('elfLinking', () => {
  it('an executable without PT_INTERP is static; with one, dynamic', async () => {
    expect(await elfLinking(write('crafted/static', elf({ type: ET_EXEC, phdrs: [{ type: PT_LOAD }] })))).toBe('static');
    expect(
      await elfLinking(
        write(
          'crafted/dynamic',
          elf({
            type: ET_DYN,
            phdrs: [{ type: PT_LOAD }, { type: PT_INTERP }, { type: PT_DYNAMIC }],
            dynamic: [
              [1, 1],
              [0, 0],
            ],
          }),
        ),
      ),
    ).toBe('dynamic');
  });

  it('a shared library (ET_DYN, PT_DYNAMIC, no interpreter) is dynamic; a static PIE (DF_1_PIE) is static', async () => {
    expect(
      await elfLinking(
        write(
          'crafted/lib.so',
          elf({
            type: ET_DYN,
            phdrs: [{ type: PT_LOAD }, { type: PT_DYNAMIC }],
            dynamic: [
              [1, 1],
              [0, 0],
            ],
          }),
          0o644,
        ),
      ),
    ).toBe('dynamic');
    expect(
      await elfLinking(
        write(
          'crafted/static-pie',
          elf({
            type: ET_DYN,
            phdrs: [{ type: PT_LOAD }, { type: PT_DYNAMIC }],
            dynamic: [
              [0x6ffffffb, 0x08000001],
              [0, 0],
            ],
          }),
        ),
      ),
    ).toBe('static');
    expect(await elfLinking(write('crafted/no-dynamic', elf({ type: ET_DYN, phdrs: [{ type: PT_LOAD }] })))).toBe('static');
  });

  it('32-bit and big-endian headers', async () => {
    expect(await elfLinking(write('crafted/static32be', elf({ bits: 32, bigEndian: true, type: ET_EXEC, phdrs: [{ type: PT_LOAD }] })))).toBe('static');
    expect(await elfLinking(write('crafted/dynamic32', elf({ bits: 32, type: ET_EXEC, phdrs: [{ type: PT_INTERP }] })))).toBe('dynamic');
  });

  it('object files, scripts, short and empty files are not executables', async () => {
    expect(await elfLinking(write('crafted/x.o', elf({ type: ET_REL, phdrs: [] })))).toBeUndefined();
    expect(await elfLinking(write('crafted/script.sh', '#!/bin/sh\necho hi\n'))).toBeUndefined();
    expect(await elfLinking(write('crafted/short', Buffer.from([0x7f, 0x45, 0x4c, 0x46])))).toBeUndefined();
    expect(await elfLinking(write('crafted/empty', ''))).toBeUndefined();
  });

  it.skipIf(!hasGcc)('binaries built by gcc: -static and -static-pie are static, the default is dynamic', async () => {
    const src = write('gcc/hello.c', 'int main(void) { return 0; }\n', 0o644);
    const build = (out: string, ...flags: string[]) => execFileSync('gcc', [...flags, '-o', path.join(root, 'gcc', out), src], { stdio: 'pipe' });
    build('dynamic');
    expect(await elfLinking(path.join(root, 'gcc', 'dynamic'))).toBe('dynamic');
    try {
      build('static', '-static');
    } catch {
      return; // no static libc (libc6-dev's libc.a) on this machine: the crafted headers above cover it
    }
    expect(await elfLinking(path.join(root, 'gcc', 'static'))).toBe('static');
    try {
      build('static-pie', '-static-pie');
    } catch {
      return; // a toolchain without static-pie support
    }
    expect(await elfLinking(path.join(root, 'gcc', 'static-pie'))).toBe('static');
  });
});

describe('findExecutables', () => {
  it('lists static executables relative to the root, sorted, and counts the dynamic ones; symlinks are not followed', async () => {
    const dir = path.join(root, 'droplet');
    const put = (rel: string, content: Buffer) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content, { mode: 0o755 });
    };
    put('app/bin/tool', elf({ type: ET_EXEC, phdrs: [{ type: PT_LOAD }] }));
    put('deps/0/bin/another', elf({ type: ET_EXEC, phdrs: [{ type: PT_LOAD }] }));
    put('deps/0/bin/node', elf({ type: ET_DYN, phdrs: [{ type: PT_INTERP }] }));
    put('deps/0/lib/libz.so.1', elf({ type: ET_DYN, phdrs: [{ type: PT_DYNAMIC }], dynamic: [[0, 0]] }));
    put('app/server.js', Buffer.from('console.log(1)\n'));
    fs.symlinkSync(path.join(dir, 'app/bin/tool'), path.join(dir, 'app/bin/tool-link'));
    expect(await findExecutables(dir)).toEqual({ static: ['app/bin/tool', 'deps/0/bin/another'], dynamic: 2 });
  });

  it('an empty or missing directory has none', async () => {
    expect(await findExecutables(path.join(root, 'missing'))).toEqual({ static: [], dynamic: 0 });
  });
});
