// What a caller asks for (ContainerSpec) and the same request with every default filled in and
// checked (ResolvedSpec), before anything touches the disk or runc.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
// Only contract's diego.ts, which imports nothing: the runner stays free of contract's dependencies (yaml),
// so that it still bundles as plain ESM (test/runner's holder).
import { VCAP_GID, VCAP_UID } from '@cf-lifecycle/contract/diego';
import { RunnerError } from './errors.ts';
import { canRaiseRlimits, hardNofileLimit } from './host.ts';

/** A bind mount of a host path into the container; read-write unless `readonly`. */
export interface Mount {
  source: string;
  destination: string;
  readonly?: boolean;
}

export interface ContainerSpec {
  /** Exploded rootfs directory, mounted read-only and never written to. */
  rootfs: string;
  /** The process, e.g. `['/tmp/lifecycle/builder', '-buildpackOrder=…']`. */
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Default 2000:2000 (vcap). */
  user?: { uid: number; gid: number };
  /** Bind mounts, applied parents first (`/tmp` before `/tmp/lifecycle`). */
  mounts?: Mount[];
  /**
   * isolated (default; `none` is the same): a new network namespace with only loopback, up; host: the
   * host's; nat: a namespace of its own with outbound access through slirp4netns and no way to the
   * host's loopback (network.ts).
   */
  network?: NetworkMode;
  /** Defaults: 1 GiB of memory, 1024 pids, 1024 open files (at most the host's hard limit). */
  limits?: { memoryBytes?: number; pids?: number; nofile?: number };
  /** Default: the container id. */
  hostname?: string;
  /** Default true: an init runs as PID 1, forwards signals to `args` and reaps zombies. */
  init?: boolean;
  /** A pseudo-terminal for an interactive shell; needs `stdio: 'inherit'` and a terminal on stdin. */
  terminal?: boolean;
  /** Default 'inherit'. Without a terminal, the container's stdin is /dev/null. */
  stdio?: 'inherit' | 'pipe';
  /** Default a unique `cfl-<random>`. */
  id?: string;
}

export type NetworkMode = 'isolated' | 'none' | 'host' | 'nat';
export const NETWORK_MODES: readonly NetworkMode[] = ['isolated', 'none', 'host', 'nat'];

/** The prefix of generated container ids; `cleanupStale()` only touches ids that carry it. */
export const ID_PREFIX = 'cfl-';

export const DEFAULT_USER = { uid: VCAP_UID, gid: VCAP_GID } as const;
export const DEFAULT_LIMITS = { memoryBytes: 1024 * 1024 * 1024, pids: 1024, nofile: 1024 } as const;
/** runc spec's PATH, used when the caller's environment has none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ResolvedSpec {
  id: string;
  rootfs: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  user: { uid: number; gid: number };
  /** Ordered parents first; sources are absolute. */
  mounts: Array<Required<Mount>>;
  network: 'isolated' | 'host' | 'nat';
  limits: { memoryBytes: number; pids: number; nofile: number };
  hostname: string;
  init: boolean;
  terminal: boolean;
  stdio: 'inherit' | 'pipe';
}

// runc's own rule for container ids.
const ID_PATTERN = /^[\w+.-]+$/;
// RFC 1123 labels, which is what sethostname tools and resolvers expect.
const HOSTNAME_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function newContainerId(): string {
  return `${ID_PREFIX}${randomBytes(6).toString('hex')}`;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new RunnerError(`limits.${name} must be a positive integer, not ${value}`);
  return value;
}

function depth(p: string): number {
  return p === '/' ? 0 : p.split('/').length - 1;
}

function network(mode: NetworkMode | undefined): ResolvedSpec['network'] {
  if (mode === undefined || mode === 'none') return 'isolated';
  if (!NETWORK_MODES.includes(mode)) throw new RunnerError(`invalid network ${JSON.stringify(mode)}: use ${NETWORK_MODES.join(', ')}`);
  return mode as ResolvedSpec['network'];
}

