import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeHeader, type TarHeader } from './header.ts';
import { paxRecord } from './pax.ts';
import { readAll, readTar } from './reader.ts';
import { tarStream, type TarItem } from './writer.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tar-test-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function bytesOf(items: TarItem[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of tarStream(items)) parts.push(chunk);
  return Buffer.concat(parts);
}

const base = { mode: 0o644, uid: 2000, gid: 2000, size: 0, mtime: 315532801 };
const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(60)}`;
const veryLong = `${'x'.repeat(120)}/${'y'.repeat(120)}/${'z'.repeat(120)}`;
const items: TarItem[] = [
  { header: { ...base, path: 'app', type: 'dir', mode: 0o755 } },
  { header: { ...base, path: 'app/hello.txt', type: 'file', size: 6 }, content: Buffer.from('hello\n') },
  { header: { ...base, path: 'app/link', type: 'symlink', mode: 0o777, linkname: 'hello.txt' } },
  { header: { ...base, path: 'app/hard', type: 'hardlink', linkname: 'app/hello.txt' } },
  { header: { ...base, path: 'app/ünïcödé', type: 'file', size: 3 }, content: Buffer.from('abc') },
  { header: { ...base, path: longDir, type: 'dir', mode: 0o755 } },
  {
    header: { ...base, path: `${longDir}/file-in-a-deep-dir`, type: 'file', size: 1000 },
    content: () => Readable.from([Buffer.alloc(600, 1), Buffer.alloc(400, 2)]),
  },
  { header: { ...base, path: veryLong, type: 'file', size: 2, mode: 0o755 }, content: Buffer.from('hi') },
  { header: { ...base, path: 'app/long-target', type: 'symlink', mode: 0o777, linkname: `/${'t'.repeat(150)}` } },
];

describe('tar writer', () => {
  it('writes ustar headers that GNU tar lists and extracts, with PAX for what ustar cannot hold', async () => {
    const archive = path.join(work, 'a.tar');
    fs.writeFileSync(archive, await bytesOf(items));
    const listing = execFileSync('tar', ['-tvf', archive, '--numeric-owner'], { encoding: 'utf8' });
    expect(listing).toContain('2000/2000');
    expect(listing).toContain('app/hard link to app/hello.txt');
    expect(listing).toContain(`${veryLong}`);
    const out = path.join(work, 'out');
    fs.mkdirSync(out);
    execFileSync('tar', ['-xf', archive, '-C', out]);
    expect(fs.readFileSync(path.join(out, 'app/hello.txt'), 'utf8')).toBe('hello\n');
    expect(fs.readlinkSync(path.join(out, 'app/link'))).toBe('hello.txt');
    expect(fs.statSync(path.join(out, 'app/hard')).ino).toBe(fs.statSync(path.join(out, 'app/hello.txt')).ino);
    expect(fs.readFileSync(path.join(out, 'app/ünïcödé'), 'utf8')).toBe('abc');
    expect(fs.statSync(path.join(out, longDir, 'file-in-a-deep-dir')).size).toBe(1000);
    expect(fs.readFileSync(path.join(out, veryLong), 'utf8')).toBe('hi');
    expect(fs.statSync(path.join(out, veryLong)).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(out, 'app/long-target'))).toBe(`/${'t'.repeat(150)}`);
  });

  it('gives the same bytes for the same entries', async () => {
    expect((await bytesOf(items)).equals(await bytesOf(items))).toBe(true);
  });

  it('refuses content that is not the size the header says', async () => {
    await expect(bytesOf([{ header: { ...base, path: 'f', type: 'file', size: 5 }, content: Buffer.from('abc') }])).rejects.toThrow(/expected 5 bytes, read 3/);
  });

  it('counts a PAX record length including its own digits', () => {
    for (const value of ['a', 'b'.repeat(85), 'c'.repeat(990), 'd'.repeat(9990)]) {
      const record = paxRecord('path', value);
      expect(Number(record.split(' ')[0])).toBe(Buffer.byteLength(record));
    }
  });

  it('splits a path between ustar prefix and name when it fits', () => {
    const header: TarHeader = { ...base, path: `${'p'.repeat(120)}/name`, type: 'file' };
    const block = encodeHeader(header);
    expect(block.length).toBe(512);
    expect(block.toString('latin1', 345, 345 + 120)).toBe('p'.repeat(120));
  });

  it('writes names that are not UTF-8 as raw bytes: in ustar when they fit, else in a PAX path record (no hdrcharset)', () => {
    const short = encodeHeader({ ...base, path: Buffer.from('./caf\xe9.txt', 'latin1'), type: 'file' });
    expect(short.length).toBe(512);
    expect(short.subarray(0, 11).equals(Buffer.from('./caf\xe9.txt\0', 'latin1'))).toBe(true);
    const name = Buffer.from(`./${'l'.repeat(120)}\xe9`, 'latin1');
    const long = encodeHeader({ ...base, path: name, type: 'symlink', linkname: Buffer.from(`${'t'.repeat(110)}\xe9`, 'latin1') });
    const body = long.subarray(512, 512 + parseInt(long.toString('latin1', 124, 135), 8));
    expect(body.includes(Buffer.concat([Buffer.from('path='), name, Buffer.from('\n')]))).toBe(true);
    expect(body.includes(Buffer.concat([Buffer.from('linkpath='), Buffer.from(`${'t'.repeat(110)}\xe9`, 'latin1'), Buffer.from('\n')]))).toBe(true);
    expect(body.includes(Buffer.from('hdrcharset'))).toBe(false);
    for (const record of body.toString('latin1').split('\n').filter(Boolean)) expect(Number(record.split(' ')[0])).toBe(record.length + 1);
  });
});

describe('tar reader', () => {
  it('reads back what the writer wrote', async () => {
    const entries: Array<{ header: TarHeader; body: string }> = [];
    for await (const entry of readTar(Readable.from([await bytesOf(items)]))) {
      entries.push({ header: entry.header, body: entry.header.path === 'app/hello.txt' ? (await readAll(entry.body())).toString() : '' });
    }
    expect(entries.map((e) => e.header.path)).toEqual(items.map((i) => i.header.path));
    expect(entries[1]!.body).toBe('hello\n');
    expect(entries.find((e) => e.header.path === veryLong)?.header.size).toBe(2);
    expect(entries.find((e) => e.header.path === 'app/hard')?.header).toMatchObject({ type: 'hardlink', linkname: 'app/hello.txt' });
    expect(entries.find((e) => e.header.path === 'app/long-target')?.header.linkname).toBe(`/${'t'.repeat(150)}`);
  });

  it('reads GNU tar archives in gnu and pax formats, long names included', async () => {
    const src = path.join(work, 'src');
    fs.mkdirSync(path.join(src, longDir), { recursive: true });
    fs.writeFileSync(path.join(src, longDir, `${'n'.repeat(110)}.txt`), 'x'.repeat(700));
    fs.symlinkSync('t'.repeat(120), path.join(src, 'sym'));
    for (const format of ['gnu', 'pax', 'ustar']) {
      const archive = path.join(work, `gnu-${format}.tar`);
      try {
        execFileSync('tar', [`--format=${format}`, '-cf', archive, '-C', src, '.'], { stdio: 'pipe' });
      } catch {
        // ustar cannot hold the 120-character symlink target: GNU tar refuses, which is the point of PAX.
        continue;
      }
      const seen = new Map<string, TarHeader>();
      let content = '';
      for await (const entry of readTar(fs.createReadStream(archive))) {
        seen.set(entry.header.path, entry.header);
        if (entry.header.path.endsWith('.txt')) content = (await readAll(entry.body())).toString();
      }
      expect(seen.get(`./${longDir}/${'n'.repeat(110)}.txt`)?.size, format).toBe(700);
      expect(content).toBe('x'.repeat(700));
      expect(seen.get('./sym')?.linkname).toBe('t'.repeat(120));
    }
  });

  it('refuses what is not tar', async () => {
    const consume = async () => {
      for await (const _ of readTar(Readable.from([Buffer.alloc(1024, 0x41)]))) {
        // nothing
      }
    };
    await expect(consume()).rejects.toThrow(/bad header checksum/);
  });
});
