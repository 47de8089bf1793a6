// CONTRACT §2.5 (directories created during setup, deps index padding, the temporary contents dir) and
// §2.7 (build-artifacts cache clean-up).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace, baseEnv, BUILDER, xxhash64Hex } from '../helpers/stage.ts';
import { invocations, precreateResult, readRecords, recording, runProcess, tarListing } from '../helpers/records.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.cleanup());

/** The contents dir a recorder saw: the parent of its deps dir ($3). */
const contentsDirs = () => [
  ...new Set(
    readRecords(ws)
      .filter((r) => r.script === 'supply' || r.script === 'finalize')
      .map((r) => path.dirname(r.args[2]!)),
  ),
];

describe('CONTRACT §2.5 directories created during setup', () => {
  describe('deps index padding: width = floor(log10 N) + 1 with N buildpacks (skip-detect)', () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `records-args-${i + 1}`);

    it('11 buildpacks: 00 … 10, all created before the first supply runs', async () => {
      const order = keys(11);
      for (const key of order) ws.installBuildpack('records-args', key);
      const result = await ws.stage(order, { skipDetect: true, env: recording(ws) });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const idx = ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10'];
      const records = readRecords(ws);
      // Ten supply buildpacks get 00 … 09; the final one (it has bin/finalize) runs supply and finalize with 10.
      expect(records.map((r) => [r.script, r.args[3]])).toEqual([...idx.map((i) => ['supply', i]), ['finalize', '10'], ['release', undefined]]);
      // The first supply already sees every deps slot (and nothing else).
      expect(records[0]!.extra).toBe(idx.join(' '));
      const listing = ws.dropletListing().filter((e) => /^\.\/deps\/[^/]+\/$/.test(e));
      expect(listing).toEqual(idx.map((i) => `./deps/${i}/`));
      expect(ws.dropletFile('./deps/07/supplied-by-records-args')).toBe('07\n');
      expect(ws.dropletFile('./deps/10/finalized-by-records-args')).toBe('10\n');
    });

    it.each([
      [9, ['0', '1', '2', '3', '4', '5', '6', '7', '8']],
      [10, ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09']],
    ])('%i buildpacks', async (n, idx) => {
      const order = keys(n);
      for (const key of order) ws.installBuildpack('records-args', key);
      const result = await ws.stage(order, { skipDetect: true, env: recording(ws) });
      expect(result.code).toBe(0);
      const records = readRecords(ws);
      expect(records.filter((r) => r.script === 'supply').map((r) => r.args[3])).toEqual(idx);
      expect(records.find((r) => r.script === 'finalize')!.args[3]).toBe(idx[idx.length - 1]);
      expect(records[0]!.extra).toBe(idx.join(' '));
    });

    it('detect mode has one slot, 0, whatever the length of the order', async () => {
      const failing = Array.from({ length: 10 }, (_, i) => `always-fails-${i + 1}`);
      for (const key of failing) ws.installBuildpack('always-fails', key);
      ws.installBuildpack('records-args');
      const result = await ws.stage([...failing, 'records-args'], { env: recording(ws) });
      expect(result.code).toBe(0);
      const finalize = readRecords(ws).find((r) => r.script === 'finalize')!;
      expect(finalize.args[3]).toBe('0');
      expect(finalize.extra).toBe('0');
    });
  });

  describe('the temporary contents directory', () => {
    it('is created under $TMPDIR with a name starting `contents`, holds deps/ and profile.d/, and is removed afterwards', async () => {
      ws.installBuildpack('records-args');
      const result = await ws.stage(['records-args'], { skipDetect: true, env: recording(ws) });
      expect(result.code).toBe(0);
      const [contents] = contentsDirs();
      expect(path.dirname(contents!)).toBe(ws.tmpDir);
      expect(path.basename(contents!).startsWith('contents')).toBe(true);
      const finalize = readRecords(ws).find((r) => r.script === 'finalize')!;
      expect(finalize.args[2]).toBe(path.join(contents!, 'deps'));
      expect(finalize.args[4]).toBe(path.join(contents!, 'profile.d'));
      expect(finalize.kinds).toBe('ddd-d');
      expect(fs.existsSync(contents!)).toBe(false);
      expect(ws.leftovers()).toEqual([]);
    });

    it('is under /tmp when TMPDIR is not set', async () => {
      ws.installBuildpack('records-args');
      const env: Record<string, string | undefined> = { ...baseEnv(recording(ws)), TMPDIR: undefined };
      const result = await runProcess(BUILDER, ws.args(['records-args'], { skipDetect: true }), { env, cwd: ws.root });
      expect(result.code).toBe(0);
      const [contents] = contentsDirs();
      expect(path.dirname(contents!)).toBe('/tmp');
      expect(path.basename(contents!).startsWith('contents')).toBe(true);
      expect(fs.existsSync(contents!)).toBe(false);
    });

    it('is removed after a failure in the final step', async () => {
      ws.installBuildpack('records-args');
      ws.installBuildpack('fails-to-finalize');
      const result = await ws.stage(['records-args', 'fails-to-finalize'], { skipDetect: true, env: recording(ws) });
      expect(result.code).toBe(223);
      const [contents] = contentsDirs();
      expect(fs.existsSync(contents!)).toBe(false);
      expect(ws.leftovers()).toEqual([]);
    });

    it('is removed after a supply failure and after a detect failure', async () => {
      ws.installBuildpack('fails-to-supply');
      ws.installBuildpack('has-finalize');
      ws.installBuildpack('always-fails');
      expect((await ws.stage(['fails-to-supply', 'has-finalize'], { skipDetect: true })).code).toBe(225);
      expect(ws.leftovers()).toEqual([]);
      expect((await ws.stage(['always-fails'])).code).toBe(222);
      expect(ws.leftovers()).toEqual([]);
    });

    it('a fresh one for each run', async () => {
      ws.installBuildpack('records-args');
      await ws.stage(['records-args'], { skipDetect: true, env: recording(ws) });
      await ws.stage(['records-args'], { skipDetect: true, env: recording(ws) });
      expect(contentsDirs()).toHaveLength(2);
      expect(ws.leftovers()).toEqual([]);
    });
  });

  describe('output parents and cache directories', () => {
    it('creates the parents of -outputDroplet, -outputMetadata, -outputBuildArtifactsCache (mode 0755)', async () => {
      ws.installBuildpack('always-detects');
      const droplet = path.join(ws.root, 'd1', 'd2', 'droplet.tgz');
      const metadata = path.join(ws.root, 'm1', 'm2', 'result.json');
      const cache = path.join(ws.root, 'c1', 'c2', 'cache.tgz');
      const result = await ws.stage(['always-detects'], {
        extra: [`-outputDroplet=${droplet}`, `-outputMetadata=${metadata}`, `-outputBuildArtifactsCache=${cache}`],
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const expectedMode = 0o755 & ~process.umask();
      for (const file of [droplet, metadata, cache]) {
        expect(fs.statSync(file).isFile()).toBe(true);
        expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(expectedMode);
        expect(fs.statSync(path.dirname(path.dirname(file))).mode & 0o777).toBe(expectedMode);
      }
    });

    it('deps/, each deps/<idx>/ and profile.d/ are created with mode 0755 (as the droplet records them)', async () => {
      ws.installBuildpack('has-supply-only');
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['has-supply-only', 'has-finalize'], { skipDetect: true });
      expect(result.code).toBe(0);
      const modes = new Map(
        execFileSync('tar', ['-tvzf', ws.outputDroplet], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean)
          .map((line) => [line.split(/\s+/).pop()!, line.split(' ')[0]!]),
      );
      const perms = 0o755 & ~process.umask();
      const rwx = (bits: number) => `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
      const expected = `d${rwx(perms >> 6)}${rwx(perms >> 3)}${rwx(perms)}`;
      for (const dir of ['./deps/', './deps/0/', './deps/1/', './profile.d/']) expect([dir, modes.get(dir)]).toEqual([dir, expected]);
    });

    it('creates <cacheDir>/final (and <cacheDir>) before the final buildpack runs', async () => {
      ws.installBuildpack('records-args');
      expect(fs.existsSync(ws.cacheDir)).toBe(false);
      const result = await ws.stage(['records-args'], { env: recording(ws) });
      expect(result.code).toBe(0);
      const finalize = readRecords(ws).find((r) => r.script === 'finalize')!;
      expect(finalize.args[1]).toBe(path.join(ws.cacheDir, 'final'));
      expect(finalize.kinds[1]).toBe('d');
      expect(fs.statSync(path.join(ws.cacheDir, 'final')).mode & 0o777).toBe(0o755 & ~process.umask());
    });

    it('skip-detect mode: creates <cacheDir>/<xxhash(key)> for each supply buildpack, not for the final one', async () => {
      ws.installBuildpack('records-args', 'first');
      ws.installBuildpack('records-args', 'second');
      ws.installBuildpack('records-args-compile');
      const result = await ws.stage(['first', 'second', 'records-args-compile'], { skipDetect: true, env: recording(ws) });
      expect(result.code).toBe(0);
      const supplies = readRecords(ws).filter((r) => r.script === 'supply');
      expect(supplies.map((r) => [r.args[1], r.kinds[1]])).toEqual([
        [path.join(ws.cacheDir, xxhash64Hex('first')), 'd'],
        [path.join(ws.cacheDir, xxhash64Hex('second')), 'd'],
      ]);
      expect(fs.readdirSync(ws.cacheDir).sort()).toEqual([xxhash64Hex('first'), xxhash64Hex('second'), 'final'].sort());
    });

    it('detect mode: only <cacheDir>/final', async () => {
      ws.installBuildpack('always-fails');
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['always-fails', 'always-detects']);
      expect(result.code).toBe(0);
      expect(fs.readdirSync(ws.cacheDir)).toEqual(['final']);
    });
  });

  describe('a setup failure: `Failed to set up filesystem when generating droplet: <err>`, exit 1', () => {
    const blocker = () => {
      const file = path.join(ws.root, 'blocker');
      fs.writeFileSync(file, 'a plain file where a directory is needed\n');
      return file;
    };

    it.each([
      ['the parent of -outputDroplet', (b: string) => [`-outputDroplet=${b}/droplet`]],
      ['the parent of -outputMetadata', (b: string) => [`-outputMetadata=${b}/sub/result.json`]],
      ['<cacheDir>/final', (b: string) => [`-buildArtifactsCacheDir=${b}`]],
    ])('%s cannot be created', async (_label, extra) => {
      ws.installBuildpack('records-args');
      precreateResult(ws);
      const result = await ws.stage(['records-args'], { extra: extra(blocker()), env: recording(ws) });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.startsWith('Failed to set up filesystem when generating droplet: ')).toBe(true);
      expect(result.stderr.endsWith('\n')).toBe(true);
      expect(result.stderr.split('\n')).toHaveLength(2);
      expect(invocations(ws)).toEqual([]);
      expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe('');
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
      expect(ws.leftovers()).toEqual([]);
    });
  });
});

describe('CONTRACT §2.7 build-artifacts cache clean-up', () => {
  /** Fills the cache dir with what an earlier staging may have left. */
  function seedCache(keys: readonly string[]) {
    const put = (rel: string, content = `${rel}\n`) => {
      fs.mkdirSync(path.dirname(path.join(ws.cacheDir, rel)), { recursive: true });
      fs.writeFileSync(path.join(ws.cacheDir, rel), content);
    };
    put('stale-file');
    put('.stale-dotfile');
    put('stale-dir/deep/file');
    put('final/kept-final');
    for (const key of keys) put(`${xxhash64Hex(key)}/left-by-${key}`);
    fs.symlinkSync('final', path.join(ws.cacheDir, 'stale-link-to-final'));
  }

  it('skip-detect mode keeps final and the supply buildpacks’ dirs, and deletes everything else', async () => {
    ws.installBuildpack('records-args', 'supplier');
    ws.installBuildpack('records-args');
    seedCache(['supplier', 'records-args', 'gone-buildpack']);
    const result = await ws.stage(['supplier', 'records-args'], { skipDetect: true, env: recording(ws) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const s = xxhash64Hex('supplier');
    expect(tarListing(ws.outputCache)).toEqual(
      [
        './',
        './final/',
        './final/kept-final',
        './final/records-args-supply-cache',
        './final/records-args-finalize-cache',
        `./${s}/`,
        `./${s}/left-by-supplier`,
        `./${s}/records-args-supply-cache`,
      ].sort(),
    );
    expect(fs.readdirSync(ws.cacheDir).sort()).toEqual(['final', s].sort());
    // Deleting the symlink did not delete what it pointed to.
    expect(fs.readFileSync(path.join(ws.cacheDir, 'final', 'kept-final'), 'utf8')).toBe('final/kept-final\n');
  });

  it('detect mode keeps only final, even the selected buildpack’s xxhash dir goes', async () => {
    ws.installBuildpack('records-args');
    seedCache(['records-args']);
    const result = await ws.stage(['records-args'], { env: recording(ws) });
    expect(result.code).toBe(0);
    expect(tarListing(ws.outputCache)).toEqual(
      ['./', './final/', './final/kept-final', './final/records-args-supply-cache', './final/records-args-finalize-cache'].sort(),
    );
    expect(fs.readdirSync(ws.cacheDir)).toEqual(['final']);
  });

  it('an empty or missing cache dir is fine', async () => {
    ws.installBuildpack('always-detects');
    fs.mkdirSync(ws.cacheDir);
    const result = await ws.stage(['always-detects']);
    expect(result.code).toBe(0);
    expect(tarListing(ws.outputCache)).toEqual(['./', './final/']);
  });
});
