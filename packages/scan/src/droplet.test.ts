// Reading a droplet's lifecycle files (the tar format itself is tested in @cf-lifecycle/tar).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readDroplet } from './droplet.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'droplet-test-'));
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

describe('readDroplet', () => {
  it('finds the metadata and the SBOM in a gzip tarball and digests the file', async () => {
    const file = path.join(work, 'droplet.tgz');
    fs.writeFileSync(file, zlib.gzipSync(tarball('pax', 'd.tar')));
    const contents = await readDroplet(file, { sbom: true, digest: true });
    expect(contents.metadata).toBe('{"schemaVersion":1}');
    expect(contents.sbom).toBeUndefined();
    expect(contents.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(contents.size).toBe(fs.statSync(file).size);
  });

  it('a file that is not gzip is an error', async () => {
    const file = path.join(work, 'plain.txt');
    fs.writeFileSync(file, 'hello');
    await expect(readDroplet(file)).rejects.toThrow();
  });
});
