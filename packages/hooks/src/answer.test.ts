// The answer format (docs/hooks.md "The answer").
import { describe, expect, it } from 'vitest';
import { parseAnswer } from './answer.ts';
import { CapturedLog, execHook, scratch, script } from '../../../test/helpers/hooks/support.ts';
import { runHooks } from './index.ts';
import path from 'node:path';

describe('parseAnswer', () => {
  it.each(['', '  \n', '\n\n'])('empty or blank (%j) is allow', (text) => {
    expect(parseAnswer(text)).toEqual({ outcome: 'allow', findings: [] });
  });

  it('keeps decision, message and findings; ignores other fields', () => {
    expect(parseAnswer('{"decision":"deny","message":"no","findings":[{"id":"a","severity":"high","summary":"s","extra":1}],"version":2}')).toEqual({
      outcome: 'deny',
      message: 'no',
      findings: [{ id: 'a', severity: 'high', summary: 's' }],
    });
  });

  it.each([
    ['null', 'answer is not a JSON object'],
    ['"allow"', 'answer is not a JSON object'],
    ['{"decision":"ALLOW"}', '"decision" must be "allow" or "deny", not "ALLOW"'],
    ['{"decision":"allow","message":3}', '"message" must be a string'],
    ['{"decision":"allow","findings":{}}', '"findings" must be an array'],
    ['{"decision":"allow","findings":[{"id":""}]}', 'findings[0] has no "id" string'],
    ['{"decision":"allow","findings":[{"id":"a","severity":1}]}', 'findings[0].severity must be a string'],
    ['{"decision":"allow"} trailing', 'answer is not JSON'],
  ])('%s is malformed: %s', (text, message) => {
    expect(parseAnswer(text)).toEqual({ outcome: 'malformed', message: `malformed answer: ${message}`, findings: [] });
  });
});

describe('limits', () => {
  it('records at most 1000 findings; the last one counts the rest', async () => {
    const { dir, cleanup } = scratch();
    try {
      const findings = Array.from({ length: 1500 }, (_, i) => ({ id: `f${i}` }));
      const file = script(path.join(dir, 'many'), `cat <<'JSON'\n${JSON.stringify({ decision: 'allow', findings })}\nJSON`);
      const log = new CapturedLog();
      const [record] = await runHooks(
        'post-build',
        [execHook('many', file)],
        { schemaVersion: 1, phase: 'post-build', app: { buildDir: dir }, stack: { name: 's' }, buildpacks: [], paths: { buildDir: dir } },
        log,
      );
      expect(record!.findings).toHaveLength(1000);
      expect(record!.findings[999]).toEqual({ id: 'lifecycle.findings-truncated', severity: 'info', summary: '501 more findings not recorded' });
      expect(log.out).toContain('… 980 more findings in the staging metadata');
    } finally {
      cleanup();
    }
  });
});
