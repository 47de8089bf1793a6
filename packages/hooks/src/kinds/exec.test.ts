// Exec hooks through runHooks: the event on stdin, the answer on stdout, policies, and every way a
// hook can misbehave (timeout, crash, flood, junk, a child left behind) without hanging staging.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '@cf-lifecycle/contract';
import { HookDeniedError, runHooks, type HookDefinition, type HookRecord } from '../index.ts';
import { CapturedLog, alive, event, eventually, execHook, scratch, script } from '../../../../test/helpers/hooks/support.ts';

let dir: string;
let cleanup: () => void;
let appDir: string;

beforeEach(() => {
  ({ dir, cleanup } = scratch());
  appDir = path.join(dir, 'app');
  fs.mkdirSync(appDir);
});
afterEach(() => cleanup());

const hook = (name: string, body: string, over: Partial<HookDefinition> = {}) => execHook(name, script(path.join(dir, 'hooks', name), body), over);

async function denied(promise: Promise<unknown>): Promise<HookDeniedError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HookDeniedError);
  return err as HookDeniedError;
}

describe('the event on stdin', () => {
  it('receives the event, with the phase and its own delivery', async () => {
    const seen = path.join(dir, 'seen.json');
    const hooks = [hook('capture', `cat > ${seen}`)];
    const log = new CapturedLog();
    const records = await runHooks('post-build', hooks, event(appDir, { sbom: '/tmp/sbom.json' }), log);
    const got = JSON.parse(fs.readFileSync(seen, 'utf8'));
    expect(got).toMatchObject({
      schemaVersion: 1,
      phase: 'post-build',
      app: { name: 'my-app', buildDir: appDir },
      stack: { name: 'cflinuxfs2' },
      buildpacks: [{ key: 'nodejs_buildpack', name: 'nodejs', version: '1.8.0' }],
      paths: { buildDir: appDir, sbom: '/tmp/sbom.json' },
      hook: { name: 'capture', kind: 'exec', policy: 'required', timeoutMs: 10_000 },
    });
    expect(got.hook.deliveryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(got.hook.sentAt)).toBeGreaterThan(0);
    expect(records).toEqual([
      { name: 'capture', phase: 'post-build', kind: 'exec', policy: 'required', durationMs: expect.any(Number), outcome: 'allow', findings: [] },
    ]);
  });

  it('runs in the build directory with a trimmed environment: no app credentials', async () => {
    const seen = path.join(dir, 'env');
    const hooks = [hook('env', `pwd > ${seen}; env >> ${seen}`)];
    await runHooks('post-build', hooks, event(appDir), new CapturedLog(), {
      env: { PATH: '/usr/bin:/bin', HOME: '/home/vcap', VCAP_SERVICES: '{"secret":1}', CF_INSTANCE_KEY: 'k', HTTPS_PROXY: 'http://proxy:3128' },
    });
    const lines = fs.readFileSync(seen, 'utf8').split('\n');
    expect(lines[0]).toBe(appDir);
    expect(lines).toContain('LIFECYCLE_HOOK_NAME=env');
    expect(lines).toContain('LIFECYCLE_HOOK_PHASE=post-build');
    expect(lines).toContain('HTTPS_PROXY=http://proxy:3128');
    expect(lines.join('\n')).not.toMatch(/VCAP_SERVICES|CF_INSTANCE_KEY/);
  });

  it('only runs the hooks of the phase, in name order (byte order)', async () => {
    const order = path.join(dir, 'order');
    const hooks = ['b-second', 'B-first', 'a-third', '10-zero'].map((n) => hook(n, `echo ${n} >> ${order}`));
    hooks.push(hook('other-phase', `echo other >> ${order}`, { phase: 'post-package' }));
    const records = await runHooks('post-build', hooks, event(appDir), new CapturedLog());
    expect(fs.readFileSync(order, 'utf8').split('\n').filter(Boolean)).toEqual(['10-zero', 'B-first', 'a-third', 'b-second']);
    expect(records.map((r) => r.name)).toEqual(['10-zero', 'B-first', 'a-third', 'b-second']);
  });

  it('a hook that does not read stdin is fine', async () => {
    const records = await runHooks('post-build', [hook('ignores-stdin', 'exit 0')], event(appDir), new CapturedLog());
    expect(records[0]!.outcome).toBe('allow');
  });
});

