// Resource limits: the memory cgroup (OOM → 137, CONTAINER-LAB §2.4), the pids cgroup holding a fork
// bomb, RLIMIT_NOFILE (at most the host's hard limit, CONTAINER-LAB §0).
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunnerError, runContainer, startContainer } from '@cf-lifecycle/runner';
import { bash, cgroupDir, collect, sleep, testRootfs, traces, watch } from './helpers.ts';

let rootfs: string;

beforeAll(async () => {
  rootfs = await testRootfs();
}, 900_000);

function hostHardNofile(): number {
  const line = fs
    .readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))!;
  return Number(line.trim().split(/\s+/)[4]);
}

describe('memory', () => {
  it('the limit is set on the cgroup, swap included', async () => {
    const w = await watch({ ...bash(rootfs, 'echo ready; exec sleep 100'), limits: { memoryBytes: 96 * 2 ** 20 } });
    await w.printed('ready');
    const dir = cgroupDir('memory', w.container.id);

    const limit = fs.readFileSync(`${dir}/memory.limit_in_bytes`, 'utf8').trim();
    const memsw = fs.existsSync(`${dir}/memory.memsw.limit_in_bytes`) ? fs.readFileSync(`${dir}/memory.memsw.limit_in_bytes`, 'utf8').trim() : limit;
    await w.container.stop(1000);

    expect([limit, memsw]).toEqual([String(96 * 2 ** 20), String(96 * 2 ** 20)]);
  });

  it('an app allocating past the limit is OOM-killed: 137', async () => {
    const r = await collect({
      rootfs,
      args: ['python3', '-c', "b = b'x' * (256 * 2**20); print('allocated', len(b))"],
      env: {},
      cwd: '/',
      limits: { memoryBytes: 64 * 2 ** 20 },
    });

    expect(r.stdout).toBe('');
    expect(r.exitCode).toBe(137);
  });

  it('the exit status says so: oomKilled and the limit (read from the cgroup before it is removed)', async () => {
    const killed = await runContainer({
      rootfs,
      args: ['python3', '-c', "b = b'x' * (256 * 2**20)"],
      env: {},
      cwd: '/',
      stdio: 'pipe',
      limits: { memoryBytes: 64 * 2 ** 20 },
    });
    expect(killed).toEqual({ exitCode: 137, signal: null, oomKilled: true, memoryLimitBytes: 64 * 2 ** 20 });

    // A KILL that is not the OOM killer's is not reported as one.
    const w = await watch({ ...bash(rootfs, 'echo ready; exec sleep 100'), limits: { memoryBytes: 64 * 2 ** 20 } });
    await w.printed('ready');
    await w.container.kill('SIGKILL');
    expect(await w.container.exited).toMatchObject({ exitCode: 137, oomKilled: false });
  });

  it('(the same app within a larger limit succeeds)', async () => {
    const r = await collect({
      rootfs,
      args: ['python3', '-c', "b = b'x' * (256 * 2**20); print('allocated', len(b))"],
      env: {},
      cwd: '/',
      limits: { memoryBytes: 512 * 2 ** 20 },
    });

    expect(r.stdout).toBe(`allocated ${256 * 2 ** 20}\n`);
    expect(r.exitCode).toBe(0);
  });
});

describe('pids', () => {
  it('a fork bomb stays within the pids limit, the host is unaffected, and the container ends on time', async () => {
    const limit = 64;
    // `sleep 3` is forked before the bomb, so bash can still wait for it when no fork succeeds any more.
    const w = await watch({ ...bash(rootfs, 'sleep 3 & s=$!; echo ready; bomb() { bomb | bomb & }; bomb; wait $s; echo survived'), limits: { pids: limit } });
    await w.printed('ready');
    const dir = cgroupDir('pids', w.container.id);

    let peak = 0;
    while (fs.existsSync(`${dir}/pids.current`)) {
      try {
        peak = Math.max(peak, Number(fs.readFileSync(`${dir}/pids.current`, 'utf8')));
      } catch {
        break; // removed meanwhile
      }
      // The host can still start processes.
      expect(execFileSync('true', { timeout: 2000 })).toBeDefined();
      await sleep(100);
    }
    const r = await w.done;

    expect(peak).toBeGreaterThanOrEqual(limit - 2);
    expect(peak).toBeLessThanOrEqual(limit);
    expect(r.stdout).toBe('ready\nsurvived\n');
    expect(r.stderr).toContain('Resource temporarily unavailable');
    expect(r.ms).toBeLessThan(15_000);
    expect(traces(w.container.id)).toEqual([]);
  }, 30_000);

  it('the default limit is 1024', async () => {
    const w = await watch(bash(rootfs, 'echo ready; exec sleep 100'));
    await w.printed('ready');

    const max = fs.readFileSync(`${cgroupDir('pids', w.container.id)}/pids.max`, 'utf8').trim();
    await w.container.stop(1000);

    expect(max).toBe('1024');
  });
});

describe('open files (RLIMIT_NOFILE)', () => {
  it('defaults to 1024, soft and hard', async () => {
    const r = await collect(bash(rootfs, 'ulimit -Sn; ulimit -Hn'));

    expect(r.stdout).toBe('1024\n1024\n');
  });

  it("can be raised up to the host's hard limit", async () => {
    const hard = hostHardNofile();

    const r = await collect({ ...bash(rootfs, 'ulimit -Sn; ulimit -Hn'), limits: { nofile: hard } });

    expect(r.stdout).toBe(`${hard}\n${hard}\n`);
  });

  it("above the host's hard limit: a clear RunnerError before runc runs (root here lacks CAP_SYS_RESOURCE)", async () => {
    const hard = hostHardNofile();
    const capEff = BigInt(`0x${/^CapEff:\s+(\S+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]}`);
    if ((capEff >> 24n) & 1n) return; // this host could raise it: nothing to refuse

    await expect(startContainer({ ...bash(rootfs, 'true'), limits: { nofile: hard + 1 } })).rejects.toThrow(
      new RunnerError(`limits.nofile ${hard + 1} is above the hard limit ${hard} of this process, which it cannot raise without CAP_SYS_RESOURCE`),
    );
  });
});
