// The droplet is written without `cp -a` + `tar -czf` (docs/compatibility.md, "Packaging without
// cp -a and tar"); GNU tar must still extract it to exactly the tree those would give, and
// -reproducibleDroplet must give byte-identical archives for identical inputs.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/stage.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.cleanup());

/** Every entry of a tree: type, mode, size, content digest, link target, mtime, hard-link group. */
function describeTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const inodes = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      const full = path.join(root, relPath);
      const st = fs.lstatSync(full);
      const mode = (st.mode & 0o7777).toString(8);
      const mtime = Math.floor(st.mtimeMs / 1000);
      if (st.isSymbolicLink()) out[relPath] = `link -> ${fs.readlinkSync(full)}`;
      else if (st.isDirectory()) {
        out[relPath] = `dir ${mode} ${mtime}`;
        walk(relPath);
        // a directory's mtime changes when entries are created in it during extraction; GNU tar restores it afterwards
      } else if (st.isFIFO()) out[relPath] = `fifo ${mode}`;
      else {
        const group = inodes.get(`${st.ino}`) ?? relPath;
        inodes.set(`${st.ino}`, group);
        const digest = createHash('sha256').update(fs.readFileSync(full)).digest('hex').slice(0, 16);
        out[relPath] = `file ${mode} ${st.size} ${digest} ${mtime} linked-to:${group}`;
      }
    }
  };
  walk('');
  return out;
}

function makeAwkwardApp(dir: string): void {
  const long = 'd'.repeat(90);
  fs.mkdirSync(path.join(dir, long, 'e'.repeat(60)), { recursive: true });
  fs.writeFileSync(path.join(dir, long, 'e'.repeat(60), `${'f'.repeat(120)}.txt`), 'a path longer than 100 bytes\n');
  fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'secret.key'), 'private\n', { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'naïve-ünïcode ✓.txt'), 'utf-8 name\n');
  fs.mkdirSync(path.join(dir, 'empty-dir'));
  fs.symlinkSync('run.sh', path.join(dir, 'relative-link'));
  fs.symlinkSync('/etc/hostname', path.join(dir, 'absolute-link'));
  fs.symlinkSync('nowhere', path.join(dir, 'broken-link'));
  fs.linkSync(path.join(dir, 'run.sh'), path.join(dir, 'hard-link-to-run.sh'));
  execFileSync('mkfifo', [path.join(dir, 'a-fifo')]);
  fs.writeFileSync(path.join(dir, 'big.bin'), Buffer.alloc(9 << 20, 7));
  fs.utimesSync(path.join(dir, 'run.sh'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
}

describe('packaging: the droplet extracts to the tree `cp -a` would give (CONTRACT §2.16)', () => {
  it('modes, symlinks, hard links, long and non-ASCII names, fifos, empty dirs, mtimes', async () => {
    makeAwkwardApp(ws.buildDir);
    ws.installBuildpack('always-detects');
    const result = await ws.stage(['always-detects']);
    expect(result.code).toBe(0);
    const extracted = path.join(ws.root, 'extracted');
    fs.mkdirSync(extracted);
    execFileSync('tar', ['-xzf', ws.outputDroplet, '-C', extracted]);
    const copied = path.join(ws.root, 'copied');
    execFileSync('cp', ['-a', ws.buildDir, copied]);
    expect(describeTree(path.join(extracted, 'app'))).toEqual(describeTree(copied));
    // gzip itself accepts the multi-member stream as one file.
    execFileSync('gzip', ['-t', ws.outputDroplet]);
  });

  it('-reproducibleDroplet: identical inputs give byte-identical droplets and caches', async () => {
    makeAwkwardApp(ws.buildDir);
    ws.installBuildpack('always-detects');
    const digests: string[] = [];
    for (let i = 0; i < 2; i++) {
      fs.rmSync(path.dirname(ws.outputDroplet), { recursive: true, force: true });
      // Fresh timestamps between the runs: only the flag makes the bytes equal.
      fs.utimesSync(path.join(ws.buildDir, 'big.bin'), new Date(), new Date(Date.now() - i * 100_000));
      const result = await ws.stage(['always-detects'], { extra: ['-reproducibleDroplet'], env: { SOURCE_DATE_EPOCH: '1700000000' } });
      expect(result.code).toBe(0);
      digests.push([ws.outputDroplet, ws.outputCache].map((f) => createHash('sha256').update(fs.readFileSync(f)).digest('hex')).join(' '));
    }
    expect(digests[1]).toBe(digests[0]);
    const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvzf', ws.outputDroplet], { encoding: 'utf8' });
    expect(listing).toContain(' 0/0 ');
    expect(listing).toContain('2023-11-14 22:13:20 ./app/run.sh');
  });
});
