// The outputs of one staging as a set (docs/staging-metadata.md, "Outputs as a set"): every file is
// written to a temporary beside its path first, so that a location we cannot write fails before
// anything is replaced; then the temporaries are renamed in a fixed order, result.json last (quirk Q7
// fixed). A builder killed between two renames leaves a set whose staging ids and digests disagree,
// which a reader detects: the metadata beside the droplet names the droplet's and result.json's sha256
// and the staging id that the droplet's embedded metadata and result.json's sidecar repeat.
import fs from 'node:fs';
import path from 'node:path';
import { StagingError, goPathError } from '@cf-lifecycle/contract';
import { untrackTemporary } from '../process-registry.ts';
import { commit, temporaryBeside } from './atomic.ts';

/** The renames, in the order they happen. */
export const COMMIT_STEPS = ['droplet', 'cache', 'staging-metadata', 'sidecar', 'result'] as const;
export type CommitStep = (typeof COMMIT_STEPS)[number];

/**
 * A test facility (docs/security.md): the builder SIGKILLs itself right after the named step:
 * `temporaries` (all written, nothing renamed) or one of COMMIT_STEPS.
 */
export const KILL_AT_ENV = 'CF_LIFECYCLE_TEST_KILL_AT';

function killPoint(step: string): void {
  if (process.env[KILL_AT_ENV] !== step) return;
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL to ourselves ends us on the way out of the system call; nothing after this may run.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
}

interface Pending {
  step: CommitStep;
  tmp: string;
  target: string;
}

export class OutputSet {
  private readonly pending: Pending[] = [];

  /** A temporary written elsewhere (the droplet and cache archives). */
  adopt(step: CommitStep, tmp: string, target: string): void {
    this.pending.push({ step, tmp, target });
  }

  /**
   * Writes `data` to a temporary beside `target` (mode 0666 minus umask, as Go's os.Create), creating
   * the parent directory; a failure is one line naming the target (`open <target>: read-only file system`).
   */
  write(step: CommitStep, target: string, data: string, prefix = ''): void {
    let tmp: string | undefined;
    try {
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      tmp = temporaryBeside(target);
      fs.writeFileSync(tmp, data, { mode: 0o666, flag: 'wx' });
    } catch (err) {
      if (tmp !== undefined) {
        fs.rmSync(tmp, { force: true });
        untrackTemporary(tmp);
      }
      const syscall = (err as NodeJS.ErrnoException).syscall === 'write' ? 'write' : 'open';
      throw new StagingError(`${prefix}${goPathError(syscall, target, err)}`);
    }
    this.pending.push({ step, tmp, target });
  }

  /** Every temporary is written: rename them into place, in COMMIT_STEPS order. */
  commit(): void {
    killPoint('temporaries');
    const ordered = [...this.pending].sort((a, b) => COMMIT_STEPS.indexOf(a.step) - COMMIT_STEPS.indexOf(b.step));
    for (const { step, tmp, target } of ordered) {
      try {
        commit(tmp, target);
      } catch (err) {
        throw new StagingError(goPathError('rename', target, err));
      }
      killPoint(step);
    }
    this.pending.length = 0;
  }
}
