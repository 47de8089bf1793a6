// Splitting hooks for an orchestrator: secret-bearing hooks stay outside, the builder's config loads
// back into exactly the other hooks, naming files only where the mapping puts them.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builderHooksConfig, loadHooks, partitionHooks, type HookFileUse } from './index.ts';
import { scratch, script, writeFile } from '../../../test/helpers/hooks/support.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratch()));
afterEach(() => cleanup());

const SECRET = 'orchestrator-secret-0123456789abcdef';

async function allHooks() {
  script(path.join(dir, 'hooks', 'pre-detect', 'check-bits'), 'exit 0');
  script(path.join(dir, 'lint'), 'exit 0');
  writeFile(path.join(dir, 'allowed.txt'), 'MIT\n# comment\nApache-2.0\n');
  fs.mkdirSync(path.join(dir, 'osv'));
  writeFile(path.join(dir, 'hook.secret'), `${SECRET}\n`, 0o600);
  writeFile(
    path.join(dir, 'hooks.yml'),
    `hooks:
  - {name: check-bits, kind: exec, phase: pre-detect, policy: advisory}
  - {name: lint, kind: exec, phase: post-build, path: lint, timeout: 90s}
  - {name: licenses, kind: builtin, phase: post-build, options: {allowFile: allowed.txt, allow: [BSD-3-Clause]}}
  - {name: vulns, kind: builtin, builtin: vulnerabilities, phase: post-package, options: {osv: osv, threshold: critical}}
  - {name: keep-sbom, kind: builtin, builtin: sbom, phase: post-package, policy: advisory, options: {output: sboms/latest.json}}
  - {name: scanner, kind: http, phase: post-package, url: 'https://127.0.0.1:1/x', secretFile: hook.secret}
`,
  );
  return loadHooks({ hooksDir: path.join(dir, 'hooks'), hooksConfig: path.join(dir, 'hooks.yml') });
}

describe('partitionHooks', () => {
  it('HTTP hooks (they sign with a secret) go outside; exec and builtin hooks to the builder', async () => {
    const { outside, builder } = partitionHooks(await allHooks());

    expect(outside.map((h) => h.name)).toEqual(['scanner']);
    expect(builder.map((h) => h.name)).toEqual(['check-bits', 'licenses', 'lint', 'keep-sbom', 'vulns']);
  });
});

describe('builderHooksConfig', () => {
  it('loads back into the same hooks; no secret, no secret file, list files already read', async () => {
    const { builder } = partitionHooks(await allHooks());
    const calls: Array<[string, HookFileUse, string]> = [];
    const doc = builderHooksConfig(builder, (p, use, hook) => (calls.push([p, use, hook.name]), p));
    const file = writeFile(path.join(dir, 'elsewhere', 'builder-hooks.json'), JSON.stringify(doc));

    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('hook.secret');
    expect(text).not.toContain('allowed.txt');
    expect(calls).toEqual([
      [path.join(dir, 'hooks', 'pre-detect', 'check-bits'), 'executable', 'check-bits'],
      [path.join(dir, 'lint'), 'executable', 'lint'],
      [path.join(dir, 'sboms', 'latest.json'), 'write-file', 'keep-sbom'],
      [path.join(dir, 'osv'), 'read-directory', 'vulns'],
    ]);
    expect(await loadHooks({ hooksConfig: file })).toEqual(builder);
  });

  it('names files where the mapping says', async () => {
    const { builder } = partitionHooks(await allHooks());
    const doc = builderHooksConfig(builder, (_p, use, hook) => `/tmp/hooks/${use}/${hook.name}`);

    expect(doc.hooks.map((h) => h.path ?? h.options)).toEqual([
      '/tmp/hooks/executable/check-bits',
      { allow: ['BSD-3-Clause', 'MIT', 'Apache-2.0'], unknown: 'deny' },
      '/tmp/hooks/executable/lint',
      { output: '/tmp/hooks/write-file/keep-sbom' },
      { osv: '/tmp/hooks/read-directory/vulns', threshold: 'critical' },
    ]);
  });

  it('refuses a hook that needs a secret', async () => {
    const { outside } = partitionHooks(await allHooks());

    expect(() => builderHooksConfig(outside, (p) => p)).toThrow("hook 'scanner' needs a secret and must not be given to the builder");
  });
});
