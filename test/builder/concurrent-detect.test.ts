// Concurrent detect (-detectConcurrency=16, as droplet stage passes it) must be indistinguishable from the reference's
// sequential detect (CONTRACT §2.8): the same choice, stdout, stderr, exit status and outputs.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace, md5Hex, xxhash64Hex } from '../helpers/stage.ts';

interface Behaviour {
  SLEEP?: number;
  EXIT?: number;
  OUT?: string;
  ERR?: string;
  ERR2?: string;
}

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.cleanup());

function install(key: string, behaviour: Behaviour): void {
  const root = ws.installBuildpack('detect-as-configured', key);
  const lines = Object.entries(behaviour).map(([k, v]) => `${k}=${JSON.stringify(String(v))}`);
  fs.writeFileSync(path.join(root, 'behaviour'), `${lines.join('\n')}\n`);
}

async function stageBoth(order: string[]) {
  // The builder's default is the reference's sequential detect.
  const sequential = await ws.stage(order);
  const seqResult = fs.existsSync(ws.outputMetadata) ? fs.readFileSync(ws.outputMetadata, 'utf8') : undefined;
  const seqListing = fs.existsSync(ws.outputDroplet) ? ws.dropletListing() : undefined;
  fs.rmSync(path.dirname(ws.outputDroplet), { recursive: true, force: true });
  const started = Date.now();
  const concurrent = await ws.stage(order, { extra: ['-detectConcurrency=16'] });
  const elapsed = Date.now() - started;
  const conResult = fs.existsSync(ws.outputMetadata) ? fs.readFileSync(ws.outputMetadata, 'utf8') : undefined;
  const conListing = fs.existsSync(ws.outputDroplet) ? ws.dropletListing() : undefined;
  return { sequential, concurrent, seqResult, conResult, seqListing, conListing, elapsed };
}

function expectSame(r: Awaited<ReturnType<typeof stageBoth>>): void {
  expect(r.concurrent.code).toBe(r.sequential.code);
  expect(r.concurrent.stdout).toBe(r.sequential.stdout);
  expect(r.concurrent.stderr).toBe(r.sequential.stderr);
  expect(r.conResult).toBe(r.seqResult);
  expect(r.conListing).toEqual(r.seqListing);
}

describe('concurrent detect gives exactly the sequential result (CONTRACT §2.8, issue: staging at speed)', () => {
  it('an earlier, slower buildpack that passes wins over later, faster ones', async () => {
    install('slow-pass', { SLEEP: 0.6, EXIT: 0, OUT: 'Slow Pass', ERR: 'slow: looking', ERR2: 'slow: found it' });
    install('fast-pass', { EXIT: 0, OUT: 'Fast Pass', ERR: 'fast: should never be seen' });
    install('fast-fail', { EXIT: 1, ERR: 'fast-fail: never seen either' });
    const r = await stageBoth(['slow-pass', 'fast-pass', 'fast-fail']);
    expectSame(r);
    expect(r.concurrent.code).toBe(0);
    expect(r.concurrent.stderr).toBe('slow: looking\nslow: found it\n');
    expect(JSON.parse(r.conResult!).lifecycle_metadata.detected_buildpack).toBe('Slow Pass');
  });

  it('failures before the match are reported in order, even when they finish out of order', async () => {
    install('a', { SLEEP: 0.5, EXIT: 1, ERR: 'a: no' });
    install('b', { SLEEP: 0.1, EXIT: 1, ERR: 'b: no' });
    install('c', { SLEEP: 0.3, EXIT: 0, OUT: 'C', ERR: 'c: yes' });
    install('d', { EXIT: 0, OUT: 'D', ERR: 'd: too late' });
    const r = await stageBoth(['a', 'b', 'missing-buildpack', 'c', 'd']);
    expectSame(r);
    const missing = `Failed to read buildpack directory '${ws.buildpacksDir}/${md5Hex('missing-buildpack')}' for buildpack 'missing-buildpack'`;
    expect(r.concurrent.stderr).toBe(`a: no\nb: no\n${missing}\nc: yes\n`);
  });

  it('none detects: 222 with every message, in order', async () => {
    install('x', { SLEEP: 0.3, EXIT: 1, ERR: 'x: no' });
    install('y', { EXIT: 2, ERR: 'y: no' });
    const r = await stageBoth(['x', 'y']);
    expectSame(r);
    expect(r.concurrent.code).toBe(222);
    expect(r.concurrent.stderr).toBe('x: no\ny: no\nNone of the buildpacks detected a compatible application\n');
  });

  it('the not-executable warning keeps its place on stdout', async () => {
    install('p', { SLEEP: 0.2, EXIT: 1 });
    install('q', { EXIT: 0, OUT: 'Q' });
    fs.chmodSync(path.join(ws.buildpacksDir, xxhash64Hex('q'), 'bin', 'detect'), 0o744);
    const r = await stageBoth(['p', 'q']);
    expectSame(r);
    expect(r.concurrent.stdout).toBe("WARNING: buildpack script '/bin/detect' is not executable\ncompiled by " + xxhash64Hex('q') + '\n');
  });

  it('ten slow detects run side by side: far less than ten times one', async () => {
    const order = Array.from({ length: 10 }, (_, i) => `slow-${i}`);
    for (const [i, key] of order.entries()) install(key, { SLEEP: 0.4, EXIT: i === 9 ? 0 : 1 });
    const r = await stageBoth(order);
    expectSame(r);
    // Sequential takes ≥ 4 s; concurrent must be well under half of that (a loose bound, not a benchmark).
    expect(r.elapsed).toBeLessThan(2500);
  });
});
