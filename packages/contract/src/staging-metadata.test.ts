import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SCHEMA_KEYWORDS,
  STAGING_METADATA_PATH,
  STAGING_METADATA_SCHEMA,
  STAGING_SET_SUFFIXES,
  StagingMetadataError,
  buildStagingMetadata,
  dropletOfMetadataFile,
  parseStagingMetadata,
  stagingIdSidecar,
  stagingMetadataBeside,
  stagingSetNames,
  validateStagingMetadata,
  type StagingMetadata,
} from './staging-metadata.ts';

const DOCS = path.resolve(import.meta.dirname, '../../../docs');
const ajv = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(fs.readFileSync(path.join(DOCS, 'staging-metadata.schema.json'), 'utf8')));

/** The JSON examples of docs/staging-metadata.md. */
const EXAMPLES: StagingMetadata[] = [...fs.readFileSync(path.join(DOCS, 'staging-metadata.md'), 'utf8').matchAll(/```json\n([\s\S]*?)```/g)].map((m) =>
  JSON.parse(m[1]!),
);
const EXAMPLE = EXAMPLES[0]!;
const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v));

function messageOf(text: string): string {
  try {
    parseStagingMetadata(text);
  } catch (err) {
    expect(err).toBeInstanceOf(StagingMetadataError);
    return (err as Error).message;
  }
  throw new Error('expected a StagingMetadataError');
}

describe('where the staging metadata lives', () => {
  it('inside the droplet and beside it, with the sidecar rule', () => {
    expect(STAGING_METADATA_PATH).toBe('.cf-lifecycle/staging-metadata.json');
    expect(stagingIdSidecar('/tmp/result.json')).toBe('/tmp/result.json.staging-id');
    expect(stagingSetNames('/out/app.droplet')).toEqual({
      droplet: '/out/app.droplet',
      metadata: '/out/app.droplet.metadata.json',
      result: '/out/app.droplet.result.json',
      sidecar: '/out/app.droplet.result.json.staging-id',
    });
    expect(STAGING_SET_SUFFIXES.sidecar).toBe('.result.json.staging-id');
    expect(dropletOfMetadataFile('/out/app.droplet.metadata.json')).toBe('/out/app.droplet');
    expect(dropletOfMetadataFile('/out/.metadata.json')).toBeUndefined();
    expect(dropletOfMetadataFile('/out/app.json')).toBeUndefined();
  });
});

