// Output floods: buildpack scripts that print gigabytes must not exhaust the builder's memory, and
// nothing streamed is lost. The builder's peak resident memory (VmHWM in /proc/<pid>/status) is
// polled while it runs; the test counts the bytes it receives and keeps none of them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILDER, Workspace, baseEnv, xxhash64Hex } from '../helpers/stage.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
/**
 * The builder's peak RSS must stay below this. A normal staging peaks near 85 MiB; reading a flood
 * through a pipe adds at most ~110 MiB of not yet collected 64 KiB chunks (V8 collects them once
 * external memory grows by about that much), the same for 256 MiB as for 6 GiB. Without the caps, a
 * captured flood is held whole: gigabytes, then a crash.
 */
const PEAK_LIMIT = 256 * MiB;

interface Measured {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdoutBytes: number;
  stderrBytes: number;
  /** The last line of stderr (at most 4 KiB of its tail is kept). */
  stderrTail: string;
  peakBytes: number;
  ms: number;
}

function vmHwm(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0; // gone
  }
}

/** Runs the builder, counting its output bytes and polling its peak memory. */
function measure(ws: Workspace, order: string[], opts: { skipDetect?: boolean } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(BUILDER, ws.args(order, opts), { env: baseEnv({ TMPDIR: ws.tmpDir }), cwd: ws.root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdoutBytes = 0;
    let stderrBytes = 0;
    let stderrTail = '';
    let peakBytes = 0;
    child.stdout.on('data', (d: Buffer) => (stdoutBytes += d.length));
    child.stderr.on('data', (d: Buffer) => {
      stderrBytes += d.length;
      stderrTail = (stderrTail + d.subarray(-4096).toString('latin1')).slice(-4096);
    });
    const poll = setInterval(() => (peakBytes = Math.max(peakBytes, vmHwm(child.pid!))), 20);
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('error', reject);
    child.on('exit', () => (peakBytes = Math.max(peakBytes, vmHwm(child.pid!))));
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code, signal, stdoutBytes, stderrBytes, stderrTail, peakBytes, ms: Date.now() - started });
    });
  });
}

/** A buildpack made in the test: `scripts` are the bodies of bin/<name> (bash). */
function installScripts(ws: Workspace, key: string, scripts: Record<string, string>): void {
  ws.installBuildpack('always-detects', key);
  const bin = path.join(ws.buildpacksDir, xxhash64Hex(key), 'bin');
  for (const [name, body] of Object.entries(scripts)) fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
}

let ws: Workspace;
afterEach(() => ws?.cleanup());

describe('output floods: the builder keeps what it captures bounded and streams the rest', () => {
  it('compile printing 2 GiB on stdout and 2 GiB on stderr: all of it arrives, the builder stays small', async () => {
    ws = new Workspace();
    installScripts(ws, 'floods', { compile: `yes 'compile output on stdout' | head -c ${2 * GiB}\nyes 'compile output on stderr' | head -c ${2 * GiB} >&2` });
    const r = await measure(ws, ['floods']);
    expect(r.code).toBe(0);
    expect(r.stdoutBytes).toBe(2 * GiB);
    expect(r.stderrBytes).toBe(2 * GiB);
    expect(r.peakBytes).toBeGreaterThan(0);
    expect(r.peakBytes).toBeLessThan(PEAK_LIMIT);
  }, 180_000);

  it('detect printing 2 GiB on stdout (captured): the first MiB names the buildpack, the builder stays small', async () => {
    ws = new Workspace();
    installScripts(ws, 'floods', { detect: `yes 'detect output' | head -c ${2 * GiB}` });
    const r = await measure(ws, ['floods']);
    expect(r.code).toBe(0);
    expect(r.peakBytes).toBeGreaterThan(0);
    expect(r.peakBytes).toBeLessThan(PEAK_LIMIT);
    const result = ws.result() as { lifecycle_metadata: { buildpacks: Array<{ name: string }> } };
    const name = result.lifecycle_metadata.buildpacks[0]!.name;
    expect(name.length).toBeLessThanOrEqual(MiB);
    expect(name.startsWith('detect output\ndetect output\n')).toBe(true);
  }, 180_000);

  it('a waiting detect printing 1 GiB on stderr is paused, not held: every byte arrives once it is its turn', async () => {
    ws = new Workspace();
    installScripts(ws, 'slow-fails', { detect: 'sleep 2\necho "slow-fails says no" >&2\nexit 1' });
    installScripts(ws, 'floods', { detect: `yes 'detect stderr' | head -c ${GiB} >&2\necho Flooder` });
    const r = await measure(ws, ['slow-fails', 'floods']);
    expect(r.code).toBe(0);
    expect(r.stderrBytes).toBe(GiB + 'slow-fails says no\n'.length);
    expect(r.peakBytes).toBeGreaterThan(0);
    expect(r.peakBytes).toBeLessThan(PEAK_LIMIT);
  }, 180_000);

  it('release printing endless YAML: stopped at 1 MiB, exit 224 with one clear line', async () => {
    ws = new Workspace();
    installScripts(ws, 'floods', { release: `echo 'default_process_types:'\nyes '  web: the start command' | head -c ${8 * GiB}` });
    const r = await measure(ws, ['floods']);
    expect(r.stderrTail).toBe("Failed to build droplet release: buildpack's release output invalid: output larger than 1048576 bytes\n");
    expect(r.code).toBe(224);
    expect(r.ms).toBeLessThan(60_000);
    expect(r.peakBytes).toBeLessThan(PEAK_LIMIT);
  }, 180_000);

  it('release output just under the limit is still parsed', async () => {
    ws = new Workspace();
    const filler = Array.from({ length: 20_000 }, (_, i) => `  p${i}: command number ${i}`).join('\n');
    fs.writeFileSync(path.join(ws.root, 'release.yml'), `default_process_types:\n  web: the start command\n${filler}\n`);
    expect(fs.statSync(path.join(ws.root, 'release.yml')).size).toBeLessThan(MiB);
    installScripts(ws, 'floods', { release: `cat ${path.join(ws.root, 'release.yml')}` });
    const r = await measure(ws, ['floods']);
    expect(r.code).toBe(0);
    expect((ws.result() as { process_types: Record<string, string> }).process_types.web).toBe('the start command');
  }, 60_000);
});