/** Fills in the defaults and rejects what runc would refuse later with a less clear message. */
export function resolveSpec(spec: ContainerSpec): ResolvedSpec {
  const id = spec.id ?? newContainerId();
  if (!ID_PATTERN.test(id)) throw new RunnerError(`invalid container id ${JSON.stringify(id)}: use letters, digits, '_', '+', '-' and '.'`);

  let rootfs = path.resolve(spec.rootfs);
  if (!fs.statSync(rootfs, { throwIfNoEntry: false })?.isDirectory()) throw new RunnerError(`rootfs ${rootfs} is not a directory`);
  // runc refuses a rootfs reached through a symlink ("invalid rootfs: not an absolute path, or a symlink").
  rootfs = fs.realpathSync(rootfs);
  if (spec.args.length === 0) throw new RunnerError('args is empty: give the process to run');
  if (!path.posix.isAbsolute(spec.cwd)) throw new RunnerError(`cwd must be an absolute path inside the container, not ${JSON.stringify(spec.cwd)}`);

  const mounts = (spec.mounts ?? []).map((m) => {
    if (!path.posix.isAbsolute(m.destination)) throw new RunnerError(`mount destination must be absolute: ${JSON.stringify(m.destination)}`);
    const source = path.resolve(m.source);
    if (!fs.existsSync(source)) throw new RunnerError(`mount source ${source} does not exist`);
    return { source, destination: path.posix.normalize(m.destination), readonly: m.readonly ?? false };
  });
  // A nested destination must be mounted after its parent, or the parent would hide it (CONTAINER-LAB
  // §2.1: /tmp before /tmp/lifecycle). The sort is stable, so equal depths keep the caller's order.
  mounts.sort((a, b) => depth(a.destination) - depth(b.destination));

  const limits = {
    memoryBytes: positiveInteger('memoryBytes', spec.limits?.memoryBytes, DEFAULT_LIMITS.memoryBytes),
    pids: positiveInteger('pids', spec.limits?.pids, DEFAULT_LIMITS.pids),
    nofile: positiveInteger('nofile', spec.limits?.nofile, DEFAULT_LIMITS.nofile),
  };
  const hardNofile = hardNofileLimit();
  if (limits.nofile > hardNofile && !canRaiseRlimits()) {
    throw new RunnerError(
      `limits.nofile ${limits.nofile} is above the hard limit ${hardNofile} of this process, which it cannot raise without CAP_SYS_RESOURCE`,
    );
  }

  const hostname = spec.hostname ?? id.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63);
  if (!HOSTNAME_PATTERN.test(hostname)) throw new RunnerError(`invalid hostname ${JSON.stringify(hostname)}`);

  const terminal = spec.terminal ?? false;
  const stdio = spec.stdio ?? 'inherit';
  if (terminal && stdio !== 'inherit') throw new RunnerError("terminal: true needs stdio: 'inherit' (runc copies between the terminal and its own stdio)");

  for (const [name, value] of Object.entries(spec.env)) {
    if (name === '' || name.includes('=') || name.includes('\0') || value.includes('\0')) {
      throw new RunnerError(`invalid environment variable ${JSON.stringify(name)}: names need no '=' and neither may contain NUL`);
    }
  }
  const user = spec.user ?? { ...DEFAULT_USER };
  if (![user.uid, user.gid].every((n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32)) throw new RunnerError(`invalid user ${user.uid}:${user.gid}`);
  const env: Record<string, string> = { ...spec.env };
  if (env.PATH === undefined) env.PATH = DEFAULT_PATH;
  if (terminal && env.TERM === undefined) env.TERM = 'xterm';

  return {
    id,
    rootfs,
    args: [...spec.args],
    env,
    cwd: path.posix.normalize(spec.cwd),
    user,
    mounts,
    network: network(spec.network),
    limits,
    hostname,
    init: spec.init ?? true,
    terminal,
    stdio,
  };
}
