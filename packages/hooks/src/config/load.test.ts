// loadHooks: -hooksDir and -hooksConfig, merged and validated before staging starts.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateCertificates } from '../../../../test/helpers/certs.ts';
import { HookConfigError, loadHooks } from '../index.ts';
import { scratch, script, writeFile } from '../../../../test/helpers/hooks/support.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratch()));
afterEach(() => cleanup());

const hooksDir = () => path.join(dir, 'hooks');
const execIn = (phase: string, name: string) => script(path.join(hooksDir(), phase, name), 'exit 0');
const config = (text: string, name = 'hooks.yml') => writeFile(path.join(dir, name), text);

async function configError(opts: Parameters<typeof loadHooks>[0]): Promise<string> {
  const err = await loadHooks(opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HookConfigError);
  expect((err as HookConfigError).exitCode).toBe(1);
  expect((err as Error).message).not.toContain('\n');
  return (err as Error).message;
}

describe('-hooksDir', () => {
  it('one exec hook per executable, required, 60 s, in phase then name order', async () => {
    execIn('post-package', 'a-last-phase');
    execIn('post-build', 'z-scan');
    execIn('post-build', '10-capture');
    execIn('pre-detect', 'check-bits');
    writeFile(path.join(hooksDir(), 'README.md'), 'notes');
    writeFile(path.join(hooksDir(), 'post-build', '.hidden'), '');
    fs.mkdirSync(path.join(hooksDir(), '.git'));
    const hooks = await loadHooks({ hooksDir: hooksDir() });
    expect(hooks.map((h) => `${h.phase}/${h.name}`)).toEqual([
      'pre-detect/check-bits',
      'post-build/10-capture',
      'post-build/z-scan',
      'post-package/a-last-phase',
    ]);
    expect(hooks[0]).toEqual({
      name: 'check-bits',
      kind: 'exec',
      phase: 'pre-detect',
      path: path.join(hooksDir(), 'pre-detect', 'check-bits'),
      policy: 'required',
      timeoutMs: 60_000,
    });
  });

  it('no options, no hooks', async () => {
    expect(await loadHooks({})).toEqual([]);
  });

  it('refuses a missing directory', async () => {
    expect(await configError({ hooksDir: path.join(dir, 'nope') })).toBe(`Invalid hooks directory ${path.join(dir, 'nope')}: no such file or directory`);
  });

  it('refuses a misspelled phase directory rather than skip its hooks', async () => {
    execIn('post_build', 'scan');
    expect(await configError({ hooksDir: hooksDir() })).toBe(
      `Invalid hooks directory ${hooksDir()}: unknown phase directory 'post_build' (expected pre-detect, post-build, post-package)`,
    );
  });

  it('refuses a file that is not executable', async () => {
    const file = writeFile(path.join(hooksDir(), 'post-build', 'scan'), '#!/bin/sh\n');
    expect(await configError({ hooksDir: hooksDir() })).toBe(`Invalid hook ${file}: not executable`);
  });

  it('refuses a directory inside a phase directory', async () => {
    fs.mkdirSync(path.join(hooksDir(), 'post-build', 'lib'), { recursive: true });
    expect(await configError({ hooksDir: hooksDir() })).toBe(`Invalid hook ${path.join(hooksDir(), 'post-build', 'lib')}: not a regular file`);
  });

  it('refuses names that would not read well in messages', async () => {
    const file = script(path.join(hooksDir(), 'post-build', 'my scan'), 'exit 0');
    expect(await configError({ hooksDir: hooksDir() })).toBe(`Invalid hook ${file}: a hook name has only letters, digits, '.', '_' and '-'`);
  });
});

