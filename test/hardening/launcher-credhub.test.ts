// CredHub answers that no process environment can carry, against the built launcher, shell and builder
// (CONTRACT §6; exit statuses §1.4: launcher 3, shell 1, builder 4). CredHub is the real mutual-TLS
// stand-in with certificates made by openssl in the test. Marker secrets sit in VCAP_SERVICES (a
// password and a mysql:// URI, which would become DATABASE_URL) and in CredHub's answer; every byte
// the executables print is searched for them.
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateCertificates, type TestCertificates } from '../helpers/certs.ts';
import { Droplet, LAUNCHER, baseEnv, credhubIdentity, killLeftovers, launcherStdout, platformOptions, type RunResult } from '../helpers/launch.ts';
import { runMeasured } from '../helpers/peak-memory.ts';
import { startCredhubServer, type CredhubServer, type Reply } from '../helpers/servers.ts';
import { ROOT, Workspace } from '../helpers/stage.ts';

const SERVICE_SECRET = 'svc-password-MARKER-9d41e07a';
const CREDHUB_SECRET = 'credhub-answer-MARKER-1c5f3b92';
const MARKERS = [SERVICE_SECRET, CREDHUB_SECRET];

const SERVICES = JSON.stringify({
  'p-mysql': [{ name: 'db', credentials: { uri: `mysql://admin:${SERVICE_SECRET}@db.example.com:3306/app`, password: SERVICE_SECRET } }],
  vault: [{ name: 'vault', credentials: { 'credhub-ref': '((/c/app/vault))' } }],
});

/** CredHub's answer: the services with the reference replaced by `token`. */
const answerWith = (token: string): string => JSON.stringify({ ...JSON.parse(SERVICES), vault: [{ name: 'vault', credentials: { token } }] });

const PREFIX = 'Unable to interpolate credhub refs: ';
const NUL_LINE =
  `${PREFIX}VCAP_SERVICES holds a NUL byte after CredHub interpolation; ` +
  'no environment variable can carry one, so correct the credential stored in CredHub';
const FAST = ['-credhubConnectAttempts=2', '-credhubRetryDelay=0s'];

let certs: TestCertificates;
let credhub: CredhubServer;
let reply: () => Reply;
beforeAll(async () => {
  certs = generateCertificates();
  credhub = await startCredhubServer({ tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert }, respond: () => reply() });
});
afterAll(async () => {
  await credhub?.close();
  certs?.cleanup();
});

let droplet: Droplet;
beforeEach(() => {
  droplet = new Droplet();
  credhub.requests.length = 0;
});
afterEach(() => {
  killLeftovers();
  droplet.cleanup();
});

function credhubEnv(): Record<string, string> {
  return baseEnv({ ...credhubIdentity(droplet, certs.client, certs.ca), VCAP_PLATFORM_OPTIONS: platformOptions(credhub.uri), VCAP_SERVICES: SERVICES });
}

function expectNoSecret(r: RunResult): void {
  for (const marker of MARKERS) expect(r.stdout + r.stderr).not.toContain(marker.slice(0, 10));
  expect(r.stderr).not.toContain(ROOT);
}

/** Stages with the always-detects buildpack and CredHub; the workspace is removed afterwards. */
async function stage(env: Record<string, string>): Promise<{ r: RunResult; droplet: boolean }> {
  const ws = new Workspace();
  try {
    ws.installBuildpack('always-detects');
    const r = await ws.stage(['always-detects'], { extra: FAST, env });
    return { r, droplet: fs.existsSync(ws.outputDroplet) };
  } finally {
    ws.cleanup();
  }
}

describe("a NUL byte in CredHub's answer: refused at once, the variable named", () => {
  beforeEach(() => {
    // A raw NUL byte in the body (JSON.stringify would escape it as text).
    reply = () => ({ status: 200, body: answerWith(`${CREDHUB_SECRET}@NUL@tail`).replace('@NUL@', '\0'), headers: { 'Content-Type': 'application/json' } });
  });

  it('launcher: one line, exit 3, asked once (the same answer would come again), the app never starts', async () => {
    const r = await droplet.launch(['app', 'echo app started', ...FAST], { env: credhubEnv() });

    expect(r.stderr).toBe(NUL_LINE);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(3);
    expect(credhub.requests).toHaveLength(1);
    expectNoSecret(r);
  });

  it('shell: one line, exit 1', async () => {
    const r = await droplet.shell(['app', 'echo shell ran', ...FAST], { env: credhubEnv() });

    expect(r.stderr).toBe(NUL_LINE);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    expectNoSecret(r);
  });

  it('builder: one line, exit 4, nothing staged, no droplet', async () => {
    const { r, droplet: written } = await stage(credhubEnv());

    expect(r.stderr).toBe(NUL_LINE);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(4);
    expect(written).toBe(false);
    expectNoSecret(r);
  });

  it('an escaped \\u0000 in the JSON is text, not a NUL byte: the app starts and sees it verbatim', async () => {
    const escaped = answerWith('a\u0000b');
    expect(escaped).toContain('a\\u0000b');
    reply = () => ({ status: 200, body: escaped });

    const r = await droplet.launch(['app', 'printf %s "$VCAP_SERVICES"', ...FAST], { env: credhubEnv() });

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(launcherStdout(escaped));
    expect(r.code).toBe(0);
  });
});

