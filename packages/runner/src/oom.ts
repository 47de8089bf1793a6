// Whether the kernel's OOM killer struck inside a container: the memory cgroup counts its kills
// (`oom_kill` in memory.oom_control on cgroup v1, in memory.events on v2). `runc run --keep` leaves the
// cgroup in place after the process ends, so the count can be read before `runc delete` removes it.
import fs from 'node:fs';
import path from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

function readCount(file: string): number | undefined {
  try {
    const m = /^oom_kill (\d+)$/m.exec(fs.readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The OOM kills in the container's memory cgroup (`cgroupsPath` as in config.json); 0 when unknown. */
export function oomKills(cgroupsPath: string): number {
  return readCount(path.join(CGROUP_ROOT, 'memory', cgroupsPath, 'memory.oom_control')) ?? readCount(path.join(CGROUP_ROOT, cgroupsPath, 'memory.events')) ?? 0;
}
