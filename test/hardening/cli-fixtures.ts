// What the `droplet` CLI hardening tests share: the built CLI run as a process (with its peak memory
// when asked), droplets and whole staging sets in the format the builder writes with
// -outputStagingMetadata (docs/staging-metadata.md: a stagingId inside the droplet, beside it with the
// droplet's and result.json's sha256, and in result.json's sidecar), made by the tests themselves.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StagingMetadata } from '@cf-lifecycle/contract';
import { runMeasured, type MeasuredRun } from '../helpers/peak-memory.ts';
import { DROPLET_CLI, ROOT, runCli, type RunResult } from '../helpers/stage.ts';
import { dep, makeDroplet, metadata } from '../scan/fixtures.ts';

export { DROPLET_CLI, ROOT, dep, makeDroplet, metadata };
export const OSV = path.join(ROOT, 'test', 'fixtures', 'osv');

export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The CLI with the test runner's environment plus `env`. */
export function cli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<RunResult> {
  return runCli(args, env, timeoutMs);
}

/** The CLI under GNU time: its result and peak resident memory. */
export function cliMeasured(args: readonly string[], env: Record<string, string> = {}): Promise<MeasuredRun> {
  return runMeasured(process.execPath, [DROPLET_CLI, ...args], { env: { ...(process.env as Record<string, string>), ...env }, timeoutMs: 60_000 });
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export interface StagingSetFiles {
  id: string;
  droplet: string;
  metadata: string;
  result: string;
  sidecar: string;
}

/**
 * One staging's outputs as `droplet stage` writes them: DROPLET (its metadata first, with the
 * stagingId), DROPLET.result.json, DROPLET.result.json.staging-id and DROPLET.metadata.json (the
 * id, the droplet's sha256 and size, result.json's sha256).
 */
export function makeStagingSet(droplet: string, opts: { label: string; metadata?: Partial<StagingMetadata> }): StagingSetFiles {
  const id = randomUUID();
  const m = metadata({ stagingId: id, ...opts.metadata });
  makeDroplet(droplet, { metadata: m, lifecycleFirst: true });
  const result = `${JSON.stringify({ process_types: { web: `python3 server.py --${opts.label}` }, lifecycle_type: 'buildpack', execution_metadata: '' })}\n`;
  fs.writeFileSync(`${droplet}.result.json`, result);
  fs.writeFileSync(`${droplet}.result.json.staging-id`, `${id}\n`);
  const bytes = fs.readFileSync(droplet);
  const embedded = JSON.parse(JSON.stringify(m)) as StagingMetadata;
  const beside = { ...embedded, stagingId: id, droplet: { sha256: sha256(bytes), size: bytes.length }, result: { sha256: sha256(result) } };
  fs.writeFileSync(`${droplet}.metadata.json`, `${JSON.stringify(beside, null, 2)}\n`);
  return { id, droplet, metadata: `${droplet}.metadata.json`, result: `${droplet}.result.json`, sidecar: `${droplet}.result.json.staging-id` };
}

/** Raw control bytes a terminal acts on (C0 but tab and newline, DEL, C1) and the bidi overrides. */
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
