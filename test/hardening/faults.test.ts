// Faults (docs/security.md, "Faults and isolation"): a builder SIGKILLed at random points leaves
// outputs that are complete or absent, never partial; its buildpack processes die with it (the
// watchdog, shown with a buildpack that hangs); the next staging with the same cache directory succeeds, and what the killed builder
// left beside its outputs is cleaned up once it is stale.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILDER, Workspace, baseEnv } from '../helpers/stage.ts';

/** mulberry32: a small seeded PRNG, so a failing run can be repeated with FAULTS_SEED=<seed>. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FAULTS_SEED ?? 20240611);
const ITERATIONS = 12;
// Compile takes most of a staging (5 parts × 0.1 s), so most kills land while it runs.
const ENV = { CACHE_GENERATION_DELAY: '0.1' };

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace();
  ws.installBuildpack('cache-generations');
  // Enough app to make packaging take a while, so the kills land in it too.
  fs.writeFileSync(path.join(ws.buildDir, 'payload.bin'), crypto.randomBytes(8 << 20));
});
afterAll(() => ws.cleanup());

const OUTPUTS = () => [ws.outputDroplet, ws.outputCache, ws.outputMetadata];

function removeOutputs(): void {
  for (const f of OUTPUTS()) fs.rmSync(f, { force: true });
}

/** A complete gzip tarball: gzip's checksum and length trailer match and tar lists every member. */
function isCompleteTarball(file: string): boolean {
  try {
    execFileSync('gzip', ['-t', file], { stdio: 'ignore' });
    execFileSync('tar', ['-tzf', file], { stdio: 'ignore', maxBuffer: 64 << 20 });
    return true;
  } catch {
    return false;
  }
}

/** The generation a cache tarball holds; throws when its parts disagree. */
function cacheGeneration(file: string): number {
  const read = (member: string) => execFileSync('tar', ['-xOzf', file, member], { encoding: 'utf8' }).trim();
  const generation = read('./final/generations/generation');
  for (let i = 1; i <= 5; i++) expect(read(`./final/generations/part-${i}`), `part-${i} of ${file}`).toBe(generation);
  return Number(generation);
}

