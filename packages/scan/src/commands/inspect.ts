// `droplet inspect DROPLET [--json]`: what staged the droplet and what it holds, from its staging
// metadata and SBOM, with the digests checked.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { isGzipFile, readDroplet } from '../droplet.ts';
import { bytes, plural, table } from '../format.ts';
import { InputError } from '../inputs.ts';
import { MetadataError, parseStagingMetadata, type StagingMetadata } from '../metadata.ts';
import { EXIT, type Output } from './output.ts';

export interface Inspection {
  path: string;
  kind: 'droplet' | 'metadata';
  /** The droplet file's own digest (a droplet), or the one recorded beside it (a metadata file). */
  droplet?: { sha256?: string; size?: number };
  sbom?: { path: string; format?: string; recordedSha256?: string; sha256?: string; verified?: boolean; components?: number };
  dependencyCounts: Record<string, number>;
  metadata: StagingMetadata;
}

export async function inspectCommand(droplet: string, opts: { json?: boolean }, out: Output): Promise<number> {
  let inspection: Inspection;
  try {
    inspection = await inspect(droplet);
  } catch (err) {
    if (err instanceof InputError || err instanceof MetadataError) {
      out.stderr(`droplet inspect: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  out.stdout(opts.json ? `${JSON.stringify(inspection, null, 2)}\n` : render(inspection));
  return EXIT.ok;
}

export async function inspect(file: string): Promise<Inspection> {
  try {
    fs.statSync(file);
  } catch {
    throw new InputError(`${file}: no such file or directory`);
  }
  if (fs.statSync(file).isDirectory()) throw new InputError(`${file}: is a directory (name one droplet)`);
  if (!(await isGzipFile(file))) {
    let metadata: StagingMetadata;
    try {
      metadata = parseStagingMetadata(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new InputError(`${file}: neither a droplet nor staging metadata: ${(err as Error).message}`);
    }
    const inspection: Inspection = { path: file, kind: 'metadata', dependencyCounts: counts(metadata), metadata };
    if (metadata.droplet) inspection.droplet = metadata.droplet;
    if (metadata.sbom) inspection.sbom = { path: metadata.sbom.path, format: metadata.sbom.format, recordedSha256: metadata.sbom.sha256 };
    return inspection;
  }
  let contents;
  try {
    contents = await readDroplet(file, { sbom: true, digest: true });
  } catch (err) {
    throw new InputError(`${file}: ${(err as Error).message}`);
  }
  if (contents.metadata === undefined) throw new InputError(`${file}: a droplet without ./.cf-lifecycle/staging-metadata.json (staged by another lifecycle?)`);
  const metadata = parseStagingMetadata(contents.metadata);
  const inspection: Inspection = {
    path: file,
    kind: 'droplet',
    droplet: { sha256: contents.sha256!, size: contents.size },
    dependencyCounts: counts(metadata),
    metadata,
  };
  if (contents.sbom !== undefined || metadata.sbom) {
    const sbom: NonNullable<Inspection['sbom']> = { path: metadata.sbom?.path ?? './.cf-lifecycle/sbom.cdx.json' };
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

function counts(m: StagingMetadata): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of m.dependencies) {
    const key = d.source.startsWith('buildpack:') ? `${d.ecosystem} (buildpacks)` : d.ecosystem;
    out[key] = (out[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function render(i: Inspection): string {
  const m = i.metadata;
  const lines: string[] = [];
  const field = (name: string, value: string): void => {
    lines.push(`${name.padEnd(12)}${value}`);
  };
  field(i.kind === 'droplet' ? 'droplet' : 'metadata', i.path);
  if (i.droplet?.sha256) field('sha256', `${i.droplet.sha256}${i.droplet.size !== undefined ? `  (${bytes(i.droplet.size)})` : ''}`);
  if (m.app) field('app', [m.app.name ?? '', m.app.digest ?? '', m.app.files !== undefined ? plural(m.app.files, 'file') : ''].filter(Boolean).join('  '));
  if (m.stack) field('stack', `${m.stack.name} ${m.stack.version}${m.stack.source ? `  (from ${m.stack.source})` : ''}`);
  if (m.lifecycle) field('lifecycle', `${m.lifecycle.name} ${m.lifecycle.version}`);
  if (m.staging) {
    const phases = (m.staging.phases ?? []).map((p) => `${p.name} ${p.durationMs} ms`).join(', ');
    const took = m.staging.durationMs !== undefined ? `  ${m.staging.durationMs} ms${phases ? ` (${phases})` : ''}` : '';
    field('staged', `${m.staging.finishedAt ?? m.staging.startedAt ?? ''}${took}`);
  }

  lines.push('', 'buildpacks');
  if (m.buildpacks.length === 0) lines.push('  (none recorded)');
  lines.push(
    ...indent(
      table(
        undefined,
        m.buildpacks.map((b, n) => [
          `${n + 1}.`,
          b.name ?? b.key,
          b.version ?? '-',
          sourceText(b.source),
          b.detectOutput ? `detect: ${b.detectOutput}` : '',
        ]),
      ),
    ),
  );

  const processes = Object.entries(m.processTypes ?? {});
  lines.push('', 'processes');
  if (processes.length === 0) lines.push('  (none)');
  lines.push(...indent(table(undefined, processes.map(([type, command]) => [`${type}:`, command]))));

  const total = Object.values(i.dependencyCounts).reduce((a, b) => a + b, 0);
  lines.push('', `dependencies  ${total}`);
  lines.push(...indent(table(undefined, Object.entries(i.dependencyCounts).map(([eco, n]) => [eco, String(n)]))));

  if (m.executables) {
    const statics = m.executables.static;
    lines.push('', `executables   ${m.executables.dynamic} dynamically linked, ${statics.length} statically linked`);
    lines.push(...statics.map((s) => `  static: ${s}`));
  }

  if (i.sbom) {
    const state = i.sbom.verified === undefined ? (i.sbom.sha256 ? '' : '  (not in the droplet)') : i.sbom.verified ? '  (digest verified)' : '  (DIGEST MISMATCH)';
    lines.push('', `sbom          ${i.sbom.path}  ${i.sbom.format ?? ''}${i.sbom.components !== undefined ? `  ${plural(i.sbom.components, 'component')}` : ''}`.trimEnd());
    const digest = i.sbom.sha256 ?? i.sbom.recordedSha256;
    if (digest) lines.push(`  sha256 ${digest}${state}`);
  }

  const hooks = m.hooks ?? [];
  lines.push('', 'hooks');
  if (hooks.length === 0) lines.push('  (none)');
  lines.push(
    ...indent(
      table(
        undefined,
        hooks.map((h) => [h.phase, h.name, h.kind, h.outcome ?? '', h.durationMs !== undefined ? `${h.durationMs} ms` : '', plural(h.findings?.length ?? 0, 'finding')]),
      ),
    ),
  );
  return `${lines.join('\n')}\n`;
}

function indent(text: string): string[] {
  return text === '' ? [] : text.split('\n').map((l) => `  ${l}`);
}

function sourceText(source: StagingMetadata['buildpacks'][number]['source']): string {
  if (!source) return '';
  const s = source as Record<string, unknown>;
  if (s.type === 'git') return `git ${String(s.url)}${s.ref ? `#${String(s.ref)}` : ''}${s.commit ? ` @ ${String(s.commit).slice(0, 12)}` : ''}`;
  if (s.type === 'zip') return `zip ${String(s.url)}${s.sha256 ? ` sha256:${String(s.sha256).slice(0, 12)}` : ''}`;
  return String(s.type);
}
