// CONTRACT §6 (CredHub interpolation of VCAP_SERVICES as the builder does it, §2.3 step 1),
// §7 (DATABASE_URL derived from VCAP_SERVICES, §2.3 step 2) and §8 (VCAP_PLATFORM_OPTIONS).
// The `prints-env` fixture's compile records its environment in the app, so the droplet shows what
// buildpacks see. CredHub is a real mutual-TLS server on 127.0.0.1 with certificates made by openssl.
// Project decisions: Q25 fixed (attempts < 1 is an error, VCAP_SERVICES untouched), Q28 fixed (no
// sleep after the final attempt), Q29 fixed (services visited in sorted name order), Q19 kept.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/stage.ts';
import { generateCertificates, type TestCertificates } from '../helpers/certs.ts';
import { startConnectProxy, startCredhubServer, unusedPort, type CredhubServer, type RecordedRequest, type Reply } from '../helpers/servers.ts';
import { envSeenByCompile, gaps, presetEmptyResult, rawResult, stageFixtures } from '../helpers/observe.ts';

let certs: TestCertificates;
beforeAll(() => {
  certs = generateCertificates();
});
afterAll(() => certs.cleanup());

const SERVICES_WITH_REF = '{ "my-server": [ { "name": "<db> & co", "label": "user-provided", "credentials": { "credhub-ref": "((/c/my-server/creds))" } } ] }';
// What the builder must POST: the parsed object re-serialized (sorted keys, compact, HTML-escaped).
const SERVICES_WITH_REF_BODY =
  '{"my-server":[{"credentials":{"credhub-ref":"((/c/my-server/creds))"},"label":"user-provided","name":"\\u003cdb\\u003e \\u0026 co"}]}';
const INTERPOLATED =
  '{"my-server": [ {"name": "<db> & co", "label": "user-provided", "credentials": {"password": "interpolated-secret", "uri": "postgresql://user:interpolated-secret@db.example.com:5432/app"}}]}\n';

/** A workspace with the instance identity credentials and the system CA dir the credhub client needs. */
function credhubWorkspace(): { ws: Workspace; env: Record<string, string> } {
  const ws = new Workspace();
  const systemCerts = path.join(ws.root, 'system-certs');
  fs.mkdirSync(systemCerts);
  fs.copyFileSync(certs.ca.certFile, path.join(systemCerts, 'test-ca.crt'));
  fs.writeFileSync(path.join(systemCerts, 'README'), 'not a certificate, and not named *.crt: ignored\n');
  return {
    ws,
    env: { CF_INSTANCE_CERT: certs.client.certFile, CF_INSTANCE_KEY: certs.client.keyFile, CF_SYSTEM_CERT_PATH: systemCerts },
  };
}

const platformOptions = (uri: string): string => JSON.stringify({ 'credhub-uri': uri });

