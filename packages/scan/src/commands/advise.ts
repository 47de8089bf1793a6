// `droplet advise PATH... --stack-version V [--buildpacks FILE] [--osv DIR] [--json]`: per droplet,
// `ok`, `restart` or `restage`, with the reason.
import { advise, type Advice } from '../advise.ts';
import { readBuildpacksFile } from '../buildpacks-file.ts';
import { table } from '../format.ts';
import { InputError, loadTargets } from '../inputs.ts';
import { loadAdvisories, OsvError } from '../osv.ts';
import { EXIT, type Output } from './output.ts';

export interface AdviseOptions {
  stackVersion: string;
  buildpacks?: string;
  osv?: string;
  json?: boolean;
}

export async function adviseCommand(paths: string[], opts: AdviseOptions, out: Output): Promise<number> {
  if (!opts.stackVersion) {
    out.stderr('droplet advise: --stack-version V is required\n');
    return EXIT.usage;
  }
  if (paths.length === 0) {
    out.stderr('droplet advise: name at least one droplet, staging metadata file or directory\n');
    return EXIT.usage;
  }
  let advice: Advice[];
  try {
    const buildpacks = opts.buildpacks ? readBuildpacksFile(opts.buildpacks) : undefined;
    const advisories = opts.osv ? loadAdvisories(opts.osv) : undefined;
    const targets = await loadTargets(paths, (w) => out.stderr(`droplet advise: warning: ${w}\n`));
    advice = targets.map((t) => advise(t, { stackVersion: opts.stackVersion, ...(buildpacks ? { buildpacks } : {}), ...(advisories ? { advisories } : {}) }));
  } catch (err) {
    if (err instanceof InputError || err instanceof OsvError) {
      out.stderr(`droplet advise: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  if (opts.json) {
    out.stdout(`${JSON.stringify(advice, null, 2)}\n`);
  } else if (advice.length > 0) {
    out.stdout(`${table(undefined, advice.map((a) => [a.path, a.outcome, a.reasons.join('; ')]))}\n`);
    for (const a of advice) for (const note of a.notes) out.stdout(`note: ${a.path}: ${note}\n`);
  }
  return EXIT.ok;
}
