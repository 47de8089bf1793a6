// The fixture apps (buildpacks-fixtures/apps) and the lockfile formats, each to its exact components.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeZip } from '../../../test/helpers/archives.ts';
import { appDependencies, scanAppDependencies, type Dependency } from './index.ts';

const APPS = path.resolve(import.meta.dirname, '../../../buildpacks-fixtures/apps');
const temps: string[] = [];

function tempApp(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbom-app-'));
  temps.push(dir);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** purl → [source, licenses] for compact exact comparisons. */
function summary(deps: Dependency[]): Array<[string, string, string[]?]> {
  return deps.map((d) => (d.licenses ? [d.purl, d.source, d.licenses] : [d.purl, d.source]));
}

describe('fixture apps', () => {
  it('node-lockfile: package-lock.json v3, dev dependencies left out, licenses kept', async () => {
    expect(await appDependencies(path.join(APPS, 'node-lockfile'))).toEqual([
      {
        ecosystem: 'npm',
        name: '@hapi/hoek',
        version: '9.3.0',
        purl: 'pkg:npm/%40hapi/hoek@9.3.0',
        licenses: ['BSD-3-Clause'],
        source: 'app/package-lock.json',
      },
      { ecosystem: 'npm', name: 'lodash', version: '4.17.15', purl: 'pkg:npm/lodash@4.17.15', licenses: ['MIT'], source: 'app/package-lock.json' },
      { ecosystem: 'npm', name: 'minimist', version: '1.2.5', purl: 'pkg:npm/minimist@1.2.5', licenses: ['MIT'], source: 'app/package-lock.json' },
    ]);
  });

  it('ruby-gemfile-lock: GEM specs, platform gems with a platform qualifier', async () => {
    expect(summary(await appDependencies(path.join(APPS, 'ruby-gemfile-lock')))).toEqual([
      ['pkg:gem/mustermann@1.1.1', 'app/Gemfile.lock'],
      ['pkg:gem/nokogiri@1.13.6?platform=x86_64-linux', 'app/Gemfile.lock'],
      ['pkg:gem/racc@1.6.0', 'app/Gemfile.lock'],
      ['pkg:gem/rack@2.2.3', 'app/Gemfile.lock'],
      ['pkg:gem/rack-protection@2.2.0', 'app/Gemfile.lock'],
      ['pkg:gem/ruby2_keywords@0.0.5', 'app/Gemfile.lock'],
      ['pkg:gem/sinatra@2.2.0', 'app/Gemfile.lock'],
      ['pkg:gem/tilt@2.0.10', 'app/Gemfile.lock'],
    ]);
    const nokogiri = (await appDependencies(path.join(APPS, 'ruby-gemfile-lock'))).find((d) => d.name === 'nokogiri');
    expect(nokogiri).toMatchObject({ ecosystem: 'RubyGems', version: '1.13.6' });
  });

  it('python-requirements: pinned lines only, names normalised (PEP 503), hashes and markers ignored', async () => {
    expect(summary(await appDependencies(path.join(APPS, 'python-requirements')))).toEqual([
      ['pkg:pypi/click@8.1.3', 'app/requirements.txt'],
      ['pkg:pypi/flask@2.2.2', 'app/requirements.txt'],
      ['pkg:pypi/itsdangerous@2.1.2', 'app/requirements.txt'],
      ['pkg:pypi/jinja2@3.1.2', 'app/requirements.txt'],
      ['pkg:pypi/markupsafe@2.1.1', 'app/requirements.txt'],
      ['pkg:pypi/werkzeug@2.2.2', 'app/requirements.txt'],
    ]);
  });

  it('composer-lock: packages, not packages-dev', async () => {
    expect(summary(await appDependencies(path.join(APPS, 'composer-lock')))).toEqual([
      ['pkg:composer/guzzlehttp/psr7@2.1.0', 'app/composer.lock', ['MIT']],
      ['pkg:composer/psr/http-factory@1.0.1', 'app/composer.lock', ['MIT']],
      ['pkg:composer/psr/http-message@1.0.1', 'app/composer.lock', ['MIT']],
      ['pkg:composer/ralouphie/getallheaders@3.0.3', 'app/composer.lock', ['MIT']],
    ]);
  });

  it('go-mod: requires with replacements applied, local replacements left out', async () => {
    expect(summary(await appDependencies(path.join(APPS, 'go-mod')))).toEqual([
      ['pkg:golang/github.com/gorilla/mux@v1.8.1', 'app/go.mod'],
      ['pkg:golang/golang.org/x/net@v0.15.0', 'app/go.mod'],
      ['pkg:golang/golang.org/x/text@v0.13.0', 'app/go.mod'],
    ]);
  });

  it('java-jar: WEB-INF/lib jars by pom.properties, else by manifest and file name', async () => {
    expect(await appDependencies(path.join(APPS, 'java-jar'))).toEqual([
      {
        ecosystem: 'Maven',
        name: 'org.apache.commons:commons-lang3',
        version: '3.12.0',
        purl: 'pkg:maven/org.apache.commons/commons-lang3@3.12.0',
        licenses: ['Apache-2.0'],
        source: 'app/WEB-INF/lib/commons-lang3-3.12.0.jar',
      },
      {
        ecosystem: 'Maven',
        name: 'org.apache.logging.log4j:log4j-core',
        version: '2.14.1',
        purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
        source: 'app/WEB-INF/lib/log4j-core-2.14.1.jar',
      },
    ]);
  });
});

describe('npm', () => {
  it('package-lock.json v1: the dependency tree, nested versions, aliases; dev and local specs left out', async () => {
    const app = tempApp({
      'npm-shrinkwrap.json': JSON.stringify({
        lockfileVersion: 1,
        dependencies: {
          express: { version: '4.17.1', dependencies: { debug: { version: '2.6.9' } } },
          debug: { version: '4.3.4' },
          mocha: { version: '10.0.0', dev: true },
          local: { version: 'file:../local' },
          'str-alias': { version: 'npm:string-width@4.2.3' },
        },
      }),
    });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:npm/debug@2.6.9', 'app/npm-shrinkwrap.json'],
      ['pkg:npm/debug@4.3.4', 'app/npm-shrinkwrap.json'],
      ['pkg:npm/express@4.17.1', 'app/npm-shrinkwrap.json'],
      ['pkg:npm/string-width@4.2.3', 'app/npm-shrinkwrap.json'],
    ]);
  });

  it('package-lock.json v2: nested node_modules paths, aliases by `name`, workspace links skipped', async () => {
    const app = tempApp({
      'package-lock.json': JSON.stringify({
        lockfileVersion: 2,
        packages: {
          '': { name: 'root', version: '1.0.0' },
          'packages/a': { name: 'a', version: '0.0.1' },
          'node_modules/a': { resolved: 'packages/a', link: true },
          'node_modules/@scope/pkg': { version: '1.2.3', license: 'ISC' },
          'node_modules/@scope/pkg/node_modules/semver': { version: '5.7.1', license: 'ISC' },
          'node_modules/semver': { version: '7.5.4', license: 'ISC' },
          'node_modules/my-alias': { name: 'lodash', version: '4.17.21', license: 'MIT' },
          'node_modules/typescript': { version: '5.0.0', dev: true },
        },
        dependencies: { ignored: { version: '1.0.0' } },
      }),
    });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:npm/%40scope/pkg@1.2.3', 'app/package-lock.json', ['ISC']],
      ['pkg:npm/lodash@4.17.21', 'app/package-lock.json', ['MIT']],
      ['pkg:npm/semver@5.7.1', 'app/package-lock.json', ['ISC']],
      ['pkg:npm/semver@7.5.4', 'app/package-lock.json', ['ISC']],
    ]);
  });

  it('installed node_modules: package.json of each package, scoped, nested, and pnpm’s .pnpm store; license forms', async () => {
    const app = tempApp({
      'node_modules/express/package.json': JSON.stringify({ name: 'express', version: '4.18.2', license: 'MIT' }),
      'node_modules/express/node_modules/cookie/package.json': JSON.stringify({ name: 'cookie', version: '0.5.0', license: { type: 'MIT' } }),
      'node_modules/@types/node/package.json': JSON.stringify({ name: '@types/node', version: '20.1.0', licenses: [{ type: 'MIT' }] }),
      'node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json': JSON.stringify({ name: 'ms', version: '2.1.3', license: 'MIT' }),
      'node_modules/.bin/not-a-package': '',
      'node_modules/no-manifest/index.js': '',
      'node_modules/broken/package.json': '{ nope',
    });
    const scan = await scanAppDependencies(app);
    expect(summary(scan.dependencies)).toEqual([
      ['pkg:npm/%40types/node@20.1.0', 'app/node_modules/@types/node/package.json', ['MIT']],
      ['pkg:npm/cookie@0.5.0', 'app/node_modules/express/node_modules/cookie/package.json', ['MIT']],
      ['pkg:npm/express@4.18.2', 'app/node_modules/express/package.json', ['MIT']],
      ['pkg:npm/ms@2.1.3', 'app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json', ['MIT']],
    ]);
    expect(scan.warnings).toHaveLength(1);
    expect(scan.warnings[0]).toMatch(/^app\/node_modules\/broken\/package\.json: /);
  });

  it('a package.json that is /dev/zero or a FIFO is skipped with a warning, never read', async () => {
    const app = tempApp({ 'node_modules/ok/package.json': JSON.stringify({ name: 'ok', version: '1.0.0' }) });
    fs.mkdirSync(path.join(app, 'node_modules', 'zero'));
    fs.symlinkSync('/dev/zero', path.join(app, 'node_modules', 'zero', 'package.json'));
    fs.mkdirSync(path.join(app, 'node_modules', 'fifo'));
    execFileSync('mkfifo', [path.join(app, 'node_modules', 'fifo', 'package.json')]);
    const scan = await scanAppDependencies(app);
    expect(summary(scan.dependencies)).toEqual([['pkg:npm/ok@1.0.0', 'app/node_modules/ok/package.json']]);
    expect(scan.warnings.sort()).toEqual([
      'app/node_modules/fifo/package.json: not a regular file; skipped',
      'app/node_modules/zero/package.json: not a regular file; skipped',
    ]);
  });

  it('a directory whose name is not UTF-8 is walked; its source shows the stray byte as \\xNN', async () => {
    const app = tempApp({});
    const dir = Buffer.concat([Buffer.from(`${app}/`), Buffer.from('caf\xe9', 'latin1')]);
    fs.mkdirSync(dir);
    fs.writeFileSync(Buffer.concat([dir, Buffer.from('/requirements.txt')]), 'click==8.1.3\n');
    const scan = await scanAppDependencies(app);
    expect(summary(scan.dependencies)).toEqual([['pkg:pypi/click@8.1.3', 'app/caf\\xe9/requirements.txt']]);
  });

  it('the same package from a lockfile and node_modules is one component, licenses merged', async () => {
    const app = tempApp({
      'package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/ms': { version: '2.1.3' } } }),
      'node_modules/ms/package.json': JSON.stringify({ name: 'ms', version: '2.1.3', license: 'MIT' }),
    });
    expect(await appDependencies(app)).toEqual([
      { ecosystem: 'npm', name: 'ms', version: '2.1.3', purl: 'pkg:npm/ms@2.1.3', licenses: ['MIT'], source: 'app/node_modules/ms/package.json' },
    ]);
  });

  it('yarn.lock classic: one entry per resolved version, scoped and aliased specs', async () => {
    const app = tempApp({
      'yarn.lock': [
        '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.',
        '# yarn lockfile v1',
        '',
        '',
        '"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.22.13":',
        '  version "7.22.13"',
        '  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.22.13.tgz#e3c1c099402598483b7a8c46a721d1038803755e"',
        '  dependencies:',
        '    chalk "^2.4.2"',
        '',
        'lodash@^4.17.11, lodash@^4.17.15:',
        '  version "4.17.15"',
        '',
        'string-width-cjs@npm:string-width@^4.2.0:',
        '  version "4.2.3"',
        '',
      ].join('\n'),
    });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:npm/%40babel/code-frame@7.22.13', 'app/yarn.lock'],
      ['pkg:npm/lodash@4.17.15', 'app/yarn.lock'],
      ['pkg:npm/string-width@4.2.3', 'app/yarn.lock'],
    ]);
  });

  it('yarn.lock berry: npm resolutions only (workspace and patch entries skipped)', async () => {
    const app = tempApp({
      'yarn.lock': [
        '# This file is generated by running "yarn install" inside your project.',
        '',
        '__metadata:',
        '  version: 6',
        '  cacheKey: 8',
        '',
        '"app@workspace:.":',
        '  version: 0.0.0-use.local',
        '  resolution: "app@workspace:."',
        '  languageName: unknown',
        '  linkType: soft',
        '',
        '"lodash@npm:^4.17.15":',
        '  version: 4.17.15',
        '  resolution: "lodash@npm:4.17.15"',
        '  checksum: 0000',
        '  languageName: node',
        '  linkType: hard',
        '',
        '"@types/node@npm:*, @types/node@npm:^20.0.0":',
        '  version: 20.8.0',
        '  resolution: "@types/node@npm:20.8.0"',
        '  languageName: node',
        '  linkType: hard',
        '',
        '"resolve@patch:resolve@npm%3A^1.20.0#~builtin<compat/resolve>":',
        '  version: 1.22.8',
        '  resolution: "resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d"',
        '  languageName: node',
        '  linkType: hard',
        '',
      ].join('\n'),
    });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:npm/%40types/node@20.8.0', 'app/yarn.lock'],
      ['pkg:npm/lodash@4.17.15', 'app/yarn.lock'],
    ]);
  });

  it('pnpm-lock.yaml 5.4 and 6.0: `dev: true` left out, peer suffixes stripped', async () => {
    const v5 = tempApp({
      'pnpm-lock.yaml': [
        'lockfileVersion: 5.4',
        'specifiers:',
        '  lodash: 4.17.15',
        'packages:',
        '  /lodash/4.17.15:',
        '    resolution: {integrity: sha512-x}',
        '    dev: false',
        '  /@babel/core/7.23.0_supports-color@8.1.1:',
        '    resolution: {integrity: sha512-y}',
        '    dev: false',
        '  /typescript/5.2.2:',
        '    resolution: {integrity: sha512-z}',
        '    dev: true',
        '',
      ].join('\n'),
    });
    expect(summary(await appDependencies(v5))).toEqual([
      ['pkg:npm/%40babel/core@7.23.0', 'app/pnpm-lock.yaml'],
      ['pkg:npm/lodash@4.17.15', 'app/pnpm-lock.yaml'],
    ]);
    const v6 = tempApp({
      'pnpm-lock.yaml': [
        "lockfileVersion: '6.0'",
        'packages:',
        '  /minimist@1.2.5:',
        '    resolution: {integrity: sha512-x}',
        '    dev: false',
        '  /@vue/shared@3.3.4(vue@3.3.4):',
        '    resolution: {integrity: sha512-y}',
        '    dev: false',
        '  /vitest@0.34.0:',
        '    resolution: {integrity: sha512-z}',
        '    dev: true',
        '',
      ].join('\n'),
    });
    expect(summary(await appDependencies(v6))).toEqual([
      ['pkg:npm/%40vue/shared@3.3.4', 'app/pnpm-lock.yaml'],
      ['pkg:npm/minimist@1.2.5', 'app/pnpm-lock.yaml'],
    ]);
  });

  it('pnpm-lock.yaml 9.0: packages reachable from the importers’ dependencies, not devDependencies', async () => {
    const app = tempApp({
      'pnpm-lock.yaml': [
        "lockfileVersion: '9.0'",
        'importers:',
        '  .:',
        '    dependencies:',
        '      express:',
        '        specifier: ^4.18.0',
        '        version: 4.18.2',
        '    devDependencies:',
        '      vitest:',
        '        specifier: ^1.0.0',
        '        version: 1.0.0',
        'packages:',
        '  express@4.18.2:',
        '    resolution: {integrity: sha512-a}',
        '  cookie@0.5.0:',
        '    resolution: {integrity: sha512-b}',
        '  vitest@1.0.0:',
        '    resolution: {integrity: sha512-c}',
        'snapshots:',
        '  express@4.18.2:',
        '    dependencies:',
        '      cookie: 0.5.0',
        '  cookie@0.5.0: {}',
        '  vitest@1.0.0: {}',
        '',
      ].join('\n'),
    });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:npm/cookie@0.5.0', 'app/pnpm-lock.yaml'],
      ['pkg:npm/express@4.18.2', 'app/pnpm-lock.yaml'],
    ]);
  });
});

