// The output_metadata convention (docs/sbom.md, "The buildpack convention").
import { describe, expect, it } from 'vitest';
import { buildpackDependencies } from './index.ts';

describe('output_metadata.dependencies', () => {
  it('reads entries from the Maps the contract decodes config.yml into', () => {
    const outputMetadata = new Map<string, unknown>([
      [
        'dependencies',
        [
          new Map<string, unknown>([
            ['name', 'node'],
            ['version', '20.11.1'],
            ['purl', 'pkg:generic/node@20.11.1'],
            ['licenses', ['MIT']],
          ]),
          new Map<string, unknown>([
            ['name', 'yarn'],
            ['version', '1.22.19'],
            ['ecosystem', 'npm'],
          ]),
        ],
      ],
      ['other', 'ignored'],
    ]);
    expect(buildpackDependencies([{ key: 'nodejs_buildpack', name: 'nodejs', version: '1.8.20', outputMetadata }])).toEqual([
      { ecosystem: 'generic', name: 'node', version: '20.11.1', purl: 'pkg:generic/node@20.11.1', licenses: ['MIT'], source: 'buildpack:nodejs_buildpack' },
      { ecosystem: 'npm', name: 'yarn', version: '1.22.19', purl: 'pkg:npm/yarn@1.22.19', source: 'buildpack:nodejs_buildpack' },
    ]);
  });

  it('takes the ecosystem and the name from a purl of a known type', () => {
    const outputMetadata = {
      dependencies: [
        { name: 'bundler', version: '2.4.22', purl: 'pkg:gem/bundler@2.4.22' },
        { name: 'log4j', version: '2.17.1', purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1' },
        { name: 'openssl', version: '3.0.11-1~deb12u2', purl: 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12' },
      ],
    };
    expect(buildpackDependencies([{ key: 'k', name: 'n', outputMetadata }]).map((d) => [d.ecosystem, d.name, d.purl])).toEqual([
      ['RubyGems', 'bundler', 'pkg:gem/bundler@2.4.22'],
      ['Maven', 'org.apache.logging.log4j:log4j-core', 'pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1'],
      ['Debian', 'openssl', 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12'],
    ]);
  });

  it('derives a generic purl when there is none or it does not parse; numbers become version text', () => {
    const outputMetadata = {
      dependencies: [
        { name: 'python', version: '3.12.2' },
        { name: 'jdk', version: 17, purl: 'not a purl', license: 'GPL-2.0-with-classpath-exception' },
      ],
    };
    expect(buildpackDependencies([{ key: 'k', name: 'n', outputMetadata }])).toEqual([
      { ecosystem: 'generic', name: 'python', version: '3.12.2', purl: 'pkg:generic/python@3.12.2', source: 'buildpack:k' },
      { ecosystem: 'generic', name: 'jdk', version: '17', purl: 'pkg:generic/jdk@17', licenses: ['GPL-2.0-with-classpath-exception'], source: 'buildpack:k' },
    ]);
  });

  it('skips entries without a name or version, and buildpacks without the convention', () => {
    expect(
      buildpackDependencies([
        { key: 'a', name: 'a' },
        { key: 'b', name: 'b', outputMetadata: { dependencies: 'node' } },
        { key: 'c', name: 'c', outputMetadata: { dependencies: [{ name: 'x' }, { version: '1' }, null, 'y'] } },
      ]),
    ).toEqual([]);
  });
});
