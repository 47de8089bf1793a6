// Outputs appear complete or not at all: written under a temporary name beside the target, then renamed.
import fs from 'node:fs';
import path from 'node:path';
import { trackTemporary, untrackTemporary } from '../process-registry.ts';

/** A temporary path in the target's directory, removed on failure or interruption. */
export function temporaryBeside(target: string): string {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  trackTemporary(tmp);
  return tmp;
}

export function commit(tmp: string, target: string): void {
  fs.renameSync(tmp, target);
  untrackTemporary(tmp);
}

/** Writes a small file atomically with mode 0666 minus umask, as Go's os.Create does. */
export function writeFileAtomic(target: string, data: string): void {
  const tmp = temporaryBeside(target);
  try {
    fs.writeFileSync(tmp, data, { mode: 0o666 });
    commit(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    untrackTemporary(tmp);
    throw err;
  }
}

/** A temporary of a dead builder is removed once it has not changed for this long. */
const STALE_TEMPORARY_AGE_MS = 60_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what a killed builder (SIGKILL: no chance to clean up) left beside `target`:
 * `.<name>.tmp-<pid>-<random>` files whose pid runs no more (or is ours: we have made none yet) and
 * that have not changed for a minute. The minute spares a live builder in another pid namespace
 * (a container sharing the directory), whose pid means nothing here.
 */
export function removeStaleTemporaries(target: string): void {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.tmp-`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // no directory yet: nothing left there
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-[a-z0-9]+$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && pidAlive(pid)) continue;
    const file = path.join(dir, name);
    try {
      if (Date.now() - fs.lstatSync(file).mtimeMs < STALE_TEMPORARY_AGE_MS) continue;
      fs.rmSync(file, { recursive: true, force: true });
    } catch {
      // gone meanwhile, or not ours to remove: it does no harm where it is
    }
  }
}
