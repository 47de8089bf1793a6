// CONTRACT §6 against a real mutual-TLS server with certificates made by the openssl CLI.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredhubError, interpolateVcapServices, type InterpolateOptions } from './index.ts';

interface SeenRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string;
  clientCn: string | undefined;
}

interface Reply {
  status: number;
  body: string;
}

let dir: string;
let certs: string; // the CF_SYSTEM_CERT_PATH with the test CA
let server: https.Server;
let plainServer: http.Server;
let port: number;
let plainPort: number;
let seen: SeenRequest[];
let reply: (body: string) => Reply;

const SERVICES = '{ "user-provided": [ { "name": "db", "credentials": { "credhub-ref": "/c/p-service/db" } } ], "z": "<&>", "a": 1.50 }';
// The request body: Go's re-serialization (sorted keys, compact, HTML-escaped, float64 numbers).
const SENT = '{"a":1.5,"user-provided":[{"credentials":{"credhub-ref":"/c/p-service/db"},"name":"db"}],"z":"\\u003c\\u0026\\u003e"}';

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeKeyAndCsr(name: string, cn: string): void {
  openssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  );
}

function sign(name: string, ca: string, serial: string, extfile?: string): void {
  const ext = extfile === undefined ? [] : ['-extfile', extfile];
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', serial, '-days', '2', ...ext, '-out', `${name}.crt`);
}

function makeCa(name: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  );
}

/** What the test credhub does: every `{"credhub-ref": …}` object becomes the credential. */
function interpolate(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(interpolate);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === 'credhub-ref') return { user: 'secret-value', password: 'p4ss' };
    return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v)]));
  }
  return value;
}

function credhubHandler(tlsRequired: boolean): http.RequestListener {
  return (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const peer = tlsRequired ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body,
        clientCn: peer?.subject?.CN as string | undefined,
      });
      let answer: Reply;
      if (req.method !== 'POST' || req.url !== '/api/v1/interpolate') answer = { status: 404, body: '{"error":"not found"}' };
      else if (req.headers['content-type'] !== 'application/json') answer = { status: 415, body: '{"error":"unsupported media type"}' };
      else answer = reply(body);
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.body);
    });
  };
}

function listen(s: net.Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'credhub-test-'));
  makeCa('ca');
  makeCa('other-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  makeKeyAndCsr('server', 'credhub');
  sign('server', 'ca', '2', 'server.ext');
  makeKeyAndCsr('client', 'app-instance');
  sign('client', 'ca', '3');
  makeKeyAndCsr('rogue', 'rogue-instance');
  sign('rogue', 'other-ca', '4');

  certs = join(dir, 'system-certs');
  mkdirSync(certs);
  copyFileSync(join(dir, 'ca.crt'), join(certs, 'ca.crt'));
  writeFileSync(join(certs, 'README'), 'not a certificate, and not named *.crt');

  const read = (name: string) => readFileSync(join(dir, name));
  server = https.createServer(
    { key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: true },
    credhubHandler(true),
  );
  server.on('tlsClientError', () => {}); // refused clients are expected in one test
  port = await listen(server);
  plainServer = http.createServer(credhubHandler(false));
  plainPort = await listen(plainServer);
});

afterAll(async () => {
  await Promise.all([server, plainServer].map((s) => new Promise((resolve) => (s ? s.close(resolve) : resolve(undefined)))));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  seen = [];
  reply = (body) => ({ status: 200, body: JSON.stringify(interpolate(JSON.parse(body))) });
});

interface Run {
  env: NodeJS.ProcessEnv;
  stdout: string;
  sleeps: number[];
  error: unknown;
}

