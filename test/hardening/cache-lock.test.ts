// Two stagings sharing one build cache directory (docs/security.md, "Faults and isolation"): the
// second waits for the first (`Waiting for the build cache lock held by pid N` on stdout), so neither
// sees the other's half-written cache; a lock left by a dead builder is taken over.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILDER, Workspace, baseEnv, copyDir, type RunResult } from '../helpers/stage.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  ws.installBuildpack('cache-generations');
});
afterEach(() => ws.cleanup());

const LOCK = () => path.join(ws.root, '.cache.lock');

/** The flags of a second staging: same buildpacks and cache directory, its own app copy and outputs. */
function secondArgs(name: string): string[] {
  const dir = path.join(ws.root, name);
  copyDir(ws.buildDir, path.join(dir, 'app'));
  return ws.args(['cache-generations'], {
    extra: [`-buildDir=${dir}/app`, `-outputDroplet=${dir}/droplet`, `-outputMetadata=${dir}/result.json`, `-outputBuildArtifactsCache=${dir}/output-cache`],
  });
}

function start(args: string[], env: Record<string, string>): { pid: number; done: Promise<RunResult> } {
  const child = spawn(BUILDER, args, { env: baseEnv({ TMPDIR: ws.tmpDir, ...env }), cwd: ws.root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<RunResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { pid: child.pid!, done };
}

/** The generation a cache tarball holds; fails when its parts disagree. */
function cacheGeneration(file: string): number {
  const read = (member: string) => execFileSync('tar', ['-xOzf', file, member], { encoding: 'utf8' }).trim();
  const generation = read('./final/generations/generation');
  for (let i = 1; i <= 5; i++) expect(read(`./final/generations/part-${i}`), `part-${i} of ${file}`).toBe(generation);
  return Number(generation);
}

describe('two stagings sharing one build cache directory', () => {
  it('run one after the other: both succeed, each cache tarball holds one whole generation, and the second says it waited', async () => {
    // Generation 1 first, so the concurrent stagings find a cache to check and rewrite.
    const env = { CACHE_GENERATION_DELAY: '0.1' };
    expect((await ws.stage(['cache-generations'], { env })).code).toBe(0);

    const a = start(ws.args(['cache-generations']), env);
    // B starts while A's compile is writing the cache (A's staging takes about 0.6 s).
    for (
      const until = Date.now() + 10_000;
      !fs.existsSync(path.join(ws.cacheDir, 'final', 'generations', `part-1`)) || fs.existsSync(path.join(ws.cacheDir, 'final', 'generations', 'generation'));
    ) {
      if (Date.now() > until) throw new Error('A never started writing the cache');
      await new Promise((r) => setTimeout(r, 10));
    }
    const b = start(secondArgs('b'), env);
    const [ra, rb] = await Promise.all([a.done, b.done]);

    expect(ra.stderr).toBe('');
    expect(rb.stderr).toBe('');
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(rb.stdout).toBe(`Waiting for the build cache lock held by pid ${a.pid}\ncache-generations: compile generation 3\n`);
    expect(ra.stdout).toBe('cache-generations: compile generation 2\n');
    expect(cacheGeneration(ws.outputCache)).toBe(2);
    expect(cacheGeneration(path.join(ws.root, 'b', 'output-cache'))).toBe(3);
    expect(fs.existsSync(LOCK())).toBe(false);
  });

  it('three at once: each waits its turn, the generations follow one another', async () => {
    const env = { CACHE_GENERATION_DELAY: '0.02' };
    const runs = [start(ws.args(['cache-generations']), env), start(secondArgs('b'), env), start(secondArgs('c'), env)];
    const results = await Promise.all(runs.map((r) => r.done));

    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' });
    const generations = [ws.outputCache, path.join(ws.root, 'b', 'output-cache'), path.join(ws.root, 'c', 'output-cache')].map(cacheGeneration).sort();
    expect(generations).toEqual([1, 2, 3]);
    expect(fs.existsSync(LOCK())).toBe(false);
  });

  it('a lock left by a builder that is gone (SIGKILL) is taken over at once', async () => {
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    fs.writeFileSync(
      LOCK(),
      `${JSON.stringify({ pid: dead.pid, start: '1', pidns: fs.readlinkSync('/proc/self/ns/pid'), boot: fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() })}\n`,
    );

    const started = Date.now();
    const result = await ws.stage(['cache-generations'], { env: { CACHE_GENERATION_DELAY: '0' } });

    expect(result).toMatchObject({ code: 0, stdout: 'cache-generations: compile generation 1\n', stderr: '' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fs.existsSync(LOCK())).toBe(false);
  });

  it('a live holder whose pid was reused is told apart by its start time: the lock is stale', async () => {
    // Our own pid, but a start time that is not ours: the process that wrote it is gone.
    fs.writeFileSync(
      LOCK(),
      `${JSON.stringify({ pid: process.pid, start: '1', pidns: fs.readlinkSync('/proc/self/ns/pid'), boot: fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() })}\n`,
    );

    const result = await ws.stage(['cache-generations'], { env: { CACHE_GENERATION_DELAY: '0' } });

    expect(result).toMatchObject({ code: 0, stdout: 'cache-generations: compile generation 1\n', stderr: '' });
  });

  it('a lock from another pid namespace is waited for while its owner keeps it fresh, and taken over once it is a minute old', async () => {
    const foreign = { pid: 1, start: '1', pidns: 'pid:[1]', boot: fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() };
    fs.writeFileSync(LOCK(), `${JSON.stringify(foreign)}\n`);
    const waiting = await ws.stage(['cache-generations'], { extra: ['-stagingTimeout=700ms'] });
    expect(waiting.code).toBe(229);
    expect(waiting.stdout).toBe('Waiting for the build cache lock held by pid 1\n');

    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(LOCK(), old, old);
    const result = await ws.stage(['cache-generations'], { env: { CACHE_GENERATION_DELAY: '0' } });
    expect(result).toMatchObject({ code: 0, stdout: 'cache-generations: compile generation 1\n', stderr: '' });
  });

  it('a cache directory whose parent cannot take a lock file: staging goes on, with a warning', async () => {
    const parent = path.join(ws.root, 'readonly');
    const cacheDir = path.join(parent, 'cache');
    fs.mkdirSync(cacheDir, { recursive: true });
    execFileSync('mount', ['--bind', parent, parent]);
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', parent]);
      // The cache directory itself stays writable.
      execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', cacheDir]);
      const result = await ws.stage(['cache-generations'], { extra: [`-buildArtifactsCacheDir=${cacheDir}`], env: { CACHE_GENERATION_DELAY: '0' } });
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(
        new RegExp(
          `^Warning: cannot lock the build artifacts cache ${cacheDir} \\(open ${parent}/\\.cache\\.lock\\.\\d+-[a-z0-9]+: read-only file system\\); a staging sharing it could change it meanwhile\\n$`,
        ),
      );
    } finally {
      execFileSync('umount', ['-R', parent]);
    }
  });
});
