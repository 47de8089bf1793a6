// HTTP(S) hooks through the built builder (-hooksConfig), served on 127.0.0.1 by receivers that
// verify the HMAC signature with their copy of the secret.
import fs from 'node:fs';
import type http from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { json, startHookServer, type HookServer } from '../helpers/hooks/hook-server.ts';
import { generateCertificates, type TestCertificates } from '../helpers/certs.ts';
import { BUILDER_HAS_HOOKS, HooksWorkspace, lastLine, writeText } from './helpers.ts';

const SECRET = 'e2e-hook-secret-0123456789abcdef';
let certs: TestCertificates;
let server: HookServer;

beforeAll(async () => {
  if (!BUILDER_HAS_HOOKS) return;
  certs = generateCertificates();
  server = await startHookServer({
    secret: SECRET,
    tls: { cert: certs.server.cert, key: certs.server.key },
    routes: {
      '/allow': (_r, res: http.ServerResponse) => {
        res.writeHead(204);
        res.end();
      },
      '/findings': json(200, { decision: 'allow', message: 'scanned 2 deps', findings: [{ id: 'CVE-2024-1', severity: 'low', summary: 'minor issue' }] }),
      '/deny': json(200, { decision: 'deny', message: 'left-pad is banned', findings: [{ id: 'banned:left-pad', severity: 'critical' }] }),
      '/malformed': json(200, { verdict: 'fine' }),
      '/crash': (_r, res: http.ServerResponse) => res.socket?.destroy(),
      '/hang': () => {},
    },
  });
});
afterAll(async () => {
  await server?.close();
  certs?.cleanup();
});

let ws: HooksWorkspace;
beforeEach(() => {
  ws = new HooksWorkspace();
});
afterEach(() => ws.cleanup());

function config(route: string, opts: { policy?: string; secret?: string; ca?: boolean; timeout?: string; phase?: string } = {}): string {
  const secretFile = writeText(ws.file('hook.secret'), `${opts.secret ?? SECRET}\n`, 0o600);
  const lines = [
    'hooks:',
    '  - name: scanner',
    '    kind: http',
    `    phase: ${opts.phase ?? 'post-build'}`,
    `    url: ${server.url(route)}`,
    `    secretFile: ${secretFile}`,
    `    policy: ${opts.policy ?? 'required'}`,
    `    timeout: ${opts.timeout ?? '5s'}`,
  ];
  if (opts.ca !== false) lines.push(`    caFile: ${certs.ca.certFile}`);
  return writeText(ws.file('hooks.yml'), `${lines.join('\n')}\n`);
}

describe.skipIf(!BUILDER_HAS_HOOKS)('HTTP hooks through the builder', () => {
  it('POSTs a signed event over HTTPS (CA file) and records the findings', async () => {
    const before = server.received.length;
    const r = await ws.stageWithHooks({ hooksConfig: config('/findings') });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const req = server.received[before]!;
    expect(req.verified).toBe(true);
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toMatchObject({
      schemaVersion: 1,
      phase: 'post-build',
      paths: { buildDir: ws.buildDir },
      hook: { name: 'scanner', kind: 'http' },
    });
    expect(ws.hookRecords()).toEqual([
      {
        name: 'scanner',
        phase: 'post-build',
        kind: 'http',
        policy: 'required',
        durationMs: expect.any(Number),
        outcome: 'allow',
        message: 'scanned 2 deps',
        findings: [{ id: 'CVE-2024-1', severity: 'low', summary: 'minor issue' }],
      },
    ]);
  });

  it('an empty 204 is an allow, in post-package too', async () => {
    const r = await ws.stageWithHooks({ hooksConfig: config('/allow', { phase: 'post-package' }) });
    expect(r.code).toBe(0);
    expect(ws.hookRecords()).toMatchObject([{ name: 'scanner', phase: 'post-package', outcome: 'allow' }]);
  });

  describe('required', () => {
    it('a deny: exit 227, no droplet', async () => {
      const r = await ws.stageWithHooks({ hooksConfig: config('/deny') });
      expect(r.code).toBe(227);
      expect(lastLine(r.stderr)).toBe("Staging denied by hook 'scanner' (post-build): left-pad is banned");
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
    });

    it.each([
      ['a timeout', '/hang', "Hook 'scanner' (post-build) failed: timed out after 1s"],
      ['a dropped connection', '/crash', /^Hook 'scanner' \(post-build\) failed: socket hang up/],
      ['a malformed answer', '/malformed', `Hook 'scanner' (post-build) failed: malformed answer: answer has no "decision"`],
    ])('%s: exit 228, no droplet', async (_what, route, message) => {
      const r = await ws.stageWithHooks({ hooksConfig: config(route, { timeout: '1s' }) });
      expect(r.code).toBe(228);
      if (typeof message === 'string') expect(lastLine(r.stderr)).toBe(message);
      else expect(lastLine(r.stderr)).toMatch(message);
      expect(fs.existsSync(ws.outputDroplet)).toBe(false);
    });

    it('a wrong secret: the receiver detects the bad signature, staging fails with 228', async () => {
      const before = server.received.length;
      const r = await ws.stageWithHooks({ hooksConfig: config('/allow', { secret: 'not-what-the-receiver-expects' }) });
      expect(server.received[before]!.verified).toBe(false);
      expect(r.code).toBe(228);
      expect(lastLine(r.stderr)).toBe("Hook 'scanner' (post-build) failed: HTTP 401: bad signature");
    });

    it('a server the CA file does not vouch for: exit 228', async () => {
      const r = await ws.stageWithHooks({ hooksConfig: config('/allow', { ca: false }) });
      expect(r.code).toBe(228);
      expect(lastLine(r.stderr)).toMatch(/^Hook 'scanner' \(post-build\) failed: .*certificate/);
    });
  });

  describe('advisory', () => {
    it.each([
      ['deny', '/deny', 'deny', undefined],
      ['timeout', '/hang', 'timeout', undefined],
      ['crash', '/crash', 'error', undefined],
      ['malformed', '/malformed', 'malformed', undefined],
      ['bad signature', '/allow', 'error', 'wrong-secret-but-long-enough'],
    ])('%s is recorded and staging goes on', async (_what, route, outcome, secret) => {
      const r = await ws.stageWithHooks({ hooksConfig: config(route, { policy: 'advisory', timeout: '1s', ...(secret ? { secret } : {}) }) });
      expect(r.code).toBe(0);
      expect(fs.existsSync(ws.outputDroplet)).toBe(true);
      expect(ws.hookRecords()).toMatchObject([{ name: 'scanner', policy: 'advisory', outcome }]);
      expect(r.stderr).toContain("Advisory hook 'scanner' (post-build)");
    });
  });
});
