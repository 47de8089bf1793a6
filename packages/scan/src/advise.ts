// Per droplet: does it need nothing, a restart (the stack was patched: the droplet runs on every
// later version of its stack), or a restage (its buildpack has a newer version, a dependency a
// buildpack installed is vulnerable and the installed buildpack ships the fix, or it holds a
// statically linked executable that carries copies of the stack's libraries)?
import type { Dependency } from '@cf-lifecycle/sbom/dependency';
import type { InstalledBuildpack } from './buildpacks-file.ts';
import { findingsFor } from './findings.ts';
import type { Target } from './inputs.ts';
import type { AdvisoryIndex } from './osv.ts';
import type { StagingSet } from './staging-set.ts';
import { compareGeneric } from './versions/index.ts';

export type Outcome = 'ok' | 'restart' | 'restage';

export interface Advice {
  path: string;
  app?: string;
  outcome: Outcome;
  /** Why: the restage reasons for `restage`, the stack change for `restart`, the state for `ok`. */
  reasons: string[];
  /** What a restage would not fix (a vulnerable app dependency, a buildpack dependency with no shipped fix). */
  notes: string[];
  /** Only when the droplet's files come from different stagings (docs/scanning.md, "Mixed sets"). */
  set?: StagingSet;
}

export interface AdviseInput {
  stackVersion: string;
  buildpacks?: Map<string, InstalledBuildpack>;
  advisories?: AdvisoryIndex;
}

export function advise(target: Target, input: AdviseInput): Advice {
  const m = target.metadata;
  const restage: string[] = [];
  const notes: string[] = [];

  for (const bp of m.buildpacks) {
    const installed = installedFor(input.buildpacks, bp);
    if (installed && bp.version && compareGeneric(installed.version, bp.version) > 0) {
      // A buildpack that declared no name has `name: ""`: it is named by its key.
      restage.push(`buildpack ${bp.name || bp.key} ${bp.version} → ${installed.version}`);
    }
  }

  const statics = m.executables?.static ?? [];
  if (statics.length > 0) {
    const shown = statics.slice(0, 3).join(', ') + (statics.length > 3 ? ` and ${statics.length - 3} more` : '');
    restage.push(`statically linked ${statics.length === 1 ? 'executable' : 'executables'}: ${shown}`);
  }

  if (input.advisories) {
    for (const finding of findingsFor(target.path, m, input.advisories)) {
      const what = `${finding.package} ${finding.version} (${finding.advisory})`;
      if (!finding.source.startsWith('buildpack:')) {
        notes.push(`${what} comes from the app (${finding.source}): a restage does not change it`);
        continue;
      }
      const key = finding.source.slice('buildpack:'.length);
      const bp = m.buildpacks.find((b) => b.key === key) ?? { key, name: key };
      const installed = installedFor(input.buildpacks, bp);
      const dep = m.dependencies.find((d) => d.purl === finding.purl) ?? { ecosystem: finding.ecosystem, name: finding.package, purl: finding.purl };
      const fix = installed?.dependencies.find((d) => sameDependency(d, dep as Dependency) && !stillAffected(d, finding.advisory, input.advisories!));
      if (installed && fix) restage.push(`${what} is vulnerable; ${installed.name} ${installed.version} ships ${fix.name} ${fix.version}`);
      else notes.push(`${what} is vulnerable and no installed buildpack ships a fix${finding.fixed ? ` (fixed in ${finding.fixed})` : ''}`);
    }
  }

  const base = { path: target.path, ...(m.app?.name ? { app: m.app.name } : {}), notes };
  if (restage.length > 0) return { ...base, outcome: 'restage', reasons: restage };

  const stack = m.stack;
  if (stack?.version) {
    const c = compareGeneric(input.stackVersion, stack.version);
    if (c > 0) return { ...base, outcome: 'restart', reasons: [`stack ${stack.name} ${stack.version} → ${input.stackVersion}`] };
    if (c < 0) {
      return { ...base, outcome: 'restage', reasons: [`staged on stack ${stack.name} ${stack.version}, newer than the installed ${input.stackVersion}`] };
    }
    return { ...base, outcome: 'ok', reasons: [`stack ${stack.name} ${stack.version} is current${input.buildpacks ? ', buildpacks are current' : ''}`] };
  }
  return { ...base, outcome: 'ok', reasons: ['no stack version recorded'] };
}

function installedFor(installed: Map<string, InstalledBuildpack> | undefined, bp: { key: string; name?: string }): InstalledBuildpack | undefined {
  if (!installed) return undefined;
  return (bp.name ? installed.get(bp.name) : undefined) ?? installed.get(bp.key);
}

function sameDependency(a: Dependency, b: Dependency): boolean {
  return a.ecosystem === b.ecosystem && a.name === b.name;
}

function stillAffected(dep: Dependency, advisory: string, index: AdvisoryIndex): boolean {
  const probe = { dependencies: [dep] };
  return findingsFor('', probe, index).some((f) => f.advisory === advisory);
}