describe('answers', () => {
  it('records findings and the message of an allow', async () => {
    const answer = { decision: 'allow', message: 'all good', findings: [{ id: 'deps', severity: 'info', summary: '12 deps' }, { id: 'bare' }] };
    const log = new CapturedLog();
    const records = await runHooks('post-build', [hook('inventory', `cat >/dev/null; echo '${JSON.stringify(answer)}'`)], event(appDir), log);
    expect(records[0]).toMatchObject({ outcome: 'allow', message: 'all good', findings: answer.findings });
    expect(log.out).toContain('-----> Running hook inventory (post-build, exec, required)');
    expect(log.out).toContain('inventory: allow in ');
    expect(log.out).toContain('[info] deps: 12 deps');
  });

  it('a message on several lines becomes one line (it may be the last line of staging)', async () => {
    const err = await denied(
      runHooks('post-build', [hook('multi', `echo '{"decision":"deny","message":"first\\nsecond\\r\\n\\tthird"}'`)], event(appDir), new CapturedLog()),
    );
    expect(err.message).toBe("Staging denied by hook 'multi' (post-build): first second third");
  });

  it('passes stderr through, prefixed with the hook name', async () => {
    const log = new CapturedLog();
    await runHooks('post-build', [hook('chatty', 'echo "line one" >&2; printf "line two" >&2')], event(appDir), log);
    expect(log.err).toBe('[chatty] line one\n[chatty] line two\n');
  });

  it.each([
    ['not JSON', 'echo nope', /malformed answer: answer is not JSON/],
    ['no decision', `echo '{"findings":[]}'`, /malformed answer: answer has no "decision"/],
    ['a wrong decision', `echo '{"decision":"maybe"}'`, /"decision" must be "allow" or "deny", not "maybe"/],
    ['findings without ids', `echo '{"decision":"allow","findings":[{"summary":"x"}]}'`, /findings\[0\] has no "id"/],
    ['an array', `echo '[]'`, /answer is not a JSON object/],
  ])('an answer that is %s is malformed (required: exit %s)', async (_what, body, message) => {
    const err = await denied(runHooks('post-build', [hook('junk', body)], event(appDir), new CapturedLog()));
    expect(err.exitCode).toBe(EXIT.builder.HookFailed);
    expect(err.record.outcome).toBe('malformed');
    expect(err.message).toMatch(/^Hook 'junk' \(post-build\) failed: malformed answer: /);
    expect(err.message).toMatch(message);
  });
});

describe('policy: required', () => {
  it('a deny ends the phase with exit 227, naming the hook, after recording it', async () => {
    const later = path.join(dir, 'later-ran');
    const hooks = [
      hook('a-ok', 'exit 0'),
      hook('license-check', `echo '{"decision":"deny","message":"GPL-3.0 is not allowed","findings":[{"id":"gpl","severity":"high"}]}'`),
      hook('z-later', `touch ${later}`),
    ];
    const err = await denied(runHooks('post-build', hooks, event(appDir), new CapturedLog()));
    expect(err.exitCode).toBe(227);
    expect(err.message).toBe("Staging denied by hook 'license-check' (post-build): GPL-3.0 is not allowed");
    expect(err.record).toMatchObject({ name: 'license-check', outcome: 'deny', findings: [{ id: 'gpl', severity: 'high' }] });
    expect(err.records.map((r: HookRecord) => [r.name, r.outcome])).toEqual([
      ['a-ok', 'allow'],
      ['license-check', 'deny'],
    ]);
    expect(fs.existsSync(later)).toBe(false);
  });

  it('a deny without a message still names the hook', async () => {
    const err = await denied(runHooks('post-build', [hook('quiet', `echo '{"decision":"deny"}'`)], event(appDir), new CapturedLog()));
    expect(err.message).toBe("Staging denied by hook 'quiet' (post-build)");
  });

  it('a deny with a non-zero exit is still a deny', async () => {
    const err = await denied(runHooks('post-build', [hook('strict', `echo '{"decision":"deny","message":"no"}'; exit 1`)], event(appDir), new CapturedLog()));
    expect(err.exitCode).toBe(227);
  });

  it('a non-zero exit without an answer is an error (exit 228)', async () => {
    const err = await denied(runHooks('post-build', [hook('broken', 'echo oops >&2; exit 3')], event(appDir), new CapturedLog()));
    expect(err.exitCode).toBe(228);
    expect(err.message).toBe("Hook 'broken' (post-build) failed: exit status 3");
    expect(err.record.outcome).toBe('error');
  });

  it('a crash is an error', async () => {
    const err = await denied(runHooks('post-build', [hook('crashes', 'kill -SEGV $$')], event(appDir), new CapturedLog()));
    expect(err.message).toBe("Hook 'crashes' (post-build) failed: killed by signal SIGSEGV");
  });

  it('a hook that cannot be executed is an error', async () => {
    const file = path.join(dir, 'bad-interpreter');
    fs.writeFileSync(file, '#!/nonexistent/interpreter\n', { mode: 0o755 });
    const err = await denied(runHooks('post-build', [execHook('bad-interpreter', file)], event(appDir), new CapturedLog()));
    expect(err.exitCode).toBe(228);
    expect(err.message).toMatch(/^Hook 'bad-interpreter' \(post-build\) failed: cannot run .*: ENOENT$/);
  });

  it('a timeout kills the whole process group and fails with exit 228', async () => {
    const pids = path.join(dir, 'pids');
    const hooks = [hook('scanner', `sleep 300 & echo $! > ${pids}; echo $$ >> ${pids}; wait`, { timeoutMs: 500 })];
    const started = Date.now();
    const err = await denied(runHooks('post-build', hooks, event(appDir), new CapturedLog()));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.exitCode).toBe(228);
    expect(err.message).toBe("Hook 'scanner' (post-build) failed: timed out after 500ms");
    expect(err.record.outcome).toBe('timeout');
    const [child, parent] = fs.readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(await eventually(() => !alive(child!) && !alive(parent!))).toBe(true);
  });

  it('timeouts are reported in Go duration form', async () => {
    const err = await denied(runHooks('post-build', [hook('slow', 'sleep 30', { timeoutMs: 1000 })], event(appDir), new CapturedLog()));
    expect(err.message).toBe("Hook 'slow' (post-build) failed: timed out after 1s");
  });

  it('a stdout flood is cut at 1 MiB and the answer is malformed', async () => {
    const started = Date.now();
    const err = await denied(runHooks('post-build', [hook('flood', 'yes')], event(appDir), new CapturedLog()));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err.record.outcome).toBe('malformed');
    expect(err.message).toBe("Hook 'flood' (post-build) failed: malformed answer: more than 1048576 bytes on stdout");
  });

  it('a stderr flood is passed on only up to a limit', async () => {
    const log = new CapturedLog();
    const records = await runHooks('post-build', [hook('noisy', 'head -c 5000000 /dev/zero | tr "\\0" "x" | fold -w 100 >&2')], event(appDir), log);
    expect(records[0]!.outcome).toBe('allow');
    expect(log.err.length).toBeLessThan(1_100_000);
    expect(log.err).toContain('[noisy] (further output suppressed');
  });
});

