// The staging metadata (docs/staging-metadata.md, docs/staging-metadata.schema.json): what it holds,
// where it lives inside the droplet and beside it, the other files of one staging's set, how the
// builder's facts become the document, and how readers parse and validate it. The builder does the
// I/O (digests, the stack's version file); this module only shapes and checks values.
import schemaJson from '../../../docs/staging-metadata.schema.json' with { type: 'json' };
import type { BuildpackMetadata } from './buildpack-files.ts';
import { redactUrl } from './redact.ts';

// ---------------------------------------------------------------------------------------------
// Where it lives

/** The directory the builder adds to the droplet, beside ./app, for the metadata and the SBOM. */
export const STAGING_METADATA_DIR = '.cf-lifecycle';
/** The metadata's file name, in the droplet's directory and in a staging workspace. */
export const STAGING_METADATA_FILE = 'staging-metadata.json';
/** The CycloneDX SBOM's file name in the droplet's directory. */
export const SBOM_FILE = 'sbom.cdx.json';
/** The tar member names inside the droplet (without the leading `./`). */
export const STAGING_METADATA_PATH = `${STAGING_METADATA_DIR}/${STAGING_METADATA_FILE}`;
export const SBOM_PATH = `${STAGING_METADATA_DIR}/${SBOM_FILE}`;
/** The SBOM as the metadata's `sbom.path` names it, relative to the droplet's root. */
export const SBOM_REFERENCE = `./${SBOM_PATH}`;
/** The format of that SBOM. */
export const SBOM_FORMAT = 'CycloneDX-1.5';

/**
 * The sidecar of result.json (`<-outputMetadata>.staging-id`): the staging id and a newline. The
 * builder writes it with `-outputStagingMetadata` (docs/staging-metadata.md, "Outputs as a set").
 */
export function stagingIdSidecar(resultJson: string): string {
  return `${resultJson}.staging-id`;
}

/** The files `droplet stage` writes beside DROPLET, each named by a suffix of the droplet's name. */
export const STAGING_SET_SUFFIXES = {
  metadata: '.metadata.json',
  result: '.result.json',
  sidecar: stagingIdSidecar('.result.json'),
} as const;

/** One staging's set: DROPLET, DROPLET.metadata.json, DROPLET.result.json, DROPLET.result.json.staging-id. */
export interface StagingSetNames {
  droplet: string;
  metadata: string;
  result: string;
  sidecar: string;
}

export function stagingSetNames(droplet: string): StagingSetNames {
  return {
    droplet,
    metadata: `${droplet}${STAGING_SET_SUFFIXES.metadata}`,
    result: `${droplet}${STAGING_SET_SUFFIXES.result}`,
    sidecar: `${droplet}${STAGING_SET_SUFFIXES.sidecar}`,
  };
}

/** The droplet that a file named `DROPLET.metadata.json` belongs to, or undefined. */
export function dropletOfMetadataFile(file: string): string | undefined {
  const suffix = STAGING_SET_SUFFIXES.metadata;
  const base = file.slice(file.lastIndexOf('/') + 1);
  return file.endsWith(suffix) && base !== suffix ? file.slice(0, -suffix.length) : undefined;
}

// ---------------------------------------------------------------------------------------------
// What it holds

/** OSV's ecosystem names (https://ossf.github.io/osv-schema/#affectedpackage-field), plus `generic`. */
export type Ecosystem = 'npm' | 'PyPI' | 'RubyGems' | 'Packagist' | 'Go' | 'Maven' | 'Debian' | 'generic';
export const ECOSYSTEMS: readonly Ecosystem[] = ['npm', 'PyPI', 'RubyGems', 'Packagist', 'Go', 'Maven', 'Debian', 'generic'];

/** A dependency as the SBOM and the staging metadata record it: one package of one ecosystem, named by its purl. */
export interface Dependency {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  purl: string;
  licenses?: string[];
  /** Where it was found: `app/<path of the manifest>`, `buildpack:<key>` or `stack`. */
  source: string;
}

