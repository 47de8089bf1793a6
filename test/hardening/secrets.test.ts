// Secrets never appear in what the lifecycle prints or writes. Marker secrets are planted in the
// VCAP_SERVICES credentials, in a CredHub answer (a real mutual-TLS server), in the instance identity
// key and certificate, and in a hook's secret file. Then the builder (with -outputStagingMetadata),
// the launcher, the shell and the `droplet` CLI (text and JSON logs) run, on success and on failure
// (CredHub refusing or answering garbage, a failing buildpack, bad input), and every stdout, stderr,
// result.json, staging metadata, SBOM, droplet and cache byte and droplet file list is searched.
// The buildpacks and apps used never print their environment: what a buildpack chooses to print is
// its own business, what the lifecycle prints is ours.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHookServer, type HookServer } from '../helpers/hooks/hook-server.ts';
import { generateCertificates, type TestCertificates } from '../helpers/certs.ts';
import { Droplet } from '../helpers/launch.ts';
import { startCredhubServer, unusedPort, type CredhubServer, type Reply } from '../helpers/servers.ts';
import { FIXTURE_BUILDPACKS, Workspace, baseEnv, runCli, type RunResult } from '../helpers/stage.ts';

const SERVICE_SECRET = 'svc-password-MARKER-3f9a1c7d';
const CREDHUB_SECRET = 'credhub-answer-MARKER-77b2e0aa';
const HOOK_SECRET = 'hook-secret-MARKER-c41d9e-0123456789abcdef';

let certs: TestCertificates;
let markers: Record<string, string>;
let scratch: string;
let systemCerts: string;
let hookServer: HookServer;
let credhub: CredhubServer;
let credhubReply: (body: string) => Reply;

/** Fragments of a PEM file's base64 body: distinctive enough that finding one means the file leaked. */
function pemFragments(pem: string, label: string): Record<string, string> {
  const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
  return Object.fromEntries([1, Math.floor(body.length / 2), body.length - 2].map((i) => [`${label} line ${i}`, body[i]!.slice(8, 48)]));
}

/**
 * Which markers `text` contains (by name), whole or in part: the first 10 characters count (V8's JSON
 * errors, for one, quote 10 characters past the error).
 */
function leaked(text: string | Buffer): string[] {
  const s = Buffer.isBuffer(text) ? text.toString('latin1') : text;
  return Object.entries(markers)
    .filter(([, marker]) => s.includes(marker.slice(0, 10)))
    .map(([name]) => name);
}

const SERVICES = JSON.stringify({
  'p-mysql': [{ name: 'db', label: 'p-mysql', credentials: { uri: `mysql://admin:${SERVICE_SECRET}@db.example.com:3306/app`, password: SERVICE_SECRET } }],
  'user-provided': [{ name: 'vault', credentials: { 'credhub-ref': '((/c/app/vault))' } }],
});

/** What the CredHub stand-in answers by default: the services with the reference interpolated. */
function interpolated(body: string): string {
  const services = JSON.parse(body);
  services['user-provided'][0].credentials = { token: CREDHUB_SECRET };
  return JSON.stringify(services);
}

beforeAll(async () => {
  certs = generateCertificates();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  systemCerts = path.join(scratch, 'system-certs');
  fs.mkdirSync(systemCerts);
  fs.copyFileSync(certs.ca.certFile, path.join(systemCerts, 'ca.crt'));
  markers = {
    'VCAP_SERVICES credential': SERVICE_SECRET,
    'CredHub answer': CREDHUB_SECRET,
    'hook secret': HOOK_SECRET,
    ...pemFragments(certs.client.key, 'client key'),
    ...pemFragments(certs.client.cert, 'client certificate'),
  };
  credhub = await startCredhubServer({
    tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert },
    respond: (req) => credhubReply(req.body),
  });
  const allow = (_req: unknown, res: http.ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"decision":"allow","message":"looked fine"}');
  };
  hookServer = await startHookServer({ secret: HOOK_SECRET, routes: { '/allow': allow } });
}, 120_000);