describe('Python', () => {
  it('Pipfile.lock: `default`, not `develop`', async () => {
    const app = tempApp({
      'Pipfile.lock': JSON.stringify({
        _meta: { hash: { sha256: 'x' } },
        default: { requests: { hashes: ['sha256:x'], version: '==2.31.0' }, Django: { version: '==4.2.7' }, 'zope.interface': { version: '==6.1' } },
        develop: { pytest: { version: '==7.4.3' } },
      }),
    });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:pypi/django@4.2.7', 'app/Pipfile.lock'],
      ['pkg:pypi/requests@2.31.0', 'app/Pipfile.lock'],
      ['pkg:pypi/zope-interface@6.1', 'app/Pipfile.lock'],
    ]);
  });

  it('poetry.lock: [[package]] tables, `category = "dev"` left out, sub-tables ignored', async () => {
    const app = tempApp({
      'poetry.lock': [
        '# This file is automatically @generated by Poetry and should not be changed by hand.',
        '',
        '[[package]]',
        'name = "certifi"',
        'version = "2023.7.22"',
        'description = "Python package for providing Mozilla\'s CA Bundle."',
        'optional = false',
        'python-versions = ">=3.6"',
        'files = [',
        '    {file = "certifi-2023.7.22-py3-none-any.whl", hash = "sha256:x"},',
        ']',
        '',
        '[[package]]',
        'name = "Typing_Extensions"',
        'version = "4.8.0"',
        'category = "main"',
        '',
        '[package.dependencies]',
        'name = "not-a-package"',
        'version = "0"',
        '',
        '[[package]]',
        'name = "pytest"',
        'version = "7.4.3"',
        'category = "dev"',
        '',
        '[metadata]',
        'lock-version = "2.0"',
        'python-versions = "^3.11"',
        '',
      ].join('\n'),
    });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:pypi/certifi@2023.7.22', 'app/poetry.lock'],
      ['pkg:pypi/typing-extensions@4.8.0', 'app/poetry.lock'],
    ]);
  });

  it('requirements.txt: ==, ===, extras and continuation lines; ranges, wildcards, options and URLs skipped', async () => {
    const app = tempApp({
      'requirements.txt': [
        '-r base.txt',
        '--index-url https://pypi.org/simple',
        '-e git+https://github.com/x/y.git#egg=y',
        'requests[security]==2.31.0  # comment',
        'urllib3===2.0.7',
        'six==1.16.*',
        'idna>=3.4',
        'charset_normalizer==3.3.2 \\',
        '    --hash=sha256:aaa \\',
        '    --hash=sha256:bbb',
        'https://example.com/pkg-1.0.tar.gz',
        '',
      ].join('\n'),
    });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:pypi/charset-normalizer@3.3.2', 'app/requirements.txt'],
      ['pkg:pypi/requests@2.31.0', 'app/requirements.txt'],
      ['pkg:pypi/urllib3@2.0.7', 'app/requirements.txt'],
    ]);
  });
});

