// Staging metadata and the droplet's SBOM (docs/staging-metadata.md, docs/sbom.md), through the built
// builder run as a process: the fixture apps carry real lockfiles of six ecosystems, the
// `declares-runtime` fixture buildpack declares a runtime, a Debian package and a tool in the
// `output_metadata` of its config.yml. Expected values are written out from the fixtures' lockfiles
// and the documents, never computed with the code under test.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { parseStagingMetadata, validateStagingMetadata } from '@cf-lifecycle/contract';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import { JsonStrictValidator } from '@cyclonedx/cyclonedx-library/Validation';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_APPS, FIXTURE_BUILDPACKS, ROOT, Workspace, type RunResult } from '../helpers/stage.ts';
import { git, makeBareRepo, makeZip, zipEntriesOf } from '../helpers/archives.ts';
import { startBuildpackServer, type BuildpackServer } from '../helpers/servers.ts';

const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/staging-metadata.schema.json'), 'utf8'));
const validateMetadata = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** Where this project's stacks record themselves; the host normally has none (test/e2e covers them). */
const HOST_HAS_STACK_VERSION_FILE = ['/etc/cf-stack/version.json', '/etc/cf-lifecycle/stack.json'].some((f) => fs.existsSync(f));

const METADATA_MEMBER = './.cf-lifecycle/staging-metadata.json';
const SBOM_MEMBER = './.cf-lifecycle/sbom.cdx.json';
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PROP = {
  ecosystem: 'cf-buildpack-lifecycle:ecosystem',
  source: 'cf-buildpack-lifecycle:source',
  buildpackKey: 'cf-buildpack-lifecycle:buildpack-key',
  stackReceipt: 'cf-buildpack-lifecycle:stack-receipt',
};

// ---------------------------------------------------------------------------------------------
// What staging should record, from the fixtures.

interface Dep {
  ecosystem: string;
  name: string;
  version: string;
  purl: string;
  licenses?: string[];
  source: string;
}

const d = (ecosystem: string, name: string, version: string, purl: string, source: string, licenses?: string[]): Dep => ({
  ecosystem,
  name,
  version,
  purl,
  source,
  ...(licenses ? { licenses } : {}),
});

