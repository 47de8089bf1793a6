// `droplet inspect DROPLET [--json]`: what staged the droplet and what it holds, from its staging
// metadata and SBOM, with the digests checked and the staging's other files checked against it
// (a mixed set: docs/scanning.md, "Mixed sets").
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import {
  EXIT,
  SBOM_REFERENCE,
  STAGING_METADATA_PATH,
  StagingMetadataError,
  dropletOfMetadataFile,
  parseStagingMetadata,
  type StagingBuildpack,
  type StagingMetadata,
} from '@cf-lifecycle/contract';
import { openInput, readOpened, readOpenedDroplet, type DropletContents } from '../droplet.ts';
import { bytes, plural, redactedJson, safe, table } from '../format.ts';
import { InputError, LIMITS, neitherDropletNorMetadata } from '../limits.ts';
import { checkSet, describeMixed, type StagingSet } from '../staging-set.ts';
import type { Output } from './output.ts';

export interface Inspection {
  path: string;
  kind: 'droplet' | 'metadata';
  /** The droplet file's own digest (a droplet), or the one recorded beside it (a metadata file). */
  droplet?: { sha256?: string; size?: number };
  sbom?: { path: string; format?: string; recordedSha256?: string; sha256?: string; verified?: boolean; components?: number };
  /** The staging's files checked against each other; `status: "mixed"` makes the exit status 3. */
  set: StagingSet;
  dependencyCounts: Record<string, number>;
  metadata: StagingMetadata;
}

export async function inspectCommand(droplet: string, opts: { json?: boolean }, out: Output): Promise<number> {
  let inspection: Inspection;
  try {
    inspection = await inspect(droplet);
  } catch (err) {
    if (err instanceof InputError || err instanceof StagingMetadataError) {
      out.stderr(`droplet inspect: ${safe(err.message)}\n`);
      return EXIT.droplet.Usage;
    }
    throw err;
  }
  out.stdout(opts.json ? `${redactedJson(inspection)}\n` : render(inspection));
  if (inspection.set.status === 'mixed') {
    out.stderr(`droplet inspect: ${safe(describeMixed(inspection.set))}\n`);
    return EXIT.droplet.MixedSet;
  }
  return EXIT.droplet.Success;
}