describe('an answer no program can be given: VCAP_SERVICES over 128 KiB', () => {
  const answer = answerWith(`${CREDHUB_SECRET}${'x'.repeat(140 * 1024)}`);
  const line =
    `${PREFIX}VCAP_SERVICES after CredHub interpolation would be ${`VCAP_SERVICES=${answer}`.length} bytes with its name; ` +
    'Linux passes at most 131071 bytes in one environment variable, so no buildpack or app could be given it';
  beforeEach(() => {
    reply = () => ({ status: 200, body: answer });
  });

  it('launcher exit 3 and shell exit 1: one line naming VCAP_SERVICES and its size', async () => {
    const launched = await droplet.launch(['app', 'echo app started', ...FAST], { env: credhubEnv() });
    expect(launched.stderr).toBe(line);
    expect(launched.stdout).toBe('');
    expect(launched.code).toBe(3);
    expectNoSecret(launched);

    const shelled = await droplet.shell(['app', 'echo shell ran', ...FAST], { env: credhubEnv() });
    expect(shelled.stderr).toBe(line);
    expect(shelled.code).toBe(1);
    expectNoSecret(shelled);
  });

  it('builder exit 4, the same line (before, every detect failed to start and staging ended in 222, "None of the buildpacks detected")', async () => {
    const { r, droplet: written } = await stage(credhubEnv());

    expect(r.stderr).toBe(line);
    expect(r.code).toBe(4);
    expect(written).toBe(false);
    expectNoSecret(r);
  });
});

describe('an answer over 16 MiB is not read: one line naming CredHub, never the body', () => {
  const TOO_LARGE = "Unable to interpolate credhub references: CredHub's answer (HTTP 200) is larger than 16 MiB; it was not read";
  // 64 MiB of marker: held whole (and copied while decoded), it would take the launcher past 250 MiB.
  const body = CREDHUB_SECRET.repeat(Math.ceil((64 * 1024 * 1024) / CREDHUB_SECRET.length));

  it.each([
    // Refused from the header, before a byte of the body is read: the launcher's usual ~75 MiB.
    ['declared by Content-Length', { 'Content-Length': String(body.length) }, 100],
    // Read up to the cap, then the connection is closed: 16 MiB held per attempt (two attempts' reads may
    // coexist until V8 collects the first), where the whole answer would be held three times over.
    ['streamed without a length (chunked)', { 'Transfer-Encoding': 'chunked' }, 160],
  ])('%s: launcher exit 3 with a line per attempt, peak memory bounded', async (_what, headers, peakLimitMiB) => {
    reply = () => ({ status: 200, body, headers });

    const r = await runMeasured(LAUNCHER, ['app', 'echo app started', ...FAST], { env: credhubEnv(), cwd: droplet.root, timeoutMs: 30_000 });

    expect(r.stdout).toBe(`Failed on attempt 1 out of 2: ${TOO_LARGE}\nFailed on attempt 2 out of 2: ${TOO_LARGE}\n`);
    expect(r.stderr).toBe(`${PREFIX}${TOO_LARGE}`);
    expect(r.code).toBe(3);
    expectNoSecret(r);
    expect(r.peakMiB, 'peak resident memory in MiB').toBeLessThan(peakLimitMiB);
  });

  it('shell exit 1 and builder exit 4, the same line', async () => {
    reply = () => ({ status: 200, body, headers: { 'Transfer-Encoding': 'chunked' } });

    const shelled = await droplet.shell(['app', 'echo shell ran', ...FAST], { env: credhubEnv() });
    expect(shelled.stderr).toBe(`${PREFIX}${TOO_LARGE}`);
    expect(shelled.code).toBe(1);
    expectNoSecret(shelled);

    const { r, droplet: written } = await stage(credhubEnv());
    expect(r.stderr).toBe(`${PREFIX}${TOO_LARGE}`);
    expect(r.code).toBe(4);
    expect(written).toBe(false);
    expectNoSecret(r);
  });
});