describe('Go and Ruby details', () => {
  it('go.mod: single-line requires, versioned replacements, quoted paths, comments', async () => {
    const app = tempApp({
      'go.mod': [
        'module example.com/m',
        '',
        'go 1.22',
        'toolchain go1.22.1',
        '',
        'require github.com/pkg/errors v0.9.1',
        'require "golang.org/x/sys" v0.13.0 // indirect',
        'require (',
        '    github.com/old/thing v1.0.0',
        ')',
        'replace github.com/old/thing => github.com/new/thing v1.2.0',
        'exclude github.com/pkg/errors v0.8.0',
        '',
      ].join('\n'),
    });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:golang/github.com/new/thing@v1.2.0', 'app/go.mod'],
      ['pkg:golang/github.com/pkg/errors@v0.9.1', 'app/go.mod'],
      ['pkg:golang/golang.org/x/sys@v0.13.0', 'app/go.mod'],
    ]);
  });

  it('Gemfile.lock: GIT specs count, PATH specs (the app’s own gems) do not', async () => {
    const app = tempApp({
      'Gemfile.lock': [
        'GIT',
        '  remote: https://github.com/rails/rails.git',
        '  revision: 0123456789abcdef0123456789abcdef01234567',
        '  specs:',
        '    activesupport (7.1.0.alpha)',
        '      i18n (>= 1.6, < 2)',
        '',
        'PATH',
        '  remote: .',
        '  specs:',
        '    myapp (0.1.0)',
        '',
        'GEM',
        '  remote: https://rubygems.org/',
        '  specs:',
        '    i18n (1.14.1)',
        '      concurrent-ruby (~> 1.0)',
        '    concurrent-ruby (1.2.2)',
        '',
        'PLATFORMS',
        '  ruby',
        '',
      ].join('\n'),
    });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:gem/activesupport@7.1.0.alpha', 'app/Gemfile.lock'],
      ['pkg:gem/concurrent-ruby@1.2.2', 'app/Gemfile.lock'],
      ['pkg:gem/i18n@1.14.1', 'app/Gemfile.lock'],
    ]);
  });
});

