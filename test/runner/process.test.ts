// The container's process: exit statuses as `runc run` reports them (CONTAINER-LAB §2.4), and PID 1
// semantics with and without the init: SIGTERM reaches the app's own handler, zombies are reaped,
// stop() escalates to SIGKILL after the grace period.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerError, runContainer, startContainer } from '@cf-lifecycle/runner';
import { bash, collect, testRootfs, traces, watch } from './helpers.ts';

let rootfs: string;
const timings: string[] = [];

beforeAll(async () => {
  rootfs = await testRootfs();
}, 900_000);

afterAll(() => {
  if (timings.length > 0) console.log(`runner timings:\n  ${timings.join('\n  ')}`);
});

// A bash that announces it is ready only once its trap is in place: a TERM before that would meet
// bash's default action instead of the handler.
const TRAP_42 = 'trap "echo got TERM; exit 42" TERM; echo ready; sleep 100 & wait';

describe('exit status', () => {
  it.each([0, 1, 37, 255])('`exit %i` → the same status', async (status) => {
    const r = await collect(bash(rootfs, `exit ${status}`));

    expect(r).toMatchObject({ exitCode: status, signal: null });
  });

  it('death by a signal → 128+n (SIGKILL → 137, SIGSEGV → 139), with and without the init', async () => {
    expect((await collect(bash(rootfs, 'kill -KILL $$'))).exitCode).toBe(137);
    expect((await collect(bash(rootfs, 'kill -SEGV $$'))).exitCode).toBe(139);
    // Without an init bash is PID 1, which the kernel protects from signals it has no handler for
    // (CONTAINER-LAB §2.4): the same script exits 0.
    expect((await collect(bash(rootfs, 'kill -SEGV $$; exit 0', { init: false }))).exitCode).toBe(0);
  });

  it('a missing executable: 127 from the init, a RunnerError without it (runc cannot start it)', async () => {
    const r = await collect({ rootfs, args: ['/usr/bin/not-there'], env: {}, cwd: '/' });
    expect(r.exitCode).toBe(127);

    await expect(runContainer({ rootfs, args: ['/usr/bin/not-there'], env: {}, cwd: '/', init: false, stdio: 'pipe' })).rejects.toThrow(RunnerError);
    await expect(runContainer({ rootfs, args: ['/usr/bin/not-there'], env: {}, cwd: '/', init: false, stdio: 'pipe' })).rejects.toThrow(
      /^container cfl-[0-9a-f]{12} did not start: runc run failed: .*not-there.*no such file or directory$/,
    );
  });

  it('runContainer resolves with the status after everything is removed', async () => {
    const id = `cfl-test-status-${process.pid}`;
    const started = Date.now();

    const r = await runContainer({ rootfs, args: ['true'], env: {}, cwd: '/', id, stdio: 'pipe' });

    timings.push(`runContainer(['true']), start to cleaned up: ${Date.now() - started} ms`);
    expect(r).toEqual({ exitCode: 0, signal: null, oomKilled: false, memoryLimitBytes: 2 ** 30 });
    expect(traces(id)).toEqual([]);
  });
});

describe('PID 1 and signals', () => {
  it("with the init (default), SIGTERM reaches the app's own trap: exit 42, and the container is gone", async () => {
    const w = await watch(bash(rootfs, TRAP_42));
    await w.printed('ready\n');

    const t = Date.now();
    await w.container.kill('SIGTERM');
    const r = await w.done;

    timings.push(`SIGTERM to a trapping app until cleaned up: ${Date.now() - t} ms`);
    expect(r.stdout).toBe('ready\ngot TERM\n');
    expect(r.exitCode).toBe(42);
    expect(traces(w.container.id)).toEqual([]);
  });

  it('the init is PID 1 and the app its child', async () => {
    const r = await collect(bash(rootfs, 'ps -o pid=,ppid=,args= -p 1,$$; true'));

    const [init, app] = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    expect(init!.slice(0, 3)).toEqual(['1', '0', '/dev/init']);
    expect(app!.slice(1, 3)).toEqual(['1', 'bash']);
  });

  it('stop(): an app that ignores TERM is killed after the grace period (137)', async () => {
    const w = await watch(bash(rootfs, 'trap "" TERM; echo ready; while :; do sleep 0.1; done'));
    await w.printed('ready\n');

    const t = Date.now();
    await w.container.stop(500);
    const elapsed = Date.now() - t;
    const r = await w.done;

    timings.push(`stop(500) of a TERM-ignoring app: ${elapsed} ms`);
    expect(r.exitCode).toBe(137);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(5000);
    expect(traces(w.container.id)).toEqual([]);
  });

  it('stop(): an app that exits on TERM ends at once (143), well within the grace period', async () => {
    const w = await watch(bash(rootfs, 'echo ready; exec sleep 100'));
    await w.printed('ready\n');

    const t = Date.now();
    await w.container.stop(10_000);

    expect(Date.now() - t).toBeLessThan(2000);
    expect((await w.done).exitCode).toBe(143);
  });

  it('a TERM sent right after startContainer() resolves is not lost (the init is ready by then)', async () => {
    for (let i = 0; i < 5; i++) {
      const c = await startContainer({ rootfs, args: ['sleep', '100'], env: {}, cwd: '/', stdio: 'pipe' });
      const t = Date.now();

      await c.stop(10_000);

      expect(Date.now() - t).toBeLessThan(3000);
      expect((await c.exited).exitCode).toBe(143);
    }
  });

  it('without the init, a PID 1 with no handler ignores TERM (CONTAINER-LAB §2.4); stop() still ends it', async () => {
    const w = await watch({ ...bash(rootfs, 'echo ready; exec sleep 100'), init: false });
    await w.printed('ready\n');

    await w.container.kill('SIGTERM');
    const early = await Promise.race([w.done.then(() => 'exited'), new Promise((r) => setTimeout(() => r('still running'), 500))]);
    await w.container.stop(100);

    expect(early).toBe('still running');
    expect((await w.done).exitCode).toBe(137);
  });

  it('kill() after the container exited is a no-op', async () => {
    const c = await startContainer({ rootfs, args: ['true'], env: {}, cwd: '/', stdio: 'pipe' });
    await c.exited;

    await expect(c.kill('SIGTERM')).resolves.toBeUndefined();
    await expect(c.stop()).resolves.toBeUndefined();
  });
});

describe('zombies', () => {
  // An orphan (its parent exits without waiting) is re-parented to PID 1; when it ends, only PID 1
  // can reap it. python3 never reaps children it did not start.
  const ORPHAN_PROBE = [
    'import os, subprocess, time',
    "subprocess.Popen(['sh', '-c', 'sleep 0.2 & exit 0']).wait()",
    'time.sleep(1)',
    "states = [open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[0] for p in os.listdir('/proc') if p.isdigit()]",
    "print('zombies', states.count('Z'))",
  ].join('\n');

  it('the init reaps orphans: none left as zombies', async () => {
    const r = await collect({ rootfs, args: ['python3', '-c', ORPHAN_PROBE], env: {}, cwd: '/' });

    expect(r.stdout).toBe('zombies 0\n');
  });

  it('(the probe works: with python3 itself as PID 1 the orphan stays a zombie)', async () => {
    const r = await collect({ rootfs, args: ['python3', '-c', ORPHAN_PROBE], env: {}, cwd: '/', init: false });

    expect(r.stdout).toBe('zombies 1\n');
  });
});
