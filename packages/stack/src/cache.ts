// The stack cache: <cacheDir>/stacks/<name>-<profile>-<key>/ holds rootfs/, the tarball, its .sha256,
// the .receipt, build.log and stack.json. A directory with its final name is complete: builds happen
// in a `.build-*` directory beside it, renamed into place at the end. A lock file lets one process
// build while others with the same inputs wait for its result.
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from './errors.ts';
import { isProfile, type Profile } from './package-list.ts';
import type { Reporter } from './progress.ts';
import { isAlive } from './run.ts';
import { removeTree } from './mounts.ts';
import { VERSION_FILE } from './version-file.ts';
import { DEFAULT_STACK } from '@cf-lifecycle/contract/diego';

export interface Stack {
  name: string;
  version: string;
  profile: Profile;
  /** The exploded root filesystem. */
  rootfsDir: string;
  /** The .tar.gz of the rootfs (empty when the stack was opened from a directory without one). */
  tarball: string;
  /** sha256 of the tarball, hex (empty when there is no tarball). */
  sha256: string;
  /** The receipt file: `Rootfs SHA256: …`, a blank line, `dpkg -l` (empty when there is none). */
  receipt: string;
  /** Path of the version file inside the rootfs: /etc/cf-stack/version.json. */
  versionFile: string;
}

export const DEFAULT_CACHE_DIR = '/var/cache/cf-lifecycle';
/** The stack built and opened when none is named (Diego's default stack, contract's diego.ts). */
export const DEFAULT_NAME = DEFAULT_STACK;

export function resolveCacheDir(cacheDir?: string): string {
  return path.resolve(cacheDir || process.env.CF_LIFECYCLE_CACHE || DEFAULT_CACHE_DIR);
}

export function stacksDir(cacheDir: string): string {
  return path.join(cacheDir, 'stacks');
}

/** A stack name is a file-name-safe word, as CF stack names are (cflinuxfs2, cflinuxfs3, cflinuxfs4). */
export function checkName(name: string): string {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) {
    throw new StackError(`invalid stack name "${name}": use lower-case letters, digits, ".", "_" and "-" (for example cflinuxfs2)`);
  }
  return name;
}

export function checkProfile(profile: unknown): Profile {
  if (!isProfile(profile)) throw new StackError(`unknown stack profile "${String(profile)}": use minimal or full`);
  return profile;
}

/** `<name>-<profile>-<version>`: the base name of the tarball, .sha256 and .receipt. */
export function artifactBase(name: string, profile: Profile, version: string): string {
  return `${name}-${profile}-${version}`;
}

export const STACK_JSON = 'stack.json';

/** stack.json: what a cache directory holds, with file names relative to it. */
export interface StackRecord {
  format: 1;
  name: string;
  version: string;
  profile: Profile;
  /** The tarball's file name in the directory, or an absolute path (a tarball opened where it lies). */
  tarball: string;
  sha256: string;
  /** The receipt's file name in the directory ('' when there is none). */
  receipt: string;
  versionFile: string;
  /** The cache key (built stacks) or the tarball's sha256 (opened tarballs). */
  key: string;
}

export function writeStackRecord(dir: string, record: StackRecord): void {
  fs.writeFileSync(path.join(dir, STACK_JSON), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * The stack a complete cache directory holds, or undefined when `dir` is not one. `tarball` replaces
 * the recorded tarball path (an opened tarball is wherever the caller has it now).
 */
export function readStackDir(dir: string, tarball?: string): Stack | undefined {
  let record: StackRecord;
  try {
    record = JSON.parse(fs.readFileSync(path.join(dir, STACK_JSON), 'utf8')) as StackRecord;
  } catch {
    return undefined;
  }
  if (record.format !== 1 || !isProfile(record.profile)) return undefined;
  const rootfsDir = path.join(dir, 'rootfs');
  const tarballPath = tarball ?? (record.tarball ? path.resolve(dir, record.tarball) : '');
  if (!fs.existsSync(path.join(rootfsDir, 'etc', 'passwd'))) return undefined;
  if (tarballPath && !fs.existsSync(tarballPath)) return undefined;
  return {
    name: record.name,
    version: record.version,
    profile: record.profile,
    rootfsDir,
    tarball: tarballPath,
    sha256: record.sha256,
    receipt: record.receipt ? path.join(dir, record.receipt) : '',
    versionFile: record.versionFile || VERSION_FILE,
  };
}

const WORK_PREFIXES = ['.build-', '.extract-'];

/** `.build-<dir>-<pid>-<random>`: a work directory of process `pid` for the stack directory `dir`. */
export function workDirPrefix(kind: 'build' | 'extract', stackDirName: string): string {
  return `.${kind}-${stackDirName}-${process.pid}-`;
}

function ownerPid(workDirName: string): number | undefined {
  const parts = workDirName.split('-');
  const pid = Number(parts[parts.length - 2]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Removes work directories (and their mounts) left by builds whose process died. */
export async function removeStaleWork(stacks: string): Promise<void> {
  let entries: string[];
  try {
    entries = fs.readdirSync(stacks);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!WORK_PREFIXES.some((prefix) => entry.startsWith(prefix))) continue;
    const pid = ownerPid(entry);
    if (pid === undefined || pid === process.pid || isAlive(pid)) continue;
    // A killed ensureStack can leave its mmdebstrap running; wait for that to end too.
    const childPid = Number(readText(path.join(stacks, entry, 'child.pid')));
    if (Number.isInteger(childPid) && childPid > 0 && isAlive(childPid)) continue;
    await removeTree(path.join(stacks, entry));
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

const LOCK_POLL_MS = 500;

/**
 * Takes `<dir>.lock` (a file holding our pid), waiting while a live process holds it; a lock whose
 * process died is taken over. Returns the release function.
 */
export async function acquireLock(dir: string, report: Reporter, signal?: AbortSignal): Promise<() => void> {
  const lock = `${dir}.lock`;
  let announced = false;
  for (;;) {
    if (signal?.aborted) throw new StackError('waiting for another build of the stack was interrupted');
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new StackError(`cannot create ${lock}: ${(error as Error).message}`);
    }
    const holder = Number(readText(lock));
    if (!Number.isInteger(holder) || holder <= 0 || (holder !== process.pid && !isAlive(holder))) {
      // Stale: its owner died. Rename first so that only one waiter removes it.
      const stale = `${lock}.stale-${process.pid}`;
      try {
        fs.renameSync(lock, stale);
        fs.rmSync(stale, { force: true });
      } catch {
        // another waiter got there first
      }
      continue;
    }
    if (!announced) {
      report('wait', `another process (pid ${holder}) is building ${path.basename(dir)}: waiting for it`);
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}
