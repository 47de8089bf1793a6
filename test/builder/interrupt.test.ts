// An interrupted staging (SIGTERM/SIGINT from the orchestrator) ends the buildpack's whole process
// group, removes its temporary directories and leaves no output that looks complete
// (docs/compatibility.md, "Other deliberate differences").
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILDER, Workspace, baseEnv } from '../helpers/stage.ts';
import { precreateResult } from '../helpers/records.ts';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.cleanup());

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A process that still runs: zombies (dead, waiting to be reaped by whoever inherited them) do not count. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Starts the builder, waits until `ready()` holds, sends `signal`, and collects the outcome. */
async function interrupt(order: string[], signal: NodeJS.Signals, ready: () => boolean, env: Record<string, string> = {}) {
  precreateResult(ws);
  const child = spawn(BUILDER, ws.args(order), { env: baseEnv({ TMPDIR: ws.tmpDir, ...env }), cwd: ws.root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await waitFor(() => (ready() ? true : undefined));
  child.kill(signal);
  const code = await exited;
  return { code, stdout, stderr };
}

/**
 * Everything in the output directory but the result.json the test pre-created (no droplet, no cache
 * and no temporary beside them), and that result.json still empty: nothing that looks complete.
 */
function outputs(): string[] {
  expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe('');
  return fs
    .readdirSync(path.dirname(ws.outputDroplet))
    .filter((f) => f !== 'result.json')
    .sort();
}

/** Nothing of the builder's own beside the workspace's directories: its build cache lock is released. */
function lockReleased(): boolean {
  return !fs.existsSync(path.join(ws.root, '.cache.lock'));
}

describe('interrupted staging', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s during compile: exit %i, the buildpack process group is gone, nothing is left behind', async (signal, status) => {
    ws.installBuildpack('hangs-in-compile');
    const pidsFile = path.join(ws.root, 'pids');
    const result = await interrupt(['hangs-in-compile'], signal, () => fs.existsSync(pidsFile), { HANG_PIDS: pidsFile });
    expect(result.code).toBe(status);
    expect(result.stderr).toBe(`Staging interrupted by ${signal}\n`);
    const pids = fs.readFileSync(pidsFile, 'utf8').trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    // The compile script and the grandchild it started both end.
    await waitFor(() => (pids.every((pid) => !alive(pid)) ? true : undefined), 5_000);
    expect(outputs()).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
    expect(lockReleased()).toBe(true);
  });

  it('a buildpack that ignores TERM: its process group is KILLed after a grace period of 2 s', async () => {
    ws.installBuildpack('hangs-where-told');
    const pidsFile = path.join(ws.root, 'pids');
    const started = Date.now();
    const result = await interrupt(['hangs-where-told'], 'SIGTERM', () => fs.existsSync(pidsFile), {
      HANG_IN: 'compile',
      HANG_IGNORES_TERM: '1',
      HANG_PIDS: pidsFile,
    });
    expect(result.code).toBe(143);
    expect(result.stderr).toBe('Staging interrupted by SIGTERM\n');
    expect(Date.now() - started).toBeLessThan(10_000);
    const pids = fs.readFileSync(pidsFile, 'utf8').trim().split(' ').map(Number);
    expect(pids.filter(alive)).toEqual([]);
    expect(outputs()).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
    expect(lockReleased()).toBe(true);
  });

  it('SIGTERM while the droplet is being compressed: the partial archive is removed, no droplet appears', async () => {
    ws.installBuildpack('always-detects');
    // 256 MiB of random bytes take a while to compress: the builder is interrupted mid-archive.
    execFileSync('head', ['-c', String(256 << 20), '/dev/urandom'], { stdio: ['ignore', fs.openSync(path.join(ws.buildDir, 'big.bin'), 'w'), 'inherit'] });
    const outDir = path.dirname(ws.outputDroplet);
    const partial = () =>
      fs.existsSync(outDir) && fs.readdirSync(outDir).some((f) => f.startsWith('.droplet.tmp-') && fs.statSync(path.join(outDir, f)).size > 0);
    const result = await interrupt(['always-detects'], 'SIGTERM', partial);
    expect(result.code).toBe(143);
    expect(outputs()).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
    expect(lockReleased()).toBe(true);
  });
});
