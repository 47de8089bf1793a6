// The outputs of a staging as one set (docs/staging-metadata.md, "Outputs as a set"; docs/security.md,
// "Faults"): every temporary is written before the first rename, so an unwritable location fails
// with the previous staging's outputs untouched; a builder SIGKILLed between two renames
// (CF_LIFECYCLE_TEST_KILL_AT) leaves either a complete set or one whose ids and digests disagree in a
// way a reader detects. The test checks the ids and hashes itself, and `droplet inspect` (which reads
// the set under droplet stage's names, given here to the builder) must agree with it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, runCli } from '../helpers/stage.ts';
import { failureResult } from '../helpers/records.ts';
import { PLAIN, scriptBuildpack } from './builder-helpers.ts';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let ws: Workspace;
let droplet: string;
let resultFile: string;
let metadataFile: string;
let sidecar: string;

beforeAll(() => {
  ws = new Workspace();
  // Each staging releases its own start command, so that result.json differs from one to the next.
  scriptBuildpack(ws, 'generations', {
    detect: 'echo Generations',
    compile: 'echo "compiled $GENERATION" > "$1/generation"',
    release: 'printf -- "---\\ndefault_process_types:\\n  web: serve generation %s\\n" "$GENERATION"',
  });
  // droplet stage's names for the set (DROPLET, DROPLET.result.json, DROPLET.metadata.json and the sidecar).
  droplet = path.join(ws.root, 'out', 'app.droplet');
  resultFile = `${droplet}.result.json`;
  metadataFile = `${droplet}.metadata.json`;
  sidecar = `${resultFile}.staging-id`;
});
afterAll(() => ws.cleanup());

function stage(generation: number, env: Record<string, string> = {}, extra: string[] = []) {
  const names = [`-outputDroplet=${droplet}`, `-outputMetadata=${resultFile}`, `-outputStagingMetadata=${metadataFile}`];
  return ws.stage(['generations'], { extra: [...names, ...extra], env: { GENERATION: String(generation), ...env } });
}

const OUTPUTS = () => [droplet, ws.outputCache, metadataFile, sidecar, resultFile];

/** What a reader of the set finds: each part's id or digest, and whether they agree. */
function inspectSet(): { consistent: boolean; generation: string; stagingId: string; problems: string[] } {
  const beside = JSON.parse(fs.readFileSync(metadataFile, 'utf8'));
  const embedded = JSON.parse(execFileSync('tar', ['-xOzf', droplet, './.cf-lifecycle/staging-metadata.json'], { encoding: 'utf8' }));
  const problems: string[] = [];
  if (sha256(fs.readFileSync(droplet)) !== beside.droplet.sha256) problems.push('droplet sha256');
  if (embedded.stagingId !== beside.stagingId) problems.push('embedded stagingId');
  if (fs.readFileSync(sidecar, 'utf8') !== `${beside.stagingId}\n`) problems.push('sidecar');
  if (sha256(fs.readFileSync(resultFile)) !== beside.result.sha256) problems.push('result sha256');
  const web = JSON.parse(fs.readFileSync(resultFile, 'utf8')).process_types.web as string;
  return { consistent: problems.length === 0, generation: web, stagingId: beside.stagingId, problems };
}

/** Copies of the outputs, to put back before each kill. */
function snapshot(): Map<string, Buffer> {
  return new Map(OUTPUTS().map((f) => [f, fs.readFileSync(f)]));
}

function restore(saved: Map<string, Buffer>): void {
  // Temporaries a killed builder left beside the outputs go too: each kill starts from a clean set.
  for (const name of fs.readdirSync(path.dirname(droplet))) if (name.includes('.tmp-')) fs.rmSync(path.join(path.dirname(droplet), name));
  for (const [f, data] of saved) fs.writeFileSync(f, data);
}