async function run(overrides: Partial<InterpolateOptions> & { envOverrides?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const { envOverrides, ...rest } = overrides;
  const env: NodeJS.ProcessEnv = {
    CF_INSTANCE_CERT: join(dir, 'client.crt'),
    CF_INSTANCE_KEY: join(dir, 'client.key'),
    CF_SYSTEM_CERT_PATH: certs,
    VCAP_SERVICES: SERVICES,
    ...envOverrides,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  let stdout = '';
  const sleeps: number[] = [];
  let error: unknown;
  try {
    await interpolateVcapServices({
      uri: `https://127.0.0.1:${port}`,
      attempts: 1,
      retryDelayMs: 1,
      env,
      writeStdout: (text) => (stdout += text),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...rest,
    });
  } catch (err) {
    error = err;
  }
  return { env, stdout, sleeps, error };
}

function message(result: Run): string {
  expect(result.error).toBeInstanceOf(CredhubError);
  const text = (result.error as CredhubError).message;
  // Nothing secret ever reaches an error: no credentials, no PEM material.
  expect(text).not.toContain('secret-value');
  expect(text).not.toContain('p4ss');
  expect(text).not.toContain('BEGIN');
  return text;
}

describe('§6 steps 1-2: when interpolation runs at all', () => {
  it('does nothing when CREDHUB_SKIP_INTERPOLATION is set', async () => {
    const result = await run({ envOverrides: { CREDHUB_SKIP_INTERPOLATION: 'true' } });
    expect(result.error).toBeUndefined();
    expect(result.env.VCAP_SERVICES).toBe(SERVICES);
    expect(seen).toHaveLength(0);
  });

  it('does nothing (not even client set-up) without the quoted text "credhub-ref"', async () => {
    const services = '{"svc":[{"credentials":{"note":"contains credhub-ref without quotes"}}]}';
    const result = await run({ envOverrides: { VCAP_SERVICES: services, CF_INSTANCE_CERT: undefined } });
    expect(result.error).toBeUndefined();
    expect(result.env.VCAP_SERVICES).toBe(services);
    expect(seen).toHaveLength(0);
  });
});

describe('§6 step 4: a successful interpolation', () => {
  it('POSTs the re-serialized services to /api/v1/interpolate and stores the answer verbatim', async () => {
    reply = (body) => ({ status: 200, body: ` ${JSON.stringify(interpolate(JSON.parse(body)), null, 1)}\n` });
    const result = await run({ uri: `https://127.0.0.1:${port}/ignored/prefix?also=ignored` });
    expect(result.error).toBeUndefined();
    expect(seen).toEqual([{ method: 'POST', path: '/api/v1/interpolate', contentType: 'application/json', body: SENT, clientCn: 'app-instance' }]);
    expect(result.env.VCAP_SERVICES).toBe(` ${JSON.stringify(interpolate(JSON.parse(SENT)), null, 1)}\n`);
    expect(result.env.VCAP_SERVICES).toContain('"user": "secret-value"');
    expect(result.stdout).toBe('');
  });

  it('talks plain HTTP to an http URI', async () => {
    const result = await run({ uri: `http://127.0.0.1:${plainPort}` });
    expect(result.error).toBeUndefined();
    expect(seen.map((r) => [r.path, r.body])).toEqual([['/api/v1/interpolate', SENT]]);
    expect(JSON.parse(result.env.VCAP_SERVICES!)['user-provided'][0].credentials).toEqual({ user: 'secret-value', password: 'p4ss' });
  });
});

describe('§6 step 3: client set-up errors', () => {
  it.each([
    ['CF_INSTANCE_CERT', 'Missing CF_INSTANCE_CERT and/or CF_INSTANCE_KEY'],
    ['CF_INSTANCE_KEY', 'Missing CF_INSTANCE_CERT and/or CF_INSTANCE_KEY'],
    ['CF_SYSTEM_CERT_PATH', 'Missing CF_SYSTEM_CERT_PATH'],
  ])('reports an empty %s', async (name, reason) => {
    for (const value of [undefined, '']) {
      const result = await run({ envOverrides: { [name]: value } });
      expect(message(result)).toBe(`Unable to set up credhub client: ${reason}`);
      expect(result.env.VCAP_SERVICES).toBe(SERVICES);
    }
    expect(seen).toHaveLength(0);
  });

  it('reports a system cert path that cannot be listed', async () => {
    const missing = join(dir, 'no-such-dir');
    expect(message(await run({ envOverrides: { CF_SYSTEM_CERT_PATH: missing } }))).toBe(
      `Unable to set up credhub client: Can't read contents of system cert path: open ${missing}: no such file or directory`,
    );
    const file = join(dir, 'ca.crt');
    expect(message(await run({ envOverrides: { CF_SYSTEM_CERT_PATH: file } }))).toBe(
      `Unable to set up credhub client: Can't read contents of system cert path: readdirent ${file}: not a directory`,
    );
  });

  it('reports a .crt entry that cannot be read', async () => {
    const certDir = join(dir, 'crt-is-a-dir');
    mkdirSync(join(certDir, 'weird.crt'), { recursive: true });
    expect(message(await run({ envOverrides: { CF_SYSTEM_CERT_PATH: certDir } }))).toBe(
      `Unable to set up credhub client: Can't read contents of cert in system cert path: read ${join(certDir, 'weird.crt')}: is a directory`,
    );
  });

  it('reports a .crt file without any certificate', async () => {
    const certDir = join(dir, 'bad-crt');
    mkdirSync(certDir);
    copyFileSync(join(dir, 'ca.crt'), join(certDir, 'a-good.crt'));
    writeFileSync(join(certDir, 'b-bad.crt'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    expect(message(await run({ envOverrides: { CF_SYSTEM_CERT_PATH: certDir } }))).toBe('Unable to set up credhub client: provided ca certs are invalid');
    expect(seen).toHaveLength(0);
  });

  it('reports unusable instance identity files with the TLS library texts', async () => {
    const missing = join(dir, 'missing.crt');
    expect(message(await run({ envOverrides: { CF_INSTANCE_CERT: missing } }))).toBe(
      `Unable to set up credhub client: open ${missing}: no such file or directory`,
    );
    const notPem = join(dir, 'not-pem');
    writeFileSync(notPem, 'plain text\n');
    expect(message(await run({ envOverrides: { CF_INSTANCE_CERT: notPem } }))).toBe(
      'Unable to set up credhub client: tls: failed to find any PEM data in certificate input',
    );
    expect(message(await run({ envOverrides: { CF_INSTANCE_KEY: notPem } }))).toBe(
      'Unable to set up credhub client: tls: failed to find any PEM data in key input',
    );
    expect(message(await run({ envOverrides: { CF_INSTANCE_KEY: join(dir, 'rogue.key') } }))).toBe(
      'Unable to set up credhub client: tls: private key does not match public key',
    );
  });
});

describe('§6 steps 4-5: failed attempts', () => {
  it('retries, printing one line per attempt, and sleeps only between attempts', async () => {
    reply = () => ({ status: 500, body: '{"error":"e","error_description":"d","ignored":"secret-value"}' });
    const result = await run({ attempts: 3, retryDelayMs: 1 });
    const line = 'Unable to interpolate credhub references: e: d';
    expect(result.stdout).toBe(`Failed on attempt 1 out of 3: ${line}\nFailed on attempt 2 out of 3: ${line}\nFailed on attempt 3 out of 3: ${line}\n`);
    expect(seen).toHaveLength(3);
    expect(result.sleeps).toEqual([1, 1]);
    expect(message(result)).toBe(line);
    expect(result.env.VCAP_SERVICES).toBe(SERVICES);
  });

  it('stops retrying at the first success', async () => {
    let calls = 0;
    reply = (body) => (++calls === 1 ? { status: 503, body: '{"error":"busy"}' } : { status: 200, body: JSON.stringify(interpolate(JSON.parse(body))) });
    const result = await run({ attempts: 3 });
    expect(result.error).toBeUndefined();
    expect(result.stdout).toBe('Failed on attempt 1 out of 3: Unable to interpolate credhub references: busy\n');
    expect(result.sleeps).toEqual([1]);
    expect(seen).toHaveLength(2);
  });

  it('renders an empty error object as the empty string (trailing space)', async () => {
    reply = () => ({ status: 500, body: '{}' });
    expect(message(await run())).toBe('Unable to interpolate credhub references: ');
  });

  it('reports a body that is not JSON with Go json text, never the body', async () => {
    reply = () => ({ status: 502, body: '<html>secret-value</html>' });
    expect(message(await run())).toBe(
      "Unable to interpolate credhub references: The response body could not be decoded: invalid character '<' looking for beginning of value",
    );
    reply = () => ({ status: 502, body: '' });
    expect(message(await run())).toBe('Unable to interpolate credhub references: The response body could not be decoded: EOF');
  });

  it('reports a refused connection Go-style', async () => {
    const closed = net.createServer();
    const closedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const result = await run({ uri: `https://127.0.0.1:${closedPort}` });
    expect(message(result)).toBe(
      `Unable to interpolate credhub references: Post "https://127.0.0.1:${closedPort}/api/v1/interpolate": dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
    );
    expect(result.stdout).toBe(`Failed on attempt 1 out of 1: ${message(result)}\n`);
    expect(result.sleeps).toEqual([]);
  });

  it('fails when the server refuses a client certificate from another CA', async () => {
    const result = await run({ envOverrides: { CF_INSTANCE_CERT: join(dir, 'rogue.crt'), CF_INSTANCE_KEY: join(dir, 'rogue.key') } });
    expect(message(result)).toMatch(
      new RegExp(
        `^Unable to interpolate credhub references: Post "https://127\\.0\\.0\\.1:${port}/api/v1/interpolate": ` +
          '(EOF|read tcp \\S+: read: connection reset by peer) ' +
          '\\(the server closed the TLS connection without answering; it may have refused the client certificate\\)$',
      ),
    );
    expect(seen).toHaveLength(0);
    expect(result.env.VCAP_SERVICES).toBe(SERVICES);
  });

  it('refuses a server whose certificate is not signed by a trusted CA', async () => {
    const certDir = join(dir, 'other-certs');
    mkdirSync(certDir);
    copyFileSync(join(dir, 'other-ca.crt'), join(certDir, 'other-ca.crt'));
    expect(message(await run({ envOverrides: { CF_SYSTEM_CERT_PATH: certDir } }))).toBe(
      `Unable to interpolate credhub references: Post "https://127.0.0.1:${port}/api/v1/interpolate": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    );
    expect(seen).toHaveLength(0);
  });

  it('counts an unparsable VCAP_SERVICES as a failed attempt', async () => {
    const services = 'credhub "credhub-ref"';
    const result = await run({ attempts: 2, envOverrides: { VCAP_SERVICES: services } });
    const line = "Unable to interpolate credhub references: invalid character 'c' looking for beginning of value";
    expect(result.stdout).toBe(`Failed on attempt 1 out of 2: ${line}\nFailed on attempt 2 out of 2: ${line}\n`);
    expect(message(result)).toBe(line);
    expect(result.sleeps).toEqual([1]);
    expect(result.env.VCAP_SERVICES).toBe(services);
    expect(seen).toHaveLength(0);
  });
});

describe('§6 step 6 (quirk Q25 fixed): fewer than one attempt', () => {
  it.each([0, -1])('refuses %i attempts and keeps VCAP_SERVICES', async (attempts) => {
    const result = await run({ attempts });
    expect(message(result)).toBe('Unable to interpolate credhub references: -credhubConnectAttempts must be at least 1');
    expect(result.env.VCAP_SERVICES).toBe(SERVICES);
    expect(result.stdout).toBe('');
    expect(seen).toHaveLength(0);
  });
});
