// An advisory's severity, in GitHub's four words: from its CVSS v3 vector (the base score computed
// as CVSS 3.1 specifies), else the database's own word (`database_specific.severity`), else a
// CVSS v2 vector. CVSS v4 vectors are not scored: records that carry only one have a database word.
export type Severity = 'low' | 'moderate' | 'high' | 'critical';
export type SeverityOrUnknown = Severity | 'unknown';

export const SEVERITIES: readonly Severity[] = ['low', 'moderate', 'high', 'critical'];

export function severityRank(s: SeverityOrUnknown): number {
  return s === 'unknown' ? 0 : SEVERITIES.indexOf(s) + 1;
}

export function severityOfScore(score: number): SeverityOrUnknown {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'moderate';
  if (score > 0) return 'low';
  return 'unknown';
}

/** Words databases use: GitHub's, NVD's (`MEDIUM`), Red Hat's (`IMPORTANT`), Ubuntu's. */
export function severityOfWord(word: unknown): SeverityOrUnknown {
  if (typeof word !== 'string') return 'unknown';
  switch (word.trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
    case 'important':
      return 'high';
    case 'moderate':
    case 'medium':
      return 'moderate';
    case 'low':
    case 'negligible':
      return 'low';
    default:
      return 'unknown';
  }
}

const V3: Record<string, Record<string, number>> = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  C: { H: 0.56, L: 0.22, N: 0 },
  I: { H: 0.56, L: 0.22, N: 0 },
  A: { H: 0.56, L: 0.22, N: 0 },
};

function roundUp(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

function metrics(vector: string): Map<string, string> {
  return new Map(
    vector
      .split('/')
      .map((part) => part.split(':'))
      .filter((kv): kv is [string, string] => kv.length === 2)
      .map(([k, v]) => [k, v]),
  );
}

/** The CVSS 3.x base score of a vector (`CVSS:3.1/AV:N/...`); undefined when a base metric is missing. */
export function cvss3BaseScore(vector: string): number | undefined {
  if (!/^CVSS:3\.[01]\//.test(vector)) return undefined;
  const m = metrics(vector);
  const scope = m.get('S');
  const pr = { N: 0.85, L: scope === 'C' ? 0.68 : 0.62, H: scope === 'C' ? 0.5 : 0.27 }[m.get('PR') ?? ''];
  const value = (k: string): number | undefined => V3[k]![m.get(k) ?? ''];
  const [av, ac, ui, c, i, a] = ['AV', 'AC', 'UI', 'C', 'I', 'A'].map(value);
  if (pr === undefined || av === undefined || ac === undefined || ui === undefined || c === undefined || i === undefined || a === undefined) return undefined;
  if (scope !== 'U' && scope !== 'C') return undefined;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = scope === 'U' ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15;
  const exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  return roundUp(Math.min(scope === 'U' ? impact + exploitability : 1.08 * (impact + exploitability), 10));
}

/** The CVSS v2 base score of a vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`). */
export function cvss2BaseScore(vector: string): number | undefined {
  const m = metrics(vector.replace(/^\(|\)$/g, ''));
  const av = { L: 0.395, A: 0.646, N: 1.0 }[m.get('AV') ?? ''];
  const ac = { H: 0.35, M: 0.61, L: 0.71 }[m.get('AC') ?? ''];
  const au = { M: 0.45, S: 0.56, N: 0.704 }[m.get('Au') ?? ''];
  const cia = (k: string): number | undefined => ({ N: 0, P: 0.275, C: 0.66 })[m.get(k) ?? ''];
  const [c, i, a] = ['C', 'I', 'A'].map(cia);
  if (av === undefined || ac === undefined || au === undefined || c === undefined || i === undefined || a === undefined) return undefined;
  const impact = 10.41 * (1 - (1 - c) * (1 - i) * (1 - a));
  const exploitability = 20 * av * ac * au;
  const f = impact === 0 ? 0 : 1.176;
  return Math.round((0.6 * impact + 0.4 * exploitability - 1.5) * f * 10) / 10;
}

export interface AdvisorySeverity {
  severity: SeverityOrUnknown;
  /** The CVSS base score it came from, when it came from one. */
  score?: number;
}

/** The severity of an OSV record (`severity[]`, `database_specific.severity`, per-package `ecosystem_specific.severity`). */
export function advisorySeverity(record: Record<string, unknown>): AdvisorySeverity {
  const entries = Array.isArray(record.severity) ? (record.severity as Array<Record<string, unknown>>) : [];
  const scoreOf = (type: string, compute: (v: string) => number | undefined): number | undefined => {
    for (const e of entries) {
      if (e?.type !== type || typeof e.score !== 'string') continue;
      const score = compute(e.score) ?? (/^\d+(\.\d+)?$/.test(e.score) ? Number(e.score) : undefined);
      if (score !== undefined) return score;
    }
    return undefined;
  };
  const v3 = scoreOf('CVSS_V3', cvss3BaseScore);
  if (v3 !== undefined && v3 > 0) return { severity: severityOfScore(v3), score: v3 };
  const db = record.database_specific as Record<string, unknown> | undefined;
  const word = severityOfWord(db?.severity);
  if (word !== 'unknown') return { severity: word };
  const affected = Array.isArray(record.affected) ? (record.affected as Array<Record<string, unknown>>) : [];
  for (const a of affected) {
    for (const specific of [a?.ecosystem_specific, a?.database_specific] as Array<Record<string, unknown> | undefined>) {
      const w = severityOfWord(specific?.severity);
      if (w !== 'unknown') return { severity: w };
    }
  }
  const v2 = scoreOf('CVSS_V2', cvss2BaseScore);
  if (v2 !== undefined && v2 > 0) return { severity: v2 >= 7 ? 'high' : severityOfScore(v2), score: v2 };
  for (const e of entries) {
    if (e?.type === 'Ubuntu') {
      const w = severityOfWord(e.score);
      if (w !== 'unknown') return { severity: w };
    }
  }
  return { severity: 'unknown' };
}
