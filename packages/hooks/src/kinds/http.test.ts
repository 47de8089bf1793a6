// HTTP(S) hooks against real receivers on 127.0.0.1 that verify the HMAC signature.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates, type TestCertificates } from '../../../../test/helpers/certs.ts';
import { HookDeniedError, runHooks, signBody, type HookDefinition, type HookPolicy } from '../index.ts';
import { CapturedLog, event, scratch, writeFile } from '../../../../test/helpers/hooks/support.ts';
import { json, startHookServer, type HookServer } from '../../../../test/helpers/hooks/hook-server.ts';

const SECRET = 'a-shared-secret-of-enough-length';
let dir: string;
let cleanup: () => void;
let certs: TestCertificates;
let plain: HookServer;
let secure: HookServer;
let secretFile: string;
let wrongSecretFile: string;

const routes = {
  '/allow-204': (_r: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(204);
    res.end();
  },
  '/allow-empty-200': (_r: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200);
    res.end();
  },
  '/findings': json(200, { decision: 'allow', message: 'scanned', findings: [{ id: 'CVE-2024-0001', severity: 'low', summary: 'minor' }] }),
  '/deny': json(200, { decision: 'deny', message: 'left-pad@0.0.1 is banned', findings: [{ id: 'banned:left-pad', severity: 'high' }] }),
  '/malformed': json(200, { verdict: 'ok' }),
  '/not-json': (_r: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<html>');
  },
  '/error-500': (_r: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(500);
    res.end('scanner exploded\nstack trace');
  },
  '/redirect': (_r: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(302, { Location: '/allow-204' });
    res.end();
  },
  '/crash': (_r: unknown, res: import('node:http').ServerResponse) => res.socket?.destroy(),
  '/hang': () => {},
  '/huge': (_r: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200);
    res.end(Buffer.alloc(2 * 1024 * 1024, 0x20));
  },
};

beforeAll(async () => {
  ({ dir, cleanup } = scratch());
  certs = generateCertificates();
  secretFile = writeFile(path.join(dir, 'secret'), `${SECRET}\n`, 0o600);
  wrongSecretFile = writeFile(path.join(dir, 'wrong-secret'), 'not-the-receivers-secret-at-all', 0o600);
  plain = await startHookServer({ secret: SECRET, routes });
  secure = await startHookServer({ secret: SECRET, tls: { cert: certs.server.cert, key: certs.server.key }, routes });
});
afterAll(async () => {
  await plain?.close();
  await secure?.close();
  certs?.cleanup();
  cleanup?.();
});

function httpHook(name: string, url: string, over: Partial<HookDefinition> = {}): HookDefinition {
  return { name, kind: 'http', phase: 'post-build', url, secretFile, caFile: certs.ca.certFile, policy: 'required', timeoutMs: 5000, ...over };
}

async function runOne(h: HookDefinition) {
  const log = new CapturedLog();
  try {
    const records = await runHooks('post-build', [h], event(dir), log);
    return { records, log, error: undefined };
  } catch (err) {
    expect(err).toBeInstanceOf(HookDeniedError);
    return { records: (err as HookDeniedError).records, log, error: err as HookDeniedError };
  }
}

describe('delivery', () => {
  it('POSTs the event as JSON, signed with HMAC-SHA256 of the raw body', async () => {
    const before = secure.received.length;
    const { records } = await runOne(httpHook('scanner', secure.url('/allow-204')));
    expect(records[0]!.outcome).toBe('allow');
    const req = secure.received[before]!;
    expect(req.verified).toBe(true);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-lifecycle-signature']).toBe(signBody(req.body, SECRET));
    expect(req.headers['x-lifecycle-hook']).toBe('scanner');
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ schemaVersion: 1, phase: 'post-build', app: { name: 'my-app' }, hook: { name: 'scanner', kind: 'http', policy: 'required' } });
    // The delivery id and time are in the signed body; the headers repeat them.
    expect(req.headers['x-lifecycle-delivery']).toBe(body.hook.deliveryId);
    expect(Number(req.headers['x-lifecycle-timestamp'])).toBe(Math.floor(Date.parse(body.hook.sentAt) / 1000));
  });

  it('each delivery has its own id', async () => {
    const before = plain.received.length;
    await runOne(httpHook('a', plain.url('/allow-204')));
    await runOne(httpHook('a', plain.url('/allow-204')));
    const [one, two] = plain.received.slice(before).map((r) => JSON.parse(r.body).hook.deliveryId);
    expect(one).not.toBe(two);
  });

  it('trusts the CA file besides the system CAs; without it the server is refused', async () => {
    expect((await runOne(httpHook('with-ca', secure.url('/allow-204')))).records[0]!.outcome).toBe('allow');
    const { error } = await runOne(httpHook('without-ca', secure.url('/allow-204'), { caFile: undefined }));
    expect(error!.exitCode).toBe(228);
    expect(error!.message).toMatch(/^Hook 'without-ca' \(post-build\) failed: .*(certificate|UNABLE_TO_VERIFY)/);
  });
});

