// What a killed runner leaves behind (SIGKILL, a crash, a power cut inside the VM): runc containers,
// bundle directories, cgroups. Only our own traces are touched: containers under our runc root whose
// id has our prefix, `cfl-bundle-*` directories and `cfl-*` cgroups, and never one whose owning
// process is still alive (another runner may be using it right now).
import fs from 'node:fs';
import path from 'node:path';
import { BUNDLE_PREFIX, bundleParent, ownerAlive, readOwner, removeBundle } from './bundle.ts';
import { killRecordedHelpers } from './network.ts';
import { listContainers, runc, oneLine } from './runtime.ts';
import { RunnerError } from './errors.ts';
import { ID_PREFIX } from './spec.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** An owner file is written right after mkdtemp; a bundle without one older than this is debris. */
const OWNERLESS_AGE_MS = 60_000;

function ownedByLiveProcess(bundleDir: string): boolean {
  const owner = readOwner(bundleDir);
  if (owner !== undefined) return ownerAlive(owner);
  const st = fs.statSync(bundleDir, { throwIfNoEntry: false });
  return st !== undefined && Date.now() - st.mtimeMs < OWNERLESS_AGE_MS;
}

/** Every `<controller>/<cfl-…>` cgroup directory (v1 controllers and the unified hierarchy). */
export function ourCgroups(): string[] {
  const found: string[] = [];
  let controllers: string[];
  try {
    controllers = fs.readdirSync(CGROUP_ROOT);
  } catch {
    return found;
  }
  const hierarchies = [CGROUP_ROOT, ...controllers.map((c) => path.join(CGROUP_ROOT, c))];
  for (const dir of hierarchies) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) if (e.isDirectory() && e.name.startsWith(ID_PREFIX)) found.push(path.join(dir, e.name));
  }
  return found;
}

/** Removes containers, bundles and cgroups we left behind; returns the container ids cleaned up. */
export async function cleanupStale(): Promise<string[]> {
  const removed = new Set<string>();
  const live = new Set<string>();

  for (const c of await listContainers()) {
    if (!c.id.startsWith(ID_PREFIX)) continue;
    if (ownedByLiveProcess(c.bundle)) {
      live.add(c.id);
      continue;
    }
    const r = await runc(['delete', '--force', c.id]);
    if (r.code !== 0 && (await listContainers()).some((x) => x.id === c.id)) {
      throw new RunnerError(`cannot remove stale container ${c.id}: ${oneLine(r.stderr)}`);
    }
    removed.add(c.id);
  }

  const parent = bundleParent();
  for (const name of fs.readdirSync(parent)) {
    if (!name.startsWith(BUNDLE_PREFIX)) continue;
    const dir = path.join(parent, name);
    if (ownedByLiveProcess(dir)) continue;
    // A SIGKILLed runner's NAT helpers normally end by themselves (their pipes close); any left go now.
    killRecordedHelpers(dir);
    removeBundle(dir);
    // `cfl-bundle-<id>-XXXXXX`: the id is what lies between the prefix and the random suffix.
    const id = name.slice(BUNDLE_PREFIX.length, name.lastIndexOf('-'));
    if (id.startsWith(ID_PREFIX)) removed.add(id);
  }

  for (const dir of ourCgroups()) {
    const id = path.basename(dir);
    if (live.has(id)) continue;
    // runc creates a cgroup moments before it moves the container's process in: leave young ones.
    const st = fs.statSync(dir, { throwIfNoEntry: false });
    if (st === undefined || Date.now() - st.mtimeMs < OWNERLESS_AGE_MS) continue;
    try {
      // rmdir succeeds only on a cgroup without processes or children, which is exactly a leftover.
      fs.rmdirSync(dir);
      removed.add(id);
    } catch {
      // still in use, or not ours to judge
    }
  }
  return [...removed].sort();
}
