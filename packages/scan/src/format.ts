// Plain-text tables for the terminal: columns padded to their widest cell, two spaces apart. Every
// value shown comes from a droplet, its metadata, an OSV record or a file name that someone else
// chose: control characters are escaped (a hostile buildpack must not retitle or clear the terminal,
// or forge lines) and credentials in URLs redacted before anything is laid out.
import { escapeControl, redactUrlsIn } from '@cf-lifecycle/contract';

/** A value for a terminal: URL userinfo redacted, control characters and bidi overrides escaped. */
export function safe(value: unknown): string {
  return escapeControl(redactUrlsIn(String(value)));
}

/** JSON for stdout: exact strings (JSON escapes control characters itself), URL userinfo redacted. */
export function redactedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redactUrlsIn(v) : v), 2);
}

export function table(header: readonly string[] | undefined, rows: ReadonlyArray<readonly string[]>): string {
  const all = (header ? [header, ...rows] : rows).map((row) => row.map(safe));
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
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
