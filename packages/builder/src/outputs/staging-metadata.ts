// Versioned staging metadata (docs/staging-metadata.md): which lifecycle, stack and buildpacks staged
// the droplet, how long each phase took, what the app was before staging, which dependencies ship.
// result.json stays exactly as the contract says; this document lives beside it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BuildpackMetadata } from '@cf-lifecycle/contract';
import type { BuildpackSourceInfo } from '../phases/download.ts';

declare const LIFECYCLE_VERSION: string | undefined;

export const METADATA_DIR = '.cf-lifecycle';
export const METADATA_FILE = 'staging-metadata.json';
export const SBOM_FILE = 'sbom.cdx.json';

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

export interface StackInfo {
  name: string;
  version?: string;
  source: 'version-file' | 'CF_STACK' | 'unknown';
  [field: string]: unknown;
}

/** Where stacks built by this project record themselves (rootfs/README.md). */
export const STACK_VERSION_FILES = ['/etc/cf-stack/version.json', '/etc/cf-lifecycle/stack.json'];

/** The stack from its version file, falling back to CF_STACK. */
export function readStackInfo(env: NodeJS.ProcessEnv, files = STACK_VERSION_FILES): StackInfo {
  for (const file of files) {
    try {
      const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      if (typeof doc.name === 'string') return { ...doc, name: doc.name, version: typeof doc.version === 'string' ? doc.version : undefined, source: 'version-file' };
    } catch {
      // not this one
    }
  }
  if (env.CF_STACK) return { name: env.CF_STACK, source: 'CF_STACK' };
  return { name: '', source: 'unknown' };
}

/**
 * A digest of the app bits: sha256 over every entry in sorted path order (path, type, mode, and the
 * content's sha256 or the link target). Equal trees give equal digests whatever their timestamps.
 */
export function appDigest(dir: string): { digest: string; files: number } {
  const outer = createHash('sha256');
  let files = 0;
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      const full = path.join(dir, relPath);
      const stat = fs.lstatSync(full);
      const mode = (stat.mode & 0o7777).toString(8);
      if (entry.isDirectory()) {
        outer.update(`d ${mode} ${relPath}\n`);
        walk(relPath);
      } else if (entry.isSymbolicLink()) {
        outer.update(`l ${relPath} -> ${fs.readlinkSync(full)}\n`);
      } else if (entry.isFile()) {
        files += 1;
        outer.update(`f ${mode} ${relPath} ${hashFile(full)}\n`);
      } else {
        outer.update(`o ${relPath}\n`);
      }
    }
  };
  walk('');
  return { digest: `sha256:${outer.digest('hex')}`, files };
}

export function hashFile(file: string): string {
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

export interface MetadataInput {
  clock: PhaseClock;
  finishedAt: Date;
  stack: StackInfo;
  app: { name?: string; digest: string; files: number };
  buildpacks: BuildpackMetadata[];
  detectOutput?: string;
  sources: Map<string, BuildpackSourceInfo>;
  processTypes: Map<string, string>;
  dependencies: unknown[];
  executables: { static: string[]; dynamic: number };
  sbom?: { sha256: string };
  hooks: unknown[];
}

export function stagingMetadata(input: MetadataInput): Record<string, unknown> {
  const last = input.buildpacks.length - 1;
  return {
    schemaVersion: 1,
    lifecycle: { name: 'cf-buildpack-lifecycle', version: typeof LIFECYCLE_VERSION === 'string' ? LIFECYCLE_VERSION : 'dev' },
    stack: input.stack,
    staging: {
      startedAt: input.clock.startedAt.toISOString(),
      finishedAt: input.finishedAt.toISOString(),
      durationMs: input.finishedAt.getTime() - input.clock.startedAt.getTime(),
      phases: input.clock.phases,
    },
    app: input.app,
    buildpacks: input.buildpacks.map((bp, i) => ({
      key: bp.key,
      name: bp.name,
      ...(bp.version ? { version: bp.version } : {}),
      ...(i === last && input.detectOutput !== undefined ? { detectOutput: input.detectOutput } : {}),
      source: input.sources.get(bp.key) ?? { type: 'directory' },
    })),
    processTypes: Object.fromEntries(input.processTypes),
    dependencies: input.dependencies,
    executables: input.executables,
    ...(input.sbom ? { sbom: { path: `./${METADATA_DIR}/${SBOM_FILE}`, format: 'CycloneDX-1.5', sha256: input.sbom.sha256 } } : {}),
    hooks: input.hooks,
  };
}