// package-lock.json v3: left-pad is `dev: true`, so not installed, so not recorded.
const NODE_DEPS = [
  d('npm', '@hapi/hoek', '9.3.0', 'pkg:npm/%40hapi/hoek@9.3.0', 'app/package-lock.json', ['BSD-3-Clause']),
  d('npm', 'lodash', '4.17.15', 'pkg:npm/lodash@4.17.15', 'app/package-lock.json', ['MIT']),
  d('npm', 'minimist', '1.2.5', 'pkg:npm/minimist@1.2.5', 'app/package-lock.json', ['MIT']),
];
// Gemfile.lock GEM specs; nokogiri's platform becomes a purl qualifier.
const RUBY_DEPS = [
  d('RubyGems', 'mustermann', '1.1.1', 'pkg:gem/mustermann@1.1.1', 'app/Gemfile.lock'),
  d('RubyGems', 'nokogiri', '1.13.6', 'pkg:gem/nokogiri@1.13.6?platform=x86_64-linux', 'app/Gemfile.lock'),
  d('RubyGems', 'racc', '1.6.0', 'pkg:gem/racc@1.6.0', 'app/Gemfile.lock'),
  d('RubyGems', 'rack', '2.2.3', 'pkg:gem/rack@2.2.3', 'app/Gemfile.lock'),
  d('RubyGems', 'rack-protection', '2.2.0', 'pkg:gem/rack-protection@2.2.0', 'app/Gemfile.lock'),
  d('RubyGems', 'ruby2_keywords', '0.0.5', 'pkg:gem/ruby2_keywords@0.0.5', 'app/Gemfile.lock'),
  d('RubyGems', 'sinatra', '2.2.0', 'pkg:gem/sinatra@2.2.0', 'app/Gemfile.lock'),
  d('RubyGems', 'tilt', '2.0.10', 'pkg:gem/tilt@2.0.10', 'app/Gemfile.lock'),
];
// requirements.txt: pinned lines only (gunicorn>=20.1 is not), names PEP 503-normalised.
const PYTHON_DEPS = [
  d('PyPI', 'click', '8.1.3', 'pkg:pypi/click@8.1.3', 'app/requirements.txt'),
  d('PyPI', 'flask', '2.2.2', 'pkg:pypi/flask@2.2.2', 'app/requirements.txt'),
  d('PyPI', 'itsdangerous', '2.1.2', 'pkg:pypi/itsdangerous@2.1.2', 'app/requirements.txt'),
  d('PyPI', 'jinja2', '3.1.2', 'pkg:pypi/jinja2@3.1.2', 'app/requirements.txt'),
  d('PyPI', 'markupsafe', '2.1.1', 'pkg:pypi/markupsafe@2.1.1', 'app/requirements.txt'),
  d('PyPI', 'werkzeug', '2.2.2', 'pkg:pypi/werkzeug@2.2.2', 'app/requirements.txt'),
];
// composer.lock `packages` (not `packages-dev`: phpunit/php-timer), with their licenses.
const COMPOSER_DEPS = [
  d('Packagist', 'guzzlehttp/psr7', '2.1.0', 'pkg:composer/guzzlehttp/psr7@2.1.0', 'app/composer.lock', ['MIT']),
  d('Packagist', 'psr/http-factory', '1.0.1', 'pkg:composer/psr/http-factory@1.0.1', 'app/composer.lock', ['MIT']),
  d('Packagist', 'psr/http-message', '1.0.1', 'pkg:composer/psr/http-message@1.0.1', 'app/composer.lock', ['MIT']),
  d('Packagist', 'ralouphie/getallheaders', '3.0.3', 'pkg:composer/ralouphie/getallheaders@3.0.3', 'app/composer.lock', ['MIT']),
];
// go.mod requires with replace applied: mux v1.8.0 => v1.8.1; tools => ./tools (local) is left out.
const GO_DEPS = [
  d('Go', 'github.com/gorilla/mux', 'v1.8.1', 'pkg:golang/github.com/gorilla/mux@v1.8.1', 'app/go.mod'),
  d('Go', 'golang.org/x/net', 'v0.15.0', 'pkg:golang/golang.org/x/net@v0.15.0', 'app/go.mod'),
  d('Go', 'golang.org/x/text', 'v0.13.0', 'pkg:golang/golang.org/x/text@v0.13.0', 'app/go.mod'),
];
// log4j-core names itself by pom.properties (its Bundle-License is a URL, not a license id or name);
// commons-lang3 has no pom.properties: artifact from the file name, group from
// Implementation-Vendor-Id, version from Implementation-Version, license from Bundle-License.
const JAVA_DEPS = [
  d('Maven', 'org.apache.commons:commons-lang3', '3.12.0', 'pkg:maven/org.apache.commons/commons-lang3@3.12.0', 'app/WEB-INF/lib/commons-lang3-3.12.0.jar', [
    'Apache-2.0',
  ]),
  d('Maven', 'org.apache.logging.log4j:log4j-core', '2.14.1', 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', 'app/WEB-INF/lib/log4j-core-2.14.1.jar'),
];

interface Runtime {
  name: string;
  version: string;
  purl: string;
  licenses: string[];
}

/** What `declares-runtime` declares in its output_metadata (see its bin/supply), for the buildpack `key`. */
function declaredByBuildpack(key: string, runtime: Runtime): Dep[] {
  const source = `buildpack:${key}`;
  return [
    d('generic', runtime.name, runtime.version, runtime.purl, source, runtime.licenses),
    d('Debian', 'openssl', '3.0.11-1~deb12u2', 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12', source, ['Apache-2.0']),
    // No purl, `ecosystem: npm`: the purl is derived. The entry without a version is skipped.
    d('npm', 'yarn', '1.22.19', 'pkg:npm/yarn@1.22.19', source),
  ];
}

const NODE_RUNTIME: Runtime = { name: 'node', version: '20.11.1', purl: 'pkg:generic/node@20.11.1', licenses: ['MIT'] };

const APPS: Array<{ app: string; deps: Dep[]; runtime: Runtime }> = [
  { app: 'node-lockfile', deps: NODE_DEPS, runtime: NODE_RUNTIME },
  {
    app: 'ruby-gemfile-lock',
    deps: RUBY_DEPS,
    runtime: { name: 'ruby', version: '3.2.2', purl: 'pkg:generic/ruby@3.2.2', licenses: ['Ruby OR BSD-2-Clause'] },
  },
  // declared without a purl: pkg:generic/<name>@<version> by default
  { app: 'python-requirements', deps: PYTHON_DEPS, runtime: { name: 'python', version: '3.10.13', purl: 'pkg:generic/python@3.10.13', licenses: ['PSF-2.0'] } },
  { app: 'composer-lock', deps: COMPOSER_DEPS, runtime: { name: 'php', version: '8.2.12', purl: 'pkg:generic/php@8.2.12', licenses: ['PHP-3.01'] } },
  { app: 'go-mod', deps: GO_DEPS, runtime: { name: 'go', version: '1.21.4', purl: 'pkg:generic/go@1.21.4', licenses: ['BSD-3-Clause'] } },
  {
    app: 'java-jar',
    deps: JAVA_DEPS,
    runtime: { name: 'openjdk', version: '17.0.9', purl: 'pkg:generic/openjdk@17.0.9', licenses: ['GPL-2.0-only WITH Classpath-exception-2.0'] },
  },
];

/** The CycloneDX component docs/sbom.md describes for a dependency. */
function expectedComponent(dep: Dep): Record<string, unknown> & { purl: string } {
  let name = dep.name;
  let group: string | undefined;
  const sep = dep.ecosystem === 'Maven' ? dep.name.indexOf(':') : dep.ecosystem === 'npm' || dep.ecosystem === 'Packagist' ? dep.name.lastIndexOf('/') : -1;
  if (sep > 0) {
    group = dep.name.slice(0, sep);
    name = dep.name.slice(sep + 1);
  }
  const isExpression = (l: string) => /\s(AND|OR|WITH)\s/.test(l);
  const licenses = dep.licenses
    ? dep.licenses.length === 1 && isExpression(dep.licenses[0]!)
      ? [{ expression: dep.licenses[0] }]
      : dep.licenses.map((id) => ({ license: { id } }))
    : undefined;
  return {
    type: dep.ecosystem === 'generic' && dep.source.startsWith('buildpack:') ? 'platform' : 'library',
    name,
    ...(group ? { group } : {}),
    version: dep.version,
    purl: dep.purl,
    'bom-ref': dep.purl,
    ...(licenses ? { licenses } : {}),
    properties: [
      { name: PROP.ecosystem, value: dep.ecosystem },
      { name: PROP.source, value: dep.source },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Staging and reading what it left.

interface Staged {
  r: RunResult;
  metadataFile: string;
  beside: any;
  embedded: any;
  sbomBytes: Buffer;
  sbom: any;
  result: any;
  droplet: Buffer;
  listing: string[];
}

async function stageWithMetadata(
  ws: Workspace,
  order: readonly string[],
  opts: { skipDetect?: boolean; env?: Record<string, string>; stack?: string | null } = {},
): Promise<Staged> {
  const metadataFile = path.join(ws.root, 'out', 'staging-metadata.json');
  const stackEnv: Record<string, string> = opts.stack === null ? {} : { CF_STACK: opts.stack ?? 'cflinuxfs2' };
  const r = await ws.stage(order, { skipDetect: opts.skipDetect, extra: [`-outputStagingMetadata=${metadataFile}`], env: { ...stackEnv, ...opts.env } });
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const sbomBytes = execFileSync('tar', ['-xOzf', ws.outputDroplet, SBOM_MEMBER]);
  return {
    r,
    metadataFile,
    beside: JSON.parse(fs.readFileSync(metadataFile, 'utf8')),
    embedded: JSON.parse(ws.dropletFile(METADATA_MEMBER)),
    sbomBytes,
    sbom: JSON.parse(sbomBytes.toString('utf8')),
    result: ws.result(),
    droplet: fs.readFileSync(ws.outputDroplet),
    listing: ws.dropletListing(),
  };
}

const byPurl = <T extends { purl: string }>(list: readonly T[]): T[] => [...list].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0));
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const libraries = (sbom: any): any[] => sbom.components.filter((c: any) => c.type !== 'operating-system');
const operatingSystems = (sbom: any): any[] => sbom.components.filter((c: any) => c.type === 'operating-system');

/** Valid through contract's validator (what scan, advise and inspect read it with), and for Ajv. */
function expectValid(doc: unknown, what: string): void {
  expect(validateStagingMetadata(doc), what).toEqual([]);
  expect(parseStagingMetadata(JSON.stringify(doc))).toEqual(doc);
  expect(validateMetadata(doc), `${what}: ${JSON.stringify(validateMetadata.errors)}`).toBe(true);
}

/** `names` holds `expected` in this order (other phases may come in between). */
function expectSubsequence(names: string[], expected: string[]): void {
  let i = 0;
  for (const n of names) if (n === expected[i]) i++;
  expect(i, `phases ${JSON.stringify(names)} should contain ${JSON.stringify(expected)} in order`).toBe(expected.length);
}

/** Checks shared by every staging: the SBOM and metadata agree, both copies validate. */
async function expectConsistent(s: Staged): Promise<void> {
  expectValid(s.beside, 'beside the droplet');
  expectValid(s.embedded, 'in the droplet');
  expect(await new JsonStrictValidator(Spec.Version.v1dot5).validate(s.sbomBytes.toString('utf8'))).toBeNull();
  // The metadata's dependencies are the SBOM's components, purl for purl.
  const sbomPurls = libraries(s.sbom)
    .map((c) => c.purl)
    .sort();
  expect(s.embedded.dependencies.map((x: Dep) => x.purl).sort()).toEqual(sbomPurls);
  expect(byPurl(s.beside.dependencies)).toEqual(byPurl(s.embedded.dependencies));
  for (const dep of s.embedded.dependencies as Dep[]) {
    expect(libraries(s.sbom).find((c) => c.purl === dep.purl)).toEqual(expectedComponent(dep));
  }
  // The app depends on every component, the stack included.
  const appNode = s.sbom.dependencies.find((x: any) => x.ref === 'app');
  expect([...appNode.dependsOn].sort()).toEqual(s.sbom.components.map((c: any) => c['bom-ref']).sort());
  // The SBOM the metadata points at is the one in the droplet.
  expect(s.embedded.sbom).toEqual({ path: SBOM_MEMBER, format: 'CycloneDX-1.5', sha256: sha256(s.sbomBytes) });
  expect(s.beside.sbom).toEqual(s.embedded.sbom);
  // processTypes as in result.json.
  expect(s.embedded.processTypes).toEqual(s.result.process_types);
  expect(s.beside.processTypes).toEqual(s.result.process_types);
}

// ---------------------------------------------------------------------------------------------

describe('SBOM and dependencies of apps with real lockfiles (declares-runtime, a directory buildpack)', () => {
  let ws: Workspace | undefined;
  afterEach(() => {
    ws?.cleanup();
    ws = undefined;
  });

  it.each(APPS)('$app: every locked package, the declared runtime, Debian package and tool, the stack', async ({ app, deps, runtime }) => {
    ws = new Workspace(app);
    ws.installBuildpack('declares-runtime');

    const s = await stageWithMetadata(ws, ['declares-runtime']);

    const expected = [...deps, ...declaredByBuildpack('declares-runtime', runtime)];
    expect(byPurl(s.embedded.dependencies)).toEqual(byPurl(expected));
    expect(byPurl(libraries(s.sbom))).toEqual(byPurl(expected.map(expectedComponent)));
    await expectConsistent(s);

    // The stack: one operating-system component named by the stack (CF_STACK: name only).
    expect(operatingSystems(s.sbom)).toEqual([
      {
        type: 'operating-system',
        name: 'cflinuxfs2',
        'bom-ref': 'stack:cflinuxfs2',
        description: expect.any(String),
        properties: [{ name: PROP.stackReceipt, value: 'cflinuxfs2' }],
      },
    ]);
    expect(s.embedded.stack).toEqual({ name: 'cflinuxfs2', source: 'CF_STACK' });

    // The buildpack as its config.yml names it, in the metadata and among the SBOM's tools.
    expect(s.embedded.buildpacks).toEqual([
      { key: 'declares-runtime', name: 'declares-runtime', version: '2.4.6', detectOutput: 'Declares Runtime', source: { type: 'directory' } },
    ]);
    expect(s.sbom.metadata.tools.components).toEqual(
      expect.arrayContaining([
        {
          type: 'application',
          name: 'declares-runtime',
          version: '2.4.6',
          'bom-ref': 'buildpack:declares-runtime',
          properties: [{ name: PROP.buildpackKey, value: 'declares-runtime' }],
        },
        { type: 'application', name: 'cf-buildpack-lifecycle', version: s.embedded.lifecycle.version, 'bom-ref': 'tool:cf-buildpack-lifecycle' },
      ]),
    );
    expect(s.sbom.metadata.tools.components).toHaveLength(2);
    expect(s.sbom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1 });
    expect(s.sbom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(s.sbom.metadata.component).toMatchObject({ type: 'application', 'bom-ref': 'app' });
    expect(s.embedded.processTypes).toEqual({ web: 'run-the-runtime --web', worker: 'run-the-runtime --worker' });
  });

  it('always-detects (compile, no config.yml): the lockfile packages only; the buildpack is named by its detect output', async () => {
    ws = new Workspace('node-lockfile');
    ws.installBuildpack('always-detects');

    const s = await stageWithMetadata(ws, ['always-detects']);

    expect(byPurl(s.embedded.dependencies)).toEqual(byPurl(NODE_DEPS));
    expect(byPurl(libraries(s.sbom))).toEqual(byPurl(NODE_DEPS.map(expectedComponent)));
    await expectConsistent(s);
    expect(s.embedded.buildpacks).toEqual([{ key: 'always-detects', name: 'Always Matching', detectOutput: 'Always Matching', source: { type: 'directory' } }]);
    expect(s.embedded.processTypes).toEqual({ web: 'the start command' });
  });

  it('java: jars nested in a .war are read without extracting; source app/<war>!/<entry>', async () => {
    ws = new Workspace(null);
    ws.installBuildpack('declares-runtime');
    const lib = path.join(FIXTURE_APPS, 'java-jar', 'WEB-INF', 'lib');
    const war = makeZip([
      { name: 'WEB-INF/', type: 'dir' },
      { name: 'WEB-INF/web.xml', type: 'file', content: fs.readFileSync(path.join(FIXTURE_APPS, 'java-jar', 'WEB-INF', 'web.xml')) },
      { name: 'WEB-INF/lib/', type: 'dir' },
      { name: 'WEB-INF/lib/commons-lang3-3.12.0.jar', type: 'file', content: fs.readFileSync(path.join(lib, 'commons-lang3-3.12.0.jar')), stored: true },
      { name: 'WEB-INF/lib/log4j-core-2.14.1.jar', type: 'file', content: fs.readFileSync(path.join(lib, 'log4j-core-2.14.1.jar')) },
    ]);
    fs.writeFileSync(path.join(ws.buildDir, 'shop.war'), war);

    const s = await stageWithMetadata(ws, ['declares-runtime']);

    const openjdk = APPS.find((a) => a.app === 'java-jar')!.runtime;
    expect(byPurl(s.embedded.dependencies)).toEqual(
      byPurl([
        d(
          'Maven',
          'org.apache.commons:commons-lang3',
          '3.12.0',
          'pkg:maven/org.apache.commons/commons-lang3@3.12.0',
          'app/shop.war!/WEB-INF/lib/commons-lang3-3.12.0.jar',
          ['Apache-2.0'],
        ),
        d(
          'Maven',
          'org.apache.logging.log4j:log4j-core',
          '2.14.1',
          'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
          'app/shop.war!/WEB-INF/lib/log4j-core-2.14.1.jar',
        ),
        ...declaredByBuildpack('declares-runtime', openjdk),
      ]),
    );
    await expectConsistent(s);
  });

  it('python-web (the documented example buildpack) declares the python it found, as pkg:generic/python@<version>', async () => {
    ws = new Workspace('python-requirements');
    ws.installBuildpack('python-web');
    const probe = spawnSync('python3', ['-c', 'import platform; print(platform.python_version())'], {
      encoding: 'utf8',
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    const version = probe.status === 0 ? probe.stdout.trim() : 'unknown';

    const s = await stageWithMetadata(ws, ['python-web']);

    expect(byPurl(s.embedded.dependencies)).toEqual(
      byPurl([...PYTHON_DEPS, d('generic', 'python', version, `pkg:generic/python@${version}`, 'buildpack:python-web')]),
    );
    expect(s.embedded.buildpacks).toEqual([
      { key: 'python-web', name: 'python-web', version: '1.0.0', detectOutput: 'Python Web', source: { type: 'directory' } },
    ]);
    expect(s.embedded.processTypes).toEqual({ web: 'python3 server.py' });
    await expectConsistent(s);
  });

  it('a package both the app and a buildpack ship is one dependency in the metadata as in the SBOM (licenses merged, first source kept)', async () => {
    ws = new Workspace('node-lockfile');
    ws.installBuildpack('declares-runtime');
    // yarn 1.22.19 installed in the app's node_modules; declares-runtime declares pkg:npm/yarn@1.22.19 too.
    fs.mkdirSync(path.join(ws.buildDir, 'node_modules', 'yarn'), { recursive: true });
    fs.writeFileSync(
      path.join(ws.buildDir, 'node_modules', 'yarn', 'package.json'),
      JSON.stringify({ name: 'yarn', version: '1.22.19', license: 'BSD-2-Clause' }),
    );

    const s = await stageWithMetadata(ws, ['declares-runtime']);

    const yarnEntries = (s.embedded.dependencies as Dep[]).filter((x) => x.purl === 'pkg:npm/yarn@1.22.19');
    // "app/…" sorts before "buildpack:…": the app's installed package is the source kept.
    expect(yarnEntries).toEqual([d('npm', 'yarn', '1.22.19', 'pkg:npm/yarn@1.22.19', 'app/node_modules/yarn/package.json', ['BSD-2-Clause'])]);
    expect(libraries(s.sbom).filter((c) => c.purl === 'pkg:npm/yarn@1.22.19')).toHaveLength(1);
    await expectConsistent(s);
  });
});

describe('buildpack sources', () => {
  let ws: Workspace | undefined;
  let server: BuildpackServer | undefined;
  let repos: string;

  beforeAll(() => {
    repos = fs.mkdtempSync(path.join(os.tmpdir(), 'metadata-git-'));
    makeBareRepo(path.join(FIXTURE_BUILDPACKS, 'declares-runtime'), path.join(repos, 'declares-runtime.git'), {
      // The branch declares another buildpack version, so the metadata shows which one ran.
      'release-2.5': (work) => {
        const supply = path.join(work, 'bin', 'supply');
        fs.writeFileSync(supply, fs.readFileSync(supply, 'utf8').replace('version: 2.4.6', 'version: 2.5.0'));
      },
    });
  });
  afterAll(() => fs.rmSync(repos, { recursive: true, force: true }));
  afterEach(async () => {
    await server?.close();
    server = undefined;
    ws?.cleanup();
    ws = undefined;
  });

  const bare = () => path.join(repos, 'declares-runtime.git');

  it('a directory buildpack under -buildpacksDir: {type: directory}', async () => {
    ws = new Workspace('node-lockfile');
    ws.installBuildpack('declares-runtime');
    const s = await stageWithMetadata(ws, ['declares-runtime']);
    expect(s.beside.buildpacks[0].source).toEqual({ type: 'directory' });
    expect(s.embedded.buildpacks[0].source).toEqual({ type: 'directory' });
  });

  it('a zip served over HTTP: {type: zip, url, sha256 of the zip}; declared dependencies come from buildpack:<url>', async () => {
    ws = new Workspace('node-lockfile');
    const zip = makeZip(zipEntriesOf(path.join(FIXTURE_BUILDPACKS, 'declares-runtime')));
    server = await startBuildpackServer({ routes: { '/buildpacks/declares-runtime.zip': zip } });
    const url = server.url('/buildpacks/declares-runtime.zip');

    const s = await stageWithMetadata(ws, [url]);

    expect(s.embedded.buildpacks).toEqual([
      { key: url, name: 'declares-runtime', version: '2.4.6', detectOutput: 'Declares Runtime', source: { type: 'zip', url, sha256: sha256(zip) } },
    ]);
    expect(s.beside.buildpacks).toEqual(s.embedded.buildpacks);
    expect(byPurl(s.embedded.dependencies)).toEqual(byPurl([...NODE_DEPS, ...declaredByBuildpack(url, NODE_RUNTIME)]));
    expect(s.sbom.metadata.tools.components).toContainEqual({
      type: 'application',
      name: 'declares-runtime',
      version: '2.4.6',
      'bom-ref': `buildpack:${url}`,
      properties: [{ name: PROP.buildpackKey, value: url }],
    });
    await expectConsistent(s);
  });

  it('a git repository (file://, no branch): {type: git, url, commit} with the commit of its HEAD', async () => {
    ws = new Workspace('node-lockfile');
    const url = `file://${bare()}`;

    const s = await stageWithMetadata(ws, [url]);

    const commit = git(['rev-parse', 'main'], bare()).trim();
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(s.embedded.buildpacks).toEqual([
      { key: url, name: 'declares-runtime', version: '2.4.6', detectOutput: 'Declares Runtime', source: { type: 'git', url, commit } },
    ]);
    expect(s.beside.buildpacks).toEqual(s.embedded.buildpacks);
    expect(byPurl(s.embedded.dependencies)).toEqual(byPurl([...NODE_DEPS, ...declaredByBuildpack(url, NODE_RUNTIME)]));
    await expectConsistent(s);
  });

  it('a git repository with #branch: {type: git, url without the fragment, ref, commit of that branch}', async () => {
    ws = new Workspace('node-lockfile');
    const base = `file://${bare()}`;
    const url = `${base}#release-2.5`;

    const s = await stageWithMetadata(ws, [url]);

    const commit = git(['rev-parse', 'release-2.5'], bare()).trim();
    expect(commit).not.toBe(git(['rev-parse', 'main'], bare()).trim());
    expect(s.embedded.buildpacks).toEqual([
      {
        key: url,
        name: 'declares-runtime',
        version: '2.5.0',
        detectOutput: 'Declares Runtime',
        source: { type: 'git', url: base, ref: 'release-2.5', commit },
      },
    ]);
    expect(s.beside.buildpacks).toEqual(s.embedded.buildpacks);
    expect(byPurl(s.embedded.dependencies)).toEqual(byPurl([...NODE_DEPS, ...declaredByBuildpack(url, NODE_RUNTIME)]));
    await expectConsistent(s);
  });

  it('multi-buildpack (-skipDetect): zip and git supply, a directory buildpack finalizes; listed in order with their sources', async () => {
    ws = new Workspace('node-lockfile');
    const zip = makeZip(zipEntriesOf(path.join(FIXTURE_BUILDPACKS, 'declares-runtime')));
    server = await startBuildpackServer({ routes: { '/bp/declares-runtime.zip': zip } });
    const zipUrl = server.url('/bp/declares-runtime.zip');
    const gitBase = `file://${bare()}`;
    const gitUrl = `${gitBase}#release-2.5`;
    ws.installBuildpack('always-detects');

    const s = await stageWithMetadata(ws, [zipUrl, gitUrl, 'always-detects'], { skipDetect: true });

    const commit = git(['rev-parse', 'release-2.5'], bare()).trim();
    // No detect ran: no detectOutput; always-detects wrote no config.yml, so its name is empty.
    expect(s.embedded.buildpacks).toEqual([
      { key: zipUrl, name: 'declares-runtime', version: '2.4.6', source: { type: 'zip', url: zipUrl, sha256: sha256(zip) } },
      { key: gitUrl, name: 'declares-runtime', version: '2.5.0', source: { type: 'git', url: gitBase, ref: 'release-2.5', commit } },
      { key: 'always-detects', name: '', source: { type: 'directory' } },
    ]);
    expectSubsequence(
      s.beside.staging.phases.map((p: { name: string }) => p.name),
      ['download', 'supply', 'compile', 'release', 'package'],
    );
    // Both supply buildpacks declare the same three purls: one dependency each, the first source in
    // code-unit order kept (`buildpack:file://…` before `buildpack:http://…`).
    expect(`buildpack:${gitUrl}` < `buildpack:${zipUrl}`).toBe(true);
    expect(byPurl(s.embedded.dependencies)).toEqual(byPurl([...NODE_DEPS, ...declaredByBuildpack(gitUrl, NODE_RUNTIME)]));
    await expectConsistent(s);
  });
});

describe('the stack', () => {
  let ws: Workspace | undefined;
  afterEach(() => {
    ws?.cleanup();
    ws = undefined;
  });

  it.skipIf(HOST_HAS_STACK_VERSION_FILE)('without a version file, from CF_STACK: {name, source: CF_STACK}, no version', async () => {
    ws = new Workspace('node-lockfile');
    ws.installBuildpack('always-detects');
    const s = await stageWithMetadata(ws, ['always-detects'], { stack: 'cflinuxfs2' });
    expect(s.embedded.stack).toEqual({ name: 'cflinuxfs2', source: 'CF_STACK' });
    expect(s.beside.stack).toEqual({ name: 'cflinuxfs2', source: 'CF_STACK' });
    const [stackComponent] = operatingSystems(s.sbom);
    expect(stackComponent.name).toBe('cflinuxfs2');
    expect(stackComponent.version).toBeUndefined();
  });

  it.skipIf(HOST_HAS_STACK_VERSION_FILE)('without a version file or CF_STACK: {name: "", source: unknown}', async () => {
    ws = new Workspace('node-lockfile');
    ws.installBuildpack('always-detects');
    const s = await stageWithMetadata(ws, ['always-detects'], { stack: null });
    expect(s.embedded.stack).toEqual({ name: '', source: 'unknown' });
    expectValid(s.embedded, 'in the droplet');
    expect(operatingSystems(s.sbom)).toHaveLength(1);
    expect(await new JsonStrictValidator(Spec.Version.v1dot5).validate(s.sbomBytes.toString('utf8'))).toBeNull();
  });
});

describe('the metadata document', () => {
  let s: Staged;
  let ws: Workspace;

  beforeAll(async () => {
    ws = new Workspace('node-lockfile');
    ws.installBuildpack('declares-runtime');
    s = await stageWithMetadata(ws, ['declares-runtime'], {
      env: { VCAP_APPLICATION: JSON.stringify({ application_name: 'my-node-app', name: 'my-node-app', space_name: 's' }) },
    });
  });
  afterAll(() => ws.cleanup());

  it('validates against docs/staging-metadata.schema.json, inside the droplet and beside it; schemaVersion 1', async () => {
    expectValid(s.beside, 'beside the droplet');
    expectValid(s.embedded, 'in the droplet');
    expect(s.beside.schemaVersion).toBe(1);
    expect(s.embedded.schemaVersion).toBe(1);
    expect(s.embedded.lifecycle).toEqual({ name: 'cf-buildpack-lifecycle', version: expect.stringMatching(/\S/) });
    expect(s.embedded.hooks).toEqual([]);
    expect(s.embedded.executables).toEqual({ static: [], dynamic: 0 });
  });

  it('the app: its name from VCAP_APPLICATION, a sha256 digest and the number of files before staging', () => {
    expect(s.embedded.app).toEqual({ name: 'my-node-app', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), files: 3 });
    expect(s.beside.app).toEqual(s.embedded.app);
    expect(s.sbom.metadata.component).toEqual({ type: 'application', name: 'my-node-app', 'bom-ref': 'app' });
  });

  it('processTypes equal result.json process_types', () => {
    expect(s.result.process_types).toEqual({ web: 'run-the-runtime --web', worker: 'run-the-runtime --worker' });
    expect(s.embedded.processTypes).toEqual(s.result.process_types);
    expect(s.beside.processTypes).toEqual(s.result.process_types);
  });

  it('timestamps are ISO 8601 UTC with milliseconds; durationMs is their difference; phases in the order they ran, with durations', () => {
    for (const doc of [s.embedded, s.beside]) {
      const { startedAt, finishedAt, durationMs, phases } = doc.staging;
      expect(startedAt).toMatch(ISO_UTC_MS);
      expect(finishedAt).toMatch(ISO_UTC_MS);
      expect(durationMs).toBe(Date.parse(finishedAt) - Date.parse(startedAt));
      expect(durationMs).toBeGreaterThan(0);
      expect(phases.length).toBeGreaterThan(0);
      for (const p of phases) {
        expect(p.name).toMatch(/\S/);
        expect(typeof p.durationMs).toBe('number');
        expect(p.durationMs).toBeGreaterThanOrEqual(0);
      }
      const total = phases.reduce((sum: number, p: { durationMs: number }) => sum + p.durationMs, 0);
      expect(total).toBeLessThanOrEqual(durationMs + phases.length);
    }
    expect(s.beside.staging.startedAt).toBe(s.embedded.staging.startedAt);
    expect(Date.parse(s.beside.staging.finishedAt)).toBeGreaterThanOrEqual(Date.parse(s.embedded.staging.finishedAt));
    // declares-runtime has bin/supply and bin/finalize; detect ran.
    expectSubsequence(
      s.embedded.staging.phases.map((p: { name: string }) => p.name),
      ['download', 'detect', 'finalize', 'release'],
    );
    expectSubsequence(
      s.beside.staging.phases.map((p: { name: string }) => p.name),
      ['download', 'detect', 'finalize', 'release', 'package'],
    );
  });

  it('beside the droplet: droplet.sha256 and size, result.sha256 of result.json; the copy inside has neither and is otherwise the same', () => {
    expect(s.beside.droplet).toEqual({ sha256: sha256(s.droplet), size: s.droplet.length });
    expect(s.beside.result).toEqual({ sha256: sha256(fs.readFileSync(ws.outputMetadata)) });
    expect(s.embedded).not.toHaveProperty('droplet');
    expect(s.embedded).not.toHaveProperty('result');
    const { droplet: _d, result: _r, staging: _s1, ...besideRest } = s.beside;
    const { staging: _s2, ...embeddedRest } = s.embedded;
    expect(besideRest).toEqual(embeddedRest);
  });

  it('stagingId: one random UUID v4 inside the droplet, beside it and in result.json’s sidecar (<-outputMetadata>.staging-id)', () => {
    expect(s.embedded.stagingId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(s.beside.stagingId).toBe(s.embedded.stagingId);
    expect(fs.readFileSync(`${ws.outputMetadata}.staging-id`, 'utf8')).toBe(`${s.embedded.stagingId}\n`);
  });

  it('./.cf-lifecycle/ comes first in the droplet, before ./app: a reader gets the metadata without decompressing the app', () => {
    const order = execFileSync('tar', ['-tzf', ws.outputDroplet], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(order.slice(0, 2)).toEqual(['./', './.cf-lifecycle/']);
    expect(order.slice(2, 4).sort()).toEqual([SBOM_MEMBER, METADATA_MEMBER].sort());
  });

  it('the SBOM sits beside the metadata in ./.cf-lifecycle/, its sha256 recorded', () => {
    expect(s.listing).toEqual(expect.arrayContaining(['./.cf-lifecycle/', METADATA_MEMBER, SBOM_MEMBER]));
    expect(s.listing.filter((e) => e.startsWith('./.cf-lifecycle/'))).toEqual(['./.cf-lifecycle/', SBOM_MEMBER, METADATA_MEMBER].sort());
    expect(s.embedded.sbom.sha256).toBe(sha256(s.sbomBytes));
  });

  it("the SBOM's metadata.timestamp is the staging's finish time (docs/sbom.md)", () => {
    // docs/sbom.md: "`metadata.timestamp`: the staging's finish time" — the finish time the
    // metadata shipped with it records.
    expect(s.sbom.metadata.timestamp, `staging.startedAt is ${s.embedded.staging.startedAt}`).toBe(s.embedded.staging.finishedAt);
  });
});

describe('app digest', () => {
  const workspaces: Workspace[] = [];
  afterAll(() => {
    for (const w of workspaces) w.cleanup();
  });

  async function digestOf(prepare: (ws: Workspace) => void, buildpack = 'always-detects'): Promise<{ digest: string; files: number }> {
    const ws = new Workspace('node-lockfile');
    workspaces.push(ws);
    ws.installBuildpack(buildpack);
    prepare(ws);
    const s = await stageWithMetadata(ws, [buildpack]);
    expect(s.beside.app).toEqual(s.embedded.app);
    return s.embedded.app;
  }

  /** Sets the mtime and atime of every entry under dir. */
  function touchAll(dir: string, when: Date): void {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
      const full = path.join(entry.parentPath, entry.name);
      if (!entry.isSymbolicLink()) fs.utimesSync(full, when, when);
    }
    fs.utimesSync(dir, when, when);
  }

  it('is stable for the same app bits whatever their timestamps, and whichever buildpack stages them', async () => {
    const a = await digestOf((ws) => touchAll(ws.buildDir, new Date('2001-02-03T04:05:06Z')));
    const b = await digestOf((ws) => touchAll(ws.buildDir, new Date('2020-07-08T09:10:11Z')));
    const c = await digestOf(() => {}, 'declares-runtime');
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a.files).toBe(3);
  });

  it('changes when a file changes content or mode, or a file is added', async () => {
    const base = await digestOf(() => {});
    const content = await digestOf((ws) => fs.appendFileSync(path.join(ws.buildDir, 'server.js'), ' '));
    const mode = await digestOf((ws) => fs.chmodSync(path.join(ws.buildDir, 'server.js'), 0o755));
    const added = await digestOf((ws) => fs.writeFileSync(path.join(ws.buildDir, 'extra.txt'), ''));
    expect(new Set([base.digest, content.digest, mode.digest, added.digest]).size).toBe(4);
    expect(added.files).toBe(4);
  });
});

describe('without -outputStagingMetadata', () => {
  const workspaces: Workspace[] = [];
  afterAll(() => {
    for (const w of workspaces) w.cleanup();
  });

  it('the droplet has no ./.cf-lifecycle/ and the same layout and result.json as with it', async () => {
    const plain = new Workspace('node-lockfile');
    workspaces.push(plain);
    plain.installBuildpack('declares-runtime');
    const r = await plain.stage(['declares-runtime'], { env: { CF_STACK: 'cflinuxfs2' } });
    expect(r.code, r.stderr).toBe(0);
    const listing = plain.dropletListing();
    expect(listing.filter((e) => e.includes('.cf-lifecycle'))).toEqual([]);
    expect(listing.filter((e) => /^\.\/[^/]+\/?$/.test(e)).sort()).toEqual(
      ['./app/', './deps/', './logs/', './profile.d/', './staging_info.yml', './tmp/'].sort(),
    );
    expect(fs.readdirSync(path.dirname(plain.outputDroplet)).sort()).toEqual(['droplet', 'output-cache', 'result.json']);

    const withMetadata = new Workspace('node-lockfile');
    workspaces.push(withMetadata);
    withMetadata.installBuildpack('declares-runtime');
    const s = await stageWithMetadata(withMetadata, ['declares-runtime']);
    expect(s.listing.filter((e) => !e.startsWith('./.cf-lifecycle/'))).toEqual(listing);
    expect(fs.readFileSync(withMetadata.outputMetadata, 'utf8')).toBe(fs.readFileSync(plain.outputMetadata, 'utf8'));
  });
});

describe('a failed staging', () => {
  let ws: Workspace | undefined;
  afterEach(() => {
    ws?.cleanup();
    ws = undefined;
  });

  it('writes no staging metadata beside the (absent) droplet', async () => {
    ws = new Workspace('node-lockfile');
    ws.installBuildpack('fails-to-compile');
    const metadataFile = path.join(ws.root, 'out', 'staging-metadata.json');
    const r = await ws.stage(['fails-to-compile'], { extra: [`-outputStagingMetadata=${metadataFile}`], env: { CF_STACK: 'cflinuxfs2' } });
    expect(r.code).toBe(223);
    expect(fs.existsSync(ws.outputDroplet)).toBe(false);
    expect(fs.existsSync(metadataFile)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Statically linked executables.

/** A minimal ELF64 little-endian x86-64 file with the given program header types (3 = PT_INTERP). */
function craftedElf(phdrTypes: number[], type = 2 /* ET_EXEC */): Buffer {
  const ehsize = 64;
  const phentsize = 56;
  const b = Buffer.alloc(ehsize + phentsize * phdrTypes.length);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // ELFCLASS64
  b[5] = 1; // little-endian
  b[6] = 1; // EV_CURRENT
  b.writeUInt16LE(type, 16);
  b.writeUInt16LE(62, 18); // EM_X86_64
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(BigInt(ehsize), 32); // e_phoff
  b.writeUInt16LE(ehsize, 52);
  b.writeUInt16LE(phentsize, 54);
  b.writeUInt16LE(phdrTypes.length, 56);
  for (const [i, t] of phdrTypes.entries()) b.writeUInt32LE(t, ehsize + i * phentsize);
  return b;
}

/** A static and a dynamic executable: built with gcc when it can link statically, crafted otherwise. */
function executables(dir: string): { staticExe: Buffer; dynamicExe: Buffer; how: string } {
  const src = path.join(dir, 'main.c');
  fs.writeFileSync(src, 'int main(void) { return 0; }\n');
  const st = spawnSync('gcc', ['-static', '-o', path.join(dir, 'static'), src]);
  const dy = spawnSync('gcc', ['-o', path.join(dir, 'dynamic'), src]);
  if (st.status === 0 && dy.status === 0) {
    return { staticExe: fs.readFileSync(path.join(dir, 'static')), dynamicExe: fs.readFileSync(path.join(dir, 'dynamic')), how: 'gcc' };
  }
  return { staticExe: craftedElf([1 /* PT_LOAD */]), dynamicExe: craftedElf([6 /* PT_PHDR */, 3 /* PT_INTERP */, 1 /* PT_LOAD */]), how: 'crafted' };
}

describe('statically linked executables', () => {
  let ws: Workspace | undefined;
  let scratch: string;
  beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'metadata-elf-'));
  });
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
  afterEach(() => {
    ws?.cleanup();
    ws = undefined;
  });

  it('executables.static lists app/<path> (and deps/<path>) of ELF executables without PT_INTERP; dynamic ones are counted', async () => {
    const { staticExe, dynamicExe } = executables(scratch);
    ws = new Workspace('simple');
    const put = (rel: string, content: Buffer) => {
      const file = path.join(ws!.buildDir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content, { mode: 0o755 });
    };
    put('bin/tool', staticExe);
    put('bin/dyn', dynamicExe);
    fs.symlinkSync('tool', path.join(ws.buildDir, 'bin', 'link-to-tool')); // not followed
    put('README.elf.txt', Buffer.from('not an ELF file\n'));
    // copies-deps-files-from-app copies <app>/deps-files/<idx>/ into its deps slot.
    put('deps-files/0/bin/static-in-deps', staticExe);
    ws.installBuildpack('copies-deps-files-from-app');

    const s = await stageWithMetadata(ws, ['copies-deps-files-from-app']);

    expect(s.listing).toContain('./deps/0/bin/static-in-deps');
    expect([...s.embedded.executables.static].sort()).toEqual(['app/bin/tool', 'app/deps-files/0/bin/static-in-deps', 'deps/0/bin/static-in-deps']);
    expect(s.embedded.executables.dynamic).toBe(1);
    expect(s.beside.executables).toEqual(s.embedded.executables);
    expectValid(s.embedded, 'in the droplet');
  });
});
