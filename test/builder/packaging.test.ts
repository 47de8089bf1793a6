// CONTRACT §2.16: packaging: droplet layout, app copy, cache tarball, packaging errors; decided fix Q7
// (failure result.json after a packaging error) and "no partial outputs" (docs/compatibility.md).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace, xxhash64Hex } from '../helpers/stage.ts';
import { failureResult, precreateResult, siblings, tarListing } from '../helpers/records.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.cleanup());

const SIMPLE_APP = ['./app/', './app/.hidden', './app/app.sh', './app/link-to-app.sh', './app/sub/', './app/sub/file.txt'];
const SKELETON = ['./', './deps/', './logs/', './profile.d/', './staging_info.yml', './tmp/'];
const sorted = (entries: string[]) => [...entries].sort();

/** Extracts a tarball with GNU tar into a fresh directory and returns it. */
function extract(file: string): string {
  const dir = fs.mkdtempSync(path.join(ws.root, 'extracted-'));
  execFileSync('tar', ['-xzf', file, '-C', dir]);
  return dir;
}

describe('CONTRACT §2.16 packaging', () => {
  describe('the droplet', () => {
    it('compile buildpack: exactly ./, ./app/…, ./deps/, ./logs/, ./profile.d/, ./staging_info.yml, ./tmp/', async () => {
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['always-detects']);
      expect(result.code).toBe(0);
      expect(ws.dropletListing()).toEqual(sorted([...SKELETON, ...SIMPLE_APP, './app/compiled-by-always-detects']));
      expect(ws.dropletFile('./app/compiled-by-always-detects')).toBe('compiled by always-detects\n');
      expect(ws.dropletFile('./app/sub/file.txt')).toBe('a file in a subdirectory\n');
    });

    it('finalize buildpack after a supply buildpack: plus ./deps/<idx>/… and ./profile.d/<files>', async () => {
      ws.installBuildpack('has-supply-only');
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['has-supply-only', 'has-finalize'], { skipDetect: true });
      expect(result.code).toBe(0);
      expect(ws.dropletListing()).toEqual(
        sorted([
          ...SKELETON,
          ...SIMPLE_APP,
          './deps/0/',
          './deps/0/supplied-by-has-supply-only',
          './deps/1/',
          './deps/1/finalized-by-has-finalize',
          './deps/1/supplied-by-has-finalize',
          './profile.d/has-finalize.sh',
        ]),
      );
      expect(ws.dropletFile('./deps/0/supplied-by-has-supply-only')).toBe('supplied by has-supply-only\n');
      expect(ws.dropletFile('./deps/1/finalized-by-has-finalize')).toBe('finalized by has-finalize\n');
      expect(ws.dropletFile('./profile.d/has-finalize.sh')).toBe('export HAS_FINALIZE=1\n');
    });

    it('an empty app: ./app/ with nothing in it', async () => {
      ws.cleanup();
      ws = new Workspace(null);
      ws.installBuildpack('has-finalize');
      const result = await ws.stage(['has-finalize']);
      expect(result.code).toBe(0);
      expect(ws.dropletListing().filter((e) => e.startsWith('./app/'))).toEqual(['./app/']);
    });

    it('the app is copied with `cp -a`: modes, symlinks, dotfiles, empty dirs and timestamps are preserved', async () => {
      ws.installBuildpack('has-finalize');
      const app = ws.buildDir;
      fs.chmodSync(path.join(app, 'app.sh'), 0o750);
      fs.chmodSync(path.join(app, '.hidden'), 0o600);
      fs.chmodSync(path.join(app, 'sub'), 0o701);
      fs.mkdirSync(path.join(app, 'empty-dir'));
      fs.symlinkSync('/nonexistent/target', path.join(app, 'dangling-link'));
      const stamp = new Date('2001-02-03T04:05:06Z');
      fs.utimesSync(path.join(app, 'sub', 'file.txt'), stamp, stamp);
      fs.utimesSync(path.join(app, 'sub'), stamp, stamp);
      fs.chmodSync(app, 0o750);

      const result = await ws.stage(['has-finalize']);
      expect(result.code).toBe(0);
      const out = path.join(extract(ws.outputDroplet), 'app');
      const mode = (p: string) => fs.lstatSync(path.join(out, p)).mode & 0o7777;
      expect(mode('.')).toBe(0o750);
      expect(mode('app.sh')).toBe(0o750);
      expect(mode('.hidden')).toBe(0o600);
      expect(mode('sub')).toBe(0o701);
      expect(mode('sub/file.txt')).toBe(0o644);
      expect(fs.readFileSync(path.join(out, '.hidden'), 'utf8')).toBe('a dotfile that must reach the droplet\n');
      expect(fs.readlinkSync(path.join(out, 'link-to-app.sh'))).toBe('app.sh');
      expect(fs.readlinkSync(path.join(out, 'dangling-link'))).toBe('/nonexistent/target');
      expect(fs.readdirSync(path.join(out, 'empty-dir'))).toEqual([]);
      expect(fs.statSync(path.join(out, 'sub', 'file.txt')).mtime.getTime()).toBe(stamp.getTime());
      expect(fs.statSync(path.join(out, 'sub')).mtime.getTime()).toBe(stamp.getTime());
    });

    it('tmp/ and logs/ are empty directories; staging_info.yml is a file', async () => {
      ws.installBuildpack('always-detects');
      await ws.stage(['always-detects']);
      const out = extract(ws.outputDroplet);
      expect(fs.readdirSync(path.join(out, 'tmp'))).toEqual([]);
      expect(fs.readdirSync(path.join(out, 'logs'))).toEqual([]);
      expect(fs.statSync(path.join(out, 'staging_info.yml')).isFile()).toBe(true);
    });

    it('is a gzip-compressed tar that GNU tar and gzip read', async () => {
      ws.installBuildpack('always-detects');
      await ws.stage(['always-detects']);
      for (const file of [ws.outputDroplet, ws.outputCache]) {
        expect([...fs.readFileSync(file).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
        execFileSync('gzip', ['-t', file]);
        execFileSync('tar', ['-tzf', file]);
      }
    });

    it('overwrites an existing droplet and cache tarball', async () => {
      fs.mkdirSync(path.dirname(ws.outputDroplet), { recursive: true });
      fs.writeFileSync(ws.outputDroplet, 'an old droplet');
      fs.writeFileSync(ws.outputCache, 'an old cache');
      ws.installBuildpack('always-detects');
      const result = await ws.stage(['always-detects']);
      expect(result.code).toBe(0);
      expect(ws.dropletListing()).toContain('./staging_info.yml');
      expect(tarListing(ws.outputCache)).toEqual(['./', './final/']);
    });
  });

  describe('the build artifacts cache tarball', () => {
    it('contains ./, ./final/… and ./<xxhash(key)>/… of the supply buildpacks', async () => {
      ws.installBuildpack('always-detects-creates-build-artifacts');
      ws.installBuildpack('always-detects-creates-build-artifacts', 'the-final-one');
      const result = await ws.stage(['always-detects-creates-build-artifacts', 'the-final-one'], { skipDetect: true });
      expect(result.code).toBe(0);
      const s = '5197145f32956b5e';
      expect(xxhash64Hex('always-detects-creates-build-artifacts')).toBe(s);
      expect(tarListing(ws.outputCache)).toEqual(sorted(['./', './final/', './final/compiled-artifact', `./${s}/`, `./${s}/supplied-artifact`]));
      expect(ws.dropletFile(`./${s}/supplied-artifact`, ws.outputCache)).toBe('supplied artifact\n');
      expect(ws.dropletFile('./final/compiled-artifact', ws.outputCache)).toBe('compiled artifact\n');
    });

    it('detect mode: ./final/… only', async () => {
      ws.installBuildpack('always-detects-creates-build-artifacts');
      const result = await ws.stage(['always-detects-creates-build-artifacts']);
      expect(result.code).toBe(0);
      expect(tarListing(ws.outputCache)).toEqual(['./', './final/', './final/compiled-artifact']);
    });
  });

  describe('packaging errors exit 1, write the failure result.json (Q7 fixed) and leave no partial outputs', () => {
    beforeEach(() => precreateResult(ws));

    /** Nothing at the droplet and cache paths, and nothing but result.json beside them. */
    function expectNoOutputs() {
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
      expect(fs.existsSync(ws.outputCache)).toBe(false);
      expect(siblings(ws.outputDroplet)).toEqual(['result.json']);
      expect(ws.leftovers()).toEqual([]);
    }

    it('tmp/ or logs/ cannot be created: `Failed to set up droplet filesystem: <err>`', async () => {
      ws.installBuildpack('finalize-blocks-droplet-tmp-dir');
      const result = await ws.stage(['finalize-blocks-droplet-tmp-dir'], { skipDetect: true });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.startsWith('Failed to set up droplet filesystem: ')).toBe(true);
      expect(result.stderr.split('\n')).toHaveLength(2);
      expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(failureResult(['finalize-blocks-droplet-tmp-dir']));
      expectNoOutputs();
    });

    it('the build dir is gone at copy time: cp’s stderr passes through, then `Failed to copy compiled droplet: exit status 1`', async () => {
      ws.installBuildpack('deletes-build-dir');
      const result = await ws.stage(['deletes-build-dir']);
      expect(result).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `cp: cannot stat '${ws.buildDir}': No such file or directory\nFailed to copy compiled droplet: exit status 1\n`,
      });
      expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(failureResult(['deletes-build-dir']));
      expectNoOutputs();
    });

    /** A 64 KiB tmpfs: a disk that fills up (needs root, as CI has). */
    function smallDisk(): { dir: string; unmount: () => void } {
      const dir = path.join(ws.root, 'small-disk');
      fs.mkdirSync(dir);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
      return { dir, unmount: () => execFileSync('umount', [dir]) };
    }

    it('the droplet does not fit on the disk: `Failed to compress droplet filesystem: write <tmp>: no space left on device`, nothing half-written', async () => {
      ws.installBuildpack('always-detects');
      fs.writeFileSync(path.join(ws.buildDir, 'big.bin'), crypto.randomBytes(1 << 20));
      const disk = smallDisk();
      try {
        const droplet = path.join(disk.dir, 'droplet');
        const result = await ws.stage(['always-detects'], { extra: [`-outputDroplet=${droplet}`] });
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('always-detects: compile\n');
        expect(result.stderr).toMatch(
          new RegExp(`^Failed to compress droplet filesystem: write ${disk.dir}/\\.droplet\\.tmp-[^:]+: no space left on device\n$`),
        );
        expect(fs.readdirSync(disk.dir)).toEqual([]);
        expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(failureResult(['always-detects']));
        expect(fs.existsSync(ws.outputCache)).toBe(false);
        expect(ws.leftovers()).toEqual([]);
      } finally {
        disk.unmount();
      }
    });

    it('the cache does not fit: `Failed to compress build artifacts: write <tmp>: no space left on device`, and no droplet either', async () => {
      ws.installBuildpack('always-detects');
      fs.mkdirSync(path.join(ws.cacheDir, 'final'), { recursive: true });
      fs.writeFileSync(path.join(ws.cacheDir, 'final', 'big.bin'), crypto.randomBytes(1 << 20));
      const disk = smallDisk();
      try {
        const cache = path.join(disk.dir, 'output-cache');
        const result = await ws.stage(['always-detects'], { extra: [`-outputBuildArtifactsCache=${cache}`] });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(
          new RegExp(`^Failed to compress build artifacts: write ${disk.dir}/\\.output-cache\\.tmp-[^:]+: no space left on device\n$`),
        );
        expect(fs.readdirSync(disk.dir)).toEqual([]);
        expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(failureResult(['always-detects']));
        expectNoOutputs();
      } finally {
        disk.unmount();
      }
    });

    it('TMPDIR (the contents directory) fills up during finalize: `… no space left on device`, exit 1, the failure result.json and nothing half-written', async () => {
      ws.installBuildpack('finalize-fills-deps-dir');
      const disk = smallDisk();
      try {
        const result = await ws.stage(['finalize-fills-deps-dir'], { env: { TMPDIR: disk.dir } });
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('finalize-fills-deps-dir: finalize\n');
        // The builder's first write after finalize is staging_info.yml, in the contents directory.
        expect(result.stderr).toMatch(new RegExp(`^open ${disk.dir}/contents[^/]+/staging_info\\.yml: no space left on device\n$`));
        expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(failureResult(['finalize-fills-deps-dir']));
        expect(fs.existsSync(ws.outputDroplet)).toBe(false);
        expect(fs.existsSync(ws.outputCache)).toBe(false);
        expect(siblings(ws.outputDroplet)).toEqual(['result.json']);
        // The contents directory, filler and all, is removed: the disk is empty again.
        expect(fs.readdirSync(disk.dir)).toEqual([]);
      } finally {
        disk.unmount();
      }
    });

    it('TMPDIR fills up with the SBOM and staging metadata the builder writes before packaging: `Failed to write staging metadata: … no space left on device`, nothing left in TMPDIR', async () => {
      ws.installBuildpack('always-detects');
      // The SBOM and metadata the builder writes into the contents directory do not fit in 64 KiB
      // once the app's lockfile inventory is large.
      const lines = Array.from({ length: 4000 }, (_, i) => `pkg-${i}==1.0.${i}`).join('\n');
      fs.writeFileSync(path.join(ws.buildDir, 'requirements.txt'), `${lines}\n`);
      const disk = smallDisk();
      try {
        const result = await ws.stage(['always-detects'], {
          env: { TMPDIR: disk.dir },
          extra: [`-outputStagingMetadata=${path.join(ws.root, 'out', 'metadata.json')}`],
        });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(
          new RegExp(`^Failed to write staging metadata: (open|write) ${disk.dir}/contents[^/]+/\\.cf-lifecycle/[^:]+: no space left on device\n$`),
        );
        expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(failureResult(['always-detects']));
        expect(siblings(ws.outputDroplet)).toEqual(['result.json']);
        expect(fs.readdirSync(disk.dir)).toEqual([]);
      } finally {
        disk.unmount();
      }
    });

    it('needs no tar on PATH (a deliberate difference: the archives are written by the builder itself)', async () => {
      ws.installBuildpack('always-detects');
      const bin = path.join(ws.root, 'only-bash');
      fs.mkdirSync(bin);
      fs.symlinkSync(execFileSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim(), path.join(bin, 'bash'));
      const result = await ws.stage(['always-detects'], { env: { PATH: bin } });
      expect(result).toMatchObject({ code: 0, stdout: 'always-detects: compile\n', stderr: '' });
      expect(ws.dropletListing()).toContain('./app/compiled-by-always-detects');
    });

    it('the parent of -outputBuildArtifactsCache cannot be created: `Failed to create output build artifacts cache dir: <err>`', async () => {
      ws.installBuildpack('always-detects');
      const blocker = path.join(ws.root, 'blocker');
      fs.writeFileSync(blocker, '');
      const result = await ws.stage(['always-detects'], { extra: [`-outputBuildArtifactsCache=${blocker}/sub/cache.tgz`] });
      expect(result.code).toBe(1);
      expect(result.stderr.startsWith('Failed to create output build artifacts cache dir: ')).toBe(true);
      expect(result.stderr.split('\n')).toHaveLength(2);
      expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(failureResult(['always-detects']));
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
      expect(siblings(ws.outputDroplet)).toEqual(['result.json']);
      expect(ws.leftovers()).toEqual([]);
    });
  });
});
