// `droplet advise PATH... --stack-version V [--buildpacks FILE] [--osv DIR] [--json]`: per droplet,
// `ok`, `restart` or `restage`, with the reason.
import { EXIT } from '@cf-lifecycle/contract';
import { advise, type Advice } from '../advise.ts';
import { readBuildpacksFile } from '../buildpacks-file.ts';
import { redactedJson, safe, table } from '../format.ts';
import { InputError, loadTargets } from '../inputs.ts';
import { loadAdvisories, OsvError } from '../osv.ts';
import { describeMixed, type StagingSet } from '../staging-set.ts';
import type { Output } from './output.ts';

export interface AdviseOptions {
  stackVersion: string;
  buildpacks?: string;
  osv?: string;
  json?: boolean;
}

export async function adviseCommand(paths: string[], opts: AdviseOptions, out: Output): Promise<number> {
  if (!opts.stackVersion) {
    out.stderr('droplet advise: --stack-version V is required\n');
    return EXIT.droplet.Usage;
  }
  if (paths.length === 0) {
    out.stderr('droplet advise: name at least one droplet, staging metadata file or directory\n');
    return EXIT.droplet.Usage;
  }
  let advice: Advice[];
  const mixed = new Map<string, StagingSet>();
  try {
    const buildpacks = opts.buildpacks ? readBuildpacksFile(opts.buildpacks) : undefined;
    const advisories = opts.osv ? loadAdvisories(opts.osv) : undefined;
    const targets = await loadTargets(paths, (w) => out.stderr(`droplet advise: warning: ${safe(w)}\n`));
    for (const t of targets) if (t.set?.status === 'mixed' && !mixed.has(t.set.droplet)) mixed.set(t.set.droplet, t.set);
    advice = targets.map((t) => {
      const a = advise(t, { stackVersion: opts.stackVersion, ...(buildpacks ? { buildpacks } : {}), ...(advisories ? { advisories } : {}) });
      if (t.set?.status === 'mixed') a.set = t.set;
      return a;
    });
  } catch (err) {
    if (err instanceof InputError || err instanceof OsvError) {
      out.stderr(`droplet advise: ${safe(err.message)}\n`);
      return EXIT.droplet.Usage;
    }
    throw err;
  }
  if (opts.json) {
    out.stdout(`${redactedJson(advice)}\n`);
  } else if (advice.length > 0) {
    out.stdout(
      `${table(
        undefined,
        advice.map((a) => [a.path, a.outcome, a.reasons.join('; ')]),
      )}\n`,
    );
    for (const a of advice) for (const note of a.notes) out.stdout(`note: ${safe(a.path)}: ${safe(note)}\n`);
  }
  // A mixed set's advice may be about another staging than the droplet's: fix the set first.
  for (const set of mixed.values()) out.stderr(`droplet advise: ${safe(describeMixed(set))}\n`);
  return mixed.size > 0 ? EXIT.droplet.MixedSet : EXIT.droplet.Success;
}
