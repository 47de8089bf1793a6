// Picking files out of an archive: GNU long names, pax paths, early stop, corrupt input.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TarFormatError } from './errors.ts';
import { visitTar } from './visit.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tar-visit-test-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const longDir = `app/${'very-long-directory-name/'.repeat(6)}`;

function tarball(format: 'gnu' | 'pax' | 'ustar', name: string): Buffer {
  const dir = fs.mkdtempSync(path.join(work, 'src-'));
  fs.mkdirSync(path.join(dir, longDir), { recursive: true });
  fs.writeFileSync(path.join(dir, longDir, 'file.txt'), 'deep\n');
  fs.mkdirSync(path.join(dir, '.cf-lifecycle'));
  fs.writeFileSync(path.join(dir, '.cf-lifecycle', 'staging-metadata.json'), '{"schemaVersion":1}');
  const out = path.join(work, name);
  execFileSync('tar', [`--format=${format}`, '-cf', out, '-C', dir, './app', './.cf-lifecycle']);
  return fs.readFileSync(out);
}

async function entries(data: Buffer): Promise<Array<[string, string]>> {
  const seen: Array<[string, string]> = [];
  await visitTar([data], { want: (e) => e.type === 'file', content: (e, d) => void seen.push([e.name, d.toString()]) });
  return seen;
}

describe('visitTar', () => {
  it.each(['gnu', 'pax'] as const)('%s: names longer than 100 bytes, leading ./ removed', async (format) => {
    expect(await entries(tarball(format, `${format}.tar`))).toEqual([
      [`${longDir}file.txt`, 'deep\n'],
      ['.cf-lifecycle/staging-metadata.json', '{"schemaVersion":1}'],
    ]);
  });

  it('stops when the visitor says so, without reading further', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'first-'));
    fs.mkdirSync(path.join(dir, '.cf-lifecycle'));
    fs.writeFileSync(path.join(dir, '.cf-lifecycle', 'staging-metadata.json'), '{}');
    fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(4096, 1));
    const out = path.join(work, 'first.tar');
    execFileSync('tar', ['-cf', out, '-C', dir, './.cf-lifecycle', './big']);
    const data = fs.readFileSync(out);
    const seen: string[] = [];
    // Everything after the wanted entry is garbage: a reader that went on would fail.
    await visitTar([data.subarray(0, 2048), Buffer.alloc(8192, 0x41)], {
      want: (e) => e.name === '.cf-lifecycle/staging-metadata.json',
      content: (e) => {
        seen.push(e.name);
        return true;
      },
    });
    expect(seen).toEqual(['.cf-lifecycle/staging-metadata.json']);
  });

  it('a corrupt header or a truncated archive is a TarFormatError', async () => {
    await expect(entries(Buffer.alloc(512, 0x41))).rejects.toThrow(TarFormatError);
    await expect(entries(tarball('gnu', 'cut.tar').subarray(0, 700))).rejects.toThrow(/unexpected end/);
  });
});
