// The SBOM document: CycloneDX 1.5, valid against the official schema (checked with the
// library's own strict validator), one component per dependency, the stack referenced.
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import { JsonStrictValidator } from '@cyclonedx/cyclonedx-library/Validation';
import { describe, expect, it } from 'vitest';
import { cycloneDx, purlOf, type Dependency } from './index.ts';

const deps: Dependency[] = [
  { ecosystem: 'npm', name: 'lodash', version: '4.17.15', purl: purlOf('npm', 'lodash', '4.17.15'), licenses: ['MIT'], source: 'app/package-lock.json' },
  {
    ecosystem: 'npm',
    name: '@hapi/hoek',
    version: '9.3.0',
    purl: purlOf('npm', '@hapi/hoek', '9.3.0'),
    licenses: ['BSD-3-Clause'],
    source: 'app/package-lock.json',
  },
  {
    ecosystem: 'Maven',
    name: 'org.apache.logging.log4j:log4j-core',
    version: '2.14.1',
    purl: purlOf('Maven', 'org.apache.logging.log4j:log4j-core', '2.14.1'),
    licenses: ['Apache License, Version 2.0'],
    source: 'app/WEB-INF/lib/log4j-core-2.14.1.jar',
  },
  {
    ecosystem: 'PyPI',
    name: 'jinja2',
    version: '3.1.2',
    purl: purlOf('PyPI', 'jinja2', '3.1.2'),
    licenses: ['MIT OR Apache-2.0'],
    source: 'app/requirements.txt',
  },
  { ecosystem: 'generic', name: 'node', version: '20.11.1', purl: 'pkg:generic/node@20.11.1', source: 'buildpack:nodejs_buildpack' },
  // The same purl twice: one component.
  { ecosystem: 'npm', name: 'lodash', version: '4.17.15', purl: purlOf('npm', 'lodash', '4.17.15'), source: 'app/node_modules/lodash/package.json' },
];

const input = {
  appName: 'hello',
  dependencies: deps,
  stack: { name: 'cflinuxfs2', version: '1.0.0' },
  buildpacks: [
    { key: 'nodejs_buildpack', name: 'nodejs', version: '1.8.20' },
    { key: 'https://github.com/x/y.git', name: 'y' },
  ],
  lifecycleVersion: '0.1.0',
  timestamp: '2024-05-01T12:00:00.000Z',
};

describe('cycloneDx', () => {
  it('is valid CycloneDX 1.5 JSON', async () => {
    const text = cycloneDx(input);
    expect(await new JsonStrictValidator(Spec.Version.v1dot5).validate(text)).toBeNull();
    const doc = JSON.parse(text);
    expect(doc).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1 });
    expect(doc.metadata.timestamp).toBe('2024-05-01T12:00:00.000Z');
  });

  it('has one component per purl with its version, purl, license and source', () => {
    const doc = JSON.parse(cycloneDx(input));
    const libs = doc.components.filter((c: { type: string }) => c.type !== 'operating-system');
    expect(libs.map((c: { purl: string }) => c.purl).sort()).toEqual([
      'pkg:generic/node@20.11.1',
      'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      'pkg:npm/%40hapi/hoek@9.3.0',
      'pkg:npm/lodash@4.17.15',
      'pkg:pypi/jinja2@3.1.2',
    ]);
    const byPurl = new Map(libs.map((c: { purl: string }) => [c.purl, c]));
    expect(byPurl.get('pkg:npm/%40hapi/hoek@9.3.0')).toMatchObject({
      type: 'library',
      group: '@hapi',
      name: 'hoek',
      version: '9.3.0',
      licenses: [{ license: { id: 'BSD-3-Clause' } }],
    });
    expect(byPurl.get('pkg:npm/lodash@4.17.15')).toMatchObject({
      licenses: [{ license: { id: 'MIT' } }],
      properties: [
        { name: 'cf-buildpack-lifecycle:ecosystem', value: 'npm' },
        { name: 'cf-buildpack-lifecycle:source', value: 'app/node_modules/lodash/package.json' },
      ],
    });
    expect(byPurl.get('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1')).toMatchObject({
      group: 'org.apache.logging.log4j',
      name: 'log4j-core',
      licenses: [{ license: { name: 'Apache License, Version 2.0' } }],
    });
    expect(byPurl.get('pkg:pypi/jinja2@3.1.2')).toMatchObject({ licenses: [{ expression: 'MIT OR Apache-2.0' }] });
    expect(byPurl.get('pkg:generic/node@20.11.1')).toMatchObject({ type: 'platform', name: 'node', version: '20.11.1' });
  });

  it('references the stack by name and version as one operating-system component, not its packages', () => {
    const doc = JSON.parse(cycloneDx(input));
    const os = doc.components.filter((c: { type: string }) => c.type === 'operating-system');
    expect(os).toEqual([
      expect.objectContaining({
        name: 'cflinuxfs2',
        version: '1.0.0',
        'bom-ref': 'stack:cflinuxfs2@1.0.0',
        properties: [{ name: 'cf-buildpack-lifecycle:stack-receipt', value: 'cflinuxfs2@1.0.0' }],
      }),
    ]);
  });

  it('names the app, the lifecycle and the buildpacks in metadata; the app depends on every component', () => {
    const doc = JSON.parse(cycloneDx(input));
    expect(doc.metadata.component).toMatchObject({ type: 'application', name: 'hello', 'bom-ref': 'app' });
    expect(doc.metadata.tools.components.map((t: { name: string; version?: string }) => [t.name, t.version])).toEqual(
      expect.arrayContaining([
        ['cf-buildpack-lifecycle', '0.1.0'],
        ['nodejs', '1.8.20'],
        ['y', undefined],
      ]),
    );
    const app = doc.dependencies.find((d: { ref: string }) => d.ref === 'app');
    expect(app.dependsOn).toHaveLength(doc.components.length);
  });

  it('is the same text for the same input (a serial number derived from it), another with another serial number', () => {
    expect(cycloneDx(input)).toBe(cycloneDx({ ...input, dependencies: [...deps].reverse() }));
    expect(JSON.parse(cycloneDx(input)).serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const serialNumber = 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79';
    expect(JSON.parse(cycloneDx({ ...input, serialNumber })).serialNumber).toBe(serialNumber);
  });

  it('a stack known by name only, or not at all, is still one valid component', async () => {
    for (const stack of [
      { name: 'cflinuxfs4', version: '' },
      { name: '', version: '' },
    ]) {
      const text = cycloneDx({ ...input, stack });
      expect(await new JsonStrictValidator(Spec.Version.v1dot5).validate(text)).toBeNull();
      const os = JSON.parse(text).components.find((c: { type: string }) => c.type === 'operating-system');
      expect(os).toMatchObject({ name: stack.name || 'unknown', 'bom-ref': `stack:${stack.name || 'unknown'}` });
      expect(os.version).toBeUndefined();
    }
  });

  it('an app without dependencies still has the stack', async () => {
    const text = cycloneDx({ ...input, dependencies: [], buildpacks: [] });
    expect(await new JsonStrictValidator(Spec.Version.v1dot5).validate(text)).toBeNull();
    expect(JSON.parse(text).components).toHaveLength(1);
  });
});