afterAll(async () => {
  await credhub?.close();
  await hookServer?.close();
  certs?.cleanup();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const credhubOk = () => (credhubReply = (body) => ({ status: 200, body: interpolated(body), headers: { 'Content-Type': 'application/json' } }));

/** The instance identity and CredHub settings every component reads. */
function credhubEnv(uri = credhub.uri): Record<string, string> {
  return {
    VCAP_SERVICES: SERVICES,
    VCAP_PLATFORM_OPTIONS: JSON.stringify({ 'credhub-uri': uri }),
    CF_INSTANCE_CERT: certs.client.certFile,
    CF_INSTANCE_KEY: certs.client.keyFile,
    CF_SYSTEM_CERT_PATH: systemCerts,
  };
}

/** The ways CredHub can fail; the answers carry the marker where the lifecycle must not repeat it. */
const CREDHUB_FAILURES: Array<[string, () => undefined | Promise<string>]> = [
  [
    'CredHub answers 500 with the secret beside its error',
    () => void (credhubReply = () => ({ status: 500, body: JSON.stringify({ error: 'interpolation failed', leaked: CREDHUB_SECRET }) })),
  ],
  ['CredHub answers HTML holding the secret', () => void (credhubReply = () => ({ status: 502, body: `<html>${CREDHUB_SECRET}</html>` }))],
  [
    'CredHub answers 200 with a truncated body',
    () => void (credhubReply = () => ({ status: 200, body: `{"vault": "${CREDHUB_SECRET}`, headers: { 'Content-Length': '999' } })),
  ],
  ['nothing listens at the CredHub URI', async () => `https://127.0.0.1:${await unusedPort()}`],
];

// ---------------------------------------------------------------------------------------------------

describe('builder', () => {
  let ws: Workspace | undefined;
  afterEach(() => {
    ws?.cleanup();
    ws = undefined;
  });

  /** Stages with the secrets planted; returns everything the builder wrote or printed. */
  async function stage(buildpack: string, env: Record<string, string>): Promise<{ r: RunResult; outputs: Array<[string, string | Buffer]> }> {
    ws = new Workspace();
    ws.installBuildpack(buildpack);
    const secretFile = path.join(ws.root, 'hook.secret');
    fs.writeFileSync(secretFile, `${HOOK_SECRET}\n`, { mode: 0o600 });
    const hooksConfig = path.join(ws.root, 'hooks.yml');
    fs.writeFileSync(
      hooksConfig,
      `hooks:\n  - { name: scanner, kind: http, phase: post-build, url: "${hookServer.url('/allow')}", secretFile: ${secretFile}, policy: required }\n`,
    );
    const metadataFile = path.join(ws.root, 'out', 'staging-metadata.json');
    const r = await ws.stage([buildpack], {
      extra: [`-outputStagingMetadata=${metadataFile}`, `-hooksConfig=${hooksConfig}`, '-credhubConnectAttempts=2', '-credhubRetryDelay=0s'],
      env,
    });
    const outputs: Array<[string, string | Buffer]> = [
      ['stdout', r.stdout],
      ['stderr', r.stderr],
    ];
    for (const [name, file] of [
      ['result.json', ws.outputMetadata],
      ['staging metadata', metadataFile],
    ] as const) {
      if (fs.existsSync(file)) outputs.push([name, fs.readFileSync(file, 'utf8')]);
    }
    for (const [name, file] of [
      ['droplet', ws.outputDroplet],
      ['build cache', ws.outputCache],
    ] as const) {
      if (!fs.existsSync(file)) continue;
      outputs.push([`${name} (all bytes)`, zlib.gunzipSync(fs.readFileSync(file))]);
      outputs.push([`${name} file list`, execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })]);
    }
    return { r, outputs };
  }

  function expectNoLeak(outputs: Array<[string, string | Buffer]>): void {
    for (const [name, content] of outputs) expect({ [name]: leaked(content) }).toEqual({ [name]: [] });
    // The hook receiver gets the staging event: no credential in it either.
    for (const request of hookServer.received) expect({ 'hook request': leaked(request.body) }).toEqual({ 'hook request': [] });
  }

  it('stages with CredHub interpolation, a DATABASE_URL and a signed hook: no secret in any output', async () => {
    credhubOk();
    const { r, outputs } = await stage('always-detects', credhubEnv());
    expect(r.code).toBe(0);
    expect(credhub.requests.length).toBeGreaterThan(0);
    expect(hookServer.received.at(-1)?.verified).toBe(true);
    // The SBOM is in the droplet (`.cf-lifecycle/sbom.cdx.json`), searched with it.
    expect(outputs.find(([name]) => name === 'droplet file list')?.[1]).toContain('./.cf-lifecycle/sbom.cdx.json');
    expectNoLeak(outputs);
  });

  it.each(CREDHUB_FAILURES)('fails staging when %s: the failure line has no secret', async (_what, arrange) => {
    const uri = await arrange();
    const { r, outputs } = await stage('always-detects', credhubEnv(uri ?? undefined));
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/Unable to interpolate credhub refs: /);
    expectNoLeak(outputs);
  });

  it('a key file that is not a key: the error names the file, not its content', async () => {
    const badKey = path.join(scratch, 'bad.key');
    fs.writeFileSync(badKey, `not a key but ${SERVICE_SECRET}\n`);
    const { r, outputs } = await stage('always-detects', { ...credhubEnv(), CF_INSTANCE_KEY: badKey });
    expect(r.stderr).toContain('Unable to set up credhub client: tls: failed to find any PEM data in key input');
    expectNoLeak(outputs);
  });

  it('a buildpack that fails to compile (exit 223): the failure result and metadata have no secret', async () => {
    credhubOk();
    const { r, outputs } = await stage('fails-to-compile', credhubEnv());
    expect(r.code).toBe(223);
    expectNoLeak(outputs);
  });

  it('VCAP_SERVICES that is not JSON (exit 4), and no buildpack detects (exit 222)', async () => {
    const notJson = await stage('always-detects', { ...credhubEnv(), VCAP_SERVICES: `{"x": "credhub-ref", "p": ${SERVICE_SECRET}` });
    expect(notJson.r.stderr).toContain(
      "Unable to interpolate credhub refs: Unable to interpolate credhub references: invalid character 's' looking for beginning of value",
    );
    expect(notJson.r.code).toBe(4);
    expectNoLeak(notJson.outputs);
    ws!.cleanup();
    credhubOk();
    const none = await stage('always-fails', credhubEnv());
    expect(none.r.code).toBe(222);
    expectNoLeak(none.outputs);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('launcher and shell', () => {
  let droplet: Droplet;
  beforeAll(() => {
    droplet = new Droplet();
    droplet.write('staging_info.yml', '{"detected_buildpack":"","start_command":"echo app started"}');
    droplet.write('profile.d/a.sh', 'export FROM_PROFILE=1\n');
  });
  afterAll(() => droplet.cleanup());

  const FAST = ['-credhubConnectAttempts=2', '-credhubRetryDelay=0s'];
  const launch = (env: Record<string, string>, command = 'echo app started') => droplet.launch(['app', command, ...FAST], { env: baseEnv(env) });
  const shell = (env: Record<string, string>, command = 'echo shell command ran') => droplet.shell(['app', command, ...FAST], { env: baseEnv(env) });

  function expectNoLeak(r: RunResult): void {
    expect({ stdout: leaked(r.stdout), stderr: leaked(r.stderr) }).toEqual({ stdout: [], stderr: [] });
  }

  it('launcher and shell with CredHub and DATABASE_URL: no secret printed', async () => {
    credhubOk();
    const launched = await launch(credhubEnv());
    expect(launched.stdout).toContain('app started');
    expect(launched.code).toBe(0);
    expectNoLeak(launched);
    const shelled = await shell(credhubEnv());
    expect(shelled.stdout).toContain('shell command ran');
    expect(shelled.code).toBe(0);
    expectNoLeak(shelled);
  });

  it.each(CREDHUB_FAILURES)('%s: launcher (exit 3) and shell (exit 1) fail without the secret', async (_what, arrange) => {
    const uri = await arrange();
    const env = credhubEnv(uri ?? undefined);
    const launched = await launch(env);
    expect(launched.code).toBe(3);
    expect(launched.stderr).toMatch(/Unable to interpolate credhub refs: /);
    expectNoLeak(launched);
    const shelled = await shell(env);
    expect(shelled.code).toBe(1);
    expectNoLeak(shelled);
  });

  it('an app that fails and bad staging_info.yml: no secret printed', async () => {
    credhubOk();
    expectNoLeak(await launch(credhubEnv(), 'exit 7'));
    const other = new Droplet();
    try {
      other.write('staging_info.yml', '{"start_command": [');
      const r = await other.launch(['app', '', ...FAST], { env: baseEnv(credhubEnv()) });
      expect(r.code).toBe(1);
      expectNoLeak(r);
    } finally {
      other.cleanup();
    }
  });
});

// ---------------------------------------------------------------------------------------------------

describe('the droplet CLI (on the host), text and JSON logs', () => {
  let cliTmp: string;
  let cliCache: string;
  let app: string;
  let servicesFile: string;
  beforeAll(() => {
    cliTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-cli-tmp-'));
    cliCache = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-cli-cache-'));
    app = path.join(scratch, 'cli-app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'index.txt'), 'hello\n');
    servicesFile = path.join(scratch, 'services.json');
    fs.writeFileSync(servicesFile, SERVICES);
  });
  afterAll(() => {
    fs.rmSync(cliTmp, { recursive: true, force: true });
    fs.rmSync(cliCache, { recursive: true, force: true });
  });

  function cli(args: string[]): Promise<RunResult> {
    return runCli(args, { TMPDIR: cliTmp, CF_LIFECYCLE_CACHE: cliCache }, 120_000);
  }

  // The instance identity files are in the test's private directory: the lifecycle runs as root here
  // (--host-user root), as it did before `droplet stage --host` ran it as vcap by default.
  const identityFlags = () => {
    const env = credhubEnv();
    return ['VCAP_PLATFORM_OPTIONS', 'CF_INSTANCE_CERT', 'CF_INSTANCE_KEY', 'CF_SYSTEM_CERT_PATH'].flatMap((name) => ['-e', `${name}=${env[name]}`]);
  };

  function expectNoLeak(name: string, r: RunResult, files: string[] = []): void {
    const found: Record<string, string[]> = { [`${name} stdout`]: leaked(r.stdout), [`${name} stderr`]: leaked(r.stderr) };
    for (const file of files)
      if (fs.existsSync(file)) found[path.basename(file)] = leaked(file.endsWith('.droplet') ? zlib.gunzipSync(fs.readFileSync(file)) : fs.readFileSync(file));
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  }

  it.each([['text'], ['json']])('stage, inspect and run with --log-format %s: no secret anywhere', async (format) => {
    credhubOk();
    const droplet = path.join(scratch, `cli-${format}.droplet`);
    const bp = path.join(FIXTURE_BUILDPACKS, 'always-detects');
    const staged = await cli([
      '--log-format',
      format,
      'stage',
      app,
      '-b',
      bp,
      '--host',
      '--host-user',
      'root',
      '--services',
      servicesFile,
      ...identityFlags(),
      '-o',
      droplet,
    ]);
    expect(staged.code).toBe(0);
    expect(credhub.requests.length).toBeGreaterThan(0);
    expectNoLeak('stage', staged, [
      droplet,
      `${droplet}.result.json`,
      `${droplet}.metadata.json`,
      ...fs.readdirSync(path.join(cliCache, 'app-caches')).map((f) => path.join(cliCache, 'app-caches', f)),
    ]);

    for (const args of [
      ['inspect', droplet],
      ['inspect', droplet, '--json'],
    ])
      expectNoLeak(args.join(' '), await cli(args));

    // The start command of always-detects does not exist: the app fails, the CLI reports its status.
    const ran = await cli(['--log-format', format, 'run', droplet, '--host', '--services', servicesFile, '--port', String(await unusedPort())]);
    expect(ran.stderr).toMatch(/exited with status 127/);
    expectNoLeak('run', ran);

    const shelled = await cli(['--log-format', format, 'shell', droplet, '--host', '--services', servicesFile, '-c', 'echo in the shell']);
    expect(shelled.stdout).toContain('in the shell');
    expectNoLeak('shell', shelled);
  });

  it.each([['text'], ['json']])('failures with --log-format %s: bad services file, failing buildpack, CredHub down', async (format) => {
    const broken = path.join(scratch, 'broken-services.json');
    fs.writeFileSync(broken, `{"p-mysql": [{"credentials": {"password": ${SERVICE_SECRET}}}]}`);
    const badServices = await cli([
      '--log-format',
      format,
      'stage',
      app,
      '-b',
      path.join(FIXTURE_BUILDPACKS, 'always-detects'),
      '--host',
      '--services',
      broken,
    ]);
    expect(badServices.code).toBe(1);
    expect(badServices.stderr).toContain('not valid JSON');
    expectNoLeak('bad services', badServices);
    const badEnv = await cli([
      '--log-format',
      format,
      'stage',
      app,
      '-b',
      path.join(FIXTURE_BUILDPACKS, 'always-detects'),
      '--host',
      '-e',
      `=${SERVICE_SECRET}`,
    ]);
    expect(badEnv.code).toBe(1);
    expect(badEnv.stderr).toContain('expected NAME=VALUE');
    expectNoLeak('bad -e', badEnv);

    credhubOk();
    const failing = await cli([
      '--log-format',
      format,
      'stage',
      app,
      '-b',
      path.join(FIXTURE_BUILDPACKS, 'fails-to-compile'),
      '--host',
      '--host-user',
      'root',
      '--services',
      servicesFile,
      ...identityFlags(),
      '-o',
      path.join(scratch, 'failed.droplet'),
    ]);
    expect(failing.code).toBe(223);
    expectNoLeak('failing buildpack', failing);

    credhubReply = () => ({ status: 500, body: JSON.stringify({ error: 'down', leaked: CREDHUB_SECRET }) });
    const down = await cli([
      '--log-format',
      format,
      'stage',
      app,
      '-b',
      path.join(FIXTURE_BUILDPACKS, 'always-detects'),
      '--host',
      '--host-user',
      'root',
      '--services',
      servicesFile,
      ...identityFlags(),
      '-o',
      path.join(scratch, 'down.droplet'),
    ]);
    expect(down.code).toBe(4);
    expect(down.stderr).toContain('Unable to interpolate credhub refs: Unable to interpolate credhub references: down');
    expectNoLeak('credhub down', down);
  });
});
