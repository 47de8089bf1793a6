// Containers must not outlive the process that started them. While any is running this module holds
// SIGINT, SIGTERM and SIGHUP handlers that stop them all (TERM, the grace period, then KILL; a second
// signal skips the grace), and an 'exit' hook that force-deletes whatever is still there when the
// process exits without waiting (process.exit() from another handler, an uncaught exception).
import { removeBundle } from './bundle.ts';
import { killRecordedHelpers } from './network.ts';
import { deleteContainerSync } from './runtime.ts';

export interface Tracked {
  id: string;
  bundleDir: string;
  stop(graceMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const HANDLED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const live = new Set<Tracked>();
let stopping = false;
let exitHookInstalled = false;

export function track(container: Tracked): void {
  if (live.size === 0) for (const sig of HANDLED) process.on(sig, onSignal);
  live.add(container);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', onExit);
  }
}

export function untrack(container: Tracked): void {
  if (!live.delete(container)) return;
  // Without containers the process gets its usual signal behaviour back.
  if (live.size === 0) for (const sig of HANDLED) process.off(sig, onSignal);
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    for (const c of live) void c.kill('SIGKILL').catch(() => undefined);
    return;
  }
  stopping = true;
  void Promise.allSettled([...live].map((c) => c.stop())).then(() => {
    stopping = false;
    for (const sig of HANDLED) process.off(sig, onSignal);
    // Die of the signal, as the process would have without us, unless someone else handles it
    // (a CLI with its own handler decides how to exit).
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function onExit(): void {
  for (const c of live) {
    deleteContainerSync(c.id);
    // The NAT helpers would end on their own once we are gone (their pipes close); no need to wait.
    killRecordedHelpers(c.bundleDir);
    removeBundle(c.bundleDir);
  }
  live.clear();
}