describe('CONTRACT §6 CredHub interpolation of VCAP_SERVICES (builder)', () => {
  let ws: Workspace;
  let credhub: CredhubServer | undefined;

  async function startCredhub(respond: (req: RecordedRequest) => Reply, tls = true): Promise<CredhubServer> {
    credhub = await startCredhubServer({ tls: tls ? { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert } : undefined, respond });
    return credhub;
  }

  afterEach(async () => {
    await credhub?.close();
    credhub = undefined;
    ws.cleanup();
  });

  it('POSTs the re-serialized VCAP_SERVICES to /api/v1/interpolate over mutual TLS; buildpacks see the response verbatim', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const server = await startCredhub(() => ({ status: 200, body: INTERPOLATED, headers: { 'Content-Type': 'application/json' } }));

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(`${server.uri}/some/prefix?ignored=1`), VCAP_SERVICES: SERVICES_WITH_REF },
    });

    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    // The URI's own path and query are replaced.
    expect(req.url).toBe('/api/v1/interpolate');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toBe(SERVICES_WITH_REF_BODY);
    expect(req.clientCN).toBe('instance-identity');
    const env = envSeenByCompile(ws);
    expect(env.VCAP_SERVICES).toBe(INTERPOLATED);
    // DATABASE_URL is derived after interpolation (§2.3 step 2).
    expect(env.DATABASE_URL).toBe('postgres://user:interpolated-secret@db.example.com:5432/app');
  });

  it('escapes U+2028/U+2029 and keeps other non-ASCII text as-is in the request body (§1.2)', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const server = await startCredhub(() => ({ status: 200, body: '{}' }));
    const services = '{"svc":[{"credentials":{"credhub-ref":"((ref))"},"name":"café\u2028line\u2029para \'quoted\' 1.0 1e3"}]}';

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: services },
    });

    expect(r.code).toBe(0);
    expect(server.requests[0]?.body).toBe('{"svc":[{"credentials":{"credhub-ref":"((ref))"},"name":"café\\u2028line\\u2029para \'quoted\' 1.0 1e3"}]}');
  });

  it('re-prints numbers of the request body as Go float64s', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const server = await startCredhub(() => ({ status: 200, body: '{}' }));
    const services = '{"svc":[{"credentials":{"credhub-ref":"((ref))"},"a":1.0,"b":1e3,"c":12345678901234567890,"d":-0.5e-7}]}';

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: services },
    });

    expect(r.code).toBe(0);
    expect(server.requests[0]?.body).toBe('{"svc":[{"a":1,"b":1000,"c":12345678901234567000,"credentials":{"credhub-ref":"((ref))"},"d":-5e-8}]}');
  });

  it('goes through HTTPS_PROXY (CONNECT) to reach credhub', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const server = await startCredhub(() => ({ status: 200, body: '{"through":"the proxy"}' }));
    const proxy = await startConnectProxy((target) => (target === 'credhub.example.invalid:8844' ? server.port : undefined));
    try {
      const r = await stageFixtures(ws, ['prints-env'], {
        env: {
          ...setup.env,
          HTTPS_PROXY: proxy.url,
          https_proxy: proxy.url,
          VCAP_PLATFORM_OPTIONS: platformOptions('https://credhub.example.invalid:8844'),
          VCAP_SERVICES: SERVICES_WITH_REF,
        },
      });

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(proxy.connects).toEqual(['credhub.example.invalid:8844']);
      expect(server.requests.map((q) => q.url)).toEqual(['/api/v1/interpolate']);
      expect(envSeenByCompile(ws).VCAP_SERVICES).toBe('{"through":"the proxy"}');
    } finally {
      await proxy.close();
    }
  });

  it('prints a line per failed attempt on stdout and recovers when a later attempt succeeds', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    let calls = 0;
    const server = await startCredhub(() =>
      ++calls === 1 ? { status: 503, body: '{"error":"unavailable","error_description":"try again later"}' } : { status: 200, body: '{"interpolated":true}' },
    );

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF },
      extra: ['-credhubRetryDelay=10ms'],
    });

    expect(r.stdout).toBe('Failed on attempt 1 out of 3: Unable to interpolate credhub references: unavailable: try again later\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(server.requests).toHaveLength(2);
    expect(envSeenByCompile(ws).VCAP_SERVICES).toBe('{"interpolated":true}');
  });

  it('fails with exit 4 after all attempts; the message for a 500 {} ends in ": " (no newline); no result.json', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    presetEmptyResult(ws);
    const server = await startCredhub(() => ({ status: 500, body: '{}' }));

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF },
      extra: ['-credhubConnectAttempts=2', '-credhubRetryDelay=0s'],
    });

    expect(r.stdout).toBe(
      'Failed on attempt 1 out of 2: Unable to interpolate credhub references: \n' +
        'Failed on attempt 2 out of 2: Unable to interpolate credhub references: \n',
    );
    expect(r.stderr).toBe('Unable to interpolate credhub refs: Unable to interpolate credhub references: ');
    expect(r.code).toBe(4);
    expect(server.requests).toHaveLength(2);
    expect(rawResult(ws)).toBe('');
    expect(fs.existsSync(ws.outputDroplet)).toBe(false);
  });

  it.each([
    [
      'error and error_description',
      { status: 400, body: '{"error":"invalid_request","error_description":"The request could not be fulfilled"}' },
      'invalid_request: The request could not be fulfilled',
    ],
    ['error only', { status: 403, body: '{"error":"forbidden"}' }, 'forbidden'],
  ])('renders a non-2xx JSON body with %s', async (_what, reply, rendered) => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const server = await startCredhub(() => reply);

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF },
      extra: ['-credhubConnectAttempts=1', '-credhubRetryDelay=0s'],
    });

    expect(r.stdout).toBe(`Failed on attempt 1 out of 1: Unable to interpolate credhub references: ${rendered}\n`);
    expect(r.stderr).toBe(`Unable to interpolate credhub refs: Unable to interpolate credhub references: ${rendered}`);
    expect(r.code).toBe(4);
  });

  it('reports a non-JSON error body as "The response body could not be decoded: …"', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const server = await startCredhub(() => ({ status: 500, body: 'this is not json' }));

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF },
      extra: ['-credhubConnectAttempts=1', '-credhubRetryDelay=0s'],
    });

    expect(r.stdout.startsWith('Failed on attempt 1 out of 1: Unable to interpolate credhub references: The response body could not be decoded: ')).toBe(true);
    expect(r.stderr.startsWith('Unable to interpolate credhub refs: Unable to interpolate credhub references: The response body could not be decoded: ')).toBe(
      true,
    );
    expect(r.code).toBe(4);
  });

  it('reports a refused connection with the Go-style Post error', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const port = await unusedPort();

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(`https://127.0.0.1:${port}`), VCAP_SERVICES: SERVICES_WITH_REF },
      extra: ['-credhubConnectAttempts=1', '-credhubRetryDelay=0s'],
    });

    const error = `Post "https://127.0.0.1:${port}/api/v1/interpolate": dial tcp 127.0.0.1:${port}: connect: connection refused`;
    expect(r.stdout).toBe(`Failed on attempt 1 out of 1: Unable to interpolate credhub references: ${error}\n`);
    expect(r.stderr).toBe(`Unable to interpolate credhub refs: Unable to interpolate credhub references: ${error}`);
    expect(r.code).toBe(4);
  });

  it('waits -credhubRetryDelay between attempts but not after the last one (Q28 decision)', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const server = await startCredhub(() => ({ status: 500, body: '{}' }));

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF },
      extra: ['-credhubConnectAttempts=3', '-credhubRetryDelay=1s'],
    });
    const ended = Date.now();

    expect(r.code).toBe(4);
    expect(server.requests).toHaveLength(3);
    for (const gap of gaps(server.requests.map((q) => q.at))) {
      expect(gap).toBeGreaterThanOrEqual(950);
      expect(gap).toBeLessThan(1600);
    }
    expect(ended - server.requests[2]!.at).toBeLessThan(800);
  });

  it.each(['0', '-1'])('rejects -credhubConnectAttempts=%s without a request (Q25 decision)', async (attempts) => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    presetEmptyResult(ws);
    const server = await startCredhub(() => ({ status: 200, body: '{}' }));

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF },
      extra: [`-credhubConnectAttempts=${attempts}`],
    });

    expect(r.stderr).toBe('Unable to interpolate credhub refs: Unable to interpolate credhub references: -credhubConnectAttempts must be at least 1');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(4);
    expect(server.requests).toEqual([]);
    expect(rawResult(ws)).toBe('');
  });

  it('talks plain HTTP to an http:// credhub URI', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const server = await startCredhub(() => ({ status: 200, body: '{"over":"http"}' }), false);

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF },
    });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => q.url)).toEqual(['/api/v1/interpolate']);
    expect(envSeenByCompile(ws).VCAP_SERVICES).toBe('{"over":"http"}');
  });

  it('reports an unparsable VCAP_SERVICES as the attempt error, without a request', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const server = await startCredhub(() => ({ status: 200, body: '{}' }));

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: 'not json but mentions "credhub-ref"' },
      extra: ['-credhubConnectAttempts=1', '-credhubRetryDelay=0s'],
    });

    expect(r.stdout.startsWith('Failed on attempt 1 out of 1: Unable to interpolate credhub references: ')).toBe(true);
    expect(r.stderr.startsWith('Unable to interpolate credhub refs: Unable to interpolate credhub references: ')).toBe(true);
    expect(r.code).toBe(4);
    expect(server.requests).toEqual([]);
  });

  it('replaces VCAP_SERVICES with an empty 2xx body as it is (not validated)', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const server = await startCredhub(() => ({ status: 200, body: '' }));

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF, DATABASE_URL: 'kept' },
    });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const env = envSeenByCompile(ws);
    expect(env.VCAP_SERVICES).toBe('');
    expect(env.DATABASE_URL).toBe('kept');
  });

  it('does not trust a credhub certificate whose CA is not in CF_SYSTEM_CERT_PATH, even with -skipCertVerify (Q15)', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    fs.rmSync(path.join(setup.env.CF_SYSTEM_CERT_PATH!, 'test-ca.crt'));
    const server = await startCredhub(() => ({ status: 200, body: '{}' }));

    const r = await stageFixtures(ws, ['prints-env'], {
      env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF },
      extra: ['-credhubConnectAttempts=1', '-credhubRetryDelay=0s', '-skipCertVerify=true'],
    });

    expect(r.stdout.startsWith('Failed on attempt 1 out of 1: Unable to interpolate credhub references: ')).toBe(true);
    expect(r.stderr.startsWith('Unable to interpolate credhub refs: Unable to interpolate credhub references: ')).toBe(true);
    expect(r.code).toBe(4);
    expect(server.requests).toEqual([]);
  });

  describe('when nothing is interpolated', () => {
    it.each([
      ['VCAP_SERVICES has no "credhub-ref" text', { VCAP_SERVICES: '{"db":[{"credentials":{"note":"mentions credhub-ref without quotes"}}]}' }],
      ['CREDHUB_SKIP_INTERPOLATION is set', { VCAP_SERVICES: SERVICES_WITH_REF, CREDHUB_SKIP_INTERPOLATION: 'true' }],
    ])('%s: no client set-up, no request, VCAP_SERVICES unchanged', async (_what, extraEnv) => {
      ws = new Workspace();
      const server = await startCredhub(() => ({ status: 200, body: '{"should":"not be used"}' }));

      // No CF_INSTANCE_* variables: the client would fail to set up if it were created.
      const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), ...extraEnv } });

      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(server.requests).toEqual([]);
      expect(envSeenByCompile(ws).VCAP_SERVICES).toBe(extraEnv.VCAP_SERVICES);
    });

    it('interpolates when "credhub-ref" appears as a JSON value (textual test, Q26)', async () => {
      const setup = credhubWorkspace();
      ws = setup.ws;
      const server = await startCredhub(() => ({ status: 200, body: '{"value":"interpolated"}' }));

      const r = await stageFixtures(ws, ['prints-env'], {
        env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: '{"svc":[{"name":"credhub-ref"}]}' },
      });

      expect(r.code).toBe(0);
      expect(server.requests).toHaveLength(1);
      expect(envSeenByCompile(ws).VCAP_SERVICES).toBe('{"value":"interpolated"}');
    });
  });

  describe('client set-up errors (exit 4, no request)', () => {
    it.each([
      ['CF_INSTANCE_CERT is missing', { CF_INSTANCE_CERT: '' }, 'Missing CF_INSTANCE_CERT and/or CF_INSTANCE_KEY'],
      ['CF_INSTANCE_KEY is missing', { CF_INSTANCE_KEY: '' }, 'Missing CF_INSTANCE_CERT and/or CF_INSTANCE_KEY'],
      ['CF_SYSTEM_CERT_PATH is missing', { CF_SYSTEM_CERT_PATH: '' }, 'Missing CF_SYSTEM_CERT_PATH'],
    ])('%s', async (_what, override, message) => {
      const setup = credhubWorkspace();
      ws = setup.ws;
      presetEmptyResult(ws);
      const server = await startCredhub(() => ({ status: 200, body: '{}' }));
      const env: Record<string, string> = { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF };
      for (const [k, v] of Object.entries(override)) if (v === '') delete env[k];

      const r = await stageFixtures(ws, ['prints-env'], { env });

      expect(r.stderr).toBe(`Unable to interpolate credhub refs: Unable to set up credhub client: ${message}`);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(4);
      expect(server.requests).toEqual([]);
      expect(rawResult(ws)).toBe('');
    });

    it('CF_SYSTEM_CERT_PATH cannot be listed', async () => {
      const setup = credhubWorkspace();
      ws = setup.ws;
      const server = await startCredhub(() => ({ status: 200, body: '{}' }));

      const r = await stageFixtures(ws, ['prints-env'], {
        env: {
          ...setup.env,
          CF_SYSTEM_CERT_PATH: path.join(ws.root, 'no-such-dir'),
          VCAP_PLATFORM_OPTIONS: platformOptions(server.uri),
          VCAP_SERVICES: SERVICES_WITH_REF,
        },
      });

      expect(r.stderr.startsWith("Unable to interpolate credhub refs: Unable to set up credhub client: Can't read contents of system cert path: ")).toBe(true);
      expect(r.code).toBe(4);
      expect(server.requests).toEqual([]);
    });

    it('a *.crt in CF_SYSTEM_CERT_PATH is not a certificate', async () => {
      const setup = credhubWorkspace();
      ws = setup.ws;
      fs.writeFileSync(path.join(setup.env.CF_SYSTEM_CERT_PATH!, 'broken.crt'), 'not a PEM certificate\n');
      const server = await startCredhub(() => ({ status: 200, body: '{}' }));

      const r = await stageFixtures(ws, ['prints-env'], {
        env: { ...setup.env, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF },
      });

      expect(r.stderr).toBe('Unable to interpolate credhub refs: Unable to set up credhub client: provided ca certs are invalid');
      expect(r.code).toBe(4);
      expect(server.requests).toEqual([]);
    });

    it('the instance certificate file holds no PEM data', async () => {
      const setup = credhubWorkspace();
      ws = setup.ws;
      const badCert = path.join(ws.root, 'bad-instance.crt');
      fs.writeFileSync(badCert, 'garbage\n');
      const server = await startCredhub(() => ({ status: 200, body: '{}' }));

      const r = await stageFixtures(ws, ['prints-env'], {
        env: { ...setup.env, CF_INSTANCE_CERT: badCert, VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), VCAP_SERVICES: SERVICES_WITH_REF },
      });

      expect(r.stderr.startsWith('Unable to interpolate credhub refs: Unable to set up credhub client: ')).toBe(true);
      expect(r.code).toBe(4);
      expect(server.requests).toEqual([]);
    });
  });
});

