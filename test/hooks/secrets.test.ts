// A planted secret must not appear in anything the builder writes: stdout, stderr, result.json, the
// staging metadata (file and droplet copy), even when the hook server and an exec hook send it back.
import fs from 'node:fs';
import type http from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHookServer, type HookServer } from '../helpers/hooks/hook-server.ts';
import { BUILDER_HAS_HOOKS, HooksWorkspace, writeHook, writeText } from './helpers.ts';

const MARKER = 'E2E-PLANTED-SECRET-9d41c7a2b58e';
let server: HookServer;

beforeAll(async () => {
  if (!BUILDER_HAS_HOOKS) return;
  const echo = (status: number) => (_r: unknown, res: http.ServerResponse) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    const answer = {
      decision: status === 200 ? 'allow' : 'deny',
      message: `echo ${MARKER}`,
      findings: [{ id: MARKER, severity: MARKER, summary: `got ${MARKER}` }],
    };
    res.end(status === 500 ? `failure mentioning ${MARKER}` : JSON.stringify(answer));
  };
  server = await startHookServer({ secret: MARKER, routes: { '/allow': echo(200), '/deny': echo(201), '/fail': echo(500) } });
});
afterAll(async () => server?.close());

let ws: HooksWorkspace;
beforeEach(() => {
  ws = new HooksWorkspace();
});
afterEach(() => ws.cleanup());

describe.skipIf(!BUILDER_HAS_HOOKS)('hook secrets never leak', () => {
  it.each([
    ['advisory hooks that echo the secret: staged', 'advisory', '/deny', 0],
    ['a required hook that echoes it in a deny', 'required', '/deny', 227],
    ['a required hook that echoes it in an error body', 'required', '/fail', 228],
  ])('%s', async (_what, policy, route, code) => {
    const secretFile = writeText(ws.file('hook.secret'), `${MARKER}\n`, 0o600);
    const hooksDir = ws.file('hooks');
    // An exec hook that reads the HTTP hook's secret and prints it everywhere it can.
    writeHook(
      hooksDir,
      'post-build',
      'a-leaky',
      [`s=$(cat ${secretFile})`, 'echo "stderr $s" >&2', `printf '{"decision":"allow","message":"%s","findings":[{"id":"%s"}]}' "$s" "$s"`].join('\n'),
    );
    const config = writeText(
      ws.file('hooks.yml'),
      [
        'hooks:',
        `  - { name: b-echo, kind: http, phase: post-build, url: "${server.url('/allow')}", secretFile: ${secretFile}, policy: advisory }`,
        `  - { name: c-last, kind: http, phase: post-package, url: "${server.url(route)}", secretFile: ${secretFile}, policy: ${policy} }`,
      ].join('\n'),
    );
    const r = await ws.stageWithHooks({ hooksDir, hooksConfig: config, env: { HOOK_SECRET: 'not-passed-on' } });
    expect(r.code).toBe(code);
    const everything = [r.stdout, r.stderr, ws.writtenOutputs()].join('\n');
    expect(everything).not.toContain(MARKER);
    expect(r.stderr).toContain('[a-leaky] stderr [REDACTED]');
    if (code === 0) expect(JSON.stringify(ws.hookRecords())).toContain('[REDACTED]');
    // The staging metadata and result.json name no secret file content either (only, at most, paths).
    expect(fs.readFileSync(ws.file('hook.secret'), 'utf8')).toContain(MARKER);
  });
});
