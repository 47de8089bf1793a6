// An interrupted staging (SIGTERM/SIGINT from the orchestrator) ends the buildpack's whole process
// group, removes its temporary directories and leaves no output that looks complete
// (docs/compatibility.md, "Other deliberate differences").
import { spawn } from 'node:child_process';
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
    // A `tar` that writes half an archive to its -f target and then hangs: the moment an interrupt must not leave a droplet.
    const tools = path.join(ws.root, 'slow-tools');
    fs.mkdirSync(tools);
    const marker = path.join(ws.root, 'tar-started');
    fs.writeFileSync(
      path.join(tools, 'tar'),
      `#!/bin/bash\nwhile [ $# -gt 0 ]; do if [ "$1" = -czf ]; then out=$2; fi; shift; done\nhead -c 1000 /dev/urandom > "$out"\ntouch ${marker}\nexec sleep 600\n`,
      { mode: 0o755 },
    );
    const result = await interrupt(['always-detects'], 'SIGTERM', () => fs.existsSync(marker), { PATH: `${tools}:${baseEnv().PATH}` });
    expect(result.code).toBe(143);
    expect(outputs()).toEqual([]);
    expect(ws.leftovers()).toEqual([]);
  });
});
