// Built-in `sbom` (dependency capture): records how many components the SBOM holds, by ecosystem, and
// with option `output` keeps a copy of it (for example on a volume the operator collects).
import fs from 'node:fs';
import path from 'node:path';
import type { HookPayload, Verdict } from '../model.ts';
import { SBOM_PHASES, rejectUnknownOptions, type Builtin, type OptionsContext } from './builtin.ts';
import { readSbom, sbomPath } from './cyclonedx.ts';

export const sbom: Builtin = {
  phases: SBOM_PHASES,

  checkOptions(options: Record<string, unknown>, { baseDir, fail }: OptionsContext): Record<string, unknown> {
    rejectUnknownOptions(options, ['output'], fail);
    if (options.output === undefined) return {};
    if (typeof options.output !== 'string' || options.output === '') return fail("option 'output' must be a file path");
    return { output: path.resolve(baseDir, options.output) };
  },

  async run(payload: HookPayload, options: Record<string, unknown>): Promise<Verdict> {
    const file = sbomPath(payload.paths);
    const components = readSbom(file);
    const byType = new Map<string, number>();
    for (const c of components) {
      const type = c.purl?.match(/^pkg:([^/]+)\//)?.[1] ?? 'unknown';
      byType.set(type, (byType.get(type) ?? 0) + 1);
    }
    const counts = [...byType].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([t, n]) => `${t}: ${n}`);
    const summary = `${components.length} components${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`;
    let message = `SBOM with ${summary}`;
    if (typeof options.output === 'string') {
      copyAtomically(file, options.output);
      message += `, copied to ${options.output}`;
    }
    return { outcome: 'allow', message, findings: [{ id: 'sbom:components', severity: 'info', summary }] };
  },
};

function copyAtomically(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const tmp = `${to}.${process.pid}.tmp`;
  try {
    fs.copyFileSync(from, tmp);
    fs.renameSync(tmp, to);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
