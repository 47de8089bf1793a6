// The OCI bundle of one container: a fresh temporary directory with config.json, the files bound
// over /etc/hosts and /etc/resolv.conf, runc's pid file and log, and an owner record that tells
// cleanupStale() whether the process that made it is still alive.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunnerError } from './errors.ts';
import { processStartTime, swapLimitSupported } from './host.ts';
import type { Init } from './init.ts';
import { recordHelpers, type NatNetwork } from './network.ts';
import { hostsFile, ociConfig, type EtcFiles, type OciConfig } from './oci-config.ts';
import { pathWrittenIntoRootfs, resolveInRootfs } from './rootfs-paths.ts';
import type { ResolvedSpec } from './spec.ts';

/** Bundle directories are `<tmpdir>/cfl-bundle-<id>-XXXXXX`. */
export const BUNDLE_PREFIX = 'cfl-bundle-';
const OWNER_FILE = 'owner.json';

export interface Bundle {
  dir: string;
  config: OciConfig;
  /** Written by `runc run --pid-file` once the container's process is running. */
  pidFile: string;
  /** runc's own log (JSON lines), where it explains a failed start. */
  logFile: string;
}

export interface Owner {
  pid: number;
  startTime: string | undefined;
}

export function bundleParent(): string {
  return os.tmpdir();
}

/**
 * Writes the bundle for `spec`. Throws a RunnerError, leaving nothing behind, when the container
 * would need to write into the rootfs.
 */
export function createBundle(spec: ResolvedSpec, init: Init, nat?: NatNetwork): Bundle {
  const dir = fs.mkdtempSync(path.join(bundleParent(), `${BUNDLE_PREFIX}${spec.id}-`));
  try {
    const owner: Owner = { pid: process.pid, startTime: processStartTime(process.pid) };
    fs.writeFileSync(path.join(dir, OWNER_FILE), JSON.stringify(owner));
    if (nat !== undefined) recordHelpers(dir, nat.helpers);

    // Bind only over files the rootfs has: binding onto a missing one would create it in the rootfs.
    const etc: EtcFiles = {};
    if (resolveInRootfs(spec.rootfs, '/etc/hosts').exists) {
      etc.hosts = path.join(dir, 'hosts');
      fs.writeFileSync(etc.hosts, hostsFile(spec.hostname), { mode: 0o644 });
    }
    if (resolveInRootfs(spec.rootfs, '/etc/resolv.conf').exists) {
      // A copy, not the host's file itself: the host may replace its resolv.conf while we run. Behind
      // NAT the host's resolver may be on its loopback, out of reach: slirp4netns's own forwards to it.
      etc.resolvConf = path.join(dir, 'resolv.conf');
      fs.writeFileSync(etc.resolvConf, nat?.resolvConf ?? readOr('/etc/resolv.conf', ''), { mode: 0o644 });
    }

    const config = ociConfig(spec, { init, etc, swapLimit: swapLimitSupported(), ...(nat ? { netnsPath: nat.netnsPath } : {}) });
    const intruding = pathWrittenIntoRootfs(spec.rootfs, config.mounts, spec.cwd);
    if (intruding !== undefined) {
      throw new RunnerError(
        `${intruding} does not exist in the rootfs ${spec.rootfs}, which is read-only and never written to: ` +
          'create it in the stack, or use a path under /tmp or under a mount',
      );
    }
    fs.writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    return { dir, config, pidFile: path.join(dir, 'container.pid'), logFile: path.join(dir, 'runc.log') };
  } catch (err) {
    removeBundle(dir);
    throw err;
  }
}

export function removeBundle(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function readOwner(dir: string): Owner | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

/** Whether the process recorded as the bundle's owner is still the same live process. */
export function ownerAlive(owner: Owner): boolean {
  const now = processStartTime(owner.pid);
  return now !== undefined && now === owner.startTime;
}

/** The error runc logged (its log is JSON lines: `{"level":"error","msg":…}`), if any. */
export function runcLoggedError(bundle: Bundle): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(bundle.logFile, 'utf8');
  } catch {
    return undefined;
  }
  let last: string | undefined;
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if (entry.level === 'error' && entry.msg) last = entry.msg;
    } catch {
      // not a JSON line
    }
  }
  return last;
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
