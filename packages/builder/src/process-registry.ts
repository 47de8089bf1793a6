// Everything the builder must undo when it is interrupted: running buildpack process groups, temporary
// directories and files. SIGINT/SIGTERM (and -stagingTimeout) end the process groups, remove the
// temporaries and exit. A builder killed outright (SIGKILL) cannot do this itself: the watchdog
// (watchdog.ts) then ends the process groups it knew of.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { EXIT, redactUrlsIn } from '@cf-lifecycle/contract';
import { watchdogAdd, watchdogRemove } from './watchdog.ts';

const children = new Set<ChildProcess>();
const temporaries = new Set<string>();
let installed = false;
let aborting = false;

/** How long a process group gets between TERM and KILL when staging is ended. */
export const TERMINATION_GRACE_MS = 2000;

export function trackChild(child: ChildProcess): void {
  children.add(child);
  if (child.pid !== undefined) watchdogAdd(child.pid);
  const forget = () => {
    if (!children.delete(child)) return;
    if (child.pid !== undefined) watchdogRemove(child.pid);
  };
  child.once('exit', forget);
  child.once('error', forget);
}

/** Registers a path that must not survive the builder; returns a function that removes it now. */
export function trackTemporary(path: string): () => void {
  temporaries.add(path);
  return () => {
    fs.rmSync(path, { recursive: true, force: true });
    temporaries.delete(path);
  };
}

export function untrackTemporary(path: string): void {
  temporaries.delete(path);
}

export function removeTemporaries(): void {
  for (const path of temporaries) {
    try {
      fs.rmSync(path, { recursive: true, force: true });
    } catch {
      // best effort: we are already failing or exiting
    }
  }
  temporaries.clear();
}

function signalChildren(signal: NodeJS.Signals): void {
  for (const child of children) {
    if (child.pid === undefined) continue;
    try {
      // Buildpack scripts run in their own process group (detached), so the whole tree gets the signal.
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  }
}

/**
 * Whether a process that is not a zombie is left in one of the process groups. Zombies do not count:
 * our own children stay zombies until the event loop reaps them, and it is blocked while we wait.
 */
function groupsAlive(pgids: ReadonlySet<number>): boolean {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return false; // no /proc: nothing to wait for, KILL follows the grace anyway
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp …: comm may contain spaces and parentheses, so parse from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && pgids.has(Number(fields[2]))) return true;
  }
  return false;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Ends every running buildpack process group: TERM, up to `graceMs` for them to exit, then KILL.
 * Synchronous on purpose: while it runs, no staging code can go on (write a result.json, start the
 * next script) in reaction to the scripts' deaths.
 */
export function endProcessGroups(graceMs = TERMINATION_GRACE_MS): void {
  const pgids = new Set([...children].map((c) => c.pid).filter((pid): pid is number => pid !== undefined));
  if (pgids.size === 0) return;
  signalChildren('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupsAlive(pgids) && Date.now() < deadline) sleepSync(25);
  signalChildren('SIGKILL');
}

/**
 * Ends staging at once from anywhere (a signal, the staging timeout): process groups, temporaries,
 * one line on stderr, the exit status. Nothing else of staging runs after this is called.
 */
export function abortStaging(message: string, code: number): never {
  aborting = true;
  endProcessGroups();
  removeTemporaries();
  process.stderr.write(`${redactUrlsIn(message)}\n`);
  process.exit(code);
}

export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  // `on`, not `once`: a second signal while we end the process groups must not kill us by default
  // action before the temporaries are gone.
  const handle = (signal: NodeJS.Signals, code: number) => () => {
    if (!aborting) abortStaging(`Staging interrupted by ${signal}`, code);
  };
  process.on('SIGINT', handle('SIGINT', EXIT.builder.Interrupted));
  process.on('SIGTERM', handle('SIGTERM', EXIT.builder.Terminated));
  process.on('SIGHUP', handle('SIGHUP', EXIT.builder.Hangup));
}
