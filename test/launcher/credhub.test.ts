// CONTRACT §6 (CredHub interpolation of VCAP_SERVICES) as the launcher and the shell do it (§5 step 5;
// errors: launcher exit 3 per §3.4, shell exit 1 per §4). CredHub is a real mutual-TLS HTTPS server on
// 127.0.0.1 with certificates made by openssl in the test; the app's environment shows the result.
// Project decisions: Q25 fixed (attempts < 1 is an error, VCAP_SERVICES untouched), Q28 fixed (no sleep
// after the last attempt), Q26/Q27 kept (textual detection; body re-serialized, URI path discarded).
// Not covered: proxy variables (Go never proxies 127.0.0.1) and the 45 s timeout.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateCertificates, type TestCertificates } from '../helpers/certs.ts';
import { startCredhubServer, unusedPort, type CredhubServer, type RecordedRequest, type Reply } from '../helpers/servers.ts';
import { gaps } from '../helpers/observe.ts';
import { Droplet, baseEnv, credhubIdentity, killLeftovers, launcherStdout, platformOptions } from '../helpers/launch.ts';

let certs: TestCertificates;
beforeAll(() => {
  certs = generateCertificates();
});
afterAll(() => certs.cleanup());

let droplet: Droplet;
let credhub: CredhubServer | undefined;
beforeEach(() => {
  droplet = new Droplet();
});
afterEach(async () => {
  killLeftovers();
  await credhub?.close();
  credhub = undefined;
  droplet.cleanup();
});

async function startCredhub(respond: (req: RecordedRequest) => Reply, tls = true): Promise<CredhubServer> {
  credhub = await startCredhubServer({ tls: tls ? { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert } : undefined, respond });
  return credhub;
}

const SERVICES_WITH_REF = '{ "my-server": [ { "name": "<db> & co", "label": "user-provided", "credentials": { "credhub-ref": "((/c/my-server/creds))" } } ] }';
// What must be POSTed: the parsed object re-serialized (sorted keys, compact, HTML-escaped; Q27 kept).
const SERVICES_WITH_REF_BODY =
  '{"my-server":[{"credentials":{"credhub-ref":"((/c/my-server/creds))"},"label":"user-provided","name":"\\u003cdb\\u003e \\u0026 co"}]}';
const INTERPOLATED =
  '{"my-server": [ {"name": "<db> & co", "label": "user-provided", "credentials": {"password": "interpolated-secret", "uri": "postgresql://user:interpolated-secret@db.example.com:5432/app"}}]}\n';

const PREFIX = 'Unable to interpolate credhub refs: ';
const attemptLine = (n: number, of: number, error: string): string =>
  `Failed on attempt ${n} out of ${of}: Unable to interpolate credhub references: ${error}\n`;

/** The launcher's environment for interpolation against `uri`, with the instance identity credentials. */
function credhubEnv(uri: string, extra: Record<string, string> = {}): Record<string, string> {
  return baseEnv({
    ...credhubIdentity(droplet, certs.client, certs.ca),
    VCAP_PLATFORM_OPTIONS: platformOptions(uri),
    VCAP_SERVICES: SERVICES_WITH_REF,
    ...extra,
  });
}

const FAST = ['-credhubRetryDelay=0s', '-credhubConnectAttempts=1'];

