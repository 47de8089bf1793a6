// Removing a build directory safely: mmdebstrap mounts /proc, /sys, /dev/pts and /dev/shm inside the
// chroot while it runs. A build killed at the wrong moment could leave them mounted, and a recursive
// delete through a mounted /sys or /dev would reach the host's. So: unmount, verify, then delete.
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from './errors.ts';
import { run } from './run.ts';
import { which } from './tools.ts';

/** Mount points at or below `dir` (from /proc/self/mountinfo), deepest first. */
export function mountsUnder(dir: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const root = path.resolve(dir);
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    // mountinfo escapes space, tab, newline and backslash as octal.
    const mountPoint = field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if (mountPoint === root || mountPoint.startsWith(`${root}/`)) found.add(mountPoint);
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** Unmounts everything below `dir` (lazily if busy); throws when something stays mounted. */
export async function unmountAll(dir: string): Promise<void> {
  const mounts = mountsUnder(dir);
  if (mounts.length === 0) return;
  const umount = which('umount') ?? '/bin/umount';
  for (const mountPoint of mounts) {
    const result = await run(umount, [mountPoint]);
    if (result.code !== 0) await run(umount, ['--lazy', mountPoint]);
  }
  const left = mountsUnder(dir);
  if (left.length > 0) {
    throw new StackError(`${left[0]} is still mounted: unmount it (umount --lazy ${left[0]}) and remove ${dir} by hand`);
  }
}

/** Removes a directory tree after making sure nothing is mounted inside it. */
export async function removeTree(dir: string): Promise<void> {
  if (!fs.existsSync(dir)) return;
  await unmountAll(dir);
  await fs.promises.rm(dir, { recursive: true, force: true });
}
