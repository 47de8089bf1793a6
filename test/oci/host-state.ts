// What podman's bridge networking leaves on the host after the pod is gone (CONTAINER-LAB §6): CNI's
// iptables chains and jump rules, /var/lib/cni (IPAM), the /run/netns bind mount, cni-podman bridges,
// the blob-info cache in /var/lib/containers and empty libpod_parent cgroups. A snapshot before the
// test and `restoreHost` after it remove exactly what appeared in between, nothing that was there.
import fs from 'node:fs';
import path from 'node:path';
import { sh } from './helpers.ts';

const TABLES = ['filter', 'nat'] as const;
const PATHS = ['/var/lib/cni', '/var/lib/cni/networks/podman-default-kube-network', '/run/netns', '/var/lib/containers', '/var/lib/containers/cache'];
const CGROUP_ROOT = '/sys/fs/cgroup';

export interface HostSnapshot {
  links: Set<string>;
  chains: Map<string, Set<string>>;
  rules: Map<string, string[]>;
  paths: Set<string>;
  libpodCgroups: Set<string>;
}

async function links(): Promise<Set<string>> {
  const { stdout } = await sh('ip', ['-o', 'link', 'show']);
  return new Set(
    stdout
      .split('\n')
      .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1] ?? '')
      .filter(Boolean),
  );
}

async function iptables(table: string): Promise<{ chains: Set<string>; rules: string[] }> {
  const { stdout } = await sh('iptables-save', ['-t', table]);
  const lines = stdout.split('\n');
  return {
    chains: new Set(lines.filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!)),
    rules: lines.filter((l) => l.startsWith('-A ')),
  };
}

function libpodCgroups(): Set<string> {
  if (!fs.existsSync(CGROUP_ROOT)) return new Set();
  return new Set(
    fs
      .readdirSync(CGROUP_ROOT)
      .map((controller) => path.join(CGROUP_ROOT, controller, 'libpod_parent'))
      .filter((dir) => fs.existsSync(dir)),
  );
}

export async function snapshotHost(): Promise<HostSnapshot> {
  const chains = new Map<string, Set<string>>();
  const rules = new Map<string, string[]>();
  for (const table of TABLES) {
    const state = await iptables(table);
    chains.set(table, state.chains);
    rules.set(table, state.rules);
  }
  return { links: await links(), chains, rules, paths: new Set(PATHS.filter((p) => fs.existsSync(p))), libpodCgroups: libpodCgroups() };
}

/** `-A CHAIN args…` as iptables-save prints it (double-quoted comments) → argv. */
export function ruleArgs(rule: string): string[] {
  const args: string[] = [];
  for (const match of rule.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) args.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!);
  return args;
}

function mounted(target: string): boolean {
  return fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === target);
}

function removeCgroupTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeCgroupTree(path.join(dir, entry.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // still has processes: not ours to kill
  }
}

/** Removes the CNI and podman leftovers that appeared since `before`; returns what it removed. */
export async function restoreHost(before: HostSnapshot): Promise<string[]> {
  const removed: string[] = [];
  for (const link of await links()) {
    if (before.links.has(link) || !/^(cni-podman\d+|veth)/.test(link)) continue;
    await sh('ip', ['link', 'del', link]).catch(() => undefined);
    removed.push(`link ${link}`);
  }
  for (const table of TABLES) {
    const now = await iptables(table);
    const oldRules = new Set(before.rules.get(table));
    for (const rule of [...now.rules].reverse()) {
      if (oldRules.has(rule) || !rule.includes('CNI')) continue;
      const [, chain, ...args] = ruleArgs(rule);
      await sh('iptables', ['-t', table, '-D', chain!, ...args]).catch(() => undefined);
      removed.push(`iptables -t ${table} ${rule}`);
    }
    const oldChains = before.chains.get(table) ?? new Set();
    const newChains = [...now.chains].filter((c) => !oldChains.has(c) && c.startsWith('CNI-'));
    for (const chain of newChains) await sh('iptables', ['-t', table, '-F', chain]).catch(() => undefined);
    for (const chain of newChains) {
      await sh('iptables', ['-t', table, '-X', chain]).catch(() => undefined);
      removed.push(`iptables -t ${table} chain ${chain}`);
    }
  }
  if (!before.paths.has('/run/netns') && fs.existsSync('/run/netns')) {
    if (mounted('/run/netns')) await sh('umount', ['/run/netns']).catch(() => undefined);
    try {
      fs.rmdirSync('/run/netns');
      removed.push('/run/netns');
    } catch {
      // a namespace someone else made lives there
    }
  }
  for (const [dir, sub] of [
    ['/var/lib/cni', '/var/lib/cni/networks/podman-default-kube-network'],
    ['/var/lib/containers', '/var/lib/containers/cache'],
  ] as const) {
    const target = !before.paths.has(dir) ? dir : !before.paths.has(sub) ? sub : undefined;
    if (target && fs.existsSync(target)) {
      fs.rmSync(target, { recursive: true, force: true });
      removed.push(target);
    }
  }
  for (const dir of libpodCgroups()) {
    if (before.libpodCgroups.has(dir)) continue;
    removeCgroupTree(dir);
    removed.push(dir);
  }
  return removed;
}