describe('policy: advisory', () => {
  it('records a deny and goes on to the next hook', async () => {
    const log = new CapturedLog();
    const hooks = [
      hook('a-advice', `echo '{"decision":"deny","message":"consider upgrading","findings":[{"id":"old-node"}]}'`, { policy: 'advisory' }),
      hook('b-next', 'exit 0'),
    ];
    const records = await runHooks('post-build', hooks, event(appDir), log);
    expect(records.map((r) => [r.name, r.outcome, r.policy])).toEqual([
      ['a-advice', 'deny', 'advisory'],
      ['b-next', 'allow', 'required'],
    ]);
    expect(records[0]).toMatchObject({ message: 'consider upgrading', findings: [{ id: 'old-node' }] });
    expect(log.err).toContain("Advisory hook 'a-advice' (post-build) denied: consider upgrading; staging goes on");
  });

  it.each([
    ['timeout', 'sleep 30', 'timeout', 'timed out after 300ms'],
    ['crash', 'kill -KILL $$', 'error', 'killed by signal SIGKILL'],
    ['error', 'exit 2', 'error', 'exit status 2'],
    ['malformed answer', 'echo "{"', 'malformed', undefined],
  ])('records a %s and goes on', async (_what, body, outcome, message) => {
    const records = await runHooks(
      'post-build',
      [hook('advice', body, { policy: 'advisory', timeoutMs: 300 }), hook('next', 'exit 0')],
      event(appDir),
      new CapturedLog(),
    );
    expect(records.map((r) => r.outcome)).toEqual([outcome, 'allow']);
    if (message) expect(records[0]!.message).toBe(message);
  });
});

describe('no hook can hang staging', () => {
  it('a background child holding stdout open is cut off shortly after the hook exits', async () => {
    const started = Date.now();
    // setsid puts the child in a new session, out of reach of the group kill; only the pipe grace helps.
    const records = await runHooks(
      'post-build',
      [hook('daemonizes', 'setsid sleep 30 & echo \'{"decision":"allow"}\'; exit 0')],
      event(appDir),
      new CapturedLog(),
    );
    expect(records[0]!.outcome).toBe('allow');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('children left in the hook group are killed when the hook exits', async () => {
    const pidFile = path.join(dir, 'pid');
    await runHooks('post-build', [hook('leaves-child', `sleep 300 >/dev/null 2>&1 </dev/null & echo $! > ${pidFile}`)], event(appDir), new CapturedLog());
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(await eventually(() => !alive(pid))).toBe(true);
  });

  it('tells the caller about each hook process (to end it on SIGTERM)', async () => {
    const seen: number[] = [];
    await runHooks('post-build', [hook('one', 'exit 0')], event(appDir), new CapturedLog(), { onChild: (c) => seen.push(c.pid!) });
    expect(seen).toHaveLength(1);
  });
});
