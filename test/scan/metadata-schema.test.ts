// docs/staging-metadata.schema.json, through contract's validator (the one scan, advise and inspect
// use), accepts the documented examples and what the tests' droplets carry, and rejects documents
// that break the format.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateStagingMetadata } from '@cf-lifecycle/contract';
import { appDependencies } from '@cf-lifecycle/sbom';
import { APPS, dep, metadata, ROOT } from './fixtures.ts';

const problems = (doc: unknown): string => JSON.stringify(validateStagingMetadata(doc));
const validate = (doc: unknown): boolean => validateStagingMetadata(doc).length === 0;

/** The JSON examples in docs/staging-metadata.md (```json blocks). */
function documentedExamples(): unknown[] {
  const text = fs.readFileSync(path.join(ROOT, 'docs/staging-metadata.md'), 'utf8');
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!));
}

describe('docs/staging-metadata.schema.json', () => {
  it('accepts the examples in docs/staging-metadata.md', () => {
    const examples = documentedExamples();
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(validate(example), problems(example)).toBe(true);
  });

  it('accepts metadata with dependencies from every fixture app, each buildpack source kind, and the copy beside the droplet', async () => {
    const dependencies = [];
    for (const app of ['node-lockfile', 'ruby-gemfile-lock', 'python-requirements', 'composer-lock', 'go-mod', 'java-jar'])
      dependencies.push(...(await appDependencies(path.join(APPS, app))));
    dependencies.push(dep('generic', 'node', '20.11.1', 'buildpack:nodejs'), dep('Debian', 'glibc', '2.36-9+deb12u3', 'stack'));
    const doc = {
      ...metadata({ dependencies }),
      buildpacks: [
        { key: 'a', name: 'a', source: { type: 'directory' } },
        { key: 'https://example.com/b.zip', name: 'b', version: '2.0.0', source: { type: 'zip', url: 'https://example.com/b.zip', sha256: 'a'.repeat(64) } },
        { key: 'https://github.com/x/c.git#main', name: '', source: { type: 'git', url: 'https://github.com/x/c.git', ref: 'main', commit: 'b'.repeat(40) } },
      ],
      droplet: { sha256: 'c'.repeat(64), size: 123 },
      unknownFutureField: { tolerated: true },
    };
    expect(validate(doc), problems(doc)).toBe(true);
  });

  it('rejects a wrong schema version, a dependency without a purl, a bad source and a malformed digest', () => {
    const base = metadata();
    const bad: Array<[string, unknown]> = [
      ['schemaVersion', { ...base, schemaVersion: 2 }],
      ['purl', { ...base, dependencies: [{ ecosystem: 'npm', name: 'x', version: '1', source: 'app/package-lock.json' }] }],
      ['ecosystem', { ...base, dependencies: [{ ...dep('npm', 'x', '1'), ecosystem: 'cargo' }] }],
      ['source', { ...base, dependencies: [{ ...dep('npm', 'x', '1'), source: 'somewhere' }] }],
      ['buildpack source', { ...base, buildpacks: [{ key: 'k', name: 'k', source: { type: 'svn' } }] }],
      ['git commit', { ...base, buildpacks: [{ key: 'k', name: 'k', source: { type: 'git', url: 'u', commit: 'abc' } }] }],
      ['app digest', { ...base, app: { name: 'a', digest: 'md5:x', files: 1 } }],
      ['missing executables', { ...base, executables: undefined }],
    ];
    for (const [what, doc] of bad) expect(validate(JSON.parse(JSON.stringify(doc))), what).toBe(false);
  });
});
