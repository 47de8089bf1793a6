// A temporary host directory for one stage/run/shell, removed whatever happens (success, failure,
// SIGINT/SIGTERM). Files the container user must write are owned by vcap (2000:2000).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VCAP_GID, VCAP_UID } from '@cf-lifecycle/contract';

export const VCAP = { uid: VCAP_UID, gid: VCAP_GID };
const workspaces = new Set<string>();

export function createWorkspace(kind: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `droplet-${kind}-`));
  fs.chmodSync(dir, 0o755);
  workspaces.add(dir);
  return dir;
}

/**
 * A staging's workspace. The root belongs to us (the CLI's user, root), so nothing under it can be
 * renamed or replaced by staging code, whoever owns the subdirectories:
 * - `tmp`: the staging's /tmp (app, buildpacks, cache in; droplet, result.json, metadata, cache out),
 *   vcap's, and the container's /tmp mount point (a mount point cannot be renamed in the container);
 * - `home`: its /home/vcap, vcap's;
 * - `hooks`: the builder's hooks config and the mount points of the files it names, ours, read-only
 *   in the container;
 * - `out`: our own copies of what we read after staging (the SBOM for the CLI's hooks).
 */
export interface StagingWorkspace {
  root: string;
  tmp: string;
  home: string;
  hooks: string;
  out: string;
}

export function createStagingWorkspace(): StagingWorkspace {
  const root = createWorkspace('stage');
  const sub = (name: string) => {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { mode: 0o755 });
    return dir;
  };
  return { root, tmp: sub('tmp'), home: sub('home'), hooks: sub('hooks'), out: sub('out') };
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