describe('CONTRACT §6 Credhub interpolation of VCAP_SERVICES', () => {
  describe('launcher (errors exit 3, §3.4)', () => {
    it('POSTs the re-serialized VCAP_SERVICES to /api/v1/interpolate over mutual TLS; the app sees the response verbatim', async () => {
      const server = await startCredhub(() => ({ status: 200, body: INTERPOLATED, headers: { 'Content-Type': 'application/json' } }));

      const r = await droplet.launch(['app', droplet.envCommand, ''], { env: credhubEnv(`${server.uri}/some/prefix?ignored=1`) });

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(launcherStdout());
      expect(r.code).toBe(0);
      expect(server.requests).toHaveLength(1);
      const req = server.requests[0]!;
      expect(req.method).toBe('POST');
      // The URI's own path and query are replaced (Q27 kept).
      expect(req.url).toBe('/api/v1/interpolate');
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.body).toBe(SERVICES_WITH_REF_BODY);
      expect(req.clientCN).toBe('instance-identity');
      const env = droplet.seenEnv();
      expect(env.VCAP_SERVICES).toBe(INTERPOLATED);
      // DATABASE_URL is derived after interpolation (§5 step 7), and the options are gone (step 6).
      expect(env.DATABASE_URL).toBe('postgres://user:interpolated-secret@db.example.com:5432/app');
      expect(env).not.toHaveProperty('VCAP_PLATFORM_OPTIONS');
    });

    it('any 2xx body becomes VCAP_SERVICES, unvalidated', async () => {
      const server = await startCredhub(() => ({ status: 201, body: 'not json, but 2xx' }));

      const r = await droplet.launch(['app', droplet.envCommand, ...FAST], { env: credhubEnv(server.uri) });

      expect(r.code).toBe(0);
      const env = droplet.seenEnv();
      expect(env.VCAP_SERVICES).toBe('not json, but 2xx');
      expect(env).not.toHaveProperty('DATABASE_URL');
    });

    it("prints a line per failed attempt on stdout (before the launcher's messages) and recovers on a later attempt", async () => {
      let calls = 0;
      const server = await startCredhub(() =>
        ++calls === 1 ? { status: 503, body: '{"error":"unavailable","error_description":"try again later"}' } : { status: 200, body: '{"interpolated":true}' },
      );

      const r = await droplet.launch(['app', 'printf %s "$VCAP_SERVICES"', '-credhubRetryDelay=10ms'], { env: credhubEnv(server.uri) });

      expect(r.stdout).toBe(attemptLine(1, 3, 'unavailable: try again later') + launcherStdout('{"interpolated":true}'));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(server.requests).toHaveLength(2);
    });

    it('fails with exit 3 after all attempts; for a 500 {} the message ends in ": " (no newline); the app does not start', async () => {
      const server = await startCredhub(() => ({ status: 500, body: '{}' }));

      const r = await droplet.launch(['app', `echo started > '${droplet.path('started')}'`, '-credhubConnectAttempts=2', '-credhubRetryDelay=0s'], {
        env: credhubEnv(server.uri),
      });

      expect(r.stdout).toBe(attemptLine(1, 2, '') + attemptLine(2, 2, ''));
      expect(r.stderr).toBe(`${PREFIX}Unable to interpolate credhub references: `);
      expect(r.code).toBe(3);
      expect(server.requests).toHaveLength(2);
      expect(droplet.exists('started')).toBe(false);
    });

    it.each([
      [
        'error and error_description',
        { status: 400, body: '{"error":"invalid_request","error_description":"The request could not be fulfilled"}' },
        'invalid_request: The request could not be fulfilled',
      ],
      ['error only', { status: 403, body: '{"error":"forbidden"}' }, 'forbidden'],
      ['an empty object', { status: 404, body: '{}' }, ''],
    ])('renders a non-2xx JSON body with %s', async (_what, reply, rendered) => {
      const server = await startCredhub(() => reply);

      const r = await droplet.launch(['app', 'echo never', ...FAST], { env: credhubEnv(server.uri) });

      expect(r.stdout).toBe(attemptLine(1, 1, rendered));
      expect(r.stderr).toBe(`${PREFIX}Unable to interpolate credhub references: ${rendered}`);
      expect(r.code).toBe(3);
    });

    it('reports a non-JSON error body as "The response body could not be decoded: <json error>"', async () => {
      const server = await startCredhub(() => ({ status: 500, body: 'this is not json' }));

      const r = await droplet.launch(['app', 'echo never', ...FAST], { env: credhubEnv(server.uri) });

      const error = "The response body could not be decoded: invalid character 'h' in literal true (expecting 'r')";
      expect(r.stdout).toBe(attemptLine(1, 1, error));
      expect(r.stderr).toBe(`${PREFIX}Unable to interpolate credhub references: ${error}`);
      expect(r.code).toBe(3);
    });

    it('server down: the Go-style `Post "…": dial tcp …: connect: connection refused` error', async () => {
      const port = await unusedPort();

      const r = await droplet.launch(['app', 'echo never', ...FAST], { env: credhubEnv(`https://127.0.0.1:${port}`) });

      const error = `Post "https://127.0.0.1:${port}/api/v1/interpolate": dial tcp 127.0.0.1:${port}: connect: connection refused`;
      expect(r.stdout).toBe(attemptLine(1, 1, error));
      expect(r.stderr).toBe(`${PREFIX}Unable to interpolate credhub references: ${error}`);
      expect(r.code).toBe(3);
    });

    it('a client certificate the server does not trust is refused: the attempt fails, no request is served', async () => {
      const server = await startCredhub(() => ({ status: 200, body: '{"should":"not be served"}' }));
      const env = credhubEnv(server.uri, { CF_INSTANCE_CERT: certs.selfSigned.certFile, CF_INSTANCE_KEY: certs.selfSigned.keyFile });

      const r = await droplet.launch(['app', 'echo never', ...FAST], { env });

      const post = `Post "${server.uri}/api/v1/interpolate": `;
      expect(r.stdout.startsWith(`Failed on attempt 1 out of 1: Unable to interpolate credhub references: ${post}`)).toBe(true);
      expect(r.stdout.endsWith('\n')).toBe(true);
      expect(r.stdout.split('\n')).toHaveLength(2);
      expect(r.stderr.startsWith(`${PREFIX}Unable to interpolate credhub references: ${post}`)).toBe(true);
      expect(r.code).toBe(3);
      expect(server.requests).toEqual([]);
    });

    it('a server certificate not signed by a CA in CF_SYSTEM_CERT_PATH (or the system store) is refused', async () => {
      const server = await startCredhub(() => ({ status: 200, body: '{"should":"not be served"}' }));
      const env = credhubEnv(server.uri, { CF_SYSTEM_CERT_PATH: droplet.mkdir('empty-system-certs') });

      const r = await droplet.launch(['app', 'echo never', ...FAST], { env });

      expect(r.stdout.startsWith(`Failed on attempt 1 out of 1: Unable to interpolate credhub references: Post "${server.uri}/api/v1/interpolate": `)).toBe(
        true,
      );
      expect(r.stdout).toContain('certificate');
      expect(r.code).toBe(3);
      expect(server.requests).toEqual([]);
    });

    it('waits -credhubRetryDelay between attempts but not after the last one (Q28 fixed)', async () => {
      const server = await startCredhub(() => ({ status: 500, body: '{}' }));

      const r = await droplet.launch(['app', 'echo never', '-credhubConnectAttempts=3', '-credhubRetryDelay=1s'], { env: credhubEnv(server.uri) });
      const ended = Date.now();

      expect(r.code).toBe(3);
      expect(r.stdout).toBe(attemptLine(1, 3, '') + attemptLine(2, 3, '') + attemptLine(3, 3, ''));
      expect(server.requests).toHaveLength(3);
      for (const gap of gaps(server.requests.map((q) => q.at))) {
        expect(gap).toBeGreaterThanOrEqual(950);
        expect(gap).toBeLessThan(1600);
      }
      expect(ended - server.requests[2]!.at).toBeLessThan(800);
    });

    it('defaults to 3 attempts, 1 s apart, when the metadata argument is given (flags after it are ignored, Q23 kept)', async () => {
      const server = await startCredhub(() => ({ status: 500, body: '{}' }));

      const r = await droplet.launch(['app', 'echo never', '{}', ...FAST], { env: credhubEnv(server.uri) });

      expect(r.stdout).toBe(attemptLine(1, 3, '') + attemptLine(2, 3, '') + attemptLine(3, 3, ''));
      expect(r.code).toBe(3);
      const [first, second] = gaps(server.requests.map((q) => q.at));
      expect(first).toBeGreaterThanOrEqual(950);
      expect(second).toBeGreaterThanOrEqual(950);
    });

    it.each(['0', '-1'])('-credhubConnectAttempts=%s: a clear error, no request, exit 3 (Q25 fixed)', async (attempts) => {
      const server = await startCredhub(() => ({ status: 200, body: '{}' }));

      const r = await droplet.launch(['app', 'echo never', `-credhubConnectAttempts=${attempts}`], { env: credhubEnv(server.uri) });

      expect(r.stderr).toBe(`${PREFIX}Unable to interpolate credhub references: -credhubConnectAttempts must be at least 1`);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(3);
      expect(server.requests).toEqual([]);
    });

    it('talks plain HTTP to an http:// credhub URI', async () => {
      const server = await startCredhub(() => ({ status: 200, body: '{"over":"http"}' }), false);

      const r = await droplet.launch(['app', 'printf %s "$VCAP_SERVICES"', ''], { env: credhubEnv(server.uri) });

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(launcherStdout('{"over":"http"}'));
      expect(r.code).toBe(0);
      expect(server.requests.map((q) => q.url)).toEqual(['/api/v1/interpolate']);
    });

    it("an unparsable VCAP_SERVICES is each attempt's error, without a request", async () => {
      const server = await startCredhub(() => ({ status: 200, body: '{}' }));

      const r = await droplet.launch(['app', 'echo never', '-credhubConnectAttempts=2', '-credhubRetryDelay=0s'], {
        env: credhubEnv(server.uri, { VCAP_SERVICES: 'oops "credhub-ref"' }),
      });

      const error = "invalid character 'o' looking for beginning of value";
      expect(r.stdout).toBe(attemptLine(1, 2, error) + attemptLine(2, 2, error));
      expect(r.stderr).toBe(`${PREFIX}Unable to interpolate credhub references: ${error}`);
      expect(r.code).toBe(3);
      expect(server.requests).toEqual([]);
    });

    describe('when nothing is interpolated', () => {
      it.each([
        [
          'VCAP_SERVICES has no "credhub-ref" text (only unquoted)',
          { VCAP_SERVICES: '{"db":[{"credentials":{"note":"mentions credhub-ref without quotes"}}]}' },
        ],
        ['CREDHUB_SKIP_INTERPOLATION is set', { VCAP_SERVICES: SERVICES_WITH_REF, CREDHUB_SKIP_INTERPOLATION: 'true' }],
        ['VCAP_SERVICES is unset', {}],
      ])('%s: no client set-up, no request, VCAP_SERVICES unchanged', async (_what, extraEnv: Record<string, string>) => {
        const server = await startCredhub(() => ({ status: 200, body: '{"should":"not be used"}' }));

        // No CF_INSTANCE_* variables: the client would fail to set up if it were created.
        const r = await droplet.launch(['app', droplet.envCommand, ''], { env: baseEnv({ VCAP_PLATFORM_OPTIONS: platformOptions(server.uri), ...extraEnv }) });

        expect(r.stderr).toBe('');
        expect(r.stdout).toBe(launcherStdout());
        expect(r.code).toBe(0);
        expect(server.requests).toEqual([]);
        const env = droplet.seenEnv();
        expect(env.VCAP_SERVICES).toBe(extraEnv.VCAP_SERVICES);
        expect(env).not.toHaveProperty('VCAP_PLATFORM_OPTIONS');
      });

      it('CREDHUB_SKIP_INTERPOLATION set to the empty string does not skip', async () => {
        const server = await startCredhub(() => ({ status: 200, body: '{"interpolated":"anyway"}' }));

        const r = await droplet.launch(['app', 'printf %s "$VCAP_SERVICES"', ''], { env: credhubEnv(server.uri, { CREDHUB_SKIP_INTERPOLATION: '' }) });

        expect(r.stdout).toBe(launcherStdout('{"interpolated":"anyway"}'));
        expect(server.requests).toHaveLength(1);
      });

      it('interpolates when "credhub-ref" appears as a JSON value (textual test, Q26 kept)', async () => {
        const server = await startCredhub(() => ({ status: 200, body: '{"value":"interpolated"}' }));

        const r = await droplet.launch(['app', 'printf %s "$VCAP_SERVICES"', ''], {
          env: credhubEnv(server.uri, { VCAP_SERVICES: '{"svc":[{"name":"credhub-ref"}]}' }),
        });

        expect(r.code).toBe(0);
        expect(server.requests).toHaveLength(1);
        expect(r.stdout).toBe(launcherStdout('{"value":"interpolated"}'));
      });
    });

    describe('client set-up errors: `Unable to set up credhub client: …`, exit 3, no request, no attempt lines', () => {
      it.each([
        ['CF_INSTANCE_CERT is missing', 'CF_INSTANCE_CERT', 'Missing CF_INSTANCE_CERT and/or CF_INSTANCE_KEY'],
        ['CF_INSTANCE_KEY is missing', 'CF_INSTANCE_KEY', 'Missing CF_INSTANCE_CERT and/or CF_INSTANCE_KEY'],
        ['CF_SYSTEM_CERT_PATH is missing', 'CF_SYSTEM_CERT_PATH', 'Missing CF_SYSTEM_CERT_PATH'],
      ])('%s', async (_what, unset, message) => {
        const server = await startCredhub(() => ({ status: 200, body: '{}' }));
        const env = credhubEnv(server.uri);
        delete env[unset];

        const r = await droplet.launch(['app', 'echo never', ''], { env });

        expect(r.stderr).toBe(`${PREFIX}Unable to set up credhub client: ${message}`);
        expect(r.stdout).toBe('');
        expect(r.code).toBe(3);
        expect(server.requests).toEqual([]);
      });

      it('an empty CF_INSTANCE_KEY counts as missing', async () => {
        const server = await startCredhub(() => ({ status: 200, body: '{}' }));

        const r = await droplet.launch(['app', 'echo never', ''], { env: credhubEnv(server.uri, { CF_INSTANCE_KEY: '' }) });

        expect(r.stderr).toBe(`${PREFIX}Unable to set up credhub client: Missing CF_INSTANCE_CERT and/or CF_INSTANCE_KEY`);
        expect(r.code).toBe(3);
      });

      it('CF_SYSTEM_CERT_PATH cannot be listed', async () => {
        const server = await startCredhub(() => ({ status: 200, body: '{}' }));

        const r = await droplet.launch(['app', 'echo never', ''], { env: credhubEnv(server.uri, { CF_SYSTEM_CERT_PATH: droplet.path('no-such-dir') }) });

        expect(r.stderr.startsWith(`${PREFIX}Unable to set up credhub client: Can't read contents of system cert path: `)).toBe(true);
        expect(r.stdout).toBe('');
        expect(r.code).toBe(3);
        expect(server.requests).toEqual([]);
      });

      it('a *.crt in CF_SYSTEM_CERT_PATH is not a certificate', async () => {
        const server = await startCredhub(() => ({ status: 200, body: '{}' }));
        const env = credhubEnv(server.uri);
        droplet.write('system-certs/broken.crt', 'not a PEM certificate\n');

        const r = await droplet.launch(['app', 'echo never', ''], { env });

        expect(r.stderr).toBe(`${PREFIX}Unable to set up credhub client: provided ca certs are invalid`);
        expect(r.code).toBe(3);
        expect(server.requests).toEqual([]);
      });

      it('the instance certificate file holds no PEM data', async () => {
        const server = await startCredhub(() => ({ status: 200, body: '{}' }));

        const r = await droplet.launch(['app', 'echo never', ''], {
          env: credhubEnv(server.uri, { CF_INSTANCE_CERT: droplet.write('bad-instance.crt', 'garbage\n') }),
        });

        expect(r.stderr).toBe(`${PREFIX}Unable to set up credhub client: tls: failed to find any PEM data in certificate input`);
        expect(r.code).toBe(3);
        expect(server.requests).toEqual([]);
      });
    });
  });

  describe('shell (errors exit 1, §4)', () => {
    it('interpolates, prints nothing of its own, and the command sees the result', async () => {
      const server = await startCredhub(() => ({ status: 200, body: INTERPOLATED }));

      const r = await droplet.shell(['app', 'printf "%s|%s" "$VCAP_SERVICES" "$DATABASE_URL"'], { env: credhubEnv(server.uri) });

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${INTERPOLATED}|postgres://user:interpolated-secret@db.example.com:5432/app`);
      expect(r.code).toBe(0);
      expect(server.requests[0]!.body).toBe(SERVICES_WITH_REF_BODY);
    });

    it('failure after all attempts: the attempt lines on stdout, the error on stderr, exit 1', async () => {
      const server = await startCredhub(() => ({ status: 500, body: '{"error":"boom"}' }));

      const r = await droplet.shell(['app', 'echo never', '-credhubConnectAttempts=2', '-credhubRetryDelay=0s'], { env: credhubEnv(server.uri) });

      expect(r.stdout).toBe(attemptLine(1, 2, 'boom') + attemptLine(2, 2, 'boom'));
      expect(r.stderr).toBe(`${PREFIX}Unable to interpolate credhub references: boom`);
      expect(r.code).toBe(1);
    });

    it('a refused client certificate: exit 1', async () => {
      const server = await startCredhub(() => ({ status: 200, body: '{}' }));
      const env = credhubEnv(server.uri, { CF_INSTANCE_CERT: certs.selfSigned.certFile, CF_INSTANCE_KEY: certs.selfSigned.keyFile });

      const r = await droplet.shell(['app', 'echo never', ...FAST], { env });

      expect(r.stdout.startsWith(`Failed on attempt 1 out of 1: Unable to interpolate credhub references: Post "${server.uri}/api/v1/interpolate": `)).toBe(
        true,
      );
      expect(r.code).toBe(1);
      expect(server.requests).toEqual([]);
    });

    it.each(['0', '-1'])('-credhubConnectAttempts=%s: the same error as the launcher, exit 1 (Q25 fixed)', async (attempts) => {
      const server = await startCredhub(() => ({ status: 200, body: '{}' }));

      const r = await droplet.shell(['app', 'echo never', `-credhubConnectAttempts=${attempts}`], { env: credhubEnv(server.uri) });

      expect(r.stderr).toBe(`${PREFIX}Unable to interpolate credhub references: -credhubConnectAttempts must be at least 1`);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
      expect(server.requests).toEqual([]);
    });

    it('set-up errors exit 1', async () => {
      const server = await startCredhub(() => ({ status: 200, body: '{}' }));
      const env = credhubEnv(server.uri);
      delete env.CF_SYSTEM_CERT_PATH;

      const r = await droplet.shell(['app', 'echo never'], { env });

      expect(r.stderr).toBe(`${PREFIX}Unable to set up credhub client: Missing CF_SYSTEM_CERT_PATH`);
      expect(r.code).toBe(1);
    });
  });
});
