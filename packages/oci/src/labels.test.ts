import { describe, expect, it } from 'vitest';
import { normalizeTime, stagingFacts } from './labels.ts';
import { defaultReference, imageReference } from './reference.ts';

describe('staging facts', () => {
  it('reads buildpacks, SBOM digest, finish time and stack from the metadata', () => {
    const facts = stagingFacts(
      {
        buildpacks: [{ key: 'k', name: 'n', version: '1', extra: 2 }, 'plain', 7],
        sbom: { sha256: 'c'.repeat(64) },
        finishedAt: '2025-01-02T03:04:05+01:00',
        stack: { name: 'cflinuxfs2', version: '1.0.0' },
      },
      '{"detected_buildpack":"ignored","start_command":"run"}',
    );
    expect(facts).toEqual({
      buildpacks: [{ key: 'k', name: 'n', version: '1' }, { name: 'plain' }],
      sbomDigest: `sha256:${'c'.repeat(64)}`,
      finishedAt: '2025-01-02T02:04:05Z',
      startCommand: 'run',
      stagedOn: { name: 'cflinuxfs2', version: '1.0.0' },
    });
  });

  it('falls back to staging_info.yml, and ignores what it cannot read', () => {
    expect(stagingFacts(undefined, 'detected_buildpack: Ruby\nstart_command: rackup\n')).toEqual({ buildpacks: [{ name: 'Ruby' }], startCommand: 'rackup' });
    expect(stagingFacts({ finishedAt: 'yesterday', sbom: 'nope' }, ': not yaml: [')).toEqual({ buildpacks: [] });
    expect(normalizeTime('2025-01-02T03:04:05.123Z')).toBe('2025-01-02T03:04:05.123Z');
  });
});

describe('image reference', () => {
  it('adds :latest and checks the grammar', () => {
    expect(imageReference('hello')).toBe('hello:latest');
    expect(imageReference('localhost:5000/apps/hello')).toBe('localhost:5000/apps/hello:latest');
    expect(imageReference('registry.example.com/a/b:1.0')).toBe('registry.example.com/a/b:1.0');
    expect(() => imageReference('Hello')).toThrow(/invalid image name/);
    expect(() => imageReference('a b')).toThrow(/invalid image name/);
    expect(() => imageReference('a:')).toThrow(/invalid image name/);
  });

  it('names the image after the droplet file by default', () => {
    expect(defaultReference('/tmp/hello-web.droplet.tgz')).toBe('hello-web:latest');
    expect(defaultReference('My App.tar.gz')).toBe('my-app:latest');
    expect(defaultReference('droplet')).toBe('droplet:latest');
    expect(defaultReference('___.tgz')).toBe('droplet:latest');
  });
});
