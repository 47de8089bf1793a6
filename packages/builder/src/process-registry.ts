// Everything the builder must undo when it is interrupted: running buildpack process groups, temporary
// directories and files. SIGINT/SIGTERM end the process groups, remove the temporaries and exit.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

const children = new Set<ChildProcess>();
const temporaries = new Set<string>();
let installed = false;

export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
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

function killChildren(signal: NodeJS.Signals): void {
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

export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    killChildren('SIGTERM');
    removeTemporaries();
    process.stderr.write(`Staging interrupted by ${signal}\n`);
    process.exit(code);
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.once('SIGHUP', () => onSignal('SIGHUP', 129));
}