/** Where a buildpack came from: installed under -buildpacksDir, a downloaded zip, or a git clone. */
export type BuildpackSource =
  | { type: 'directory' }
  | { type: 'zip'; url: string; sha256?: string }
  | { type: 'git'; url: string; ref?: string; commit?: string };

export interface StagingStack {
  /** Empty when unknown. */
  name: string;
  version?: string;
  source: 'version-file' | 'CF_STACK' | 'unknown';
  /** Other fields of the stack's version file are copied alongside. */
  [field: string]: unknown;
}

export interface StagingPhase {
  name: string;
  durationMs: number;
}

export interface StagingBuildpack {
  key: string;
  name: string;
  version?: string;
  detectOutput?: string;
  source: BuildpackSource;
}

/** A staging hook's run as the metadata records it (docs/hooks.md; the hooks package's HookRecord is one). */
export interface StagingHookRecord {
  name: string;
  phase: string;
  kind: string;
  policy?: string;
  durationMs?: number;
  outcome?: string;
  message?: string;
  findings?: unknown[];
}

/** Schema version 1 (docs/staging-metadata.md, "Fields"). */
export interface StagingMetadata {
  schemaVersion: 1;
  /** Absent in documents of lifecycles before it was added. */
  stagingId?: string;
  lifecycle: { name: string; version: string };
  stack: StagingStack;
  staging: { startedAt: string; finishedAt: string; durationMs: number; phases: StagingPhase[] };
  app: { name?: string; digest: string; files: number };
  buildpacks: StagingBuildpack[];
  processTypes: Record<string, string>;
  dependencies: Dependency[];
  executables: { static: string[]; dynamic: number };
  sbom?: { path: string; format: string; sha256: string };
  hooks: StagingHookRecord[];
  /** Only beside the droplet: its digest and size. */
  droplet?: { sha256: string; size?: number };
  /** Only beside the droplet: the sha256 of result.json's bytes. */
  result?: { sha256: string };
  /** Readers ignore fields they do not know (docs/staging-metadata.md, "Compatibility rules"). */
  [field: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// How the builder makes it

export interface StagingFacts {
  /** A random UUID v4 naming this staging's outputs as one set. */
  stagingId: string;
  lifecycleVersion: string;
  startedAt: Date;
  finishedAt: Date;
  phases: StagingPhase[];
  stack: StagingStack;
  app: StagingMetadata['app'];
  buildpacks: readonly BuildpackMetadata[];
  /** What the final buildpack's bin/detect printed (detect mode). */
  detectOutput?: string;
  /** By buildpack key; a key not listed was installed under -buildpacksDir. */
  sources: ReadonlyMap<string, BuildpackSource>;
  processTypes: ReadonlyMap<string, string>;
  dependencies: Dependency[];
  executables: { static: string[]; dynamic: number };
  /** The SBOM in the droplet, when there is one. */
  sbomSha256?: string;
  hooks: StagingHookRecord[];
}

function redactSource(source: BuildpackSource): BuildpackSource {
  return source.type === 'directory' ? source : { ...source, url: redactUrl(source.url) };
}

/** The document the builder puts in the droplet. */
export function buildStagingMetadata(facts: StagingFacts): StagingMetadata {
  const last = facts.buildpacks.length - 1;
  return {
    schemaVersion: 1,
    stagingId: facts.stagingId,
    lifecycle: { name: 'cf-buildpack-lifecycle', version: facts.lifecycleVersion },
    stack: facts.stack,
    staging: {
      startedAt: facts.startedAt.toISOString(),
      finishedAt: facts.finishedAt.toISOString(),
      durationMs: facts.finishedAt.getTime() - facts.startedAt.getTime(),
      phases: facts.phases,
    },
    app: facts.app,
    // result.json keeps a buildpack URL as given (the contract); here its credentials are redacted.
    buildpacks: facts.buildpacks.map((bp, i) => ({
      key: redactUrl(bp.key),
      name: bp.name,
      ...(bp.version ? { version: bp.version } : {}),
      ...(i === last && facts.detectOutput !== undefined ? { detectOutput: facts.detectOutput } : {}),
      source: redactSource(facts.sources.get(bp.key) ?? { type: 'directory' }),
    })),
    processTypes: Object.fromEntries(facts.processTypes),
    dependencies: facts.dependencies,
    executables: facts.executables,
    ...(facts.sbomSha256 !== undefined ? { sbom: { path: SBOM_REFERENCE, format: SBOM_FORMAT, sha256: facts.sbomSha256 } } : {}),
    hooks: facts.hooks,
  };
}

/**
 * The copy beside the droplet: the packaging time, and what the droplet cannot hold about itself
 * (its digest and size, and the digest of the result.json written with it).
 */
export function stagingMetadataBeside(
  metadata: StagingMetadata,
  facts: { startedAt: Date; finishedAt: Date; phases: StagingPhase[]; droplet: { sha256: string; size: number }; resultSha256: string },
): StagingMetadata {
  return {
    ...metadata,
    staging: {
      ...metadata.staging,
      finishedAt: facts.finishedAt.toISOString(),
      durationMs: facts.finishedAt.getTime() - facts.startedAt.getTime(),
      phases: facts.phases,
    },
    droplet: facts.droplet,
    result: { sha256: facts.resultSha256 },
  };
}

// ---------------------------------------------------------------------------------------------
// How readers take it: JSON, then the JSON Schema of docs/ (validated by the interpreter below)

/** A document that is not staging metadata, or breaks the schema: one line, no value quoted. */
export class StagingMetadataError extends Error {}

/** One way a document breaks the schema: where (`buildpacks[0].source`) and what is wrong. */
export interface SchemaProblem {
  path: string;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether parsed JSON means to be staging metadata (how a directory walk tells it from other JSON). */
export function looksLikeStagingMetadata(doc: unknown): doc is Record<string, unknown> {
  return isObject(doc) && typeof doc.schemaVersion === 'number' && (Array.isArray(doc.dependencies) || isObject(doc.stack) || Array.isArray(doc.buildpacks));
}

/** Every way `doc` breaks docs/staging-metadata.schema.json (none: it is valid). */
export function validateStagingMetadata(doc: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  check(SCHEMA, doc, [], problems);
  return problems;
}

/** A parsed document as staging metadata, checked against the schema. */
export function toStagingMetadata(doc: unknown): StagingMetadata {
  if (!looksLikeStagingMetadata(doc)) throw new StagingMetadataError('not a staging metadata document (no schemaVersion, stack, buildpacks or dependencies)');
  const problems = validateStagingMetadata(doc);
  if (problems.length > 0) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new StagingMetadataError(`not valid staging metadata: ${first!.path}: ${first!.message}${more}; see docs/staging-metadata.md`);
  }
  return doc as StagingMetadata;
}

export function parseStagingMetadata(text: string): StagingMetadata {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new StagingMetadataError(`invalid JSON: ${(err as Error).message}`);
  }
  return toStagingMetadata(doc);
}

/** The part of JSON Schema (draft-07) the staging metadata's schema uses. */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  $ref?: string;
  title?: string;
  description?: string;
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema;
  items?: JsonSchema;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  minimum?: number;
  oneOf?: JsonSchema[];
  definitions?: Record<string, JsonSchema>;
}

