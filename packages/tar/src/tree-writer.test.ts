// The directory-walking writer of droplets and caches: what GNU tar extracts is the tree it walked.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTar } from './reader.ts';
import { writeTar, type TarSink } from './tree-writer.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tar-tree-test-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A sink collecting the stream in memory, reading file contents as the droplet's gzip writer does. */
function memorySink(): TarSink & { bytes: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    write: (chunk) => void parts.push(chunk),
    writeFromFile: async (fd, length) => {
      const buf = Buffer.alloc(length);
      const read = fs.readSync(fd, buf, 0, length, null);
      parts.push(buf.subarray(0, read));
      return read;
    },
    bytes: () => Buffer.concat(parts),
  };
}

const longDir = `${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(90)}`;

function sampleTree(): { dir: string; graft: string } {
  const dir = fs.mkdtempSync(path.join(work, 'tree-'));
  fs.mkdirSync(path.join(dir, longDir), { recursive: true });
  fs.writeFileSync(path.join(dir, longDir, 'deep.txt'), 'deep\n');
  fs.writeFileSync(path.join(dir, '.hidden'), 'x'.repeat(700));
  fs.writeFileSync(path.join(dir, 'ünïcödé'), 'abc');
  fs.chmodSync(path.join(dir, 'ünïcödé'), 0o750);
  fs.linkSync(path.join(dir, '.hidden'), path.join(dir, 'hard'));
  fs.symlinkSync(`/${'t'.repeat(150)}`, path.join(dir, 'long-target'));
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  const graft = fs.mkdtempSync(path.join(work, 'graft-'));
  fs.writeFileSync(path.join(graft, 'start'), '#!/bin/sh\n');
  return { dir, graft };
}

describe('writeTar', () => {
  it('writes a tree GNU tar extracts as it was, grafts included', async () => {
    const { dir, graft } = sampleTree();
    const sink = memorySink();
    await writeTar({ dir, graft: { app: graft } }, sink);
    const archive = path.join(work, 'tree.tar');
    fs.writeFileSync(archive, sink.bytes());
    const out = fs.mkdtempSync(path.join(work, 'out-'));
    execFileSync('tar', ['-xf', archive, '-C', out]);
    expect(fs.readFileSync(path.join(out, longDir, 'deep.txt'), 'utf8')).toBe('deep\n');
    expect(fs.readFileSync(path.join(out, '.hidden'), 'utf8')).toBe('x'.repeat(700));
    expect(fs.statSync(path.join(out, 'ünïcödé')).mode & 0o777).toBe(0o750);
    expect(fs.statSync(path.join(out, 'hard')).ino).toBe(fs.statSync(path.join(out, '.hidden')).ino);
    expect(fs.readlinkSync(path.join(out, 'long-target'))).toBe(`/${'t'.repeat(150)}`);
    expect(fs.lstatSync(path.join(out, 'fifo')).isFIFO()).toBe(true);
    expect(fs.readFileSync(path.join(out, 'app', 'start'), 'utf8')).toBe('#!/bin/sh\n');
    const listing = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).split('\n');
    expect(listing[0]).toBe('./');
    expect(listing).toContain('./app/start');
  });

  it('reproducible: the same tree gives the same bytes, owners 0:0 and the fixed mtime', async () => {
    const { dir, graft } = sampleTree();
    const write = async () => {
      const sink = memorySink();
      await writeTar({ dir, graft: { app: graft } }, sink, { reproducible: { mtime: 315532800 } });
      return sink.bytes();
    };
    const first = await write();
    expect(first.equals(await write())).toBe(true);
    for await (const { header } of readTar([first])) expect(header).toMatchObject({ uid: 0, gid: 0, mtime: 315532800 });
  });
});
