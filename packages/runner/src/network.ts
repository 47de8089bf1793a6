// `network: 'nat'`: a network namespace of the container's own with outbound access through
// user-mode NAT, as Garden gives staging its own namespace with egress rules. Two helper processes:
//
//   holder  `unshare --net sh -c 'read _'`: creates the namespace and keeps it until we close its stdin;
//           runc joins it by path (/proc/<holder>/ns/net), so the network is up before the process runs;
//   slirp   `slirp4netns --configure --disable-host-loopback … <holder> tap0`: a TAP device in the
//           namespace (10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3) whose traffic it turns into
//           ordinary sockets of the host.
//
// slirp4netns rather than pasta: pasta gives the namespace the host's own addresses and routes, so a
// connection to the host's address from inside would stay inside (the host's services on its real
// address become unreachable), it forwards the host's ports into the namespace unless told not to,
// and it maps the gateway to the host's loopback unless `--no-map-gw`. slirp4netns has a separate
// address plan, forwards nothing inward, and `--disable-host-loopback` refuses connections to the
// host's 127.0.0.1 through 10.0.2.2; `--enable-sandbox` and `--enable-seccomp` confine slirp itself
// (an empty root, no capabilities, a syscall filter). The namespace has its own loopback and its own
// abstract unix sockets, so the host's are out of reach.
//
// Both helpers end on their own when we die, even by SIGKILL: the holder reads EOF on its stdin and
// slirp4netns watches its --exit-fd; their pids and start times are recorded in the bundle, where
// cleanupStale() finds them if they did not.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RunnerError } from './errors.ts';
import { processStartTime } from './host.ts';

/** slirp4netns's fixed address plan (its defaults, written here because the resolv.conf names the DNS). */
export const NAT = { address: '10.0.2.100', gateway: '10.0.2.2', dns: '10.0.2.3', mtu: 65520 } as const;

const NETWORK_FILE = 'network.json';
const START_TIMEOUT_MS = 10_000;
const EXTRA_DIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'];

export interface HelperProcess {
  pid: number;
  startTime: string | undefined;
  /** What it is, for messages: `holder` or `slirp4netns`. */
  role: string;
}

export interface NatNetwork {
  /** The namespace runc joins. */
  netnsPath: string;
  /** The container's /etc/resolv.conf: slirp4netns's resolver, which forwards to the host's. */
  resolvConf: string;
  helpers: HelperProcess[];
  /** Ends both helpers and waits until they are gone; safe to call more than once. */
  close(): Promise<void>;
}

function searchDirs(): string[] {
  return [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), ...EXTRA_DIRS];
}

