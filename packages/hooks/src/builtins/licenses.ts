// Built-in `licenses`: every SBOM component's licenses against an allow list or a deny list of SPDX
// ids (compared case-insensitively). Denies staging naming each component that does not pass.
import path from 'node:path';
import { readableFile } from '../config/checks.ts';
import type { Finding, HookPayload, Verdict } from '../model.ts';
import { SBOM_PHASES, rejectUnknownOptions, type Builtin, type OptionsContext } from './builtin.ts';
import { componentLabel, readSbom, sbomPath, type SbomComponent } from './cyclonedx.ts';
import { parseLicenseExpression, unacceptable } from './spdx-expression.ts';

interface LicenseOptions {
  mode: 'allow' | 'deny';
  licenses: string[];
  /** What a component without license data gets. */
  unknown: 'allow' | 'deny';
}

const MESSAGE_ITEMS = 5;

export const licenses: Builtin = {
  phases: SBOM_PHASES,

  checkOptions(options: Record<string, unknown>, ctx: OptionsContext): Record<string, unknown> {
    const { fail } = ctx;
    rejectUnknownOptions(options, ['allow', 'deny', 'allowFile', 'denyFile', 'unknown'], fail);
    const list = (key: string): string[] | undefined => {
      const v = options[key];
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.trim() !== '')) return fail(`option '${key}' must be a list of SPDX ids`);
      return v.map((x: string) => x.trim());
    };
    const file = (key: string): string[] | undefined => {
      const v = options[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v === '') return fail(`option '${key}' must be a file path`);
      return readListFile(path.resolve(ctx.baseDir, v), `Invalid hooks config: licenses option '${key}'`);
    };
    const allow = [...(list('allow') ?? []), ...(file('allowFile') ?? [])];
    const deny = [...(list('deny') ?? []), ...(file('denyFile') ?? [])];
    const hasAllow = options.allow !== undefined || options.allowFile !== undefined;
    const hasDeny = options.deny !== undefined || options.denyFile !== undefined;
    if (hasAllow === hasDeny) return fail("the licenses hook needs either 'allow'/'allowFile' or 'deny'/'denyFile'");
    const mode = hasAllow ? 'allow' : 'deny';
    const unknown = options.unknown ?? (mode === 'allow' ? 'deny' : 'allow');
    if (unknown !== 'allow' && unknown !== 'deny') return fail("option 'unknown' must be allow or deny");
    const normalized: LicenseOptions = { mode, licenses: mode === 'allow' ? allow : deny, unknown };
    return { ...normalized };
  },

  async run(payload: HookPayload, options: Record<string, unknown>): Promise<Verdict> {
    const opts = options as unknown as LicenseOptions;
    // The stack's OS packages are listed in its receipt, not in the SBOM: nothing to check there.
    const components = readSbom(sbomPath(payload.paths)).filter((c) => c.type !== 'operating-system');
    const listed = new Set(opts.licenses.map((l) => l.toLowerCase()));
    const inList = (id: string) => listed.has(id.toLowerCase()) || (id.endsWith('+') && listed.has(id.slice(0, -1).toLowerCase()));
    const ok = (id: string, exception?: string): boolean => {
      const whole = exception ? `${id} WITH ${exception}` : id;
      return opts.mode === 'allow' ? inList(whole) || inList(id) : !inList(whole) && !inList(id);
    };

    const refused: Array<{ component: SbomComponent; licenses: string[] }> = [];
    for (const component of components) {
      if (component.licenses.length === 0) {
        if (opts.unknown === 'deny') refused.push({ component, licenses: ['(no license data)'] });
        continue;
      }
      // Several `licenses[]` entries all apply to the component: each must pass.
      const bad = [...new Set(component.licenses.flatMap((expr) => unacceptable(parseLicenseExpression(expr), ok)))];
      if (bad.length > 0) refused.push({ component, licenses: bad });
    }
    if (refused.length === 0) return { outcome: 'allow', message: `licenses of ${components.length} components accepted`, findings: [] };

    const findings: Finding[] = refused.map(({ component, licenses }) => ({
      id: `license:${component.purl ?? componentLabel(component)}`,
      severity: 'high',
      summary: `${componentLabel(component)}: ${licenses.join(', ')} ${licenses.length === 1 ? 'is' : 'are'} not allowed`,
    }));
    const items = refused.slice(0, MESSAGE_ITEMS).map(({ component, licenses }) => `${licenses.join(', ')} (${componentLabel(component)})`);
    const more = refused.length > MESSAGE_ITEMS ? ` and ${refused.length - MESSAGE_ITEMS} more` : '';
    const first = refused[0]!;
    const message =
      refused.length === 1
        ? `${first.licenses.join(', ')} ${first.licenses.length === 1 ? 'is' : 'are'} not allowed (${componentLabel(first.component)})`
        : `licenses not allowed: ${items.join('; ')}${more}`;
    return { outcome: 'deny', message, findings };
  },
};

/** One SPDX id per line; blank lines and `#` comments ignored. */
function readListFile(file: string, what: string): string[] {
  return readableFile(file, what)
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');
}