describe('-hooksConfig', () => {
  it('reads every kind, with defaults and relative paths against the config file', async () => {
    const certs = generateCertificates();
    try {
      script(path.join(dir, 'bin', 'deps-capture'), 'exit 0');
      writeFile(path.join(dir, 'scanner.secret'), 'sixteen-bytes-or-more\n');
      fs.copyFileSync(certs.ca.certFile, path.join(dir, 'ca.pem'));
      writeFile(path.join(dir, 'deny.txt'), '# banned\nAGPL-3.0-only\n\nGPL-3.0-only # too\n');
      const file = config(`
hooks:
  - name: deps-capture
    kind: exec
    phase: post-build
    path: bin/deps-capture
    policy: advisory
    timeout: 1m30s
  - name: scanner
    kind: http
    phase: post-package
    url: https://scanner.example.invalid/hook
    secretFile: scanner.secret
    caFile: ca.pem
    timeout: 5
  - name: license-check
    kind: builtin
    builtin: licenses
    phase: post-build
    options: { denyFile: deny.txt }
  - name: sbom
    kind: builtin
    phase: post-package
    options: { output: out/sbom.json }
`);
      const hooks = await loadHooks({ hooksConfig: file });
      expect(hooks).toEqual([
        { name: 'deps-capture', kind: 'exec', phase: 'post-build', path: path.join(dir, 'bin', 'deps-capture'), policy: 'advisory', timeoutMs: 90_000 },
        {
          name: 'license-check',
          kind: 'builtin',
          builtin: 'licenses',
          phase: 'post-build',
          policy: 'required',
          timeoutMs: 60_000,
          options: { mode: 'deny', licenses: ['AGPL-3.0-only', 'GPL-3.0-only'], unknown: 'allow' },
        },
        {
          name: 'sbom',
          kind: 'builtin',
          builtin: 'sbom',
          phase: 'post-package',
          policy: 'required',
          timeoutMs: 60_000,
          options: { output: path.join(dir, 'out', 'sbom.json') },
        },
        {
          name: 'scanner',
          kind: 'http',
          phase: 'post-package',
          url: 'https://scanner.example.invalid/hook',
          secretFile: path.join(dir, 'scanner.secret'),
          caFile: path.join(dir, 'ca.pem'),
          policy: 'required',
          timeoutMs: 5000,
        },
      ]);
    } finally {
      certs.cleanup();
    }
  });

  it('JSON works too, as a bare list', async () => {
    writeFile(path.join(dir, 's'), 'a-secret-long-enough');
    const file = config(
      JSON.stringify([{ name: 'h', kind: 'http', phase: 'pre-detect', url: 'http://127.0.0.1:1/x', secretFile: 's', policy: 'advisory' }]),
      'hooks.json',
    );
    expect(await loadHooks({ hooksConfig: file })).toMatchObject([{ name: 'h', kind: 'http', phase: 'pre-detect', policy: 'advisory' }]);
  });

  it('sets the policy and timeout of -hooksDir hooks by phase and name', async () => {
    execIn('post-build', 'scan');
    execIn('post-build', 'other');
    const file = config('hooks:\n  - { name: scan, kind: exec, phase: post-build, policy: advisory, timeout: 10s }\n');
    const hooks = await loadHooks({ hooksDir: hooksDir(), hooksConfig: file });
    expect(hooks.map((h) => [h.name, h.policy, h.timeoutMs])).toEqual([
      ['other', 'required', 60_000],
      ['scan', 'advisory', 10_000],
    ]);
  });

  it.each([
    ['hooks: [', /^Invalid hooks config .*hooks\.yml: /],
    ['other: 1', /expected a 'hooks' list$/],
    ['hooks:\n  - name: x\n    kind: exec\n    phase: post-build\n    polcy: advisory', /: hook 'x': unknown key 'polcy'$/],
    ['hooks:\n  - { name: "a b", kind: exec, phase: post-build }', /hooks\[0\]: 'name' must be letters/],
    ['hooks:\n  - { name: x, kind: shell, phase: post-build }', /hook 'x': 'kind' must be one of exec, http, builtin$/],
    ['hooks:\n  - { name: x, kind: exec, phase: post-stage }', /hook 'x': 'phase' must be one of pre-detect, post-build, post-package$/],
    ['hooks:\n  - { name: x, kind: exec, phase: post-build, policy: maybe }', /'policy' must be one of required, advisory$/],
    ['hooks:\n  - { name: x, kind: builtin, phase: post-build, timeout: soon }', /'timeout' must be a positive duration/],
    ['hooks:\n  - { name: x, kind: builtin, builtin: sbom, phase: post-build, timeout: 2h }', /'timeout' must be at most 60m$/],
    ['hooks:\n  - { name: x, kind: exec, phase: post-build }', /hook 'x' has no 'path' and no -hooksDir given$/],
    ['hooks:\n  - { name: x, kind: exec, phase: post-build, path: missing }', /hook 'x': no such file or directory$/],
    ['hooks:\n  - { name: x, kind: exec, phase: post-build, url: "http://a" }', /'url' is only for http hooks$/],
    ['hooks:\n  - { name: x, kind: http, phase: post-build, url: "http://a/" }', /an http hook needs 'secretFile'/],
    ['hooks:\n  - { name: x, kind: http, phase: post-build, url: "ftp://a/", secretFile: s }', /'url' must be http:\/\/ or https:\/\/$/],
    ['hooks:\n  - { name: x, kind: http, phase: post-build, url: "https://u:p@a/", secretFile: s }', /'url' must not hold credentials/],
    ['hooks:\n  - { name: x, kind: http, phase: post-build, url: "https://a/", secretFile: nope }', /cannot read secret file .*nope: ENOENT$/],
    ['hooks:\n  - { name: x, kind: http, phase: post-build, url: "https://a/", secretFile: s, caFile: s }', /CA file .*s holds no PEM certificate$/],
    ['hooks:\n  - { name: x, kind: builtin, phase: post-build }', /'builtin' must be one of sbom, licenses, vulnerabilities$/],
    ['hooks:\n  - { name: sbom, kind: builtin, phase: pre-detect }', /builtin 'sbom' runs in post-build or post-package only/],
    ['hooks:\n  - { name: sbom, kind: builtin, phase: post-build, options: { out: x } }', /unknown option 'out' \(expected output\)$/],
    ['hooks:\n  - { name: licenses, kind: builtin, phase: post-build }', /needs either 'allow'\/'allowFile' or 'deny'\/'denyFile'$/],
    ['hooks:\n  - { name: licenses, kind: builtin, phase: post-build, options: { allow: [MIT], deny: [GPL-3.0-only] } }', /needs either/],
    ['hooks:\n  - { name: licenses, kind: builtin, phase: post-build, options: { allow: MIT } }', /option 'allow' must be a list of SPDX ids$/],
    [
      'hooks:\n  - { name: licenses, kind: builtin, phase: post-build, options: { allowFile: nope.txt } }',
      /cannot read .*nope\.txt: no such file or directory$/,
    ],
    [
      'hooks:\n  - { name: sbom, kind: builtin, phase: post-build }\n  - { name: sbom, kind: builtin, phase: post-build }',
      /hook 'sbom' \(post-build\) is listed twice$/,
    ],
    ['hooks:\n  - { name: a, kind: exec, phase: post-build, path: a }\n  - { name: a, kind: exec, phase: post-build, path: a }', /is listed twice$/],
  ])('refuses %j', async (text, message) => {
    writeFile(path.join(dir, 's'), 'a-secret-long-enough');
    script(path.join(dir, 'a'), 'exit 0');
    expect(await configError({ hooksConfig: config(text) })).toMatch(message);
  });

  it('refuses a config hook that is also in -hooksDir', async () => {
    execIn('post-build', 'scan');
    script(path.join(dir, 'other-scan'), 'exit 0');
    const file = config('hooks:\n  - { name: scan, kind: exec, phase: post-build, path: other-scan }\n');
    expect(await configError({ hooksDir: hooksDir(), hooksConfig: file })).toBe(
      `Invalid hooks config ${file}: hook 'scan' (post-build) is also in ${hooksDir()}`,
    );
  });

  it('refuses a missing config file', async () => {
    expect(await configError({ hooksConfig: path.join(dir, 'none.yml') })).toBe(
      `Invalid hooks config: cannot read ${path.join(dir, 'none.yml')}: no such file or directory`,
    );
  });
});
