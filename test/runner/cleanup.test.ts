// Nothing is left behind: no runc container, bundle directory, mount, cgroup or process, whether the
// container succeeds, fails, cannot start, is stopped, or the process that started it gets SIGINT or
// SIGTERM, exits abruptly, or is SIGKILLed (then cleanupStale() finds the debris).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_PREFIX, RUNC_ROOT, RunnerError, checkRuntime, cleanupStale, runContainer } from '@cf-lifecycle/runner';
import { bash, holderPath, removeHolder, sleep, startHolder, stopHolders, testRootfs, traces, tracesAfter, watch } from './helpers.ts';

let rootfs: string;

beforeAll(async () => {
  rootfs = await testRootfs();
  await holderPath();
}, 900_000);

afterEach(async () => {
  await stopHolders();
});

afterAll(async () => {
  await cleanupStale();
  await removeHolder();
});

const TRAP_42 = 'trap "echo got TERM; exit 42" TERM; sleep 100 & wait';
const IGNORES_TERM = 'trap "" TERM; while :; do sleep 0.1; done';

function runcList(): string[] {
  return (JSON.parse(execFileSync('runc', ['--root', RUNC_ROOT, 'list', '--format', 'json'], { encoding: 'utf8' }).trim() || 'null') ?? []).map(
    (c: { id: string }) => c.id,
  );
}

describe('after the container ends', () => {
  it.each([
    ['succeeds', 'exit 0', 0],
    ['fails', 'exit 3', 3],
    ['is killed by a signal', 'kill -KILL $$', 137],
  ])('nothing is left when it %s', async (_what, script, status) => {
    const id = `cfl-test-left-${status}-${process.pid}`;

    const r = await runContainer({ ...bash(rootfs, script), id, stdio: 'pipe' });

    expect(r.exitCode).toBe(status);
    expect(traces(id)).toEqual([]);
    expect(runcList()).not.toContain(id);
  });

  it('nothing is left when it cannot start (RunnerError)', async () => {
    const id = `cfl-test-nostart-${process.pid}`;

    await expect(runContainer({ rootfs, args: ['/not-there'], env: {}, cwd: '/', init: false, id, stdio: 'pipe' })).rejects.toThrow(RunnerError);
    expect(traces(id)).toEqual([]);
  });

  it('nothing is left after stop()', async () => {
    const w = await watch(bash(rootfs, IGNORES_TERM));

    await w.container.stop(200);

    expect(traces(w.container.id)).toEqual([]);
  });

  it('the id is free again: a second container can reuse it', async () => {
    const id = `cfl-test-reuse-${process.pid}`;

    expect((await runContainer({ ...bash(rootfs, 'exit 5'), id, stdio: 'pipe' })).exitCode).toBe(5);
    expect((await runContainer({ ...bash(rootfs, 'exit 6'), id, stdio: 'pipe' })).exitCode).toBe(6);
  });
});

describe('when the process that started it gets a signal', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s: the app gets TERM (its trap runs), then the process dies of the signal; nothing is left', async (signal) => {
    const h = await startHolder([bash(rootfs, TRAP_42), bash(rootfs, TRAP_42)]);
    const ids = await h.ids;
    await sleep(200); // the traps are set

    h.child.kill(signal);
    const done = await h.done;

    expect(done).toEqual({ code: null, signal });
    expect(h.output().match(/got TERM/g)).toHaveLength(2);
    for (const id of ids) expect(await tracesAfter(id)).toEqual([]);
  });

  it('a second signal skips the grace period (SIGKILL at once)', async () => {
    const h = await startHolder([bash(rootfs, IGNORES_TERM)]);
    const [id] = await h.ids;
    await sleep(200);

    const t = Date.now();
    h.child.kill('SIGINT');
    await sleep(300);
    h.child.kill('SIGINT');
    const done = await h.done;

    expect(Date.now() - t).toBeLessThan(5000); // not the 10 s grace
    expect(done.signal).toBe('SIGINT');
    expect(await tracesAfter(id!)).toEqual([]);
  });

  it('a process that exits on its own (process.exit from its signal handler, as the CLI does): the exit hook deletes the container', async () => {
    const h = await startHolder([bash(rootfs, IGNORES_TERM)], { mode: 'own-handler' });
    const [id] = await h.ids;

    h.child.kill('SIGTERM');
    const done = await h.done;

    expect(done).toEqual({ code: 143, signal: null });
    expect(await tracesAfter(id!)).toEqual([]);
  });

  it('a process that calls process.exit() while its container runs: the exit hook deletes it', async () => {
    const h = await startHolder([bash(rootfs, 'sleep 100')], { mode: 'exit' });
    const [id] = await h.ids;

    expect(await h.done).toEqual({ code: 3, signal: null });
    expect(await tracesAfter(id!)).toEqual([]);
  });
});