export async function inspect(file: string): Promise<Inspection> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new InputError(`${file}: no such file or directory`);
  }
  if (stat.isDirectory()) throw new InputError(`${file}: is a directory (name one droplet)`);
  const input = openInput(file);
  let contents: DropletContents | undefined;
  let text: string | undefined;
  try {
    if (input.gzip) {
      try {
        contents = await readOpenedDroplet(input, file, { sbom: true, digest: true });
      } catch (err) {
        if (err instanceof InputError) throw err;
        throw new InputError(`${file}: ${(err as Error).message}`);
      }
    } else {
      // Not gzip: a staging metadata file, or nothing we read; told from the size before reading.
      if (input.size > LIMITS.metadataBytes) {
        throw new InputError(`${file}: ${neitherDropletNorMetadata(input.size)}`);
      }
      text = readOpened(input, file, LIMITS.metadataBytes);
    }
  } finally {
    fs.closeSync(input.fd);
  }

  if (contents === undefined) {
    let metadata: StagingMetadata;
    try {
      metadata = parseStagingMetadata(text!);
    } catch (err) {
      throw new InputError(`${file}: neither a droplet nor staging metadata: ${(err as Error).message}`);
    }
    const droplet = dropletOfMetadataFile(file);
    const set = droplet !== undefined ? await checkSet({ droplet, beside: metadata, readEmbedded: true, hashDroplet: true }) : alone(file);
    const inspection: Inspection = { path: file, kind: 'metadata', set, dependencyCounts: counts(metadata), metadata };
    if (metadata.droplet) inspection.droplet = metadata.droplet;
    if (metadata.sbom) inspection.sbom = { path: metadata.sbom.path, format: metadata.sbom.format, recordedSha256: metadata.sbom.sha256 };
    return inspection;
  }

  if (contents.metadata === undefined) throw new InputError(`${file}: a droplet without ./${STAGING_METADATA_PATH} (staged by another lifecycle?)`);
  let metadata: StagingMetadata;
  try {
    metadata = parseStagingMetadata(contents.metadata);
  } catch (err) {
    if (err instanceof StagingMetadataError) throw new InputError(`${file}: ${err.message}`);
    throw err;
  }
  const set = await checkSet({ droplet: file, embedded: metadata, dropletSize: contents.size, dropletSha256: contents.sha256! });
  const inspection: Inspection = {
    path: file,
    kind: 'droplet',
    droplet: { sha256: contents.sha256!, size: contents.size },
    set,
    dependencyCounts: counts(metadata),
    metadata,
  };
  if (contents.sbom !== undefined || metadata.sbom) {
    const sbom: NonNullable<Inspection['sbom']> = { path: metadata.sbom?.path ?? SBOM_REFERENCE };
    if (metadata.sbom?.format) sbom.format = metadata.sbom.format;
    if (metadata.sbom?.sha256) sbom.recordedSha256 = metadata.sbom.sha256;
    if (contents.sbom !== undefined) {
      sbom.sha256 = createHash('sha256').update(contents.sbom).digest('hex');
      if (sbom.recordedSha256) sbom.verified = sbom.sha256 === sbom.recordedSha256;
      try {
        const doc = JSON.parse(contents.sbom) as { components?: unknown[] };
        if (Array.isArray(doc.components)) sbom.components = doc.components.length;
      } catch {
        sbom.verified = false;
      }
    }
    inspection.sbom = sbom;
  }
  return inspection;
}

/** A metadata file not named after a droplet: no set to check. */
function alone(file: string): StagingSet {
  return { status: 'unverified', droplet: file, files: [file], problems: [] };
}