describe('Java archives', () => {
  const manifest = (fields: Record<string, string>): string =>
    `${Object.entries(fields)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n`;

  it('a jar built from a MANIFEST only: group from Implementation-Vendor-Id, artifact from the file name', async () => {
    const jar = makeZip([
      {
        name: 'META-INF/MANIFEST.MF',
        type: 'file',
        content: manifest({
          'Manifest-Version': '1.0',
          'Implementation-Title': 'Jackson-core',
          'Implementation-Version': '2.15.2',
          'Implementation-Vendor-Id': 'com.fasterxml.jackson.core',
          'Bundle-License': 'Apache-2.0',
        }),
      },
    ]);
    const app = tempApp({ 'lib/jackson-core-2.15.2.jar': jar });
    expect(await appDependencies(app)).toEqual([
      {
        ecosystem: 'Maven',
        name: 'com.fasterxml.jackson.core:jackson-core',
        version: '2.15.2',
        purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-core@2.15.2',
        licenses: ['Apache-2.0'],
        source: 'app/lib/jackson-core-2.15.2.jar',
      },
    ]);
  });

  it('a long manifest value continues on lines starting with a space', async () => {
    const jar = makeZip([
      {
        name: 'META-INF/MANIFEST.MF',
        type: 'file',
        content: 'Manifest-Version: 1.0\r\nImplementation-Vendor-Id: org.exa\r\n mple.group\r\nImplementation-Version: 1.0\r\n\r\n',
      },
    ]);
    const app = tempApp({ 'thing-1.0.jar': jar });
    expect((await appDependencies(app))[0]?.name).toBe('org.example.group:thing');
  });

  it('a war with WEB-INF/lib jars inside, and a fat jar with BOOT-INF/lib: nested archives read without extracting', async () => {
    const inner = (group: string, artifact: string, version: string): Buffer =>
      makeZip([
        { name: `META-INF/maven/${group}/${artifact}/pom.properties`, type: 'file', content: `groupId=${group}\nartifactId=${artifact}\nversion=${version}\n` },
      ]);
    const war = makeZip([
      { name: 'WEB-INF/lib/log4j-core-2.14.1.jar', type: 'file', content: inner('org.apache.logging.log4j', 'log4j-core', '2.14.1'), stored: true },
      { name: 'WEB-INF/lib/not-a-jar.jar', type: 'file', content: 'text' },
    ]);
    const fat = makeZip([
      { name: 'META-INF/maven/com.example/app/pom.properties', type: 'file', content: 'groupId=com.example\nartifactId=app\nversion=0.0.1-SNAPSHOT\n' },
      { name: 'BOOT-INF/lib/spring-core-6.0.11.jar', type: 'file', content: inner('org.springframework', 'spring-core', '6.0.11') },
    ]);
    const app = tempApp({ 'app.war': war, 'app.jar': fat });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:maven/com.example/app@0.0.1-SNAPSHOT', 'app/app.jar'],
      ['pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', 'app/app.war!/WEB-INF/lib/log4j-core-2.14.1.jar'],
      ['pkg:maven/org.springframework/spring-core@6.0.11', 'app/app.jar!/BOOT-INF/lib/spring-core-6.0.11.jar'],
    ]);
  });

  it('a shaded jar names every artifact it bundles', async () => {
    const pom = (g: string, a: string, v: string) => ({
      name: `META-INF/maven/${g}/${a}/pom.properties`,
      type: 'file' as const,
      content: `groupId=${g}\nartifactId=${a}\nversion=${v}\n`,
    });
    const app = tempApp({ 'shaded.jar': makeZip([pom('com.example', 'shaded', '1.0'), pom('com.google.guava', 'guava', '31.1-jre')]) });
    expect(summary(await appDependencies(app))).toEqual([
      ['pkg:maven/com.example/shaded@1.0', 'app/shaded.jar'],
      ['pkg:maven/com.google.guava/guava@31.1-jre', 'app/shaded.jar'],
    ]);
  });
});