describe('cleanupStale()', () => {
  it('removes the container of a SIGKILLed process, and only that one', async () => {
    const dead = await startHolder([bash(rootfs, 'sleep 100')]);
    const [deadId] = await dead.ids;
    const alive = await startHolder([bash(rootfs, 'sleep 100')]);
    const [aliveId] = await alive.ids;
    dead.child.kill('SIGKILL');
    await dead.exit;
    // SIGKILL leaves no chance to clean up: the container and its `runc run` are still there.
    expect(runcList()).toContain(deadId);

    const removed = await cleanupStale();

    expect(removed).toContain(deadId);
    expect(removed).not.toContain(aliveId);
    expect(await tracesAfter(deadId!)).toEqual([]);
    expect(runcList()).toContain(aliveId);

    alive.child.kill('SIGTERM');
    await alive.done;
    expect(await tracesAfter(aliveId!)).toEqual([]);
  });

  it('removes a bundle directory and an empty cgroup whose owner is gone', async () => {
    const id = `cfl-test-debris-${process.pid}`;
    const bundle = fs.mkdtempSync(path.join(os.tmpdir(), `${BUNDLE_PREFIX}${id}-`));
    // A PID that cannot be alive with this start time.
    fs.writeFileSync(path.join(bundle, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 1, startTime: '1' }));
    const cgroup = `/sys/fs/cgroup/pids/${id}`;
    fs.mkdirSync(cgroup);
    const old = new Date(Date.now() - 10 * 60_000);
    fs.utimesSync(cgroup, old, old);

    const removed = await cleanupStale();

    expect(removed).toContain(id);
    expect(fs.existsSync(bundle)).toBe(false);
    expect(fs.existsSync(cgroup)).toBe(false);
  });

  it('leaves the containers of this very process alone', async () => {
    const w = await watch(bash(rootfs, 'echo ready; exec sleep 100'));
    await w.printed('ready');

    const removed = await cleanupStale();

    expect(removed).not.toContain(w.container.id);
    expect(traces(w.container.id).length).toBeGreaterThan(0);
    await w.container.stop(1000);
    expect(traces(w.container.id)).toEqual([]);
  });
});

describe('checkRuntime()', () => {
  it('passes here (root, runc installed)', async () => {
    await expect(checkRuntime()).resolves.toBeUndefined();
  });

  it('says in one line that root is needed, for any other user', async () => {
    const h = await startHolder([], { mode: 'check', wrap: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });

    await h.done;

    expect(h.output()).toBe('RunnerError: running containers needs root: runc runs them as root here (rootless would need subuid/subgid mappings for vcap)\n');
  });
});

describe('a container started while another runs', () => {
  it('both run at once and both are cleaned up', async () => {
    const [a, b] = await Promise.all([watch(bash(rootfs, 'echo ready; exec sleep 100')), watch(bash(rootfs, 'echo ready; exec sleep 100'))]);
    await Promise.all([a!.printed('ready'), b!.printed('ready')]);

    expect(runcList()).toEqual(expect.arrayContaining([a!.container.id, b!.container.id]));
    await Promise.all([a!.container.stop(1000), b!.container.stop(1000)]);

    expect(traces(a!.container.id)).toEqual([]);
    expect(traces(b!.container.id)).toEqual([]);
  });
});