describe('CONTRACT §7 DATABASE_URL seen by buildpacks', () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  const services = (...uris: unknown[]): string => JSON.stringify({ 'a-service': uris.map((uri) => ({ name: 'db', credentials: { uri } })) });

  it.each([
    ['mysql://username:password@host/db', 'mysql2://username:password@host/db'],
    ['mysql2://username:password@host/db', 'mysql2://username:password@host/db'],
    ['postgres://username:password@host/db', 'postgres://username:password@host/db'],
    ['postgresql://username:password@host/db', 'postgres://username:password@host/db'],
    ['MySQL://username:password@host:3306/db?reconnect=true', 'mysql2://username:password@host:3306/db?reconnect=true'],
  ])('%s → DATABASE_URL=%s', async (uri, expected) => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_SERVICES: services(uri) } });

    expect(r.code).toBe(0);
    expect(envSeenByCompile(ws).DATABASE_URL).toBe(expected);
  });

  it.each([
    ['mysql://user:p%40ss@host/db', 'mysql2://user:p%40ss@host/db'],
    ['postgres://user:pa$$word;x=1&y@host/db', 'postgres://user:pa$$word;x=1&y@host/db'],
    ['postgres://user:pass:word@host/db', 'postgres://user:pass%3Aword@host/db'],
    ['postgres://user:p!ss*@host/db', 'postgres://user:p%21ss%2A@host/db'],
    ['postgresql://user@host:5432/db?sslmode=require&x=%41', 'postgres://user@host:5432/db?sslmode=require&x=%41'],
  ])("re-serializes %s as Go's url.URL.String() does: %s", async (uri, expected) => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_SERVICES: services(uri) } });

    expect(r.code).toBe(0);
    expect(envSeenByCompile(ws).DATABASE_URL).toBe(expected);
  });

  it.each([
    ['a non-database scheme', services('sendgrid://foo:bar@host/db')],
    ['another non-database scheme', services('datastore://thing.com/special')],
    ['no uri at all', JSON.stringify({ svc: [{ credentials: { password: 'x' } }] })],
    ['a service value that is not an array', JSON.stringify({ svc: { credentials: { uri: 'mysql://u:p@host/db' } } })],
    ['a uri that is not a string', JSON.stringify({ svc: [{ credentials: { uri: 42 } }], other: [{ credentials: { uri: 'mysql://u:p@host/db' } }] })],
    ['VCAP_SERVICES that is not JSON', 'not json'],
  ])('sets no DATABASE_URL for %s', async (_what, vcapServices) => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_SERVICES: vcapServices } });

    expect(r.code).toBe(0);
    expect(envSeenByCompile(ws).DATABASE_URL).toBeUndefined();
  });

  it('leaves an existing DATABASE_URL alone when none is found, and overwrites it when one is', async () => {
    ws = new Workspace();
    let r = await stageFixtures(ws, ['prints-env'], { env: { DATABASE_URL: 'kept://as/it/was', VCAP_SERVICES: services('sendgrid://foo:bar@host/db') } });
    expect(r.code).toBe(0);
    expect(envSeenByCompile(ws).DATABASE_URL).toBe('kept://as/it/was');

    r = await stageFixtures(ws, ['prints-env'], { env: { DATABASE_URL: 'replaced://soon', VCAP_SERVICES: services('mysql://u:p@host/db') } });
    expect(r.code).toBe(0);
    expect(envSeenByCompile(ws).DATABASE_URL).toBe('mysql2://u:p@host/db');
  });

  it('takes the first usable uri: instances in array order, skipping non-database and unparsable ones', async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['prints-env'], {
      env: {
        VCAP_SERVICES: services(
          'sendgrid://foo:bar@host/db',
          'postgresql://invalid:password@host/%a',
          'postgres://second:pw@host/db',
          'mysql://third:pw@host/db',
        ),
      },
    });

    expect(r.code).toBe(0);
    expect(envSeenByCompile(ws).DATABASE_URL).toBe('postgres://second:pw@host/db');
  });

  it('visits services in sorted name order (Q29 decision)', async () => {
    ws = new Workspace();
    // Written in reverse order; "a-mysql" sorts first.
    const vcapServices =
      '{"z-postgres":[{"credentials":{"uri":"postgres://z:pw@host/db"}}],"m-other":[{"credentials":{"uri":"redis://m@host"}}],"a-mysql":[{"credentials":{"uri":"mysql://a:pw@host/db"}}]}';

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_SERVICES: vcapServices } });

    expect(r.code).toBe(0);
    expect(envSeenByCompile(ws).DATABASE_URL).toBe('mysql2://a:pw@host/db');
  });

  it('matches Credentials/URI case-insensitively', async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_SERVICES: '{"svc":[{"Credentials":{"URI":"postgresql://u:p@host/db"}}]}' } });

    expect(r.code).toBe(0);
    expect(envSeenByCompile(ws).DATABASE_URL).toBe('postgres://u:p@host/db');
  });

  it('does nothing for an empty VCAP_SERVICES', async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_SERVICES: '', DATABASE_URL: 'untouched' } });

    expect(r.code).toBe(0);
    const env = envSeenByCompile(ws);
    expect(env.VCAP_SERVICES).toBe('');
    expect(env.DATABASE_URL).toBe('untouched');
  });
});

