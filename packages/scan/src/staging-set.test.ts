// The rules of checkSet on sets the CLI tests do not build: no ids at all (an older lifecycle), a
// tie between two files, a sidecar that holds no UUID, a metadata file too large to read.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSet } from './staging-set.ts';
import type { StagingMetadata } from '@cf-lifecycle/contract';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staging-set-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A valid document (readers check the schema) with `extra` fields. */
const doc = (extra: Record<string, unknown> = {}): StagingMetadata => ({
  schemaVersion: 1,
  lifecycle: { name: 'cf-buildpack-lifecycle', version: '0.1.0' },
  stack: { name: 'cflinuxfs2', source: 'CF_STACK' },
  staging: { startedAt: '2024-05-01T12:00:00.000Z', finishedAt: '2024-05-01T12:00:01.000Z', durationMs: 1000, phases: [] },
  app: { digest: `sha256:${'0'.repeat(64)}`, files: 0 },
  buildpacks: [],
  processTypes: {},
  dependencies: [],
  executables: { static: [], dynamic: 0 },
  hooks: [],
  ...extra,
});

function files(name: string, opts: { droplet?: string; metadata?: unknown; result?: string; sidecar?: string }): string {
  const droplet = path.join(dir, name);
  if (opts.droplet !== undefined) fs.writeFileSync(droplet, opts.droplet);
  if (opts.metadata !== undefined) fs.writeFileSync(`${droplet}.metadata.json`, JSON.stringify(opts.metadata));
  if (opts.result !== undefined) fs.writeFileSync(`${droplet}.result.json`, opts.result);
  if (opts.sidecar !== undefined) fs.writeFileSync(`${droplet}.result.json.staging-id`, opts.sidecar);
  return droplet;
}

describe('checkSet', () => {
  it('no staging ids (an older lifecycle): the droplet size recorded beside it is still compared', async () => {
    const droplet = files('old', { droplet: 'x'.repeat(10), metadata: doc({ droplet: { sha256: '1'.repeat(64), size: 10 } }), result: '{}' });
    expect(await checkSet({ droplet, embedded: doc(), dropletSize: 10 })).toMatchObject({ status: 'consistent', problems: [] });
    const other = await checkSet({ droplet, embedded: doc(), dropletSize: 11 });
    expect(other.status).toBe('mixed');
    expect(other.problems).toEqual([{ file: droplet, problem: 'is not the droplet old.metadata.json describes: 11 bytes, it records 10' }]);
  });

  it('nothing to compare: a droplet alone is unverified', async () => {
    const droplet = files('alone', { droplet: 'x' });
    expect(await checkSet({ droplet, embedded: doc({ stagingId: randomUUID() }), dropletSize: 1 })).toEqual({
      status: 'unverified',
      droplet,
      stagingId: expect.any(String),
      files: [droplet],
      problems: [],
    });
  });

  it('two files disagreeing: the droplet wins the tie; with three, the one that differs from the other two is named', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const droplet = files('tie', { droplet: 'x', metadata: doc({ stagingId: b }) });
    const tie = await checkSet({ droplet, embedded: doc({ stagingId: a }) });
    expect(tie.stagingId).toBe(a);
    expect(tie.problems).toEqual([{ file: `${droplet}.metadata.json`, problem: `is from another staging: its stagingId is ${b}, the droplet has ${a}` }]);
    // A droplet without an id (an older lifecycle, or none asked for) beside metadata with one: still the droplet's tie.
    const none = await checkSet({ droplet, embedded: doc() });
    expect(none.problems).toEqual([{ file: `${droplet}.metadata.json`, problem: `is from another staging: its stagingId is ${b}, the droplet has none` }]);
    const three = files('three', { droplet: 'x', metadata: doc({ stagingId: b }), sidecar: `${b}\n` });
    const outvoted = await checkSet({ droplet: three, embedded: doc() });
    expect(outvoted.problems).toEqual([{ file: three, problem: `is from another staging: it has no stagingId, three.metadata.json has ${b}` }]);
  });

  it('a sidecar that holds no UUID, and a metadata file over its cap, make the set mixed', async () => {
    const id = randomUUID();
    const droplet = files('broken', { droplet: 'x', sidecar: 'not an id\n' });
    fs.writeFileSync(`${droplet}.metadata.json`, Buffer.alloc(33 * 1024 * 1024, 0x20));
    const set = await checkSet({ droplet, embedded: doc({ stagingId: id }) });
    expect(set.status).toBe('mixed');
    expect(set.problems).toEqual([
      {
        file: `${droplet}.metadata.json`,
        problem: `cannot be read: ${droplet}.metadata.json is too large: ${33 * 1024 * 1024} bytes, at most 32 MiB are read`,
      },
      { file: `${droplet}.result.json.staging-id`, problem: 'does not hold a staging id (a UUID and a newline)' },
    ]);
  });
});
