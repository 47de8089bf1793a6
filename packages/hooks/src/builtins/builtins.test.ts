// Built-in hooks `sbom` and `licenses` on CycloneDX 1.5 SBOMs: a hand-written one, and one written
// by @cf-lifecycle/sbom, the generator the builder uses.
import fs from 'node:fs';
import path from 'node:path';
import { cycloneDx, purlOf, type Dependency, type Ecosystem } from '@cf-lifecycle/sbom';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HookDeniedError, loadHooks, runHooks, type HookDefinition } from '../index.ts';
import { CapturedLog, event, scratch, writeFile } from '../../../../test/helpers/hooks/support.ts';
import { parseLicenseExpression, unacceptable } from './spdx-expression.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratch()));
afterEach(() => cleanup());

function dep(ecosystem: Ecosystem, name: string, version: string, licenses?: string[]): Dependency {
  const d: Dependency = { ecosystem, name, version, purl: purlOf(ecosystem, name, version), source: 'app/package-lock.json' };
  if (licenses) d.licenses = licenses;
  return d;
}

/** An SBOM as the builder writes it. */
function generatedSbom(deps: Dependency[]): string {
  const text = cycloneDx({
    appName: 'my-app',
    dependencies: deps,
    stack: { name: 'cflinuxfs2', version: '1.0.0' },
    buildpacks: [{ key: 'nodejs_buildpack', name: 'nodejs' }],
    lifecycleVersion: '0.1.0',
    timestamp: '2025-01-01T00:00:00Z',
  });
  return writeFile(path.join(dir, 'sbom.cdx.json'), text);
}

async function builtinHooks(yaml: string): Promise<HookDefinition[]> {
  return loadHooks({ hooksConfig: writeFile(path.join(dir, 'hooks.yml'), yaml) });
}

async function run(hooks: HookDefinition[], sbom?: string) {
  const log = new CapturedLog();
  try {
    return { records: await runHooks('post-build', hooks, event(dir, sbom ? { sbom } : {}), log), log, error: undefined };
  } catch (err) {
    if (!(err instanceof HookDeniedError)) throw err;
    return { records: err.records, log, error: err };
  }
}

const APP_DEPS = [
  dep('npm', 'express', '4.19.2', ['MIT']),
  dep('npm', '@scope/tool', '1.0.0', ['Apache-2.0']),
  dep('npm', 'gpl-only-lib', '2.1.0', ['GPL-3.0-only']),
  dep('npm', 'dual', '1.0.0', ['(MIT OR GPL-3.0-only)']),
  dep('PyPI', 'requests', '2.31.0'),
];

describe('sbom', () => {
  it('records the component count by type and copies the SBOM to options.output', async () => {
    const sbom = generatedSbom(APP_DEPS);
    const out = path.join(dir, 'collected', 'app.cdx.json');
    const hooks = await builtinHooks(`hooks:\n  - { name: sbom, kind: builtin, phase: post-build, options: { output: ${out} } }\n`);
    const { records } = await run(hooks, sbom);
    // 5 dependencies and the stack component
    expect(records[0]).toMatchObject({
      name: 'sbom',
      kind: 'builtin',
      outcome: 'allow',
      findings: [{ id: 'sbom:components', severity: 'info', summary: '6 components (npm: 4, pypi: 1, unknown: 1)' }],
    });
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(sbom, 'utf8'));
  });

  it('fails (required) when the event has no SBOM or it is not CycloneDX', async () => {
    const hooks = await builtinHooks('hooks:\n  - { name: sbom, kind: builtin, phase: post-build }\n');
    expect((await run(hooks)).error!.message).toBe("Hook 'sbom' (post-build) failed: the event has no SBOM (paths.sbom)");
    const notCdx = writeFile(path.join(dir, 'x.json'), '{"spdxVersion":"SPDX-2.3"}');
    expect((await run(hooks, notCdx)).error!.message).toBe(`Hook 'sbom' (post-build) failed: SBOM ${notCdx} is not a CycloneDX JSON document`);
    expect((await run(hooks, path.join(dir, 'none.json'))).error!.exitCode).toBe(228);
  });
});