function findExecutable(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Throws a RunnerError with one line when the NAT network cannot be had on this host. */
export function checkNatTools(dirs: readonly string[] = searchDirs()): { slirp: string; unshare: string } {
  const slirp = findExecutable('slirp4netns', dirs);
  if (slirp === undefined) throw new RunnerError("network 'nat' needs slirp4netns: apt-get install slirp4netns (or use network 'host' or 'isolated')");
  const unshare = findExecutable('unshare', dirs);
  if (unshare === undefined) throw new RunnerError("network 'nat' needs unshare (util-linux): apt-get install util-linux");
  return { slirp, unshare };
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts the holder and slirp4netns for container `id`; resolves once the namespace is configured. */
export async function startNatNetwork(id: string): Promise<NatNetwork> {
  const tools = checkNatTools();
  // The label in the holder's command line names the container: `traces(id)` and ps show whose it is.
  const holder = spawn(tools.unshare, ['--net', '--', 'sh', '-c', 'read _', `cfl-nat-${id}`], { stdio: ['pipe', 'ignore', 'pipe'] });
  const helpers: HelperProcess[] = [];
  let slirp: ChildProcess | undefined;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      // Closing the exit fd ends slirp4netns; EOF on stdin ends the holder. KILL after a second, to be sure.
      const children = [slirp, holder].filter((c): c is ChildProcess => c !== undefined);
      if (slirp) (slirp.stdio[4] as (NodeJS.WritableStream & { destroy(): void }) | null)?.destroy();
      holder.stdin?.destroy();
      const timer = setTimeout(() => {
        for (const c of children) c.kill('SIGKILL');
      }, 1000);
      await Promise.all(children.map(exitOf));
      clearTimeout(timer);
    })();
    return closed;
  };
  let holderError = '';
  holder.stderr?.setEncoding('utf8').on('data', (d: string) => (holderError += d));
  try {
    if (holder.pid === undefined) throw new RunnerError(`cannot start ${tools.unshare}`);
    helpers.push({ pid: holder.pid, startTime: processStartTime(holder.pid), role: 'holder' });
    await namespaceCreated(holder, () => holderError);

    // --ready-fd (3): slirp writes "1" once the TAP device and lo are up and configured.
    // --exit-fd (4): slirp exits when our end closes, which includes our own death.
    slirp = spawn(
      tools.slirp,
      ['--configure', `--mtu=${NAT.mtu}`, '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--ready-fd=3', '--exit-fd=4'].concat([
        String(holder.pid),
        'tap0',
      ]),
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], argv0: `slirp4netns:cfl-nat-${id}` },
    );
    if (slirp.pid === undefined) throw new RunnerError(`cannot start ${tools.slirp}`);
    helpers.push({ pid: slirp.pid, startTime: processStartTime(slirp.pid), role: 'slirp4netns' });
    await slirpReady(slirp);
    return { netnsPath: `/proc/${holder.pid}/ns/net`, resolvConf: `nameserver ${NAT.dns}\n`, helpers, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Waits until the holder runs in a network namespace other than ours. */
async function namespaceCreated(holder: ChildProcess, stderr: () => string): Promise<void> {
  const ours = fs.readlinkSync('/proc/self/ns/net');
  const until = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (holder.exitCode !== null || holder.signalCode !== null) {
      throw new RunnerError(`cannot create a network namespace: ${oneLine(stderr()) || `unshare exited with status ${holder.exitCode ?? holder.signalCode}`}`);
    }
    let theirs: string | undefined;
    try {
      theirs = fs.readlinkSync(`/proc/${holder.pid}/ns/net`);
    } catch {
      // not yet readable
    }
    if (theirs !== undefined && theirs !== ours) return;
    if (Date.now() > until) throw new RunnerError('cannot create a network namespace: unshare --net did not start in time');
    await sleep(2);
  }
}

function slirpReady(slirp: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    slirp.stderr?.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 64 * 1024) stderr += d;
    });
    const timer = setTimeout(() => fail('it did not become ready in time'), START_TIMEOUT_MS);
    const ready = slirp.stdio[3] as NodeJS.ReadableStream;
    let done = false;
    function fail(why: string): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new RunnerError(`slirp4netns failed: ${why}`));
    }
    ready.on('data', (d: Buffer) => {
      if (done || !d.toString().includes('1')) return;
      done = true;
      clearTimeout(timer);
      // Not read any more: what slirp prints later must not fill a pipe and block it.
      slirp.stderr?.resume();
      resolve();
    });
    ready.on('error', () => undefined);
    slirp.once('error', (err) => fail(err.message));
    slirp.once('exit', (code, signal) => fail(oneLine(lastError(stderr)) || `exited with status ${code ?? signal}`));
  });
}

/** slirp4netns prints progress lines too; its error is the last line that is not one of them. */
function lastError(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !/^(sent|received) tapfd|^WARNING: Support for seccomp is experimental/.test(l));
  return lines[lines.length - 1] ?? '';
}

function oneLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines[lines.length - 1] ?? '';
}

/** Records the helpers in the bundle, for cleanupStale() after a SIGKILL. */
export function recordHelpers(bundleDir: string, helpers: readonly HelperProcess[]): void {
  fs.writeFileSync(path.join(bundleDir, NETWORK_FILE), JSON.stringify({ helpers }));
}

/**
 * Kills the helpers recorded in a bundle that are still the same processes (same start time, so a
 * reused pid is never hit); returns what was killed.
 */
export function killRecordedHelpers(bundleDir: string): HelperProcess[] {
  let helpers: HelperProcess[];
  try {
    helpers = (JSON.parse(fs.readFileSync(path.join(bundleDir, NETWORK_FILE), 'utf8')) as { helpers: HelperProcess[] }).helpers;
  } catch {
    return [];
  }
  const killed: HelperProcess[] = [];
  for (const h of helpers) {
    if (!Number.isInteger(h.pid) || h.pid <= 1 || h.startTime === undefined || processStartTime(h.pid) !== h.startTime) continue;
    try {
      process.kill(h.pid, 'SIGKILL');
      killed.push(h);
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}
