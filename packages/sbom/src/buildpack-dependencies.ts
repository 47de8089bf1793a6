// What buildpacks installed (runtimes, tools), as each declares it in the `output_metadata` of its
// config.yml (docs/sbom.md, "The buildpack convention"):
//
//   output_metadata:
//     dependencies:
//       - name: node
//         version: "20.11.1"
//         purl: pkg:generic/node@20.11.1     # optional; derived from ecosystem, name and version
//         ecosystem: generic                 # optional; npm, PyPI, RubyGems, Packagist, Go, Maven, Debian
//         licenses: [MIT]                    # optional (`license: MIT` too)
//
// Entries without a name or a version are skipped; a purl that does not parse is replaced by one
// derived from the other fields.
import { redactUrl } from '@cf-lifecycle/contract';
import { dependency, ECOSYSTEMS, parsePurl, type Dependency, type Ecosystem } from './dependency.ts';

export interface BuildpackInput {
  key: string;
  name: string;
  version?: string;
  outputMetadata?: Map<string, unknown> | Record<string, unknown>;
}

export function buildpackDependencies(buildpacks: readonly BuildpackInput[]): Dependency[] {
  const deps: Dependency[] = [];
  for (const buildpack of buildpacks) {
    // A buildpack URL's credentials never reach the metadata or the SBOM.
    const source = `buildpack:${redactUrl(buildpack.key)}`;
    const list = field(buildpack.outputMetadata, 'dependencies');
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const dep = fromEntry(entry, source);
      if (dep) deps.push(dep);
    }
  }
  return deps;
}

function fromEntry(entry: unknown, source: string): Dependency | undefined {
  const name = scalar(field(entry, 'name'));
  const version = scalar(field(entry, 'version'));
  if (!name || !version) return undefined;
  const licenses = [field(entry, 'licenses'), field(entry, 'license')]
    .flatMap((v) => (Array.isArray(v) ? v : [v]))
    .map(scalar)
    .filter((l): l is string => !!l);
  const purlText = scalar(field(entry, 'purl'));
  const parsed = purlText ? parsePurl(purlText) : undefined;
  if (parsed && purlText) {
    const dep: Dependency = { ecosystem: parsed.ecosystem, name: parsed.ecosystem === 'generic' ? name : parsed.name, version, purl: purlText, source };
    if (licenses.length > 0) dep.licenses = [...new Set(licenses)];
    return dep;
  }
  const declared = scalar(field(entry, 'ecosystem'));
  const ecosystem: Ecosystem = (ECOSYSTEMS as readonly string[]).includes(declared ?? '') ? (declared as Ecosystem) : 'generic';
  return dependency(ecosystem, name, version, source, { licenses });
}

/** A key of a YAML mapping decoded either as a Map (the contract's decoder) or a plain object. */
function field(value: unknown, key: string): unknown {
  if (value instanceof Map) return value.get(key);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return (value as Record<string, unknown>)[key];
  return undefined;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}
