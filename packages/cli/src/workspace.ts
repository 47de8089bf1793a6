// A temporary host directory for one stage/run/shell, removed whatever happens (success, failure,
// SIGINT/SIGTERM). Files the container user must write are owned by vcap (2000:2000).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const VCAP = { uid: 2000, gid: 2000 };
const workspaces = new Set<string>();

export function createWorkspace(kind: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `droplet-${kind}-`));
  fs.chmodSync(dir, 0o755);
  workspaces.add(dir);
  return dir;
}

export function removeWorkspace(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  workspaces.delete(dir);
}

export function removeAllWorkspaces(): void {
  for (const dir of [...workspaces]) {
    try {
      removeWorkspace(dir);
    } catch {
      // best effort while exiting
    }
  }
}

/** chown -R to vcap when we are root (inside the container the lifecycle runs as 2000:2000). */
export function chownVcap(target: string): void {
  if (process.getuid?.() !== 0) return;
  execFileSync('chown', ['-R', `${VCAP.uid}:${VCAP.gid}`, target]);
}

export function mkdirVcap(target: string): string {
  fs.mkdirSync(target, { recursive: true, mode: 0o755 });
  chownVcap(target);
  return target;
}

/** Copies a directory tree preserving modes, links and dotfiles. */
export function copyTree(src: string, dest: string): void {
  execFileSync('cp', ['-a', `${src}/.`, dest]);
}

/** Writes a file under a temporary name beside it, then renames (never a partial output). */
export function copyFileAtomic(src: string, dest: string): void {
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.tmp-${process.pid}`);
  try {
    fs.copyFileSync(src, tmp);
    fs.renameSync(tmp, dest);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