for (const policy of ['required', 'advisory'] as HookPolicy[]) {
  describe(`outcomes, ${policy}`, () => {
    const fails = policy === 'required';
    const cases: Array<[string, string, string, number | undefined, RegExp | string | undefined]> = [
      ['an empty 204', '/allow-204', 'allow', undefined, undefined],
      ['an empty 200', '/allow-empty-200', 'allow', undefined, undefined],
      ['a deny', '/deny', 'deny', 227, "Staging denied by hook 'h' (post-build): left-pad@0.0.1 is banned"],
      ['a JSON answer without decision', '/malformed', 'malformed', 228, /^Hook 'h' \(post-build\) failed: malformed answer: answer has no "decision"$/],
      ['a body that is not JSON', '/not-json', 'malformed', 228, /malformed answer: answer is not JSON/],
      ['a 500', '/error-500', 'error', 228, "Hook 'h' (post-build) failed: HTTP 500: scanner exploded"],
      ['a redirect', '/redirect', 'error', 228, "Hook 'h' (post-build) failed: HTTP 302 (redirects are not followed)"],
      ['a dropped connection', '/crash', 'error', 228, /^Hook 'h' \(post-build\) failed: socket hang up/],
      ['a 404', '/nowhere', 'error', 228, "Hook 'h' (post-build) failed: HTTP 404"],
      ['a huge body', '/huge', 'malformed', 228, /response body larger than 1048576 bytes/],
    ];
    it.each(cases)('%s', async (_what, route, outcome, code, message) => {
      for (const server of [plain, secure]) {
        const { records, error, log } = await runOne(httpHook('h', server.url(route), { policy }));
        expect(records.at(-1)!.outcome).toBe(outcome);
        if (outcome === 'allow' || !fails) {
          expect(error).toBeUndefined();
          if (outcome !== 'allow') expect(log.err).toContain("Advisory hook 'h' (post-build)");
        } else {
          expect(error!.exitCode).toBe(code);
          if (typeof message === 'string') expect(error!.message).toBe(message);
          else expect(error!.message).toMatch(message!);
        }
      }
    });

    it('records findings', async () => {
      const { records } = await runOne(httpHook('h', secure.url('/findings'), { policy }));
      expect(records[0]).toMatchObject({ outcome: 'allow', message: 'scanned', findings: [{ id: 'CVE-2024-0001', severity: 'low', summary: 'minor' }] });
    });

    it('a timeout', async () => {
      const started = Date.now();
      const { records, error } = await runOne(httpHook('h', secure.url('/hang'), { policy, timeoutMs: 400 }));
      expect(Date.now() - started).toBeLessThan(3000);
      expect(records[0]).toMatchObject({ outcome: 'timeout', message: 'timed out after 400ms' });
      if (fails) expect(error!.message).toBe("Hook 'h' (post-build) failed: timed out after 400ms");
      else expect(error).toBeUndefined();
    });

    it('a wrong secret: the receiver detects the bad signature and refuses (401)', async () => {
      const before = secure.received.length;
      const { records, error } = await runOne(httpHook('h', secure.url('/allow-204'), { policy, secretFile: wrongSecretFile }));
      expect(secure.received[before]!.verified).toBe(false);
      expect(records[0]).toMatchObject({ outcome: 'error', message: 'HTTP 401: bad signature' });
      if (fails) expect(error!.exitCode).toBe(228);
      else expect(error).toBeUndefined();
    });

    it('nothing listening', async () => {
      const { records } = await runOne(httpHook('h', 'http://127.0.0.1:9/', { policy }));
      expect(records[0]).toMatchObject({ outcome: 'error' });
      expect(records[0]!.message).toMatch(/ECONNREFUSED/);
    });
  });
}

describe('secret files', () => {
  it('a secret file removed after loading is an error naming the file, not its content', async () => {
    const gone = path.join(dir, 'gone-secret');
    const { records } = await runOne(httpHook('h', plain.url('/allow-204'), { secretFile: gone, policy: 'advisory' }));
    expect(records[0]).toMatchObject({ outcome: 'error', message: `cannot read secret file ${gone}: ENOENT` });
    expect(fs.existsSync(gone)).toBe(false);
  });
});
