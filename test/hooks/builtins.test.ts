// The built-in hooks end to end on fixture apps: the builder's SBOM of the app's package-lock.json
// goes through `licenses`, `vulnerabilities` (OSV fixture advisories) and `sbom`.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILDER_HAS_HOOKS, HOOK_FIXTURES, HooksWorkspace, lastLine, writeText } from './helpers.ts';

const OSV = path.join(HOOK_FIXTURES, 'osv');
let ws: HooksWorkspace;
afterEach(() => ws?.cleanup());

function stage(app: string, hooksYaml: string) {
  ws = new HooksWorkspace(app, { hooksApp: true });
  return ws.stageWithHooks({ hooksConfig: writeText(ws.file('hooks.yml'), hooksYaml) });
}

describe.skipIf(!BUILDER_HAS_HOOKS)('built-in hooks through the builder', () => {
  describe('licenses', () => {
    const hooks = (policy: string) =>
      `hooks:\n  - { name: license-check, kind: builtin, builtin: licenses, phase: post-build, policy: ${policy}, options: { deny: [GPL-3.0-only, AGPL-3.0-only] } }\n`;

    it('a denied license fails staging when required: exit 227, no droplet', async () => {
      const r = await stage('gpl-dependency', hooks('required'));
      expect(r.code).toBe(227);
      expect(lastLine(r.stderr)).toBe("Staging denied by hook 'license-check' (post-build): GPL-3.0-only is not allowed (gpl-only-lib@2.1.0)");
      expect(r.stdout).toContain('[high] license:pkg:npm/gpl-only-lib@2.1.0: gpl-only-lib@2.1.0: GPL-3.0-only is not allowed');
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
    });

    it('advisory: staged, the denial recorded with its findings', async () => {
      const r = await stage('gpl-dependency', hooks('advisory'));
      expect(r.code).toBe(0);
      expect(ws.hookRecords()).toEqual([
        {
          name: 'license-check',
          phase: 'post-build',
          kind: 'builtin',
          policy: 'advisory',
          durationMs: expect.any(Number),
          outcome: 'deny',
          message: 'GPL-3.0-only is not allowed (gpl-only-lib@2.1.0)',
          findings: [{ id: 'license:pkg:npm/gpl-only-lib@2.1.0', severity: 'high', summary: 'gpl-only-lib@2.1.0: GPL-3.0-only is not allowed' }],
        },
      ]);
    });

    it('an app with only allowed licenses stages (allow list)', async () => {
      const r = await stage('clean-dependencies', 'hooks:\n  - { name: licenses, kind: builtin, phase: post-build, options: { allow: [MIT, Apache-2.0] } }\n');
      expect(r.code).toBe(0);
      expect(ws.hookRecords()).toMatchObject([{ name: 'licenses', outcome: 'allow', findings: [] }]);
    });
  });

  describe('vulnerabilities', () => {
    const hooks = (threshold: string, policy = 'required') =>
      `hooks:\n  - { name: vulnerabilities, kind: builtin, phase: post-build, policy: ${policy}, options: { osv: ${OSV}, threshold: ${threshold} } }\n`;

    it('a dependency with a high advisory fails staging when required: exit 227, no droplet', async () => {
      const r = await stage('vulnerable-dependency', hooks('high'));
      expect(r.code).toBe(227);
      expect(lastLine(r.stderr)).toBe(
        "Staging denied by hook 'vulnerabilities' (post-build): high vulnerability GHSA-35jh-r3h4-6jhm (CVE-2021-23337) in lodash@4.17.15",
      );
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
    });

    it('below the threshold: staged, every advisory recorded as a finding', async () => {
      const r = await stage('vulnerable-dependency', hooks('critical'));
      expect(r.code).toBe(0);
      const [record] = ws.hookRecords();
      expect(record).toMatchObject({ name: 'vulnerabilities', outcome: 'allow' });
      expect(record!.findings).toEqual(
        expect.arrayContaining([
          { id: 'GHSA-35jh-r3h4-6jhm', severity: 'high', summary: 'lodash@4.17.15: Command Injection in lodash (CVE-2021-23337); fixed in 4.17.21' },
          {
            id: 'GHSA-29mw-wpgm-hmr9',
            severity: 'moderate',
            summary: 'lodash@4.17.15: Regular Expression Denial of Service (ReDoS) in lodash (CVE-2020-28500); fixed in 4.17.21',
          },
        ]),
      );
    });

    it('the fixed version passes', async () => {
      const r = await stage('clean-dependencies', hooks('low'));
      expect(r.code).toBe(0);
      expect(ws.hookRecords()).toMatchObject([{ outcome: 'allow', findings: [] }]);
    });
  });

  describe('sbom', () => {
    it('records the component count and keeps a copy of the SBOM', async () => {
      const out = path.join('collected', 'app.cdx.json');
      const r = await stage('vulnerable-dependency', `hooks:\n  - { name: sbom, kind: builtin, phase: post-package, options: { output: ${out} } }\n`);
      expect(r.code).toBe(0);
      const copy = JSON.parse(fs.readFileSync(ws.file(out), 'utf8'));
      expect(copy.bomFormat).toBe('CycloneDX');
      expect(copy.components.map((c: { purl?: string }) => c.purl)).toEqual(expect.arrayContaining(['pkg:npm/lodash@4.17.15', 'pkg:npm/express@4.19.2']));
      expect(ws.hookRecords()).toMatchObject([
        { name: 'sbom', phase: 'post-package', outcome: 'allow', findings: [{ id: 'sbom:components', severity: 'info' }] },
      ]);
    });
  });
});
