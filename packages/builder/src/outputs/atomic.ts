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
