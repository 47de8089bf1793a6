// The bundle's config.json: `runc spec`'s defaults (runc 1.1.5, OCI 1.0.2) adapted as CONTAINER-LAB
// §2.1's mkbundle.sh does. A pure function of the resolved spec, so every field can be tested without runc.
import type { Init } from './init.ts';
import { withInit } from './init.ts';
import { seccompProfile, type SeccompProfile } from './seccomp.ts';
import type { ResolvedSpec } from './spec.ts';

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciConfig {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<'bounding' | 'effective' | 'inheritable' | 'permitted' | 'ambient', string[]>;
    rlimits: Array<{ type: string; hard: number; soft: number }>;
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    cgroupsPath: string;
    resources: {
      devices: Array<{ allow: boolean; access: string }>;
      memory: { limit: number; swap?: number };
      pids: { limit: number };
    };
    namespaces: Array<{ type: string; path?: string }>;
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp: SeccompProfile;
  };
}

/** Host files of the bundle bound over the rootfs's; absent when the rootfs has no file to bind over. */
export interface EtcFiles {
  hosts?: string;
  resolvConf?: string;
}

export interface ConfigContext {
  init: Init;
  etc: EtcFiles;
  /** Whether memory+swap can be limited on this host (see host.ts). */
  swapLimit: boolean;
  /** network 'nat': the namespace, made and configured beforehand (network.ts), that the container joins. */
  netnsPath?: string;
}

/** `runc spec`'s mounts: proc, a small /dev, devpts, shm, mqueue, read-only sysfs and cgroups. */
const RUNC_SPEC_MOUNTS: readonly OciMount[] = [
  { destination: '/proc', type: 'proc', source: 'proc' },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
];

/** `runc spec`'s masked and read-only /proc and /sys paths (CONTAINER-LAB §5.5). */
export const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The contents of the container's /etc/hosts: the rootfs has none (CONTAINER-LAB §1, "Rootfs pitfalls"). */
export function hostsFile(hostname: string): string {
  return `127.0.0.1\tlocalhost ${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`;
}

/** The cgroup of a container, one per id under each controller so `runc delete` removes it. */
export function cgroupsPath(id: string): string {
  return `/${id}`;
}

function bind(source: string, destination: string, readonly: boolean): OciMount {
  // nosuid/nodev: nothing from an app or lifecycle directory should gain privileges or reach devices.
  return { destination, type: 'bind', source, options: ['rbind', 'nosuid', 'nodev', readonly ? 'ro' : 'rw'] };
}

export function ociConfig(spec: ResolvedSpec, ctx: ConfigContext): OciConfig {
  const mounts: OciMount[] = [...RUNC_SPEC_MOUNTS];
  if (ctx.init.kind === 'host') mounts.push(bind(ctx.init.hostPath, ctx.init.containerPath, true));
  // The root is read-only: a writable /tmp comes first, so the mount points of nested binds such as
  // /tmp/lifecycle are created in it (CONTAINER-LAB §2.1). A caller's own mount at /tmp replaces it.
  if (!spec.mounts.some((m) => m.destination === '/tmp')) {
    mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] });
  }
  if (ctx.etc.hosts !== undefined) mounts.push(bind(ctx.etc.hosts, '/etc/hosts', true));
  if (ctx.etc.resolvConf !== undefined) mounts.push(bind(ctx.etc.resolvConf, '/etc/resolv.conf', true));
  for (const m of spec.mounts) mounts.push(bind(m.source, m.destination, m.readonly));

  const namespaces = ['pid', 'network', 'ipc', 'uts', 'mount']
    // Without a network namespace of its own the container shares the host's (CONTAINER-LAB §2.1);
    // a new one has only `lo`, which runc brings up; 'nat' joins the one its helpers configured.
    .filter((type) => type !== 'network' || spec.network !== 'host')
    .map((type) => {
      if (type !== 'network' || spec.network !== 'nat') return { type };
      if (ctx.netnsPath === undefined) throw new Error("network 'nat' needs the namespace's path");
      return { type, path: ctx.netnsPath };
    });

  const memory: OciConfig['linux']['resources']['memory'] = { limit: spec.limits.memoryBytes };
  // memory+swap equal to memory: the app cannot spill into swap beyond its limit.
  if (ctx.swapLimit) memory.swap = spec.limits.memoryBytes;

  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: spec.terminal,
      user: { uid: spec.user.uid, gid: spec.user.gid, additionalGids: [spec.user.gid] },
      args: withInit(ctx.init, spec.args),
      env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      cwd: spec.cwd,
      // No capabilities at all, not even runc spec's three: the process runs as an unprivileged user
      // and a setuid binary in the rootfs must not regain any.
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: spec.limits.nofile, soft: spec.limits.nofile }],
      noNewPrivileges: true,
    },
    root: { path: spec.rootfs, readonly: true },
    hostname: spec.hostname,
    mounts,
    linux: {
      cgroupsPath: cgroupsPath(spec.id),
      resources: {
        // Deny every device but the ones runc always allows (null, zero, full, tty, urandom, random, ptmx).
        devices: [{ allow: false, access: 'rwm' }],
        memory,
        pids: { limit: spec.limits.pids },
      },
      namespaces,
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
      // runc has no default profile: ours denies what an app never needs (seccomp.ts).
      seccomp: seccompProfile(),
    },
  };
}