describe('outputs as a set', () => {
  let previous: Map<string, Buffer>;
  let previousId: string;

  beforeAll(async () => {
    const r = await stage(1);
    expect(r.code, r.stderr).toBe(0);
    previous = snapshot();
    previousId = inspectSet().stagingId;
  });

  it('a complete staging: one staging id (UUID v4) in the droplet, beside it and in result.json’s sidecar; the digests match', () => {
    expect(previousId).toMatch(UUID_V4);
    expect(inspectSet()).toEqual({ consistent: true, generation: 'serve generation 1', stagingId: previousId, problems: [] });
    // result.json itself is exactly the contract's document.
    const fields = Object.keys(JSON.parse(fs.readFileSync(resultFile, 'utf8')));
    expect(fields).toEqual(['lifecycle_metadata', 'process_types', 'processes', 'execution_metadata', 'lifecycle_type']);
  });

  it.each([
    ['temporaries', 'the previous set, complete', 'previous'],
    ['droplet', 'a new droplet the metadata beside it does not describe', ['droplet sha256', 'embedded stagingId']],
    ['cache', 'a new droplet and cache the metadata beside them does not describe', ['droplet sha256', 'embedded stagingId']],
    ['staging-metadata', 'new metadata that the sidecar and result.json do not match', ['sidecar', 'result sha256']],
    ['sidecar', 'new metadata and sidecar, but the previous result.json', ['result sha256']],
    ['result', 'the new set, complete', 'new'],
  ] as const)('SIGKILL right after %s: %s', async (step, _what, expected) => {
    restore(previous);
    const r = await stage(2, { CF_LIFECYCLE_TEST_KILL_AT: step });
    expect(r.signal, r.stderr).toBe('SIGKILL');

    const set = inspectSet();
    // droplet inspect accepts the set as one staging, or reports it as mixed (exit 3) naming a file.
    const inspected = await runCli(['inspect', droplet, '--json']);
    const report = JSON.parse(inspected.stdout) as { set: { status: string; stagingId?: string } };
    expect(report.set.status).toBe(set.consistent ? 'consistent' : 'mixed');
    expect(inspected.code, inspected.stderr).toBe(set.consistent ? 0 : 3);
    if (!set.consistent) expect(inspected.stderr).toMatch(/^droplet inspect: .*app\.droplet: mixed set: .*restage the app, or copy /);
    if (expected === 'previous') {
      expect(set).toEqual({ consistent: true, generation: 'serve generation 1', stagingId: previousId, problems: [] });
      for (const [f, data] of previous) expect(fs.readFileSync(f).equals(data), f).toBe(true);
    } else if (expected === 'new') {
      expect(set).toMatchObject({ consistent: true, generation: 'serve generation 2', problems: [] });
      expect(set.stagingId).not.toBe(previousId);
    } else {
      expect(set.consistent).toBe(false);
      expect(set.problems).toEqual(expected);
    }
  });

  it('after any of those kills, the next staging completes the set', async () => {
    const r = await stage(3);
    expect(r.code, r.stderr).toBe(0);
    expect(inspectSet()).toMatchObject({ consistent: true, generation: 'serve generation 3', problems: [] });
  });
});

/** A directory made read-only by a bind mount (we are root: permissions alone would not stop us). */
function readOnly<T>(dir: string, body: () => Promise<T>): Promise<T> {
  execFileSync('mount', ['--bind', dir, dir]);
  execFileSync('mount', ['-o', 'remount,bind,ro', dir]);
  return body().finally(() => execFileSync('umount', [dir]));
}

describe('an output location that cannot be written fails before anything is replaced', () => {
  it('result.json: one line, exit 1; the previous droplet, cache and result.json stay as they were', async () => {
    const dir = path.join(ws.root, 'ro-result');
    fs.mkdirSync(dir);
    const result = path.join(dir, 'result.json');
    fs.writeFileSync(result, 'the previous result.json\n');
    const r0 = await stage(4);
    expect(r0.code).toBe(0);
    const before = fs.readFileSync(droplet);
    const cache = fs.readFileSync(ws.outputCache);

    const r = await readOnly(dir, () =>
      ws.stage(['generations'], { extra: [`-outputDroplet=${droplet}`, `-outputMetadata=${result}`], env: { GENERATION: '5' } }),
    );

    expect(r.stderr).toBe(`open ${result}: read-only file system\n`);
    expect(r.code).toBe(1);
    expect(fs.readFileSync(droplet).equals(before)).toBe(true);
    expect(fs.readFileSync(ws.outputCache).equals(cache)).toBe(true);
    expect(fs.readFileSync(result, 'utf8')).toBe('the previous result.json\n');
    expect(fs.readdirSync(path.dirname(droplet)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('the staging metadata: `Failed to write staging metadata: …`, exit 1; the previous droplet stays, result.json is the failure document', async () => {
    const dir = path.join(ws.root, 'ro-metadata');
    fs.mkdirSync(dir);
    const metadata = path.join(dir, 'staging-metadata.json');
    fs.writeFileSync(metadata, '{}\n');
    const r0 = await stage(6);
    expect(r0.code).toBe(0);
    const before = fs.readFileSync(droplet);

    const r = await readOnly(dir, () =>
      ws.stage(['generations'], {
        extra: [`-outputDroplet=${droplet}`, `-outputMetadata=${resultFile}`, `-outputStagingMetadata=${metadata}`],
        env: { GENERATION: '7' },
      }),
    );

    expect(r.stderr).toBe(`Failed to write staging metadata: open ${metadata}: read-only file system\n`);
    expect(r.code).toBe(1);
    expect(fs.readFileSync(droplet).equals(before)).toBe(true);
    expect(fs.readFileSync(metadata, 'utf8')).toBe('{}\n');
    // CONTRACT §2.14: a failure after the final step writes the failure result.json.
    expect(fs.readFileSync(resultFile, 'utf8')).toBe(failureResult(['generations']));
    expect(fs.readdirSync(path.dirname(droplet)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

describe('without -outputStagingMetadata', () => {
  it('no sidecar, no staging id: the reference’s outputs only', async () => {
    const other = new Workspace();
    try {
      scriptBuildpack(other, 'generations', PLAIN);
      const r = await other.stage(['generations']);
      expect(r.code, r.stderr).toBe(0);
      expect(fs.readdirSync(path.dirname(other.outputMetadata)).sort()).toEqual(['droplet', 'output-cache', 'result.json']);
      expect(other.dropletListing().filter((e) => e.startsWith('./.cf-lifecycle'))).toEqual([]);
    } finally {
      other.cleanup();
    }
  });
});
