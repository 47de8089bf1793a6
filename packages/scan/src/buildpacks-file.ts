// The installed buildpacks, as `droplet advise --buildpacks FILE` reads them (docs/scanning.md,
// "The buildpacks file"), YAML or JSON:
//
//   buildpacks:
//     - name: nodejs_buildpack        # matched against a droplet buildpack's name, then its key
//       version: 1.8.20
//       dependencies:                 # optional: what this version ships, as in output_metadata
//         - { name: node, version: 20.11.1, purl: pkg:generic/node@20.11.1 }
//
// A top-level list (without `buildpacks:`) is accepted too.
import { parse as parseYaml } from 'yaml';
import { buildpackDependencies } from '@cf-lifecycle/sbom/buildpack-dependencies';
import type { Dependency } from '@cf-lifecycle/sbom/dependency';
import { InputError, LIMITS, readInput } from './limits.ts';

export interface InstalledBuildpack {
  name: string;
  version: string;
  dependencies: Dependency[];
}

export function parseBuildpacksFile(text: string, where: string): Map<string, InstalledBuildpack> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InputError(`${where}: ${(err as Error).message.split('\n')[0]}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { buildpacks?: unknown } | null)?.buildpacks;
  if (!Array.isArray(list)) throw new InputError(`${where}: expected a list of buildpacks under "buildpacks:"`);
  const installed = new Map<string, InstalledBuildpack>();
  list.forEach((entry, i) => {
    const e = entry as Record<string, unknown> | null;
    const name = typeof e?.name === 'string' ? e.name : undefined;
    const version = typeof e?.version === 'string' || typeof e?.version === 'number' ? String(e.version) : undefined;
    if (!name || !version) throw new InputError(`${where}: buildpacks[${i}] needs a name and a version`);
    const dependencies = buildpackDependencies([{ key: name, name, outputMetadata: { dependencies: e!.dependencies } }]);
    installed.set(name, { name, version, dependencies });
  });
  return installed;
}

export function readBuildpacksFile(file: string): Map<string, InstalledBuildpack> {
  return parseBuildpacksFile(readInput(file, '--buildpacks', LIMITS.buildpacksFileBytes), file);
}
