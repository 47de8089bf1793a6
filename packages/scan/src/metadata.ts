// The staging metadata (docs/staging-metadata.md) as the scanner reads it: tolerant of fields it
// does not know and of fields that are missing, strict only about being a staging metadata document.
import type { Dependency } from '@cf-lifecycle/sbom/dependency';

export type BuildpackSource =
  | { type: 'directory' }
  | { type: 'zip'; url: string; sha256?: string }
  | { type: 'git'; url: string; ref?: string; commit?: string }
  | { type: string; [key: string]: unknown };

export interface StagingMetadata {
  schemaVersion: number;
  lifecycle?: { name: string; version: string };
  stack?: { name: string; version: string; source?: string };
  staging?: { startedAt?: string; finishedAt?: string; durationMs?: number; phases?: Array<{ name: string; durationMs: number }> };
  app?: { name?: string; digest?: string; files?: number };
  buildpacks: Array<{ key: string; name?: string; version?: string; detectOutput?: string; source?: BuildpackSource }>;
  processTypes?: Record<string, string>;
  dependencies: Dependency[];
  executables?: { static: string[]; dynamic: number };
  sbom?: { path: string; format: string; sha256: string };
  hooks?: Array<{ name: string; phase: string; kind: string; durationMs?: number; outcome?: string; findings?: unknown[] }>;
  droplet?: { sha256?: string; size?: number };
  /** The staging's id (a UUID), inside the droplet, beside it and in result.json's sidecar. */
  stagingId?: string;
  /** Only beside the droplet: the sha256 of result.json's bytes. */
  result?: { sha256?: string };
  [key: string]: unknown;
}

export class MetadataError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a parsed JSON document is a staging metadata document (how a directory walk tells them from other JSON). */
export function looksLikeStagingMetadata(doc: unknown): doc is Record<string, unknown> {
  return isObject(doc) && typeof doc.schemaVersion === 'number' && (Array.isArray(doc.dependencies) || isObject(doc.stack) || Array.isArray(doc.buildpacks));
}

/** A parsed document as staging metadata; entries of the wrong shape are dropped, not fatal. */
export function toStagingMetadata(doc: unknown): StagingMetadata {
  if (!looksLikeStagingMetadata(doc)) throw new MetadataError('not a staging metadata document (no schemaVersion, stack, buildpacks or dependencies)');
  const deps = Array.isArray(doc.dependencies) ? doc.dependencies : [];
  const buildpacks = Array.isArray(doc.buildpacks) ? doc.buildpacks : [];
  return {
    ...doc,
    schemaVersion: doc.schemaVersion as number,
    buildpacks: buildpacks.filter((b): b is StagingMetadata['buildpacks'][number] => isObject(b) && typeof b.key === 'string'),
    dependencies: deps.filter(
      (d): d is Dependency => isObject(d) && typeof d.ecosystem === 'string' && typeof d.name === 'string' && typeof d.version === 'string',
    ),
  } as StagingMetadata;
}

export function parseStagingMetadata(text: string): StagingMetadata {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new MetadataError(`invalid JSON: ${(err as Error).message}`);
  }
  return toStagingMetadata(doc);
}
