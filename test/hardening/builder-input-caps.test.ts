// Every file the builder reads has a cap (docs/security.md, "Limits"): `/dev/zero`, a FIFO, a
// directory or a huge file in place of the hooks config, a Procfile, a launch.yml or a config.yml
// is one line, never read whole, and the builder's peak memory stays under 100 MB (GNU time).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILDER, Workspace, baseEnv } from '../helpers/stage.ts';
import { runMeasured } from '../helpers/peak-memory.ts';
import { failureResult } from '../helpers/records.ts';
import { PLAIN, scriptBuildpack } from './builder-helpers.ts';

const PEAK_LIMIT_MIB = 100;
const GiB = 1024 ** 3;

let ws: Workspace;
afterEach(() => ws.cleanup());

function stageMeasured(order: string[], extra: string[] = [], opts: { skipDetect?: boolean } = {}) {
  return runMeasured(BUILDER, ws.args(order, { extra, skipDetect: opts.skipDetect }), { env: baseEnv({ TMPDIR: ws.tmpDir }), cwd: ws.root, timeoutMs: 40_000 });
}

describe('-hooksConfig that is not a small regular file', () => {
  it.each([
    ['/dev/zero', () => '/dev/zero', (f: string) => `Invalid hooks config: ${f} is a character device; give a regular file`],
    [
      'a FIFO (no writer: opening it must not block)',
      () => {
        const fifo = path.join(ws.root, 'hooks.fifo');
        execFileSync('mkfifo', [fifo]);
        return fifo;
      },
      (f: string) => `Invalid hooks config: ${f} is a FIFO (named pipe); give a regular file`,
    ],
    [
      'a directory',
      () => {
        const dir = path.join(ws.root, 'hooks.d');
        fs.mkdirSync(dir);
        return dir;
      },
      (f: string) => `Invalid hooks config: ${f} is a directory; give a regular file`,
    ],
    [
      'a file of 1 MiB and one byte',
      () => {
        const file = path.join(ws.root, 'hooks.yml');
        fs.writeFileSync(file, `hooks: []\n${'#'.repeat(1024 * 1024 - 10)}\n`);
        return file;
      },
      (f: string) => `Invalid hooks config: ${f} is too large: 1048577 bytes, at most 1 MiB are read`,
    ],
  ])('%s: one line, exit 1, nothing staged', async (_what, make, message) => {
    ws = new Workspace();
    scriptBuildpack(ws, 'plain', PLAIN);
    const file = make();

    const r = await stageMeasured(['plain'], [`-hooksConfig=${file}`]);

    expect(r.stderr).toBe(`${message(file)}\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    expect(r.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
    expect(fs.existsSync(ws.outputDroplet)).toBe(false);
  });
});

describe('a Procfile the app made hostile', () => {
  it('1 GiB (sparse): `Failed to read command from Procfile: … is too large`, exit 1, the failure result.json', async () => {
    ws = new Workspace();
    scriptBuildpack(ws, 'plain', PLAIN);
    const procfile = path.join(ws.buildDir, 'Procfile');
    fs.closeSync(fs.openSync(procfile, 'w'));
    fs.truncateSync(procfile, GiB);

    const r = await stageMeasured(['plain']);

    expect(r.stderr).toBe(`Failed to read command from Procfile: ${procfile} is too large: ${GiB} bytes, at most 1 MiB are read\n`);
    expect(r.code).toBe(1);
    expect(r.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
    expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(failureResult(['plain']));
  });

  it('a symlink to /dev/zero: one line, exit 1', async () => {
    ws = new Workspace();
    scriptBuildpack(ws, 'plain', PLAIN);
    const procfile = path.join(ws.buildDir, 'Procfile');
    fs.symlinkSync('/dev/zero', procfile);

    const r = await stageMeasured(['plain']);

    expect(r.stderr).toBe(`Failed to read command from Procfile: ${procfile} is a character device; give a regular file\n`);
    expect(r.code).toBe(1);
    expect(r.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
  });
});

describe('a launch.yml or config.yml a buildpack planted in its deps slot', () => {
  /** A buildpack whose finalize plants `plant` (a shell command run in its deps slot). */
  function planting(plant: string): void {
    scriptBuildpack(ws, 'plants', { ...PLAIN, supply: 'true', finalize: `cd "$3/$4"\n${plant}` });
  }

  it('launch.yml of 1 GiB (sparse): one line naming it, exit 1, the failure result.json', async () => {
    ws = new Workspace();
    planting('truncate -s 1G launch.yml\necho "$PWD/launch.yml" > "$1/planted-at"');

    const r = await stageMeasured(['plants'], [], { skipDetect: true });

    const planted = fs.readFileSync(path.join(ws.buildDir, 'planted-at'), 'utf8').trim();
    expect(r.stderr).toBe(`${planted} is too large: ${GiB} bytes, at most 1 MiB are read\n`);
    expect(r.code).toBe(1);
    expect(r.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
    expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe(failureResult(['plants']));
  });

  it('launch.yml as a FIFO: one line, exit 1, no wait for a writer', async () => {
    ws = new Workspace();
    planting('mkfifo launch.yml\necho "$PWD/launch.yml" > "$1/planted-at"');

    const r = await stageMeasured(['plants'], [], { skipDetect: true });

    const planted = fs.readFileSync(path.join(ws.buildDir, 'planted-at'), 'utf8').trim();
    expect(r.stderr).toBe(`${planted} is a FIFO (named pipe); give a regular file\n`);
    expect(r.code).toBe(1);
  });

  it.each([
    ['a symlink to /dev/zero', 'ln -s /dev/zero config.yml', (f: string) => `${f} is a character device; give a regular file`],
    ['64 MiB', 'truncate -s 64M config.yml', (f: string) => `${f} is too large: ${64 * 1024 * 1024} bytes, at most 1 MiB are read`],
  ])('config.yml %s: ignored (CONTRACT §2.13 ignores what cannot be decoded) with one warning line; staging succeeds', async (_what, plant, reason) => {
    ws = new Workspace();
    planting(`${plant}\necho "$PWD/config.yml" > "$1/planted-at"`);

    const r = await stageMeasured(['plants'], [], { skipDetect: true });

    const planted = fs.readFileSync(path.join(ws.buildDir, 'planted-at'), 'utf8').trim();
    expect(r.stderr).toBe(`Warning: ignoring the buildpack metadata: ${reason(planted)}\n`);
    expect(r.code).toBe(0);
    expect(r.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
    const { lifecycle_metadata } = ws.result() as { lifecycle_metadata: unknown };
    expect(lifecycle_metadata).toEqual({ buildpack_key: 'plants', detected_buildpack: '', buildpacks: [{ key: 'plants', name: '' }] });
  });
});
