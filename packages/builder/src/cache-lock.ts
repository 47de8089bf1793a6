// An exclusive lock on the build-artifacts cache directory (beyond the reference): two stagings that
// share one -buildArtifactsCacheDir would otherwise clean it and let their buildpacks write into it at
// the same time. The second one waits, saying so on stdout.
//
// Node has no flock(2), so the lock is a file beside the cache directory (its real path: an alias
// through a symlink is the same directory and takes the same lock), `.<name>.lock`, created
// atomically with its content (a hard link of a file already written: link(2) fails with EEXIST when
// the lock exists). It names its owner: pid, the pid's start time (so a reused pid is not mistaken for
// the owner), the pid namespace and the boot. A lock whose owner is gone is stale and taken over:
//   - same pid namespace: the owner pid does not run any more, or is another process now;
//   - another boot: stale;
//   - another pid namespace (a container sharing the directory), where the pid means nothing here:
//     the owner touches the file every 10 s, so a file unchanged for a minute is stale.
// The lock is removed when staging ends, on SIGINT/SIGTERM and the staging timeout (it is a tracked
// temporary); a SIGKILLed builder leaves it behind, and the next staging takes it over.
import fs from 'node:fs';
import path from 'node:path';
import { goPathError } from '@cf-lifecycle/contract';
import { FileInputError, readTextBounded } from '@cf-lifecycle/files';
import { trackTemporary, untrackTemporary } from './process-registry.ts';
import { setActivity } from './staging-timeout.ts';

interface LockOwner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot. */
  start: string;
  /** `pid:[<inode>]`, the link of /proc/self/ns/pid. */
  pidns: string;
  boot: string;
}

const POLL_MS = 200;
const HEARTBEAT_MS = 10_000;
const HEARTBEAT_STALE_MS = 60_000;

export function cacheLockPath(cacheDir: string): string {
  return path.join(path.dirname(cacheDir), `.${path.basename(cacheDir)}.lock`);
}

function procStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function self(): LockOwner {
  const read = (f: () => string): string => {
    try {
      return f().trim();
    } catch {
      return '';
    }
  };
  return {
    pid: process.pid,
    start: procStart(process.pid) ?? '',
    pidns: read(() => fs.readlinkSync('/proc/self/ns/pid')),
    boot: read(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
  };
}

function readLockFile(lockPath: string): string {
  try {
    return readTextBounded(lockPath, { maxBytes: 4096 });
  } catch (err) {
    if (err instanceof FileInputError && fs.existsSync(lockPath)) return '';
    throw err;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.start === 'string' && typeof o.pidns === 'string' && typeof o.boot === 'string') return o as LockOwner;
  } catch {
    // not a lock we wrote
  }
  return undefined;
}

function isStale(owner: LockOwner | undefined, mtimeMs: number, me: LockOwner): boolean {
  const quiet = Date.now() - mtimeMs > HEARTBEAT_STALE_MS;
  if (owner === undefined) return quiet;
  if (owner.boot !== '' && me.boot !== '' && owner.boot !== me.boot) return true;
  if (owner.pidns !== '' && owner.pidns === me.pidns) {
    const start = procStart(owner.pid);
    return start === undefined || start !== owner.start;
  }
  return quiet;
}

/** Moves a stale lock out of the way, unless it was replaced by a live one meanwhile. */
function takeOver(lockPath: string, staleIno: number): void {
  const aside = `${lockPath}.stale-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch {
    return; // another staging took it over first
  }
  try {
    // A live lock created between our look and the rename goes back where it was.
    if (fs.statSync(aside).ino !== staleIno) fs.linkSync(aside, lockPath);
  } catch {
    // someone made a new lock meanwhile: theirs stands
  }
  fs.rmSync(aside, { force: true });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The directory a lock is about: its real path, so that every name of one directory (a symlink alias,
 * `a/../cache`) gives one lock file, beside the real directory. Resolved once, at set-up.
 */
export function cacheIdentity(cacheDir: string): string {
  try {
    return fs.realpathSync(cacheDir);
  } catch {
    return path.resolve(cacheDir); // not there (set-up creates it first): its name is all there is
  }
}

/**
 * Takes the lock on `cacheDir`, waiting while another live staging holds it; resolves to the function
 * that releases it. Where no lock file can be created (a read-only parent directory), staging goes on
 * without one after a warning.
 */
export async function lockBuildCache(cacheDir: string): Promise<() => void> {
  const lockPath = cacheLockPath(cacheIdentity(cacheDir));
  const me = self();
  const mine = `${lockPath}.${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const unlocked = (detail: string): (() => void) => {
    process.stderr.write(`Warning: cannot lock the build artifacts cache ${cacheDir} (${detail}); a staging sharing it could change it meanwhile\n`);
    return () => {};
  };
  try {
    fs.writeFileSync(mine, `${JSON.stringify(me)}\n`, { mode: 0o644, flag: 'wx' });
  } catch (err) {
    return unlocked(goPathError('open', mine, err));
  }
  const removeMine = trackTemporary(mine);
  let ino: number;
  let waitingFor: number | undefined;
  try {
    ino = fs.statSync(mine).ino;
    for (;;) {
      try {
        fs.linkSync(mine, lockPath);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return unlocked(goPathError('link', lockPath, err));
      }
      let owner: LockOwner | undefined;
      let st: fs.Stats;
      try {
        st = fs.statSync(lockPath);
        // A lock we wrote is one line; anything larger (or not a file) is no owner we know.
        owner = parseOwner(readLockFile(lockPath));
      } catch {
        continue; // released meanwhile: try again at once
      }
      if (isStale(owner, st.mtimeMs, me)) {
        takeOver(lockPath, st.ino);
        continue;
      }
      const holder = owner?.pid;
      if (holder !== waitingFor) {
        process.stdout.write(`Waiting for the build cache lock held by pid ${holder ?? 'unknown'}\n`);
        setActivity(`waiting for the build cache lock held by pid ${holder ?? 'unknown'}`);
        waitingFor = holder;
      }
      await sleep(POLL_MS);
    }
  } finally {
    removeMine();
  }

  // Ours now: removed with the other temporaries if staging is interrupted.
  trackTemporary(lockPath);
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      fs.utimesSync(lockPath, now, now);
    } catch {
      // removed under us; nothing to keep fresh
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return () => {
    clearInterval(heartbeat);
    untrackTemporary(lockPath);
    try {
      // Only our own lock: a staging that judged us stale may have replaced it.
      if (fs.statSync(lockPath).ino === ino) fs.rmSync(lockPath, { force: true });
    } catch {
      // already gone
    }
  };
}
