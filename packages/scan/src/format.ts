// Plain-text tables for the terminal: columns padded to their widest cell, two spaces apart. Every
// value shown comes from a droplet, its metadata, an OSV record or a file name that someone else
// chose: control characters are escaped (a hostile buildpack must not retitle or clear the terminal,
// or forge lines) and credentials in URLs redacted before anything is laid out.
import { escapeControl, redactUrlsIn } from '@cf-lifecycle/contract';

/** A value for a terminal: URL userinfo redacted, control characters and bidi overrides escaped. */
export function safe(value: unknown): string {
  return escapeControl(redactUrlsIn(String(value)));
}

// What JSON.stringify leaves raw that a terminal still acts on: DEL, C1 controls, line and paragraph
// separators, bidi overrides. They can only occur inside strings, where `\uXXXX` is the same string.
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON for stdout: exact strings once parsed, URL userinfo redacted, no raw control character even when shown as is. */
export function redactedJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redactUrlsIn(v) : v), 2);
  return text.replace(RAW_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function table(header: readonly string[] | undefined, rows: ReadonlyArray<readonly string[]>): string {
  const all = (header ? [header, ...rows] : rows).map((row) => row.map(safe));
  const widths: number[] = [];
  for (const row of all) for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
