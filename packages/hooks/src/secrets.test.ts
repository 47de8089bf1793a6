import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HookConfigError, HookDeniedError, loadHooks, runHooks, type HookDefinition, type HookPolicy } from './index.ts';
import { LineRedactor, Redactor } from './secrets.ts';
import { startHookServer, type HookServer } from '../../../test/helpers/hooks/hook-server.ts';
import { CapturedLog, event, execHook, scratch, script, writeFile } from '../../../test/helpers/hooks/support.ts';

const MARKER = 'PLANTED-SECRET-MARKER-3f9c2e71d0a84b6c';
let dir: string;
let cleanup: () => void;
let server: HookServer;
let secretFile: string;

beforeAll(async () => {
  ({ dir, cleanup } = scratch());
  secretFile = writeFile(path.join(dir, 'hook.secret'), `${MARKER}\n`, 0o600);
  const leak = (status: number) => (_r: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    const answer = { decision: 'deny', message: `the secret is ${MARKER}`, findings: [{ id: `id-${MARKER}`, severity: MARKER, summary: `summary ${MARKER}` }] };
    res.end(status === 200 ? JSON.stringify(answer) : `error with ${MARKER}`);
  };
  server = await startHookServer({ secret: MARKER, routes: { '/leak': leak(200), '/leak-500': leak(500) } });
});
afterAll(async () => {
  await server?.close();
  cleanup?.();
});

/** Everything a run produced that could end up in a log, an error or the staging metadata. */
async function outputsOf(hooks: HookDefinition[]): Promise<string> {
  const log = new CapturedLog();
  let error = '';
  let records: unknown;
  try {
    records = await runHooks('post-build', hooks, event(dir), log);
  } catch (err) {
    expect(err).toBeInstanceOf(HookDeniedError);
    error = `${(err as HookDeniedError).message}\n${JSON.stringify((err as HookDeniedError).record)}`;
    records = (err as HookDeniedError).records;
  }
  return [log.all, error, JSON.stringify(records)].join('\n');
}

describe('secrets are redacted everywhere', () => {
  for (const policy of ['required', 'advisory'] as HookPolicy[]) {
    it(`an HTTP hook whose server echoes the secret (${policy})`, async () => {
      for (const route of ['/leak', '/leak-500']) {
        const out = await outputsOf([{ name: 'echo', kind: 'http', phase: 'post-build', url: server.url(route), secretFile, policy, timeoutMs: 5000 }]);
        expect(out).not.toContain(MARKER);
        expect(out).toContain('[REDACTED]');
      }
    });

    it(`an exec hook that prints another hook's secret, in short and very long lines (${policy})`, async () => {
      const file = script(
        path.join(dir, `leaky-${policy}`),
        [
          `s=$(cat ${secretFile})`,
          'echo "stderr: $s" >&2',
          // a line far longer than the pass-through's piece size, the secret straddling piece boundaries
          `for i in $(seq 1 3000); do printf "xyz$s"; done >&2`,
          `printf '{"decision":"deny","message":"%s","findings":[{"id":"%s"}]}' "$s" "$s"`,
        ].join('\n'),
      );
      const hooks: HookDefinition[] = [
        execHook('leaky', file, { policy }),
        // The secret belongs to an HTTP hook of another phase: still scrubbed.
        { name: 'owner', kind: 'http', phase: 'post-package', url: server.url('/leak'), secretFile, policy: 'required', timeoutMs: 1000 },
      ];
      const out = await outputsOf(hooks);
      expect(out).not.toContain(MARKER);
      expect(out.split('[REDACTED]').length).toBeGreaterThan(3000);
    });
  }

  it('texts are cut to length only after redaction: no cut leaves a piece of a secret', async () => {
    const file = script(
      path.join(dir, 'long-leaky'),
      [
        `s=$(cat ${secretFile})`,
        `pad=$(head -c 1015 /dev/zero | tr '\\0' x)`,
        `long=$(head -c 4090 /dev/zero | tr '\\0' y)`,
        `printf '{"decision":"deny","message":"%s%s","findings":[{"id":"f","summary":"%s%s"}]}' "$pad" "$s" "$long" "$s"`,
      ].join('\n'),
    );
    const hooks: HookDefinition[] = [
      execHook('long-leaky', file, { policy: 'advisory' }),
      { name: 'owner', kind: 'http', phase: 'post-package', url: server.url('/leak'), secretFile, policy: 'required', timeoutMs: 1000 },
    ];
    const out = await outputsOf(hooks);
    expect(out).not.toContain(MARKER.slice(0, 9));
  });

  it('loaded definitions hold the secret file path, never its content', async () => {
    const config = writeFile(
      path.join(dir, 'hooks.yml'),
      `hooks:\n  - name: scanner\n    kind: http\n    phase: post-build\n    url: https://scanner.invalid/hook\n    secretFile: ${secretFile}\n`,
    );
    const hooks = await loadHooks({ hooksConfig: config });
    expect(hooks[0]!.secretFile).toBe(secretFile);
    expect(JSON.stringify(hooks)).not.toContain(MARKER);
  });

  it('a config error about a secret file does not quote it', async () => {
    const short = writeFile(path.join(dir, 'short.secret'), 'PLANTED-short', 0o600);
    const config = writeFile(
      path.join(dir, 'short.yml'),
      `hooks:\n  - name: scanner\n    kind: http\n    phase: post-build\n    url: https://scanner.invalid/hook\n    secretFile: ${short}\n`,
    );
    const err = await loadHooks({ hooksConfig: config }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookConfigError);
    expect((err as Error).message).toBe(`Invalid hooks config ${config}: hook 'scanner': secret file ${short} must hold at least 16 bytes`);
    expect((err as Error).message).not.toContain('PLANTED-short');
  });
});

describe('the line pass-through', () => {
  it('never splits a secret, whatever the chunking', () => {
    const secret = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const text = `${'x'.repeat(100)}${secret}${'y'.repeat(50)}${secret}\nend ${secret}\n`;
    for (let size = 1; size <= 40; size += 3) {
      let out = '';
      const lines = new LineRedactor(new Redactor([secret]), '> ', (s) => (out += s), 1 << 20, 16);
      for (let i = 0; i < text.length; i += size) lines.push(text.slice(i, i + size));
      lines.end();
      expect(out).not.toContain(secret);
      expect(out.split('\n').every((l) => l === '' || l.startsWith('> '))).toBe(true);
      expect(
        out
          .split('\n')
          .map((l) => l.slice(2))
          .join(''),
      ).toBe(text.replaceAll(secret, '[REDACTED]').replaceAll('\n', ''));
    }
  });
});
