// An interrupted staging (SIGTERM/SIGINT from the orchestrator) ends the buildpack's whole process
// group, removes its temporary directories and leaves no output that looks complete
// (docs/compatibility.md, "Other deliberate differences").
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILDER, Workspace, baseEnv } from '../helpers/stage.ts';

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the builder, waits until `ready()` holds, sends `signal`, and collects the outcome. */
async function interrupt(order: string[], signal: NodeJS.Signals, ready: () => boolean, env: Record<string, string> = {}) {
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

/** Everything in the output directory: no droplet, cache or result.json, and no temporary beside them. */
function outputs(): string[] {
  const dir = path.dirname(ws.outputDroplet);
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
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
  });

  it('SIGTERM while the droplet is being compressed: the partial archive is removed, no droplet appears', async () => {
    ws.installBuildpack('always-detects');
    // 256 MiB of random bytes take a while to compress: the builder is interrupted mid-archive.
    execFileSync('head', ['-c', String(256 << 20), '/dev/urandom'], { stdio: ['ignore', fs.openSync(path.join(ws.buildDir, 'big.bin'), 'w'), 'inherit'] });
    const outDir = path.dirname(ws.outputDroplet);
    const partial = () => fs.existsSync(outDir) && fs.readdirSync(outDir).some((f) => f.startsWith('.droplet.tmp-') && fs.statSync(path.join(outDir, f)).size > 0);
    const result = await interrupt(['always-detects'], 'SIGTERM', partial);
    expect(result.code).toBe(143);
    expect(outputs()).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
  });
});