/** The keywords `check` interprets; any other in the schema is an error (a test walks the schema). */
export const SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema',
  '$id',
  '$ref',
  'title',
  'description',
  'type',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'const',
  'enum',
  'pattern',
  'minLength',
  'minimum',
  'oneOf',
  'definitions',
]);

// JSON imports are typed loosely (`type: string`): the test that walks the schema checks the shape.
export const STAGING_METADATA_SCHEMA: JsonSchema = schemaJson as unknown as JsonSchema;
const SCHEMA = STAGING_METADATA_SCHEMA;

const patterns = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (re === undefined) patterns.set(pattern, (re = new RegExp(pattern, 'u')));
  return re;
}

/** `buildpacks[0].source.url`; odd keys (and long ones, shortened) quoted as JSON. */
function pathText(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'the document';
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]{0,63}$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part.length > 64 ? `${part.slice(0, 64)}…` : part)}]`;
  }
  return out;
}

const TYPE_TEXT: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  null: 'null',
};

function hasType(type: NonNullable<JsonSchema['type']>, value: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
  }
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

function resolveRef(ref: string): JsonSchema {
  const match = /^#\/definitions\/([^/]+)$/.exec(ref);
  const target = match ? SCHEMA.definitions?.[match[1]!] : undefined;
  if (target === undefined) throw new Error(`staging metadata schema: unsupported $ref ${ref}`);
  return target;
}

/** The property every branch of a oneOf fixes with `const` (`type` for a buildpack's source), if any. */
function discriminator(branches: readonly JsonSchema[]): string | undefined {
  const first = branches[0]?.properties;
  if (!first) return undefined;
  return Object.keys(first).find((key) => branches.every((b) => b.properties?.[key]?.const !== undefined && b.required?.includes(key)));
}

/** Checks `value` against `schema`, adding every problem found (draft-07 semantics for these keywords). */
function check(schema: JsonSchema, value: unknown, path: (string | number)[], problems: SchemaProblem[]): void {
  for (const keyword of Object.keys(schema)) {
    if (!SCHEMA_KEYWORDS.has(keyword)) throw new Error(`staging metadata schema: unsupported keyword ${keyword} at ${pathText(path)}`);
  }
  const add = (message: string, at = path) => problems.push({ path: pathText(at), message });
  if (schema.$ref !== undefined) check(resolveRef(schema.$ref), value, path, problems);
  if (schema.type !== undefined && !hasType(schema.type, value)) {
    add(`must be ${TYPE_TEXT[schema.type]}`);
    return;
  }
  if (schema.const !== undefined && !jsonEqual(value, schema.const)) add(`must be ${JSON.stringify(schema.const)}`);
  if (schema.enum !== undefined && !schema.enum.some((e) => jsonEqual(value, e))) add(`must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) {
      add(schema.minLength === 1 ? 'must not be empty' : `must have at least ${schema.minLength} characters`);
    }
    if (schema.pattern !== undefined && !regex(schema.pattern).test(value)) add(`does not match /${schema.pattern}/`);
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) add(`must be at least ${schema.minimum}`);
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const [i, item] of value.entries()) check(schema.items, item, [...path, i], problems);
  }
  if (isObject(value)) {
    for (const key of schema.required ?? []) if (!Object.hasOwn(value, key)) add('missing', [...path, key]);
    for (const [key, item] of Object.entries(value)) {
      const sub = schema.properties && Object.hasOwn(schema.properties, key) ? schema.properties[key] : schema.additionalProperties;
      if (sub !== undefined) check(sub, item, [...path, key], problems);
    }
  }
  if (schema.oneOf !== undefined) checkOneOf(schema.oneOf, value, path, problems);
}

function checkOneOf(branches: readonly JsonSchema[], value: unknown, path: (string | number)[], problems: SchemaProblem[]): void {
  const results = branches.map((branch) => {
    const found: SchemaProblem[] = [];
    check(branch, value, path, found);
    return found;
  });
  const matching = results.filter((r) => r.length === 0).length;
  if (matching === 1) return;
  if (matching > 1) {
    problems.push({ path: pathText(path), message: 'matches more than one of its allowed forms' });
    return;
  }
  // Tagged forms (`{"type": "zip", …}`): the problems of the form the tag names, else the tags allowed.
  const tag = discriminator(branches);
  if (tag !== undefined && isObject(value)) {
    const chosen = branches.findIndex((b) => jsonEqual(value[tag], b.properties![tag]!.const));
    if (chosen >= 0) {
      problems.push(...results[chosen]!);
      return;
    }
    const allowed = branches.map((b) => JSON.stringify(b.properties![tag]!.const)).join(', ');
    problems.push({ path: pathText([...path, tag]), message: `must be one of ${allowed}` });
    return;
  }
  problems.push({ path: pathText(path), message: 'matches none of its allowed forms' });
}