describe('the schema interpreter', () => {
  it('knows every keyword docs/staging-metadata.schema.json uses', () => {
    const used = new Set<string>();
    const walk = (schema: Record<string, unknown>, mapOfSchemas = false): void => {
      for (const [key, value] of Object.entries(schema)) {
        if (mapOfSchemas) {
          walk(value as Record<string, unknown>);
          continue;
        }
        used.add(key);
        if (key === 'properties' || key === 'definitions') walk(value as Record<string, unknown>, true);
        else if (key === 'items' || key === 'additionalProperties') walk(value as Record<string, unknown>);
        else if (key === 'oneOf') for (const branch of value as Record<string, unknown>[]) walk(branch);
      }
    };
    walk(STAGING_METADATA_SCHEMA as Record<string, unknown>);
    expect([...used].filter((k) => !SCHEMA_KEYWORDS.has(k))).toEqual([]);
  });

  it('accepts the documented examples', () => {
    expect(EXAMPLES.length).toBeGreaterThan(0);
    for (const example of EXAMPLES) expect(validateStagingMetadata(example)).toEqual([]);
  });

  it('agrees with Ajv on documents made by breaking the example at random', () => {
    // A mutation: the n-th node (in a walk of the document) is deleted, or replaced by a JSON value.
    const mutate = (doc: unknown, steps: Array<[number, boolean, unknown]>): unknown => {
      const root = { doc: copy(doc) } as Record<string, unknown>;
      for (const [n, remove, replacement] of steps) {
        const slots: Array<[Record<string, unknown> | unknown[], string | number]> = [];
        const walk = (holder: Record<string, unknown> | unknown[], key: string | number): void => {
          slots.push([holder, key]);
          const value = (holder as Record<string | number, unknown>)[key];
          if (Array.isArray(value)) for (let i = 0; i < value.length; i++) walk(value, i);
          else if (value !== null && typeof value === 'object') for (const k of Object.keys(value)) walk(value as Record<string, unknown>, k);
        };
        walk(root, 'doc');
        const [holder, key] = slots[n % slots.length]!;
        if (remove && Array.isArray(holder)) holder.splice(key as number, 1);
        else if (remove && holder !== root) delete (holder as Record<string, unknown>)[key];
        else (holder as Record<string | number, unknown>)[key] = copy(replacement);
      }
      return root.doc;
    };
    const replacement = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('', 'zip', 'git', 'directory', 'npm', 'stack', 'app/x', 'pkg:npm/x@1', `sha256:${'a'.repeat(64)}`, 'a'.repeat(40), 1, 0, -1, 1.5),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.boolean(), replacement), { minLength: 1, maxLength: 3 }), (steps) => {
        const doc = mutate(EXAMPLE, steps);
        const ours = validateStagingMetadata(doc);
        expect(ours.length === 0, `${JSON.stringify(ours)} vs ${JSON.stringify(ajv.errors)} for ${JSON.stringify(doc)}`).toBe(ajv(doc));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with Ajv on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        expect(validateStagingMetadata(doc).length === 0).toBe(ajv(doc));
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseStagingMetadata', () => {
  it('gives the document when it is valid, with fields it does not know', () => {
    const doc = { ...copy(EXAMPLE), unknownFutureField: { tolerated: true } };
    expect(parseStagingMetadata(JSON.stringify(doc))).toEqual(doc);
  });

  it('says in one line what is wrong, and where', () => {
    const broken = (change: (doc: Record<string, any>) => void): string => {
      const doc = copy(EXAMPLE) as Record<string, any>;
      change(doc);
      return messageOf(JSON.stringify(doc));
    };
    const see = '; see docs/staging-metadata.md';
    expect(messageOf('{"schemaVersion":')).toMatch(/^invalid JSON: /);
    expect(messageOf('{"name":"x"}')).toBe('not a staging metadata document (no schemaVersion, stack, buildpacks or dependencies)');
    expect(broken((d) => (d.schemaVersion = 2))).toBe(`not valid staging metadata: schemaVersion: must be 1${see}`);
    expect(broken((d) => delete d.executables)).toBe(`not valid staging metadata: executables: missing${see}`);
    expect(broken((d) => (d.app.digest = 'md5:x'))).toBe(`not valid staging metadata: app.digest: does not match /^sha256:[0-9a-f]{64}$/${see}`);
    expect(broken((d) => (d.buildpacks[1].source = { type: 'svn' }))).toBe(
      `not valid staging metadata: buildpacks[1].source.type: must be one of "directory", "zip", "git"${see}`,
    );
    expect(broken((d) => (d.buildpacks[0].source.commit = 'abc'))).toBe(
      `not valid staging metadata: buildpacks[0].source.commit: does not match /^[0-9a-f]{40}$/${see}`,
    );
    expect(broken((d) => (d.processTypes['web\x1b[2J'] = 7))).toBe(`not valid staging metadata: processTypes["web\\u001b[2J"]: must be a string${see}`);
    expect(
      broken((d) => (d.dependencies = [{ ecosystem: 'npm', name: 'x', version: '1', purl: 'pkg:npm/x@1', source: 'app/package-lock.json', licenses: [1] }])),
    ).toBe(`not valid staging metadata: dependencies[0].licenses[0]: must be a string${see}`);
    expect(broken((d) => (d.dependencies = [{ ecosystem: 'cargo', name: 'x', version: '1', source: 'somewhere' }]))).toBe(
      `not valid staging metadata: dependencies[0].purl: missing (and 2 more)${see}`,
    );
  });
});

describe('buildStagingMetadata', () => {
  const facts = {
    stagingId: '0b5f0e7e-3c52-4d8b-9a1c-2f6e8d4a7b19',
    lifecycleVersion: '0.1.0',
    startedAt: new Date('2024-05-01T12:00:00.000Z'),
    finishedAt: new Date('2024-05-01T12:00:01.234Z'),
    phases: [{ name: 'detect', durationMs: 12 }],
    stack: { name: 'cflinuxfs2', version: '1.0.0', source: 'version-file' as const },
    app: { digest: `sha256:${'3'.repeat(64)}`, files: 1 },
    buildpacks: [
      { key: 'https://user:token@example.com/a.zip', name: 'a', version: '1.0.0' },
      { key: 'python-web', name: 'python-web' },
    ],
    detectOutput: 'Python Web',
    sources: new Map([['https://user:token@example.com/a.zip', { type: 'zip' as const, url: 'https://user:token@example.com/a.zip', sha256: 'b'.repeat(64) }]]),
    processTypes: new Map([['web', 'python3 server.py']]),
    dependencies: [],
    executables: { static: [], dynamic: 0 },
    sbomSha256: 'c'.repeat(64),
    hooks: [],
  };

  it('makes a document the schema accepts, with buildpack URLs redacted', () => {
    const metadata = buildStagingMetadata(facts);
    expect(validateStagingMetadata(metadata)).toEqual([]);
    expect(metadata.buildpacks).toEqual([
      {
        key: 'https://***@example.com/a.zip',
        name: 'a',
        version: '1.0.0',
        source: { type: 'zip', url: 'https://***@example.com/a.zip', sha256: 'b'.repeat(64) },
      },
      { key: 'python-web', name: 'python-web', detectOutput: 'Python Web', source: { type: 'directory' } },
    ]);
    expect(metadata.staging).toEqual({ startedAt: '2024-05-01T12:00:00.000Z', finishedAt: '2024-05-01T12:00:01.234Z', durationMs: 1234, phases: facts.phases });
    expect(metadata.sbom).toEqual({ path: './.cf-lifecycle/sbom.cdx.json', format: 'CycloneDX-1.5', sha256: 'c'.repeat(64) });
  });

  it('adds the digests beside the droplet', () => {
    const beside = stagingMetadataBeside(buildStagingMetadata(facts), {
      startedAt: facts.startedAt,
      finishedAt: new Date('2024-05-01T12:00:02.000Z'),
      phases: [...facts.phases, { name: 'package', durationMs: 700 }],
      droplet: { sha256: 'd'.repeat(64), size: 10 },
      resultSha256: 'e'.repeat(64),
    });
    expect(validateStagingMetadata(beside)).toEqual([]);
    expect(beside).toMatchObject({ droplet: { sha256: 'd'.repeat(64), size: 10 }, result: { sha256: 'e'.repeat(64) }, staging: { durationMs: 2000 } });
  });
});