describe('licenses', () => {
  it('deny list: denies naming the component and license (exit 227); OR alternatives may pass', async () => {
    const hooks = await builtinHooks(
      'hooks:\n  - { name: license-check, kind: builtin, builtin: licenses, phase: post-build, options: { deny: [GPL-3.0-only, AGPL-3.0-only] } }\n',
    );
    const { error, records } = await run(hooks, generatedSbom(APP_DEPS));
    expect(error!.exitCode).toBe(227);
    expect(error!.message).toBe("Staging denied by hook 'license-check' (post-build): GPL-3.0-only is not allowed (gpl-only-lib@2.1.0)");
    expect(records[0]!.findings).toEqual([
      { id: 'license:pkg:npm/gpl-only-lib@2.1.0', severity: 'high', summary: 'gpl-only-lib@2.1.0: GPL-3.0-only is not allowed' },
    ]);
  });

  it('allow list: everything else is refused, components without license data too by default', async () => {
    const hooks = await builtinHooks(
      'hooks:\n  - { name: licenses, kind: builtin, phase: post-build, policy: advisory, options: { allow: [mit, Apache-2.0] } }\n',
    );
    const { error, records } = await run(hooks, generatedSbom(APP_DEPS));
    expect(error).toBeUndefined();
    expect(records[0]!.outcome).toBe('deny');
    // requests carries no license data; the stack component is not checked (its packages are in its receipt).
    expect(records[0]!.findings.map((f) => f.summary).sort()).toEqual([
      'gpl-only-lib@2.1.0: GPL-3.0-only is not allowed',
      'requests@2.31.0: (no license data) is not allowed',
    ]);
    expect(records[0]!.message).toMatch(/^licenses not allowed: /);
  });

  it('allow list with unknown: allow, from a file', async () => {
    writeFile(path.join(dir, 'allowed.txt'), 'MIT\nApache-2.0\nGPL-3.0-only\n');
    const hooks = await builtinHooks('hooks:\n  - { name: licenses, kind: builtin, phase: post-build, options: { allowFile: allowed.txt, unknown: allow } }\n');
    const { records, error } = await run(hooks, generatedSbom(APP_DEPS));
    expect(error).toBeUndefined();
    expect(records[0]).toMatchObject({ outcome: 'allow', message: 'licenses of 5 components accepted', findings: [] });
  });

  it('reads license ids, names and expressions of a hand-written SBOM, nested components too', async () => {
    const sbom = writeFile(
      path.join(dir, 'hand.json'),
      JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        components: [
          { type: 'library', name: 'a', version: '1', licenses: [{ license: { id: 'MIT' } }] },
          {
            type: 'library',
            name: 'b',
            version: '2',
            licenses: [{ license: { name: 'Custom EULA' } }],
            components: [{ type: 'library', name: 'b-inner', version: '3', licenses: [{ expression: 'GPL-2.0-only WITH Classpath-exception-2.0' }] }],
          },
        ],
      }),
    );
    const hooks = await builtinHooks(
      'hooks:\n  - { name: licenses, kind: builtin, phase: post-build, policy: advisory, options: { allow: [MIT, GPL-2.0-only WITH Classpath-exception-2.0] } }\n',
    );
    const { records } = await run(hooks, sbom);
    expect(records[0]!.findings.map((f) => f.summary)).toEqual(['b@2: Custom EULA is not allowed']);
  });
});

describe('SPDX expressions', () => {
  const allowOnly =
    (...ids: string[]) =>
    (id: string) =>
      ids.includes(id);
  it.each([
    ['MIT', ['MIT'], []],
    ['GPL-3.0-only', ['MIT'], ['GPL-3.0-only']],
    ['MIT OR GPL-3.0-only', ['MIT'], []],
    ['MIT AND GPL-3.0-only', ['MIT'], ['GPL-3.0-only']],
    ['(MIT OR Apache-2.0) AND (BSD-3-Clause OR GPL-3.0-only)', ['MIT'], ['BSD-3-Clause', 'GPL-3.0-only']],
    ['(MIT OR Apache-2.0) AND BSD-3-Clause', ['Apache-2.0', 'BSD-3-Clause'], []],
    ['mit or gpl-3.0-only', ['mit'], []],
    ['Some Custom License', ['MIT'], ['Some Custom License']],
    ['MIT OR (', ['MIT'], ['MIT OR (']],
  ])('%s with allow %j is refused for %j', (expr, allowed, refused) => {
    expect(unacceptable(parseLicenseExpression(expr), allowOnly(...allowed))).toEqual(refused);
  });
});

