// Walking a directory someone else filled (an OSV export, a fleet's droplets): regular files only,
// symbolic links never followed, at most `maxFiles` of them, sorted.
import fs from 'node:fs';
import path from 'node:path';
import { FileInputError } from './bounded.ts';

export interface WalkOptions {
  /** Keeps only the files for which this is true (by name). */
  accept?: (name: string) => boolean;
  /** More files than this is an error naming `tooMany`'s advice. */
  maxFiles: number;
  /** What to do when there are too many: `give a directory of the ecosystems you scan`. */
  tooMany: string;
  /** How the directory is named in messages (`--osv <dir>`); default: its path. */
  what?: (dir: string) => string;
}

/** The regular files under `dir` (recursively), sorted by path. Errors are FileInputErrors of one line. */
export function walkFiles(dir: string, opts: WalkOptions): string[] {
  const name = opts.what ?? ((d: string) => d);
  const out: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const d = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (err) {
      throw new FileInputError(`${name(d)}: cannot read the directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) pending.push(p);
      else if (e.isFile() && (opts.accept?.(e.name) ?? true)) {
        out.push(p);
        if (out.length > opts.maxFiles) throw new FileInputError(`${name(dir)}: more than ${opts.maxFiles} files: ${opts.tooMany}`);
      }
    }
  }
  return out.sort();
}
