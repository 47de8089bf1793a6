// Reading the components of a CycloneDX 1.5 JSON SBOM (`paths.sbom`), nested components included.
import fs from 'node:fs';

export interface SbomComponent {
  /** CycloneDX component type: `library`, `platform`, `operating-system`, … */
  type: string;
  name: string;
  version?: string;
  purl?: string;
  /** One SPDX expression (or license name) per `licenses[]` entry. */
  licenses: string[];
}

export class SbomError extends Error {}

export function sbomPath(paths: { sbom?: string }): string {
  if (!paths.sbom) throw new SbomError('the event has no SBOM (paths.sbom)');
  return paths.sbom;
}

export function readSbom(file: string): SbomComponent[] {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SbomError(`cannot read SBOM ${file}: ${e.code ?? e.message}`);
  }
  if (!isObject(doc) || doc.bomFormat !== 'CycloneDX') throw new SbomError(`SBOM ${file} is not a CycloneDX JSON document`);
  const out: SbomComponent[] = [];
  collect(doc.components, out);
  return out;
}

function collect(list: unknown, out: SbomComponent[]): void {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    if (!isObject(c) || typeof c.name !== 'string') continue;
    const component: SbomComponent = { type: typeof c.type === 'string' ? c.type : 'library', name: c.name, licenses: licensesOf(c.licenses) };
    if (typeof c.version === 'string' && c.version !== '') component.version = c.version;
    if (typeof c.purl === 'string' && c.purl !== '') component.purl = c.purl;
    out.push(component);
    collect(c.components, out);
  }
}

function licensesOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const entry of list) {
    if (!isObject(entry)) continue;
    if (typeof entry.expression === 'string' && entry.expression.trim() !== '') out.push(entry.expression.trim());
    const license = entry.license;
    if (isObject(license)) {
      const text = typeof license.id === 'string' ? license.id : typeof license.name === 'string' ? license.name : '';
      if (text.trim() !== '') out.push(text.trim());
    }
  }
  return out;
}

/** `name@version`, how messages name a component. */
export function componentLabel(c: SbomComponent): string {
  return c.version ? `${c.name}@${c.version}` : c.name;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
