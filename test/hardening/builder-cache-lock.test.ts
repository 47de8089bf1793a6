// The build cache lock is about the directory, not its name (docs/security.md, "Faults"): a second
// staging that reaches the same cache directory through a symlink alias waits for the first, as one
// that names it the same way does (test/hardening/cache-lock.test.ts).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILDER, Workspace, baseEnv, copyDir, type RunResult } from '../helpers/stage.ts';
import { waitFor } from './builder-helpers.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  ws.installBuildpack('cache-generations');
});
afterEach(() => ws.cleanup());

function start(args: string[], env: Record<string, string>): { pid: number; done: Promise<RunResult> } {
  const child = spawn(BUILDER, args, { env: baseEnv({ TMPDIR: ws.tmpDir, ...env }), cwd: ws.root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<RunResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { pid: child.pid!, done };
}

function cacheGeneration(file: string): number {
  const read = (member: string) => execFileSync('tar', ['-xOzf', file, member], { encoding: 'utf8' }).trim();
  const generation = read('./final/generations/generation');
  for (let i = 1; i <= 5; i++) expect(read(`./final/generations/part-${i}`), `part-${i} of ${file}`).toBe(generation);
  return Number(generation);
}

describe('one cache directory under two names', () => {
  it('a staging through a symlink alias waits for the one holding the real directory’s lock; the lock file sits beside the real directory', async () => {
    const env = { CACHE_GENERATION_DELAY: '0.1' };
    expect((await ws.stage(['cache-generations'], { env })).code).toBe(0);
    // A second name for the same directory, elsewhere (its own parent, so the alias's own lock name differs too).
    const aliasDir = path.join(ws.root, 'elsewhere');
    fs.mkdirSync(aliasDir);
    const alias = path.join(aliasDir, 'cache-alias');
    fs.symlinkSync(ws.cacheDir, alias);
    const b = path.join(ws.root, 'b');
    copyDir(ws.buildDir, path.join(b, 'app'));
    const bArgs = ws.args(['cache-generations'], {
      extra: [
        `-buildDir=${b}/app`,
        `-buildArtifactsCacheDir=${alias}`,
        `-outputDroplet=${b}/droplet`,
        `-outputMetadata=${b}/result.json`,
        `-outputBuildArtifactsCache=${b}/output-cache`,
      ],
    });

    const a = start(ws.args(['cache-generations']), env);
    // B starts while A's compile is writing the cache.
    const generations = path.join(ws.cacheDir, 'final', 'generations');
    expect(await waitFor(() => fs.existsSync(path.join(generations, 'part-1')) && !fs.existsSync(path.join(generations, 'generation')), 10_000)).toBe(true);
    expect(fs.existsSync(path.join(ws.root, '.cache.lock'))).toBe(true);
    const second = start(bArgs, env);
    const [ra, rb] = await Promise.all([a.done, second.done]);

    expect(ra.stderr).toBe('');
    expect(rb.stderr).toBe('');
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(ra.stdout).toBe('cache-generations: compile generation 2\n');
    expect(rb.stdout).toBe(`Waiting for the build cache lock held by pid ${a.pid}\ncache-generations: compile generation 3\n`);
    expect(cacheGeneration(ws.outputCache)).toBe(2);
    expect(cacheGeneration(path.join(b, 'output-cache'))).toBe(3);
    expect(fs.readdirSync(aliasDir)).toEqual(['cache-alias']);
    expect(fs.existsSync(path.join(ws.root, '.cache.lock'))).toBe(false);
  });
});
