// What building needs on the host: root (mmdebstrap --mode=root mounts /proc and /sys in the chroot),
// mmdebstrap itself (installed with apt-get when missing), tar and dpkg-query.
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from './errors.ts';
import type { Reporter } from './progress.ts';
import { run } from './run.ts';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The executable's path on $PATH (plus the sbin directories root has), or undefined. */
export function which(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

export function requireTool(command: string, pkg: string): string {
  const found = which(command);
  if (!found) throw new StackError(`${command} is not installed: run apt-get install ${pkg} (as root)`);
  return found;
}

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };

/** Returns mmdebstrap's path, installing it with apt-get when it is missing (we are root by now). */
export async function ensureMmdebstrap(report: Reporter, signal?: AbortSignal): Promise<string> {
  const found = which('mmdebstrap');
  if (found) return found;
  const aptGet = which('apt-get');
  if (!aptGet) throw new StackError('mmdebstrap is not installed and there is no apt-get: install mmdebstrap (Debian or Ubuntu) and retry');

  const install = () =>
    run(aptGet, ['install', '-y', '--no-install-recommends', 'mmdebstrap'], {
      env: APT_ENV,
      signal,
      onLine: (line) => report('tools', line),
    });
  report('tools', 'mmdebstrap is not installed: apt-get install -y --no-install-recommends mmdebstrap');
  let result = await install();
  if (result.aborted) throw new StackError('installing mmdebstrap was interrupted');
  if (result.code !== 0) {
    // A fresh machine has no package lists yet.
    report('tools', 'apt-get install failed: apt-get update');
    const update = await run(aptGet, ['update'], { env: APT_ENV, signal, onLine: (line) => report('tools', line) });
    if (update.aborted) throw new StackError('installing mmdebstrap was interrupted');
    result = await install();
    if (result.aborted) throw new StackError('installing mmdebstrap was interrupted');
  }
  const installed = which('mmdebstrap');
  if (result.code !== 0 || !installed) {
    const last = result.tail.filter((line) => line.startsWith('E:')).pop() ?? `apt-get exited with ${result.code}`;
    throw new StackError(`mmdebstrap is not installed and apt-get could not install it (${last}): run apt-get install mmdebstrap (as root)`);
  }
  report('tools', `installed ${installed}`);
  return installed;
}
