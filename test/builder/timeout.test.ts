// -stagingTimeout (beyond the reference, README "builder"): a hung buildpack ends staging with exit 229
// and `Staging timed out after <duration> (<what was running>)`; its process group gets TERM, then KILL
// after a short grace; temporaries are removed and no output is written.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILDER, Workspace, baseEnv } from '../helpers/stage.ts';
import { precreateResult } from '../helpers/records.ts';

let ws: Workspace;
let pidsFile: string;
beforeEach(() => {
  ws = new Workspace();
  pidsFile = path.join(ws.root, 'pids');
});
afterEach(() => ws.cleanup());

/** A process that still runs: zombies (dead, waiting to be reaped by whoever inherited them) do not count. */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The hanging script and its grandchild, as hangs-where-told recorded them. */
function hangPids(): number[] {
  return fs.readFileSync(pidsFile, 'utf8').trim().split(' ').map(Number);
}

/** The output directory holds nothing but the pre-created, still empty result.json. */
function expectNoOutputs(): void {
  expect(fs.readdirSync(path.dirname(ws.outputDroplet))).toEqual(['result.json']);
  expect(fs.readFileSync(ws.outputMetadata, 'utf8')).toBe('');
  expect(ws.leftovers()).toEqual([]);
  // The build cache lock is released too.
  expect(fs.readdirSync(ws.root).filter((f) => f.startsWith('.'))).toEqual([]);
}

describe('-stagingTimeout', () => {
  it('a hung compile: exit 229, `Staging timed out after 1s (running bin/compile of buildpack …)`, its process group gone, no outputs', async () => {
    ws.installBuildpack('hangs-where-told');
    precreateResult(ws);
    const started = Date.now();
    const result = await ws.stage(['hangs-where-told'], { extra: ['-stagingTimeout=1s'], env: { HANG_IN: 'compile', HANG_PIDS: pidsFile } });
    expect(result.code).toBe(229);
    expect(result.stdout).toBe('hangs-where-told: compile waiting\n');
    expect(result.stderr).toBe("Staging timed out after 1s (running bin/compile of buildpack 'hangs-where-told')\n");
    // TERM ends this script at once: no grace period is waited out.
    expect(Date.now() - started).toBeLessThan(1000 + 1900);
    expect(hangPids().filter(running)).toEqual([]);
    expectNoOutputs();
  });

  it('a compile that ignores TERM is KILLed after the grace period', async () => {
    ws.installBuildpack('hangs-where-told');
    precreateResult(ws);
    const started = Date.now();
    const result = await ws.stage(['hangs-where-told'], {
      extra: ['-stagingTimeout=500ms'],
      env: { HANG_IN: 'compile', HANG_IGNORES_TERM: '1', HANG_PIDS: pidsFile },
    });
    const took = Date.now() - started;
    expect(result.code).toBe(229);
    expect(result.stderr).toBe("Staging timed out after 500ms (running bin/compile of buildpack 'hangs-where-told')\n");
    // 0.5 s, then TERM (ignored), 2 s of grace, then KILL.
    expect(took).toBeGreaterThanOrEqual(2400);
    expect(took).toBeLessThan(6000);
    expect(hangPids().filter(running)).toEqual([]);
    expectNoOutputs();
  });

  it('names the supply buildpack that hangs (skip-detect mode)', async () => {
    ws.installBuildpack('hangs-where-told', 'slow-supplier');
    ws.installBuildpack('always-detects');
    precreateResult(ws);
    const result = await ws.stage(['slow-supplier', 'always-detects'], {
      skipDetect: true,
      extra: ['-stagingTimeout=1s'],
      env: { HANG_IN: 'supply', HANG_PIDS: pidsFile },
    });
    expect(result.code).toBe(229);
    expect(result.stderr).toBe("Staging timed out after 1s (running bin/supply of buildpack 'slow-supplier')\n");
    expect(hangPids().filter(running)).toEqual([]);
    expectNoOutputs();
  });

  it('names the detect that staging waits for', async () => {
    ws.installBuildpack('always-fails');
    ws.installBuildpack('hangs-where-told');
    precreateResult(ws);
    const result = await ws.stage(['always-fails', 'hangs-where-told'], { extra: ['-stagingTimeout=1s'], env: { HANG_IN: 'detect', HANG_PIDS: pidsFile } });
    expect(result.code).toBe(229);
    expect(result.stderr).toBe("Staging timed out after 1s (running bin/detect of buildpack 'hangs-where-told')\n");
    expect(hangPids().filter(running)).toEqual([]);
    expectNoOutputs();
  });

  it('names bin/release', async () => {
    ws.installBuildpack('hangs-where-told');
    precreateResult(ws);
    const result = await ws.stage(['hangs-where-told'], { extra: ['-stagingTimeout=1s'], env: { HANG_IN: 'release', HANG_PIDS: pidsFile } });
    expect(result.code).toBe(229);
    expect(result.stderr).toBe("Staging timed out after 1s (running bin/release of buildpack 'hangs-where-told')\n");
    expectNoOutputs();
  });

  it('counts the time spent waiting for the build cache lock, and says so', async () => {
    ws.installBuildpack('hangs-where-told');
    // A first staging holds the cache lock while its compile hangs.
    const holder = spawn(BUILDER, ws.args(['hangs-where-told']), {
      env: baseEnv({ TMPDIR: ws.tmpDir, HANG_IN: 'compile', HANG_PIDS: pidsFile }),
      cwd: ws.root,
      stdio: 'ignore',
    });
    const holderDone = new Promise((resolve) => holder.on('close', resolve));
    try {
      for (const until = Date.now() + 20_000; !fs.existsSync(pidsFile) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
      const other = path.join(ws.root, 'other');
      const result = await ws.stage(['hangs-where-told'], {
        extra: ['-stagingTimeout=1s', `-outputDroplet=${other}/droplet`, `-outputMetadata=${other}/result.json`, `-outputBuildArtifactsCache=${other}/cache`],
      });
      expect(result.code).toBe(229);
      expect(result.stdout).toBe(`Waiting for the build cache lock held by pid ${holder.pid}\n`);
      expect(result.stderr).toBe(`Staging timed out after 1s (waiting for the build cache lock held by pid ${holder.pid})\n`);
      expect(fs.readdirSync(other)).toEqual([]);
      // The holder's lock is untouched.
      expect(fs.existsSync(path.join(ws.root, '.cache.lock'))).toBe(true);
    } finally {
      holder.kill('SIGTERM');
      await holderDone;
    }
  });

  it('a staging that finishes in time is not affected (exit 0 at once)', async () => {
    ws.installBuildpack('always-detects');
    const started = Date.now();
    const result = await ws.stage(['always-detects'], { extra: ['-stagingTimeout=10m'] });
    expect(result).toMatchObject({ code: 0, stdout: 'always-detects: compile\n', stderr: '' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it.each(['0', '-1s'])('%s means no limit', async (value) => {
    ws.installBuildpack('always-detects');
    const result = await ws.stage(['always-detects'], { extra: [`-stagingTimeout=${value}`] });
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });

  it('a value that is not a Go duration is a flag error (exit 2), and the usage lists the flag', async () => {
    const result = await ws.stage(['always-detects'], { extra: ['-stagingTimeout=5'] });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^invalid value "5" for flag -stagingTimeout: parse error\nUsage of builder:\n/);
    expect(result.stderr).toContain('  -stagingTimeout duration\n');
  });
});