describe('vulnerabilities', () => {
  const OSV = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'buildpacks-fixtures', 'hooks', 'osv');
  const hooks = (threshold: string, policy = 'required') =>
    builtinHooks(
      `hooks:\n  - { name: vulnerabilities, kind: builtin, phase: post-build, policy: ${policy}, options: { osv: ${OSV}, threshold: ${threshold} } }\n`,
    );
  const VULNERABLE = [dep('npm', 'express', '4.19.2', ['MIT']), dep('npm', 'lodash', '4.17.15', ['MIT'])];

  it('denies at or above the threshold (exit 227), naming the advisory and the package', async () => {
    const { error, records } = await run(await hooks('high'), generatedSbom(VULNERABLE));
    expect(error!.exitCode).toBe(227);
    expect(error!.message).toBe(
      "Staging denied by hook 'vulnerabilities' (post-build): high vulnerability GHSA-35jh-r3h4-6jhm (CVE-2021-23337) in lodash@4.17.15",
    );
    expect(records[0]!.findings).toHaveLength(2);
    expect(records[0]!.findings).toEqual(
      expect.arrayContaining([
        {
          id: 'GHSA-29mw-wpgm-hmr9',
          severity: 'moderate',
          summary: 'lodash@4.17.15: Regular Expression Denial of Service (ReDoS) in lodash (CVE-2020-28500); fixed in 4.17.21',
        },
        { id: 'GHSA-35jh-r3h4-6jhm', severity: 'high', summary: 'lodash@4.17.15: Command Injection in lodash (CVE-2021-23337); fixed in 4.17.21' },
      ]),
    );
  });

  it('several at or above the threshold are all named', async () => {
    const { error } = await run(await hooks('moderate'), generatedSbom(VULNERABLE));
    expect(error!.message).toMatch(/^Staging denied by hook 'vulnerabilities' \(post-build\): 2 vulnerabilities at or above moderate: /);
  });

  it('below the threshold: allowed, findings recorded', async () => {
    const { records, error } = await run(await hooks('critical'), generatedSbom(VULNERABLE));
    expect(error).toBeUndefined();
    expect(records[0]).toMatchObject({ outcome: 'allow', message: '2 components scanned: no vulnerabilities at or above critical, 2 below critical' });
    expect(records[0]!.findings).toHaveLength(2);
  });

  it('a fixed version is clean', async () => {
    const { records } = await run(await hooks('low'), generatedSbom([dep('npm', 'lodash', '4.17.21', ['MIT'])]));
    expect(records[0]).toMatchObject({ outcome: 'allow', findings: [] });
  });

  it('advisory: the deny is recorded and the phase goes on', async () => {
    const { records, error } = await run(await hooks('high', 'advisory'), generatedSbom(VULNERABLE));
    expect(error).toBeUndefined();
    expect(records[0]!.outcome).toBe('deny');
  });

  it('refuses bad options when hooks load', async () => {
    await expect(builtinHooks('hooks:\n  - { name: vulnerabilities, kind: builtin, phase: post-build }\n')).rejects.toThrow(/needs option 'osv'/);
    await expect(
      builtinHooks(`hooks:\n  - { name: vulnerabilities, kind: builtin, phase: post-build, options: { osv: ${OSV}, threshold: severe } }\n`),
    ).rejects.toThrow(/option 'threshold' must be one of low, moderate, high, critical$/);
    await expect(builtinHooks('hooks:\n  - { name: vulnerabilities, kind: builtin, phase: post-build, options: { osv: nowhere } }\n')).rejects.toThrow(
      /nowhere: no such file or directory$/,
    );
  });
});

describe('the scanner, as the vulnerabilities hook relies on it', () => {
  it('orders severities as the hook does', async () => {
    const { SEVERITIES } = await import('@cf-lifecycle/scan');
    expect(SEVERITIES).toEqual(['low', 'moderate', 'high', 'critical']);
  });
});
