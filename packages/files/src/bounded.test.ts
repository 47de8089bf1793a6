import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileInputError, copyOutNoFollow, readFileBounded, readTextBounded } from './index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'files-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readFileBounded', () => {
  it('reads a regular file under its cap', () => {
    fs.writeFileSync(path.join(dir, 'a.json'), '{"a":1}');
    expect(readTextBounded(path.join(dir, 'a.json'), { maxBytes: 100, what: '--services' })).toBe('{"a":1}');
  });

  it('refuses a file over its cap with one line', () => {
    fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(2048));
    expect(() => readFileBounded(path.join(dir, 'big'), { maxBytes: 1024, what: '--services' })).toThrow(
      new FileInputError(`--services ${dir}/big is too large: 2048 bytes, at most 1 KiB are read`),
    );
  });

  it.each([
    ['/dev/zero', 'a character device'],
    [os.tmpdir(), 'a directory'],
  ])('refuses %s as %s', (file, kind) => {
    expect(() => readFileBounded(file, { maxBytes: 1024, what: '--services' })).toThrow(`--services ${file} is ${kind}; give a regular file`);
  });

  it('refuses a FIFO without blocking', () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readFileBounded(fifo, { maxBytes: 1024 })).toThrow(`${fifo} is a FIFO (named pipe); give a regular file`);
  });

  it('names a missing file', () => {
    expect(() => readFileBounded(path.join(dir, 'nope'), { maxBytes: 1, what: 'x' })).toThrow(`x: cannot read ${dir}/nope: no such file`);
  });
});

describe('copyOutNoFollow', () => {
  it('copies a regular file atomically', () => {
    fs.writeFileSync(path.join(dir, 'src'), 'droplet');
    expect(copyOutNoFollow(path.join(dir, 'src'), path.join(dir, 'dest'))).toBe(7);
    expect(fs.readFileSync(path.join(dir, 'dest'), 'utf8')).toBe('droplet');
  });

  it('refuses a symbolic link and a hard-linked file, writing nothing', () => {
    fs.writeFileSync(path.join(dir, 'secret'), 'secret');
    fs.symlinkSync(path.join(dir, 'secret'), path.join(dir, 'link'));
    expect(() => copyOutNoFollow(path.join(dir, 'link'), path.join(dir, 'out1'), { what: 'the droplet' })).toThrow(
      /the droplet: cannot read .*is a symbolic link/,
    );
    fs.linkSync(path.join(dir, 'secret'), path.join(dir, 'hard'));
    expect(() => copyOutNoFollow(path.join(dir, 'hard'), path.join(dir, 'out2'), { what: 'the droplet' })).toThrow('the droplet has 2 hard links');
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('out') || n.startsWith('.out'))).toEqual([]);
  });
});