describe('CONTRACT §8 VCAP_PLATFORM_OPTIONS', () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  it.each([
    ["'{}'", "invalid character '\\'' looking for beginning of value"],
    ['{', 'unexpected end of JSON input'],
    ['not json', "invalid character 'o' in literal null (expecting 'u')"],
  ])('exits 3 for %s with "Invalid platform options: <go json error>" (no newline), before staging', async (value, error) => {
    ws = new Workspace();
    presetEmptyResult(ws);

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_PLATFORM_OPTIONS: value } });

    expect(r.stderr).toBe(`Invalid platform options: ${error}`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(3);
    expect(rawResult(ws)).toBe('');
    expect(fs.existsSync(ws.outputDroplet)).toBe(false);
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"credhub"'],
    ['a non-string credhub-uri', '{"credhub-uri":5}'],
  ])('exits 3 for valid JSON that does not decode into the options object: %s', async (_what, value) => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_PLATFORM_OPTIONS: value } });

    expect(r.stderr.startsWith('Invalid platform options: ')).toBe(true);
    expect(r.stderr.endsWith('\n')).toBe(false);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(3);
  });

  it('accepts null (Go decodes it into the zero options) and ignores unknown members', async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_PLATFORM_OPTIONS: 'null' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(envSeenByCompile(ws).VCAP_PLATFORM_OPTIONS).toBe('null');

    const again = await stageFixtures(ws, ['prints-env'], { env: { VCAP_PLATFORM_OPTIONS: '{"other":{"nested":[1,2]},"credhub-uri":""}' } });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
  });

  it("keeps VCAP_PLATFORM_OPTIONS in the buildpacks' environment (Q19)", async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_PLATFORM_OPTIONS: '{}' } });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(envSeenByCompile(ws).VCAP_PLATFORM_OPTIONS).toBe('{}');
  });

  it('runs no credhub for an empty credhub-uri (VCAP_SERVICES with a ref is untouched)', async () => {
    ws = new Workspace();
    const value = '{"credhub-uri":""}';

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_PLATFORM_OPTIONS: value, VCAP_SERVICES: SERVICES_WITH_REF } });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const env = envSeenByCompile(ws);
    expect(env.VCAP_SERVICES).toBe(SERVICES_WITH_REF);
    expect(env.VCAP_PLATFORM_OPTIONS).toBe(value);
  });

  it('treats an empty value as no options', async () => {
    ws = new Workspace();

    const r = await stageFixtures(ws, ['prints-env'], { env: { VCAP_PLATFORM_OPTIONS: '', VCAP_SERVICES: SERVICES_WITH_REF } });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const env = envSeenByCompile(ws);
    expect(env.VCAP_PLATFORM_OPTIONS).toBe('');
    expect(env.VCAP_SERVICES).toBe(SERVICES_WITH_REF);
  });

  it('keeps a credhub-uri value visible to buildpacks after a successful interpolation', async () => {
    const setup = credhubWorkspace();
    ws = setup.ws;
    const credhub = await startCredhubServer({
      tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert },
      respond: () => ({ status: 200, body: '{}' }),
    });
    try {
      const value = platformOptions(credhub.uri);

      const r = await stageFixtures(ws, ['prints-env'], { env: { ...setup.env, VCAP_PLATFORM_OPTIONS: value, VCAP_SERVICES: SERVICES_WITH_REF } });

      expect(r.code).toBe(0);
      const env = envSeenByCompile(ws);
      expect(env.VCAP_PLATFORM_OPTIONS).toBe(value);
      expect(env.VCAP_SERVICES).toBe('{}');
    } finally {
      await credhub.close();
    }
  });
});
