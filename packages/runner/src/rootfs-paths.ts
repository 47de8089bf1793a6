// The rootfs is shared (the stack cache) and must never be written to. runc creates a missing mount
// point or working directory inside the rootfs *before* it remounts the root read-only, so a path
// that is neither in the rootfs nor under a writable mount would silently add a file or directory
// to the stack. These checks find such paths first.
import fs from 'node:fs';
import path from 'node:path';

const MAX_SYMLINKS = 40;

/**
 * Resolves `containerPath` the way the kernel would inside the container (symlinks followed, never
 * leaving the rootfs, as runc's securejoin does), without any mounts. Returns the resolved container
 * path and whether it exists in the rootfs; missing trailing components are kept as given.
 */
export function resolveInRootfs(rootfs: string, containerPath: string): { path: string; exists: boolean } {
  const pending = containerPath.split('/').filter((c) => c !== '' && c !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part];
    const host = path.join(rootfs, ...candidate);
    const stat = fs.lstatSync(host, { throwIfNoEntry: false });
    if (stat === undefined) return { path: `/${[...candidate, ...pending].join('/')}`, exists: false };
    if (stat.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) return { path: `/${[...candidate, ...pending].join('/')}`, exists: false };
      const target = fs.readlinkSync(host);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
      continue;
    }
    resolved.push(part);
  }
  return { path: `/${resolved.join('/')}`, exists: true };
}

/** Whether `p` is `dir` or inside it (container paths, normalized). */
export function isUnder(p: string, dir: string): boolean {
  return dir === '/' || p === dir || p.startsWith(`${dir}/`);
}

/**
 * The first mount destination (or the working directory) that runc would have to create inside the
 * rootfs itself: it does not exist there and no earlier mount covers it (a path under a tmpfs or a
 * bind is created there; one under /sys exists in sysfs). `mounts` is in the order runc applies them.
 */
export function pathWrittenIntoRootfs(rootfs: string, mounts: ReadonlyArray<{ destination: string }>, cwd: string): string | undefined {
  const covering: string[] = [];
  const missing = (p: string): boolean => {
    const { path: resolved, exists } = resolveInRootfs(rootfs, p);
    return !exists && !covering.some((m) => isUnder(p, m) || isUnder(resolved, m));
  };
  for (const m of mounts) {
    if (missing(m.destination)) return m.destination;
    covering.push(m.destination);
  }
  return missing(cwd) ? cwd : undefined;
}
