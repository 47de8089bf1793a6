// Process types: merging the sources and splitting processes from sidecars (CONTRACT §2.12).
import type { ProcessEntry } from './buildpack-files.ts';

/**
 * Merges `b` into `a`: an entry of `b` replaces, in place, the entries of the *original* `a` with the
 * same type; otherwise it is appended.
 */
export function mergeProcesses(a: readonly ProcessEntry[], b: readonly ProcessEntry[]): ProcessEntry[] {
  const merged = [...a];
  for (const entry of b) {
    let replaced = false;
    a.forEach((original, i) => {
      if (original.type === entry.type) {
        merged[i] = entry;
        replaced = true;
      }
    });
    if (!replaced) merged.push(entry);
  }
  return merged;
}

export interface Sidecar {
  name: string;
  processTypes: string[];
  command: string;
  memory?: number;
}

export interface StagedProcesses {
  /** type → command; later duplicates overwrite, as a Go map does. */
  processTypes: Map<string, string>;
  processes: Array<{ type: string; command: string }>;
  sidecars: Sidecar[];
}

/** Entries with a non-empty `sidecarFor` are sidecars; the rest are processes. */
export function splitProcesses(entries: readonly ProcessEntry[]): StagedProcesses {
  const staged: StagedProcesses = { processTypes: new Map(), processes: [], sidecars: [] };
  for (const entry of entries) {
    if (entry.sidecarFor && entry.sidecarFor.length > 0) {
      staged.sidecars.push({ name: entry.type, processTypes: entry.sidecarFor, command: entry.command, ...(entry.memory ? { memory: entry.memory } : {}) });
    } else {
      staged.processes.push({ type: entry.type, command: entry.command });
      staged.processTypes.set(entry.type, entry.command);
    }
  }
  return staged;
}

/** The warning lines printed on stderr when there is no web command (CONTRACT §2.12). */
export const NO_START_COMMAND_WARNING = [
  'No start command specified by buildpack or via Procfile.',
  'App will not start unless a command is provided at runtime.',
];
