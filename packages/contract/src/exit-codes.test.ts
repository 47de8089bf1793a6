// docs/exit-codes.md is the exit-code table of exit-codes.ts, rendered: this test fails when they differ.
// `UPDATE_EXIT_CODES=1 npx vitest run packages/contract/src/exit-codes.test.ts` rewrites the tables.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, EXIT_TABLES, type ExitTable } from './exit-codes.ts';

const DOC = path.resolve(import.meta.dirname, '../../../docs/exit-codes.md');
const BEGIN = '<!-- generated from packages/contract/src/exit-codes.ts by its test: begin -->';
const END = '<!-- generated: end -->';

const cell = (text: string): string => text.replaceAll('|', '\\|');

function renderTable(name: string, table: ExitTable): string {
  const rows = Object.entries(table.statuses).map(([key, s]) => `| ${s.code} | \`EXIT.${name}.${key}\` | ${cell(s.meaning)} |`);
  if (table.otherwise) rows.push(`| any other | | ${cell(table.otherwise)} |`);
  return [`## \`${name}\``, '', table.summary, '', '| status | in the code | meaning |', '|---|---|---|', ...rows, ''].join('\n');
}

function render(): string {
  return Object.entries(EXIT_TABLES)
    .map(([name, table]) => renderTable(name, table))
    .join('\n');
}

function generatedPart(text: string): string {
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  expect(begin, `${DOC} lacks the ${BEGIN} marker`).toBeGreaterThanOrEqual(0);
  expect(end, `${DOC} lacks the ${END} marker`).toBeGreaterThan(begin);
  return text.slice(begin + BEGIN.length, end).trim();
}

describe('docs/exit-codes.md', () => {
  it('holds the tables of exit-codes.ts, one per executable and one for the droplet CLI', () => {
    let text = fs.readFileSync(DOC, 'utf8');
    if (process.env.UPDATE_EXIT_CODES === '1') {
      const begin = text.indexOf(BEGIN);
      const end = text.indexOf(END);
      text = `${text.slice(0, begin + BEGIN.length)}\n\n${render()}\n${text.slice(end)}`;
      fs.writeFileSync(DOC, text);
    }
    expect(generatedPart(text)).toBe(render().trim());
    for (const name of ['builder', 'launcher', 'shell', 'getenv', 'healthcheck', 'droplet']) expect(text).toContain(`## \`${name}\``);
  });
});

describe('the exit-code table', () => {
  it('gives EXIT the numbers of the table', () => {
    for (const [name, table] of Object.entries(EXIT_TABLES)) {
      const codes = EXIT[name as keyof typeof EXIT] as Record<string, number>;
      expect(Object.keys(codes)).toEqual(Object.keys(table.statuses));
      for (const [key, status] of Object.entries(table.statuses)) expect(codes[key]).toBe(status.code);
    }
  });

  it('has statuses a process can exit with, each with a one-line meaning', () => {
    for (const table of Object.values(EXIT_TABLES)) {
      for (const status of Object.values(table.statuses)) {
        expect(Number.isInteger(status.code) && status.code >= 0 && status.code <= 255).toBe(true);
        expect(status.meaning).not.toMatch(/\n/);
        expect(status.meaning.length).toBeGreaterThan(0);
      }
    }
  });

  it('gives one number one meaning within an executable, but for scan --fail-on findings, an error status of the CLI', () => {
    for (const [name, table] of Object.entries(EXIT_TABLES)) {
      const seen = new Map<number, string[]>();
      for (const [key, status] of Object.entries(table.statuses)) seen.set(status.code, [...(seen.get(status.code) ?? []), key]);
      const shared = [...seen.values()].filter((keys) => keys.length > 1);
      expect(shared, name).toEqual(name === 'droplet' ? [['Failure', 'Findings']] : []);
    }
  });

  it("leaves out the reference's unreachable 5 (DATABASE_URL) and 226 (finalize, quirk Q1)", () => {
    expect(Object.values(EXIT.builder)).not.toContain(5);
    expect(Object.values(EXIT.builder)).not.toContain(226);
  });
});
