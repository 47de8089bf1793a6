// The last check before a container counts as ended: none of its processes is left anywhere. The
// container's pid namespace ends with its init (the kernel kills the rest and waits for them before
// the init is reaped), and `runc delete --force` kills what is in its cgroup and removes it; this
// makes sure of both, so a caller may then read what the container wrote without any of its
// processes changing it underneath (docs/security.md, "the workspace after staging").
import fs from 'node:fs';
import path from 'node:path';
import { RunnerError } from './errors.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';
const GONE_TIMEOUT_MS = 10_000;

/** The container's cgroup directories that still exist (every v1 controller, or the unified one). */
export function cgroupDirsOf(id: string): string[] {
  let controllers: string[];
  try {
    controllers = fs.readdirSync(CGROUP_ROOT);
  } catch {
    return [];
  }
  const dirs = new Set<string>();
  for (const c of ['', ...controllers]) {
    const dir = path.join(CGROUP_ROOT, c, id);
    try {
      // Several names lead to one hierarchy (cpu, cpuacct -> cpu,cpuacct): count it once.
      if (fs.statSync(dir).isDirectory()) dirs.add(fs.realpathSync(dir));
    } catch {
      // not in this hierarchy
    }
  }
  return [...dirs];
}

function procsIn(dir: string): number[] {
  try {
    return fs
      .readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return []; // removed meanwhile
  }
}

/**
 * Resolves once no cgroup of container `id` exists any more: processes still in one are killed, empty
 * ones removed. Throws a RunnerError when processes remain after the timeout (a process stuck in the
 * kernel), so the caller never reads the container's files while one might still write them.
 */
export async function awaitNoProcessesLeft(id: string, timeoutMs = GONE_TIMEOUT_MS): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const dirs = cgroupDirsOf(id);
    if (dirs.length === 0) return;
    const left = new Set<number>();
    for (const dir of dirs) {
      const pids = procsIn(dir);
      for (const pid of pids) {
        left.add(pid);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      if (pids.length === 0) {
        try {
          // Only an empty cgroup without children can be removed: exactly what is wanted here.
          fs.rmdirSync(dir);
        } catch {
          // still busy, or removed meanwhile
        }
      }
    }
    if (Date.now() > until) {
      throw new RunnerError(`container ${id}: ${left.size > 0 ? `processes ${[...left].join(', ')} still run` : 'its cgroups remain'} after it was deleted`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