function counts(m: StagingMetadata): Record<string, number> {
  const out = new Map<string, number>();
  for (const d of m.dependencies) {
    const key = typeof d.source === 'string' && d.source.startsWith('buildpack:') ? `${d.ecosystem} (buildpacks)` : d.ecosystem;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

// The metadata is someone else's document: any field may have any type. These give what the
// layout needs or nothing, so that a malformed document is shown as far as it goes.
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const rec = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function render(i: Inspection): string {
  const m = i.metadata;
  const lines: string[] = [];
  const field = (name: string, value: string): void => {
    lines.push(`${name.padEnd(12)}${safe(value)}`);
  };
  field(i.kind === 'droplet' ? 'droplet' : 'metadata', i.path);
  if (i.droplet?.sha256) field('sha256', `${str(i.droplet.sha256)}${typeof i.droplet.size === 'number' ? `  (${bytes(i.droplet.size)})` : ''}`);
  if (m.app) {
    const app = rec(m.app);
    field('app', [str(app.name), str(app.digest), typeof app.files === 'number' ? plural(app.files, 'file') : ''].filter(Boolean).join('  '));
  }
  if (m.stack) {
    const stack = rec(m.stack);
    field('stack', `${str(stack.name)} ${str(stack.version)}${stack.source ? `  (from ${str(stack.source)})` : ''}`);
  }
  if (m.lifecycle) field('lifecycle', `${str(rec(m.lifecycle).name)} ${str(rec(m.lifecycle).version)}`);
  if (m.staging) {
    const staging = rec(m.staging);
    const phases = arr(staging.phases)
      .map((p) => `${str(rec(p).name)} ${str(rec(p).durationMs)} ms`)
      .join(', ');
    const took = typeof staging.durationMs === 'number' ? `  ${staging.durationMs} ms${phases ? ` (${phases})` : ''}` : '';
    field('staged', `${str(staging.finishedAt) || str(staging.startedAt)}${took}`);
  }
  if (typeof m.stagingId === 'string') field('staging id', m.stagingId);
  field('set', setText(i.set));
  for (const p of i.set.problems) lines.push(`${''.padEnd(12)}${safe(`${p.file} ${p.problem}`)}`);
  if (i.set.advice) lines.push(`${''.padEnd(12)}${safe(i.set.advice)}`);

  lines.push('', 'buildpacks');
  if (m.buildpacks.length === 0) lines.push('  (none recorded)');
  lines.push(
    ...indent(
      table(
        undefined,
        m.buildpacks.map((b, n) => {
          const detect = b.detectOutput ? `detect: ${str(b.detectOutput)}` : '';
          return [`${n + 1}.`, str(b.name) || b.key, str(b.version) || '-', sourceText(b.source), detect];
        }),
      ),
    ),
  );

  const processes = Object.entries(rec(m.processTypes));
  lines.push('', 'processes');
  if (processes.length === 0) lines.push('  (none)');
  lines.push(
    ...indent(
      table(
        undefined,
        processes.map(([type, command]) => [`${type}:`, str(command)]),
      ),
    ),
  );

  const total = Object.values(i.dependencyCounts).reduce((a, b) => a + b, 0);
  lines.push('', `dependencies  ${total}`);
  lines.push(
    ...indent(
      table(
        undefined,
        Object.entries(i.dependencyCounts).map(([eco, n]) => [eco, String(n)]),
      ),
    ),
  );

  if (m.executables) {
    const statics = arr(rec(m.executables).static).map(str);
    lines.push('', `executables   ${str(rec(m.executables).dynamic) || 0} dynamically linked, ${statics.length} statically linked`);
    lines.push(...statics.map((s) => `  static: ${safe(s)}`));
  }

  if (i.sbom) {
    const state =
      i.sbom.verified === undefined ? (i.sbom.sha256 ? '' : '  (not in the droplet)') : i.sbom.verified ? '  (digest verified)' : '  (DIGEST MISMATCH)';
    const components = i.sbom.components !== undefined ? `  ${plural(i.sbom.components, 'component')}` : '';
    lines.push('', `sbom          ${safe(`${str(i.sbom.path)}  ${str(i.sbom.format)}${components}`.trimEnd())}`);
    const digest = i.sbom.sha256 ?? i.sbom.recordedSha256;
    if (digest) lines.push(`  sha256 ${safe(str(digest))}${state}`);
  }

  const hooks = arr(m.hooks).map(rec);
  lines.push('', 'hooks');
  if (hooks.length === 0) lines.push('  (none)');
  lines.push(
    ...indent(
      table(
        undefined,
        hooks.map((h) => [
          str(h.phase),
          str(h.name),
          str(h.kind),
          str(h.outcome),
          typeof h.durationMs === 'number' ? `${h.durationMs} ms` : '',
          plural(arr(h.findings).length, 'finding'),
        ]),
      ),
    ),
  );
  return `${lines.join('\n')}\n`;
}

function setText(set: StagingSet): string {
  const names = set.files.length > 0 ? `: ${set.files.length} ${set.files.length === 1 ? 'file' : 'files'}` : '';
  if (set.status === 'mixed') return `MIXED${names}`;
  if (set.status === 'consistent') return `consistent${names}`;
  return `unverified${names} (nothing to compare)`;
}

function indent(text: string): string[] {
  return text === '' ? [] : text.split('\n').map((l) => `  ${l}`);
}

function sourceText(source: StagingBuildpack['source'] | undefined): string {
  if (!source) return '';
  const s = rec(source);
  if (s.type === 'git') return `git ${str(s.url)}${s.ref ? `#${str(s.ref)}` : ''}${s.commit ? ` @ ${str(s.commit).slice(0, 12)}` : ''}`;
  if (s.type === 'zip') return `zip ${str(s.url)}${s.sha256 ? ` sha256:${str(s.sha256).slice(0, 12)}` : ''}`;
  return str(s.type);
}
