// Facts about the host that shape a container's configuration (CONTAINER-LAB §0).
import fs from 'node:fs';

/**
 * This process's hard limit on open files. Root here lacks CAP_SYS_RESOURCE (CONTAINER-LAB §0), so
 * runc cannot raise an rlimit above it: a larger request fails late with "error setting rlimit type 7".
 */
export function hardNofileLimit(): number {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const hard = line?.trim().split(/\s+/)[4];
    if (hard === 'unlimited') return Number.POSITIVE_INFINITY;
    const n = Number(hard);
    return Number.isInteger(n) && n > 0 ? n : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Whether this process may raise a hard rlimit (CAP_SYS_RESOURCE, capability 24, is effective). */
export function canRaiseRlimits(): boolean {
  try {
    const hex = /^CapEff:\s+([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    return hex !== undefined && ((BigInt(`0x${hex}`) >> 24n) & 1n) === 1n;
  } catch {
    return false;
  }
}

/**
 * Whether memory+swap can be limited (cgroup v1 with swap accounting, or cgroup v2). Without it a
 * `memory.swap` value makes runc fail, so the limit then applies to memory alone.
 */
export function swapLimitSupported(): boolean {
  return fs.existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes') || fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
}

/** The start time of a process (clock ticks since boot), which tells a live owner from a reused PID. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces and parentheses) start at field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