describe('malformed files', () => {
  it('are skipped with one warning each; the other manifests still count; nothing throws', async () => {
    const app = tempApp({
      'package-lock.json': '{"lockfileVersion": 3, "packages": {',
      'composer.lock': '[]',
      'Pipfile.lock': 'null',
      'pnpm-lock.yaml': 'packages: [unclosed',
      'yarn.lock': '__metadata:\n  version: 6\n"x": [',
      'broken.jar': 'not a zip',
      'go.mod': 'require golang.org/x/net v0.17.0\n',
    });
    const scan = await scanAppDependencies(app);
    expect(summary(scan.dependencies)).toEqual([['pkg:golang/golang.org/x/net@v0.17.0', 'app/go.mod']]);
    expect(scan.warnings.map((w) => w.split(':')[0]).sort()).toEqual([
      'app/Pipfile.lock',
      'app/broken.jar',
      'app/composer.lock',
      'app/package-lock.json',
      'app/pnpm-lock.yaml',
      'app/yarn.lock',
    ]);
  });

  it('lockfiles under vendor/ belong to the vendored packages, not to the app', async () => {
    const app = tempApp({
      'vendor/bundle/ruby/3.2.0/gems/foo-1.0/Gemfile.lock': 'GEM\n  specs:\n    rake (13.0.6)\n',
      'Gemfile.lock': 'GEM\n  specs:\n    foo (1.0)\n',
    });
    expect(summary(await appDependencies(app))).toEqual([['pkg:gem/foo@1.0', 'app/Gemfile.lock']]);
  });

  it('an app directory that does not exist has no dependencies', async () => {
    expect(await appDependencies('/nonexistent/app')).toEqual([]);
  });
});
