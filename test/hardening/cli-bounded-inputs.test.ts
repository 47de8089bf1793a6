// Every file the `droplet` CLI reads is bounded and must be a regular file (docs/security.md,
// "Input files"): `/dev/zero` given to each file option and file argument of inspect, scan, advise,
// run, shell, stage, export and rebase is one line with the documented exit status, and the CLI's
// peak memory stays under 100 MB (without the checks each of these grew to 3 GB and more). FIFOs and
// directories likewise; a 3 GB sparse file that is not gzip fails at once, without being read.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/stage.ts';
import { cliMeasured, makeStagingSet, metadata, OSV, scratchDir } from './cli-fixtures.ts';

const PEAK_MIB = 100;
let work: string;
let droplet: string;
let meta: string;
let cache: string;
let fifo: string;
const env = (): Record<string, string> => ({ CF_LIFECYCLE_CACHE: cache, TMPDIR: path.join(work, 'tmp') });
const app = path.join(ROOT, 'buildpacks-fixtures', 'apps', 'hello-web');
const buildpack = path.join(ROOT, 'buildpacks-fixtures', 'buildpacks', 'python-web');

beforeAll(() => {
  work = scratchDir('cli-bounded-');
  // An empty stack cache: a command that got as far as the stack would start building one here.
  cache = path.join(work, 'cache');
  fs.mkdirSync(cache);
  fs.mkdirSync(path.join(work, 'tmp'));
  droplet = makeStagingSet(path.join(work, 'app.droplet'), { label: 'a' }).droplet;
  meta = path.join(work, 'plain-metadata.json');
  fs.writeFileSync(meta, JSON.stringify(metadata()));
  fifo = path.join(work, 'fifo');
  execFileSync('mkfifo', [fifo]);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// Commands that would resolve a stack get one that does not exist: a check that let the input through
// fails the test at once with the stack's error instead of building a stack.
const NEEDS_STACK = new Set(['run', 'shell', 'stage', 'export', 'rebase']);

/** Runs the CLI under GNU time; expects exactly `line` on stderr, nothing on stdout, `status`, bounded memory. */
async function expectRefused(args: readonly string[], line: string, status: number): Promise<void> {
  const guarded = NEEDS_STACK.has(args[0]!) && !args.includes('--stack') ? [...args, '--stack', path.join(work, 'no-such-stack')] : args;
  const r = await cliMeasured(guarded, env());
  expect(r.stderr).toBe(`${line}\n`);
  expect(r.stdout).toBe('');
  expect(r.code).toBe(status);
  expect(r.peakMiB).toBeLessThan(PEAK_MIB);
  // Nothing was started or built on the way.
  expect(fs.readdirSync(cache)).toEqual([]);
  expect(fs.readdirSync(path.join(work, 'tmp'))).toEqual([]);
}

const zero = (what: string): string => `${what} is a character device; give a regular file`;

describe('/dev/zero given to every file option and file argument', () => {
  it('inspect DROPLET', async () => {
    await expectRefused(['inspect', '/dev/zero'], `droplet inspect: ${zero('/dev/zero')}`, 2);
  });

  it('scan PATH', async () => {
    await expectRefused(['scan', '/dev/zero', '--osv', OSV], `droplet scan: ${zero('/dev/zero')}`, 2);
  });

  it('scan --osv', async () => {
    await expectRefused(['scan', droplet, '--osv', '/dev/zero'], `droplet scan: ${zero('--osv /dev/zero')}`, 2);
  });

  it('advise PATH', async () => {
    await expectRefused(['advise', '/dev/zero', '--stack-version', '1.0.0'], `droplet advise: ${zero('/dev/zero')}`, 2);
  });

  it('advise --buildpacks', async () => {
    await expectRefused(['advise', meta, '--stack-version', '1.0.0', '--buildpacks', '/dev/zero'], `droplet advise: ${zero('--buildpacks /dev/zero')}`, 2);
  });

  it('advise --osv', async () => {
    await expectRefused(['advise', meta, '--stack-version', '1.0.0', '--osv', '/dev/zero'], `droplet advise: ${zero('--osv /dev/zero')}`, 2);
  });

  it('run DROPLET', async () => {
    await expectRefused(['run', '/dev/zero'], `droplet: ${zero('the droplet /dev/zero')}`, 1);
  });

  it('run --services', async () => {
    await expectRefused(['run', droplet, '--services', '/dev/zero'], `droplet: ${zero('--services /dev/zero')}`, 1);
  });

  it('shell DROPLET', async () => {
    await expectRefused(['shell', '/dev/zero', '-c', 'true'], `droplet: ${zero('the droplet /dev/zero')}`, 1);
  });

  it('shell --services', async () => {
    await expectRefused(['shell', droplet, '-c', 'true', '--services', '/dev/zero'], `droplet: ${zero('--services /dev/zero')}`, 1);
  });

  it('stage --services', async () => {
    const args = ['stage', app, '-b', buildpack, '-o', path.join(work, 'out.droplet'), '--services', '/dev/zero'];
    await expectRefused(args, `droplet: ${zero('--services /dev/zero')}`, 1);
  });

  it('stage --hooks-config', async () => {
    const args = ['stage', app, '-b', buildpack, '-o', path.join(work, 'out.droplet'), '--hooks-config', '/dev/zero'];
    await expectRefused(args, 'droplet: Invalid hooks config: /dev/zero is a character device; give a regular file', 1);
  });

  it('stage --hooks-dir (a directory option)', async () => {
    const args = ['stage', app, '-b', buildpack, '-o', path.join(work, 'out.droplet'), '--hooks-dir', '/dev/zero'];
    await expectRefused(args, 'droplet: Invalid hooks directory /dev/zero: not a directory', 1);
  });

  it('stage -b (a buildpack directory or zip)', async () => {
    const args = ['stage', app, '-b', '/dev/zero', '-o', path.join(work, 'out.droplet')];
    await expectRefused(args, 'droplet: buildpack /dev/zero: not a directory, a .zip file or a URL', 1);
  });

  it('export DROPLET', async () => {
    await expectRefused(['export', '/dev/zero', '-o', path.join(work, 'image.tar')], `droplet: ${zero('the droplet /dev/zero')}`, 1);
    expect(fs.existsSync(path.join(work, 'image.tar'))).toBe(false);
  });

  it('rebase IMAGE', async () => {
    await expectRefused(['rebase', '/dev/zero', '--stack', path.join(work, 'no-such-stack')], `droplet: ${zero('the image /dev/zero')}`, 1);
  });
});

describe('FIFOs and directories where a file is expected', () => {
  const fifoLine = (what: string) => `${what} is a FIFO (named pipe); give a regular file`;
  const dirLine = (what: string) => `${what} is a directory; give a regular file`;

  // A FIFO with no writer would block a plain open or read for ever: each of these returns at once.
  it.each([
    [['inspect', '<fifo>'], (f: string) => `droplet inspect: ${fifoLine(f)}`, 2],
    [['scan', '<droplet>', '--osv', '<fifo>'], (f: string) => `droplet scan: ${fifoLine(`--osv ${f}`)}`, 2],
    [['advise', '<meta>', '--stack-version', '1', '--buildpacks', '<fifo>'], (f: string) => `droplet advise: ${fifoLine(`--buildpacks ${f}`)}`, 2],
    [['run', '<droplet>', '--services', '<fifo>'], (f: string) => `droplet: ${fifoLine(`--services ${f}`)}`, 1],
    [['run', '<fifo>'], (f: string) => `droplet: ${fifoLine(`the droplet ${f}`)}`, 1],
  ] as const)('a FIFO: %j', async (args, line, status) => {
    const argv = args.map((a) => (a === '<fifo>' ? fifo : a === '<droplet>' ? droplet : a === '<meta>' ? meta : a));
    await expectRefused(argv, line(fifo), status);
  });

  it.each([
    [['run', '<dir>'], (d: string) => `droplet: ${dirLine(`the droplet ${d}`)}`, 1],
    [['run', '<droplet>', '--services', '<dir>'], (d: string) => `droplet: ${dirLine(`--services ${d}`)}`, 1],
    [['advise', '<meta>', '--stack-version', '1', '--buildpacks', '<dir>'], (d: string) => `droplet advise: ${dirLine(`--buildpacks ${d}`)}`, 2],
    [['export', '<dir>', '-o', '<out>'], (d: string) => `droplet: ${dirLine(`the droplet ${d}`)}`, 1],
    [['rebase', '<dir>'], (d: string) => `droplet: ${dirLine(`the image ${d}`)}`, 1],
    [['inspect', '<dir>'], (d: string) => `droplet inspect: ${d}: is a directory (name one droplet)`, 2],
  ] as const)('a directory: %j', async (args, line, status) => {
    const dir = path.join(work, 'a-directory');
    fs.mkdirSync(dir, { recursive: true });
    const argv = args.map((a) => (a === '<dir>' ? dir : a === '<droplet>' ? droplet : a === '<meta>' ? meta : a === '<out>' ? path.join(work, 'out.tar') : a));
    await expectRefused(argv, line(dir), status);
  });
});

describe('large files', () => {
  it('a 3 GB sparse file that is not gzip: inspect fails at once, without reading it', async () => {
    const big = path.join(work, 'big.bin');
    fs.closeSync(fs.openSync(big, 'w'));
    fs.truncateSync(big, 3 * 1024 ** 3);
    const started = Date.now();
    await expectRefused(
      ['inspect', big],
      `droplet inspect: ${big}: neither a droplet (it does not start with gzip's magic bytes) nor staging metadata (3221225472 bytes, at most 32 MiB are read)`,
      2,
    );
    // Reading 3 GB of zeros takes seconds even from the page cache; the refusal comes from fstat.
    expect(Date.now() - started).toBeLessThan(10_000);
    fs.rmSync(big);
  });

  it('a 3 GB sparse file that starts like gzip: inspect, scan and run fail after its first bytes', async () => {
    const big = path.join(work, 'big.droplet');
    fs.writeFileSync(big, Buffer.from([0x1f, 0x8b, 0x08, 0x00]));
    fs.truncateSync(big, 3 * 1024 ** 3);
    await expectRefused(['inspect', big], `droplet inspect: ${big}: not a droplet (a gzip tarball): invalid stored block lengths`, 2);
    await expectRefused(['scan', big, '--osv', OSV], `droplet scan: ${big}: not a droplet (a gzip tarball): invalid stored block lengths`, 2);
    await expectRefused(['run', big], `droplet: ${big}: not a droplet (a gzip tarball): gzip: stdin: invalid compressed data--format violated`, 1);
    fs.rmSync(big);
  });

  it('a --services file over 1 MiB, and one whose VCAP_SERVICES would not fit one environment string', async () => {
    const huge = path.join(work, 'huge-services.json');
    fs.writeFileSync(huge, JSON.stringify({ big: [{ credentials: { blob: 'x'.repeat(2 * 1024 * 1024) } }] }));
    const size = fs.statSync(huge).size;
    await expectRefused(['run', droplet, '--services', huge], `droplet: --services ${huge} is too large: ${size} bytes, at most 1 MiB are read`, 1);
    const wide = path.join(work, 'wide-services.json');
    const value = JSON.stringify({ big: [{ credentials: { blob: 'x'.repeat(140_000) } }] });
    fs.writeFileSync(wide, value);
    await expectRefused(
      ['run', droplet, '--services', wide],
      `droplet: --services ${wide}: VCAP_SERVICES would be ${value.length} bytes; Linux passes at most 131057 (128 KiB with its name) in one variable`,
      1,
    );
  });

  it('an OSV file over 16 MiB inside --osv is skipped with a warning; named alone it is an error', async () => {
    const dir = path.join(work, 'osv-big');
    fs.cpSync(OSV, dir, { recursive: true });
    const big = path.join(dir, 'npm', 'huge.json');
    fs.writeFileSync(big, Buffer.alloc(17 * 1024 * 1024, 0x20));
    const r = await cliMeasured(['scan', droplet, '--osv', dir], env());
    expect(r.stderr).toContain(`droplet scan: warning: ${big} is too large: ${17 * 1024 * 1024} bytes, at most 16 MiB are read\n`);
    expect(r.code).toBe(0);
    await expectRefused(['scan', droplet, '--osv', big], `droplet scan: --osv ${big} is too large: ${17 * 1024 * 1024} bytes, at most 16 MiB are read`, 2);
  });
});
