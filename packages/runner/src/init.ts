// The init that runs as PID 1. In a PID namespace the kernel drops every signal PID 1 has no handler
// for, so an app started as PID 1 never sees the TERM of `cf stop`, and orphans it does not reap stay
// zombies (CONTAINER-LAB §2.4). Garden puts its own init binary into every container; we do the same
// as `docker run --init` does: the host's static tini bind-mounted read-only at /dev/init, which works
// with any rootfs. A rootfs's own tini is the fallback (the stack installs one).
import fs from 'node:fs';
import path from 'node:path';
import { RunnerError } from './errors.ts';
import { resolveInRootfs } from './rootfs-paths.ts';

export type Init = { kind: 'host'; hostPath: string; containerPath: '/dev/init' } | { kind: 'rootfs'; containerPath: string } | { kind: 'none' };

/** Debian's `tini` package installs both; only the static one runs in any rootfs. */
export const HOST_INIT_CANDIDATES = ['/usr/bin/tini-static', '/usr/local/bin/tini-static'];
export const ROOTFS_INIT_CANDIDATES = ['/usr/bin/tini', '/sbin/tini', '/usr/local/bin/tini'];

function isExecutableFile(p: string): boolean {
  try {
    const st = fs.statSync(p);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Picks the init for a container on `rootfs`, or throws a RunnerError saying how to get one. */
export function chooseInit(rootfs: string, hostCandidates = HOST_INIT_CANDIDATES, rootfsCandidates = ROOTFS_INIT_CANDIDATES): Init {
  const host = hostCandidates.find(isExecutableFile);
  if (host !== undefined) return { kind: 'host', hostPath: host, containerPath: '/dev/init' };
  for (const candidate of rootfsCandidates) {
    const resolved = resolveInRootfs(rootfs, candidate);
    if (resolved.exists && isExecutableFile(path.join(rootfs, resolved.path))) return { kind: 'rootfs', containerPath: candidate };
  }
  throw new RunnerError(
    `no init for PID 1: install tini on the host (apt-get install tini, for ${hostCandidates[0]}) or in the rootfs, or start the container with init: false`,
  );
}

/** The process arguments with the init in front; `--` so the app's own flags are not tini's. */
export function withInit(init: Init, args: readonly string[]): string[] {
  return init.kind === 'none' ? [...args] : [init.containerPath, '--', ...args];
}
