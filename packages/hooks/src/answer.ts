// A hook's answer (docs/hooks.md "Answer"): `{"decision": "allow"|"deny", "message"?, "findings"?}`.
// Empty (or blank) means allow. Anything else that is not such an object is `malformed`: a hook that
// meant to deny but misspelled a key must not pass silently. Texts are kept whole here: they are cut
// to length only after secrets are redacted (run.ts), so a cut can never leave part of a secret.
import { MAX_FINDINGS, type Finding, type Verdict } from './model.ts';

export function parseAnswer(text: string): Verdict {
  if (text.trim() === '') return { outcome: 'allow', findings: [] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes a cut-off piece of the answer, which might be part of a secret.
    return malformed('answer is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return malformed('answer is not a JSON object');
  const answer = value as Record<string, unknown>;
  const { decision, message, findings } = answer;
  if (decision !== 'allow' && decision !== 'deny') {
    return malformed(decision === undefined ? 'answer has no "decision"' : `"decision" must be "allow" or "deny", not ${JSON.stringify(decision)}`);
  }
  if (message !== undefined && typeof message !== 'string') return malformed('"message" must be a string');
  const parsed = parseFindings(findings);
  if (typeof parsed === 'string') return malformed(parsed);
  const verdict: Verdict = { outcome: decision, findings: parsed };
  if (message !== undefined && message !== '') verdict.message = message;
  return verdict;
}

function parseFindings(value: unknown): Finding[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return '"findings" must be an array';
  const findings: Finding[] = [];
  for (const [i, f] of value.entries()) {
    if (f === null || typeof f !== 'object' || Array.isArray(f)) return `findings[${i}] is not an object`;
    const { id, severity, summary } = f as Record<string, unknown>;
    if (typeof id !== 'string' || id === '') return `findings[${i}] has no "id" string`;
    if (severity !== undefined && typeof severity !== 'string') return `findings[${i}].severity must be a string`;
    if (summary !== undefined && typeof summary !== 'string') return `findings[${i}].summary must be a string`;
    const finding: Finding = { id };
    if (severity !== undefined) finding.severity = severity;
    if (summary !== undefined) finding.summary = summary;
    findings.push(finding);
  }
  return findings;
}

/** Keeps metadata bounded: past MAX_FINDINGS, one last finding counts the rest. */
export function capFindings(findings: Finding[]): Finding[] {
  if (findings.length <= MAX_FINDINGS) return findings;
  const kept = findings.slice(0, MAX_FINDINGS - 1);
  kept.push({ id: 'lifecycle.findings-truncated', severity: 'info', summary: `${findings.length - kept.length} more findings not recorded` });
  return kept;
}

function malformed(message: string): Verdict {
  return { outcome: 'malformed', message: `malformed answer: ${message}`, findings: [] };
}
