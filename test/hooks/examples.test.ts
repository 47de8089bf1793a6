// The documented examples (buildpacks-fixtures/hooks/examples) work through the built builder: the
// -hooksDir hooks, the HTTP receiver (a real Node.js process over HTTPS) and the example config.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates, type TestCertificates } from '../helpers/certs.ts';
import { copyDir } from '../helpers/stage.ts';
import { BUILDER_HAS_HOOKS, EXAMPLES, HOOK_FIXTURES, HooksWorkspace, lastLine, writeText } from './helpers.ts';

let certs: TestCertificates;
let receiver: ChildProcess | undefined;
let receiverUrl: string;
let secretDir: string;

beforeAll(async () => {
  if (!BUILDER_HAS_HOOKS) return;
  certs = generateCertificates();
  secretDir = fs.mkdtempSync(path.join(certs.dir, 'receiver-'));
  const secretFile = writeText(path.join(secretDir, 'hook.secret'), 'example-secret-0123456789abcdef\n', 0o600);
  receiver = spawn(process.execPath, [path.join(EXAMPLES, 'http-receiver.mjs')], {
    env: {
      PATH: process.env.PATH,
      HOOK_SECRET_FILE: secretFile,
      TLS_CERT: certs.server.certFile,
      TLS_KEY: certs.server.keyFile,
      BANNED_PACKAGES: 'left-pad,event-stream,gpl-only-lib',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  receiverUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    receiver!.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    receiver!.once('exit', (code) => reject(new Error(`the example receiver exited with ${code}`)));
  });
});
afterAll(() => {
  if (receiver?.pid) receiver.kill('SIGTERM');
  certs?.cleanup();
});

let ws: HooksWorkspace;
afterEach(() => ws?.cleanup());

/** The examples copied into the workspace, with the secret, CA and OSV data the config names. */
function examples(app: string, hooksApp = true): { hooksDir: string; hooksConfig: string } {
  ws = new HooksWorkspace(app, { hooksApp });
  const dir = ws.file('examples');
  copyDir(EXAMPLES, dir);
  fs.copyFileSync(path.join(secretDir, 'hook.secret'), path.join(dir, 'hook.secret'));
  fs.copyFileSync(certs.ca.certFile, path.join(dir, 'ca.pem'));
  copyDir(path.join(HOOK_FIXTURES, 'osv'), path.join(dir, 'osv'));
  const config = path.join(dir, 'hooks.yml');
  fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('https://127.0.0.1:8443/', `${receiverUrl}/`));
  return { hooksDir: path.join(dir, 'hooks-dir'), hooksConfig: config };
}

describe.skipIf(!BUILDER_HAS_HOOKS)('the documented examples', () => {
  it('a clean app stages through every example hook, each recorded', async () => {
    const r = await ws_stage(examples('clean-dependencies'));
    expect(r.code).toBe(0);
    expect(ws.hookRecords().map((h) => [h.phase, h.name, h.kind, h.policy, h.outcome])).toEqual([
      ['pre-detect', 'refuse-dotenv', 'exec', 'required', 'allow'],
      ['post-build', 'banned-packages', 'http', 'required', 'allow'],
      ['post-build', 'inventory', 'exec', 'advisory', 'allow'],
      ['post-build', 'licenses', 'builtin', 'required', 'allow'],
      ['post-build', 'vulnerabilities', 'builtin', 'required', 'allow'],
      ['post-package', 'droplet-size', 'exec', 'required', 'allow'],
      ['post-package', 'sbom', 'builtin', 'advisory', 'allow'],
    ]);
    const records = ws.hookRecords();
    // always-detects compiles: it supplies nothing into deps/.
    expect(records.find((h) => h.name === 'inventory')!.findings).toEqual([
      { id: 'inventory:total', severity: 'info', summary: '0 files supplied by buildpacks' },
    ]);
    expect(records.find((h) => h.name === 'droplet-size')!.findings).toEqual([
      { id: 'droplet-size', severity: 'info', summary: `droplet is ${fs.statSync(ws.outputDroplet).size} bytes` },
    ]);
    expect(JSON.parse(fs.readFileSync(ws.file('examples', 'sboms', 'latest.cdx.json'), 'utf8')).bomFormat).toBe('CycloneDX');
  });

  it('refuse-dotenv denies an app with a .env file before any buildpack runs', async () => {
    const setup = examples('clean-dependencies');
    writeText(path.join(ws.buildDir, 'config', '.env'), 'DB_PASSWORD=hunter2\n');
    const r = await ws_stage(setup);
    expect(r.code).toBe(227);
    expect(r.stderr).toContain('[refuse-dotenv] refuse-dotenv: found 1 .env file(s)');
    expect(lastLine(r.stderr)).toBe("Staging denied by hook 'refuse-dotenv' (pre-detect): the app contains a .env file: remove it or add it to .cfignore");
  });

  it('the HTTP receiver denies a banned package (it runs in name order, before licenses)', async () => {
    const r = await ws_stage(examples('gpl-dependency'));
    expect(r.code).toBe(227);
    expect(lastLine(r.stderr)).toBe("Staging denied by hook 'banned-packages' (post-build): banned packages: gpl-only-lib@2.1.0");
  });

  it('the vulnerabilities builtin of the example config refuses lodash 4.17.15', async () => {
    const r = await ws_stage(examples('vulnerable-dependency'));
    expect(r.code).toBe(227);
    expect(lastLine(r.stderr)).toMatch(/^Staging denied by hook 'vulnerabilities' \(post-build\): high vulnerability GHSA-35jh-r3h4-6jhm/);
  });
});

function ws_stage(opts: { hooksDir: string; hooksConfig: string }) {
  return ws.stageWithHooks(opts);
}
