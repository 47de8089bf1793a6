// The builder's side of the staging metadata (docs/staging-metadata.md): the I/O its facts come from
// (phase times, the stack's version file, the app's digest, file digests). The document itself, its
// paths and its checks are contract's (packages/contract/src/staging-metadata.ts).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readTextBounded } from '@cf-lifecycle/files';
import type { StagingStack } from '@cf-lifecycle/contract';

/** Times the phases of a staging run. */
export class PhaseClock {
  readonly startedAt = new Date();
  readonly phases: Array<{ name: string; durationMs: number }> = [];
  private current: { name: string; started: number } | undefined;

  start(name: string): void {
    this.end();
    this.current = { name, started: performance.now() };
  }

  end(): void {
    if (!this.current) return;
    this.phases.push({ name: this.current.name, durationMs: Math.round((performance.now() - this.current.started) * 10) / 10 });
    this.current = undefined;
  }
}

/** Where stacks built by this project record themselves (rootfs/README.md). */
export const STACK_VERSION_FILES = ['/etc/cf-stack/version.json', '/etc/cf-lifecycle/stack.json'];

/** A stack's version file is a few hundred bytes; a larger one (or not a file) is not read. */
export const STACK_FILE_LIMIT = 64 * 1024;

/** The stack from its version file, falling back to CF_STACK. */
export function readStackInfo(env: NodeJS.ProcessEnv, files = STACK_VERSION_FILES): StagingStack {
  for (const file of files) {
    try {
      const doc = JSON.parse(readTextBounded(file, { maxBytes: STACK_FILE_LIMIT })) as Record<string, unknown>;
      if (typeof doc.name === 'string')
        return { ...doc, name: doc.name, version: typeof doc.version === 'string' ? doc.version : undefined, source: 'version-file' };
    } catch {
      // not this one
    }
  }
  if (env.CF_STACK) return { name: env.CF_STACK, source: 'CF_STACK' };
  return { name: '', source: 'unknown' };
}

/**
 * A digest of the app bits: sha256 over every entry in path order (path bytes, type, mode, and the
 * content's sha256 or the link target). Equal trees give equal digests whatever their timestamps.
 * Names are bytes throughout (Buffer paths): a file name that is not UTF-8 is hashed as it is.
 */
export function appDigest(dir: string): { digest: string; files: number } {
  const outer = createHash('sha256');
  let files = 0;
  const slash = Buffer.from('/');
  const walk = (full: Buffer, rel: Buffer | undefined) => {
    const names = fs.readdirSync(full, { encoding: 'buffer' }).sort(Buffer.compare);
    for (const name of names) {
      const relPath = rel ? Buffer.concat([rel, slash, name]) : name;
      const child = Buffer.concat([full, slash, name]);
      const stat = fs.lstatSync(child);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isDirectory()) {
        outer.update(`d ${mode} `).update(relPath).update('\n');
        walk(child, relPath);
      } else if (stat.isSymbolicLink()) {
        outer
          .update('l ')
          .update(relPath)
          .update(' -> ')
          .update(fs.readlinkSync(child, { encoding: 'buffer' }))
          .update('\n');
      } else if (stat.isFile()) {
        files += 1;
        outer
          .update(`f ${mode} `)
          .update(relPath)
          .update(` ${hashFile(child)}\n`);
      } else {
        outer.update('o ').update(relPath).update('\n');
      }
    }
  };
  walk(Buffer.from(path.resolve(dir)), undefined);
  return { digest: `sha256:${outer.digest('hex')}`, files };
}

export function hashFile(file: string | Buffer): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