/** A process that still runs: zombies (dead, waiting for whoever inherited them to reap them) do not count. */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Processes whose command line names the cache directory: the buildpack scripts of a staging. */
function buildpackProcesses(): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!running(Number(name))) continue;
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(ws.cacheDir)) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function waitUntil(probe: () => boolean, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    if (probe()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return probe();
}

/** Starts a staging, SIGKILLs the builder after `delayMs`; resolves once it is dead. */
async function stageAndKill(delayMs: number): Promise<{ finished: boolean }> {
  const child = spawn(BUILDER, ws.args(['cache-generations']), { env: baseEnv({ TMPDIR: ws.tmpDir, ...ENV }), cwd: ws.root, stdio: 'ignore' });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  const { signal, code } = await exited;
  return { finished: signal === null && code === 0 };
}

describe('SIGKILL of the builder at random points', () => {
  it(`outputs are complete or absent; the buildpack dies too; the next staging with the same cache succeeds (seed ${SEED})`, async () => {
    // A normal staging first: the cache holds generation 1, and it tells how long a staging takes.
    const started = Date.now();
    const first = await ws.stage(['cache-generations'], { env: ENV });
    const duration = Date.now() - started;
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    let generation = cacheGeneration(ws.outputCache);
    expect(generation).toBe(1);

    const random = prng(SEED);
    const outcomes: string[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      removeOutputs();
      // Anywhere from the start to a little past the usual end of a staging.
      const delay = Math.floor(random() * duration * 1.2);
      const { finished } = await stageAndKill(delay);
      const where = `iteration ${i}, killed after ${delay} ms (seed ${SEED})`;

      // The killed builder's buildpack processes end (the watchdog; shown on its own below), before
      // the next staging starts.
      expect(await waitUntil(() => buildpackProcesses().length === 0, 5000), `${where}: buildpack processes survived`).toBe(true);

      // Each output is absent or complete; a success result.json only with the archives beside it.
      const [droplet, cache, result] = OUTPUTS().map((f) => fs.existsSync(f));
      if (droplet) expect(isCompleteTarball(ws.outputDroplet), `${where}: droplet`).toBe(true);
      if (cache) expect(isCompleteTarball(ws.outputCache), `${where}: cache`).toBe(true);
      if (result) {
        const doc = JSON.parse(fs.readFileSync(ws.outputMetadata, 'utf8')) as { process_types: unknown };
        expect(doc.process_types, `${where}: result.json`).not.toBeNull();
        expect([droplet, cache], `${where}: result.json without archives`).toEqual([true, true]);
      }
      // Nothing at an output path but the outputs themselves; temporaries have their own names.
      for (const name of fs.readdirSync(path.dirname(ws.outputDroplet))) {
        expect(
          ['droplet', 'output-cache', 'result.json'].includes(name) || /^\.(droplet|output-cache|result\.json)\.tmp-\d+-[a-z0-9]+$/.test(name),
          `${where}: ${name}`,
        ).toBe(true);
      }
      outcomes.push(
        `${delay}ms:${[droplet && 'droplet', cache && 'cache', result && 'result'].filter(Boolean).join('+') || 'nothing'}${finished ? ' (finished)' : ''}`,
      );

      // The next staging with the same cache directory succeeds, with a consistent cache.
      removeOutputs();
      const next = await ws.stage(['cache-generations'], { env: ENV });
      expect(next.stderr, `${where}: next staging`).toBe('');
      expect(next.code, `${where}: next staging`).toBe(0);
      const now = cacheGeneration(ws.outputCache);
      // A generation the killed staging had completed counts; a half-written one is started over.
      expect(now, `${where}: generation`).toBeGreaterThanOrEqual(1);
      generation = now;
    }
    if (process.env.FAULTS_VERBOSE) console.log(outcomes.join('\n'));
    // Most kills land before the end: the loop did test partial stagings (the outcomes show where).
    expect(outcomes.filter((o) => !o.endsWith('(finished)')).length, outcomes.join(', ')).toBeGreaterThanOrEqual(ITERATIONS / 2);
  }, 60_000);

  it.each([
    ['at once, when it obeys TERM', {}, 0, 1500],
    ['after 2 s, when it ignores TERM', { HANG_IGNORES_TERM: '1' }, 1900, 5000],
  ] as const)('the buildpack process group of a SIGKILLed builder is ended by the watchdog %s', async (_label, extra, minMs, maxMs) => {
    const hws = new Workspace();
    try {
      hws.installBuildpack('hangs-where-told');
      const pidsFile = path.join(hws.root, 'pids');
      const child = spawn(BUILDER, hws.args(['hangs-where-told']), {
        env: baseEnv({ TMPDIR: hws.tmpDir, HANG_IN: 'compile', HANG_PIDS: pidsFile, ...extra }),
        cwd: hws.root,
        stdio: 'ignore',
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      expect(await waitUntil(() => fs.existsSync(pidsFile), 20_000)).toBe(true);
      const pids = fs.readFileSync(pidsFile, 'utf8').trim().split(' ').map(Number);
      child.kill('SIGKILL');
      await exited;
      const killed = Date.now();

      // The hanging compile and its grandchild (`sleep 600`) would otherwise run for ten minutes.
      expect(await waitUntil(() => !pids.some(running), maxMs)).toBe(true);
      expect(Date.now() - killed).toBeGreaterThanOrEqual(minMs);
    } finally {
      hws.cleanup();
    }
  });

  it('the next staging removes what killed builders left beside the outputs, once it is a minute old', async () => {
    const outDir = path.dirname(ws.outputDroplet);
    // Temporaries as a SIGKILLed builder leaves them: a dead pid, a name like ours.
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    const stale = [`.droplet.tmp-${dead.pid}-abc123`, `.output-cache.tmp-${dead.pid}-def456`, `.result.json.tmp-${dead.pid}-0a1b2c`];
    const young = `.droplet.tmp-${dead.pid}-young1`;
    const live = `.droplet.tmp-${process.pid}-live12`;
    const unrelated = '.droplet.tmp-notapid';
    fs.mkdirSync(outDir, { recursive: true });
    for (const name of [...stale, young, live, unrelated]) fs.writeFileSync(path.join(outDir, name), 'partial');
    const old = new Date(Date.now() - 120_000);
    for (const name of [...stale, live, unrelated]) fs.utimesSync(path.join(outDir, name), old, old);

    const result = await ws.stage(['cache-generations'], { env: ENV });

    expect(result.code).toBe(0);
    const left = fs.readdirSync(outDir).sort();
    for (const name of stale) expect(left).not.toContain(name);
    // Too young to judge, a live process's, and a name that is not ours: left alone.
    expect(left).toEqual(expect.arrayContaining([young, live, unrelated, 'droplet', 'output-cache', 'result.json']));
  });
});
