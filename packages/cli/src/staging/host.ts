// `droplet stage --host`: the builder on this machine, without a container. As root it runs as vcap
// (2000:2000) unless `--host-user root` says otherwise, so buildpacks never run as root by default; as
// any other user it runs as that user. Either way as root it runs in a pid namespace of its own
// (unshare --pid --fork --kill-child) under tini when the host has it, as in the container: when the
// builder ends, tini (the namespace's init) ends, and the kernel ends every process staging left
// behind before the outputs are read, as the container's pid namespace does.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.ts';
import { onInterrupt } from '../signals.ts';
import { VCAP } from '../workspace.ts';

export const HOST_USERS = ['vcap', 'root'] as const;
export type HostUser = (typeof HOST_USERS)[number];

/** Who runs the lifecycle with --host: `self` when we are not root (the only choice then). */
export type HostIdentity = 'self' | HostUser;

const GRACE_MS = 10_000;
/** The init of the namespace, as the runner's (packages/runner/src/init.ts): forwards TERM, reaps orphans. */
const INIT_CANDIDATES = ['/usr/bin/tini-static', '/usr/local/bin/tini-static', '/usr/bin/tini', '/usr/local/bin/tini'];

function hostInit(): string[] {
  const found = INIT_CANDIDATES.find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  // Without one the builder is the namespace's pid 1 itself: it handles TERM, orphans stay zombies until it ends.
  return found ? [found, '--'] : [];
}

export function hostIdentity(option: string | undefined): HostIdentity {
  const root = process.getuid?.() === 0;
  if (option === undefined) return root ? 'vcap' : 'self';
  if (!(HOST_USERS as readonly string[]).includes(option)) throw new CliError(`--host-user ${option}: use vcap or root`);
  if (!root) throw new CliError(`--host-user ${option} needs root: as another user the lifecycle runs as you`);
  return option as HostUser;
}

/** Whether uid/gid may search every directory up to `file` and read and execute it (mode bits only). */
export function reachableBy(file: string, uid: number, gid: number): boolean {
  const allowed = (st: fs.Stats, bits: number): boolean => {
    const shift = st.uid === uid ? 6 : st.gid === gid ? 3 : 0;
    return ((st.mode >> shift) & bits) === bits;
  };
  try {
    let dir = path.dirname(path.resolve(file));
    for (;;) {
      if (!allowed(fs.statSync(dir), 0o1)) return false;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    return allowed(fs.statSync(file), 0o5);
  } catch {
    return false;
  }
}

/** The command that runs `builder args` as `who`. */
export function hostCommand(builder: string, args: readonly string[], who: HostIdentity): { file: string; args: string[] } {
  if (who === 'self') return { file: builder, args: [...args] };
  // --mount-proc: the builder's /proc shows its own namespace, so its pid checks (cache lock, watchdog) hold.
  const pidNamespace = ['--pid', '--fork', '--kill-child', '--mount-proc', '--'];
  if (who === 'root') return { file: 'unshare', args: [...pidNamespace, ...hostInit(), builder, ...args] };
  const drop = ['setpriv', `--reuid=${VCAP.uid}`, `--regid=${VCAP.gid}`, '--clear-groups', '--no-new-privs', '--'];
  return { file: 'unshare', args: [...pidNamespace, ...drop, ...hostInit(), builder, ...args] };
}

/**
 * Runs the builder and resolves with its exit status once it and (as root) every process it left are
 * gone. SIGINT/SIGTERM: TERM to its process group, KILL after the grace period.
 */
export function runOnHost(builder: string, args: readonly string[], env: NodeJS.ProcessEnv, who: HostIdentity, workspace: string): Promise<number> {
  if (who === 'vcap' && !reachableBy(builder, VCAP.uid, VCAP.gid)) {
    throw new CliError(
      `--host runs the lifecycle as vcap (${VCAP.uid}:${VCAP.gid}), who cannot run ${builder}: ` +
        'make it and its directories readable by others, or pass --host-user root',
    );
  }
  if (who === 'vcap' && !reachableBy(workspace, VCAP.uid, VCAP.gid)) {
    throw new CliError(
      `--host runs the lifecycle as vcap (${VCAP.uid}:${VCAP.gid}), who cannot reach the staging workspace ${workspace}: ` +
        'use a TMPDIR whose directories others may search, or pass --host-user root',
    );
  }
  const cmd = hostCommand(builder, args, who);
  return new Promise((resolve, reject) => {
    // Its own process group, as a container's runc has: a Ctrl-C reaches only us, and we end the staging
    // with TERM and a grace period (unshare blocks TERM and leaves it to its child: tini, which passes it
    // to the builder, or the builder itself).
    const child = spawn(cmd.file, cmd.args, { env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    const release = onInterrupt(async () => {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), GRACE_MS);
      await exited;
      clearTimeout(timer);
    });
    child.on('error', (err) => {
      release();
      reject(new CliError(`cannot run ${cmd.file}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      release();
      resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15));
    });
  });
}
