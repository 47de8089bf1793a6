// Command-line flags with Go `flag` package semantics (CONTRACT §1.1): the builder's flags, the
// credhub flags of the launcher and the shell, and getenv's `-output`.
import { compareUtf8, goStrconvQuote } from './gojson.ts';

export type FlagKind = 'string' | 'bool' | 'int' | 'duration';

/** One flag. Duration defaults are milliseconds; int defaults are numbers. */
export interface FlagDef {
  name: string;
  kind: FlagKind;
  default: string | boolean | number;
  usage: string;
}

/** Parsed values by flag name: strings, booleans, ints (numbers) and durations (milliseconds). */
export type FlagValues = Record<string, string | boolean | number>;

export type FlagParseResult =
  | { kind: 'ok'; values: FlagValues; explicit: Set<string>; rest: string[] }
  /** `-h`/`-help`: print `output` on stderr, exit 0. */
  | { kind: 'help'; output: string }
  /** Print `output` (error line + usage) on stderr, exit 2. */
  | { kind: 'error'; output: string };

/** Go's `FlagSet.Parse` with `ExitOnError`, minus the exiting: the caller prints and exits. */
export function parseFlags(setName: string, defs: readonly FlagDef[], args: readonly string[]): FlagParseResult {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const values: FlagValues = {};
  for (const def of defs) values[def.name] = defaultValue(def);
  const explicit = new Set<string>();
  const fail = (message: string): FlagParseResult => ({ kind: 'error', output: `${message}\n${flagUsage(setName, defs)}` });

  let i = 0;
  while (i < args.length) {
    const arg = args[i]!;
    // A lone `-`, the empty string and anything not starting with `-` end the flags.
    if (arg.length < 2 || arg[0] !== '-') break;
    let dashes = 1;
    if (arg[1] === '-') {
      dashes = 2;
      if (arg.length === 2) {
        i++; // `--` ends the flags and is consumed
        break;
      }
    }
    let name = arg.slice(dashes);
    if (name.length === 0 || name[0] === '-' || name[0] === '=') return fail(`bad flag syntax: ${arg}`);
    i++;

    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }

    const def = byName.get(name);
    if (def === undefined) {
      if (name === 'help' || name === 'h') return { kind: 'help', output: flagUsage(setName, defs) };
      return fail(`flag provided but not defined: -${name}`);
    }

    if (def.kind === 'bool') {
      // `-flag value` never consumes `value` for a boolean: only `-flag=value` sets it explicitly.
      const parsed = value === undefined ? true : parseGoBool(value);
      if (parsed === undefined) return fail(`invalid boolean value ${goStrconvQuote(value!)} for -${name}: parse error`);
      values[name] = parsed;
    } else {
      if (value === undefined) {
        if (i >= args.length) return fail(`flag needs an argument: -${name}`);
        value = args[i++]!;
      }
      const parsed = parseValue(def.kind, value);
      if (typeof parsed === 'string' && def.kind !== 'string') {
        return fail(`invalid value ${goStrconvQuote(value)} for flag -${name}: ${parsed}`);
      }
      values[name] = def.kind === 'string' ? value : (parsed as number);
    }
    explicit.add(name);
  }
  return { kind: 'ok', values, explicit, rest: args.slice(i) };
}

/** A flag's parsed value, or for ints/durations Go's error text (`parse error`, `value out of range`). */
function parseValue(kind: 'string' | 'int' | 'duration', text: string): string | number {
  if (kind === 'string') return text;
  if (kind === 'duration') return parseGoDuration(text) ?? 'parse error';
  const n = parseGoInt64(text);
  if (n === 'syntax') return 'parse error';
  if (n === 'range') return 'value out of range';
  return Number(n);
}

function defaultValue(def: FlagDef): string | boolean | number {
  if (def.kind === 'duration' && typeof def.default === 'string') {
    const ms = parseGoDuration(def.default);
    if (ms === undefined) throw new Error(`invalid duration default for -${def.name}: ${def.default}`);
    return ms;
  }
  return def.default;
}

/** The default as Go's `Flag.DefValue` (the Value's String()). */
function defaultText(def: FlagDef): string {
  const v = defaultValue(def);
  switch (def.kind) {
    case 'duration':
      return formatGoDuration(Number(v));
    case 'bool':
      return v === true || v === 'true' ? 'true' : 'false';
    default:
      return String(v);
  }
}

const ZERO_TEXT: Record<FlagKind, string> = { string: '', bool: 'false', int: '0', duration: '0s' };
const TYPE_NAME: Record<FlagKind, string> = { string: 'string', bool: '', int: 'int', duration: 'duration' };

/** Go's default usage text: `Usage of <set>:` followed by PrintDefaults (flags sorted by name). */
export function flagUsage(setName: string, defs: readonly FlagDef[]): string {
  let out = setName === '' ? 'Usage:\n' : `Usage of ${setName}:\n`;
  const sorted = [...defs].sort((a, b) => compareUtf8(a.name, b.name));
  for (const def of sorted) {
    let typeName = TYPE_NAME[def.kind];
    let usage = def.usage;
    // A back-quoted word in the usage names the value (and loses its quotes); bools get it too.
    const open = usage.indexOf('`');
    const close = open >= 0 ? usage.indexOf('`', open + 1) : -1;
    if (close >= 0) {
      typeName = usage.slice(open + 1, close);
      usage = usage.slice(0, open) + typeName + usage.slice(close + 1);
    }
    let line = `  -${def.name}`;
    if (typeName !== '') line += ` ${typeName}`;
    // Single-letter boolean flags keep their usage on the same line (Go measures bytes).
    line += utf8Length(line) <= 4 ? '\t' : '\n    \t';
    line += usage.replaceAll('\n', '\n    \t');
    const text = defaultText(def);
    if (text !== ZERO_TEXT[def.kind]) {
      line += def.kind === 'string' ? ` (default ${goStrconvQuote(text)})` : ` (default ${text})`;
    }
    out += line + '\n';
  }
  return out;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Go's strconv.ParseBool. */
function parseGoBool(text: string): boolean | undefined {
  switch (text) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
    default:
      return undefined;
  }
}

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_LIMIT = 1n << 63n;

/** Go's strconv.ParseInt(text, 0, 64). */
function parseGoInt64(text: string): bigint | 'syntax' | 'range' {
  let s = text;
  let negative = false;
  if (s[0] === '+' || s[0] === '-') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  const magnitude = parseGoUint64(s);
  if (magnitude === 'syntax') return 'syntax';
  if (magnitude === 'range') return 'range';
  if (!negative && magnitude >= INT64_LIMIT) return 'range';
  if (negative && magnitude > INT64_LIMIT) return 'range';
  return negative ? -magnitude : magnitude;
}

/** Go's strconv.ParseUint(s, 0, 64): the base comes from the prefix; underscores as in Go literals. */
function parseGoUint64(s: string): bigint | 'syntax' | 'range' {
  if (s === '') return 'syntax';
  let base = 10n;
  let digits = s;
  if (s[0] === '0') {
    const prefix = s.length >= 3 ? s[1]!.toLowerCase() : '';
    if (prefix === 'b') base = 2n;
    else if (prefix === 'o') base = 8n;
    else if (prefix === 'x') base = 16n;
    else base = 8n;
    digits = s.slice(base === 8n && prefix !== 'o' ? 1 : 2);
  }
  let n = 0n;
  let underscores = false;
  for (const ch of digits) {
    if (ch === '_') {
      underscores = true;
      continue;
    }
    const d = digitValue(ch);
    if (d === undefined || BigInt(d) >= base) return 'syntax';
    n = n * base + BigInt(d);
    // Overflow is reported as soon as it happens, before any later syntax problem.
    if (n > UINT64_MAX) return 'range';
  }
  if (underscores && !underscoresOk(s)) return 'syntax';
  return n;
}

function digitValue(ch: string): number | undefined {
  const c = ch.charCodeAt(0);
  if (ch.length !== 1) return undefined;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x7a) return lower - 0x61 + 10;
  return undefined;
}

/** Go's rule for `_` in integer literals: only between digits, or right after a base prefix. */
function underscoresOk(s: string): boolean {
  // last: '^' start, '0' digit or prefix, '_' underscore, '!' anything else
  let last = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    last = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      last = '0';
    } else if (c === '_') {
      if (last !== '0') return false;
      last = '_';
    } else {
      if (last === '_') return false;
      last = '!';
    }
  }
  return last !== '_';
}

// ---------------------------------------------------------------------------------------------
// Durations (Go time.Duration: int64 nanoseconds; exposed here in milliseconds)

const NS_PER_UNIT = new Map<string, bigint>([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // micro sign
  ['\u03bcs', 1_000n], // Greek small letter mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

/** Go's time.ParseDuration, in milliseconds; undefined when Go would reject the text. */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0n;
  while (s !== '') {
    // [0-9]*(\.[0-9]*)? then a unit; at least one digit on either side of the point.
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const whole = m[1]!;
    const fraction = m[2];
    if (whole === '' && (fraction === undefined || fraction === '')) return undefined;
    s = s.slice(m[0].length);
    const unitEnd = s.search(/[.0-9]/);
    const unitText = unitEnd < 0 ? s : s.slice(0, unitEnd);
    const unit = NS_PER_UNIT.get(unitText);
    if (unit === undefined) return undefined; // missing or unknown unit
    s = s.slice(unitText.length);

    let v = whole === '' ? 0n : BigInt(whole);
    if (v > INT64_LIMIT) return undefined;
    if (v > INT64_LIMIT / unit) return undefined;
    v *= unit;
    if (fraction !== undefined && fraction !== '') {
      // Go keeps at most the fraction digits that fit an int64 and scales in float64.
      let f = 0n;
      let scale = 1;
      for (const ch of fraction) {
        const next = f * 10n + BigInt(ch.charCodeAt(0) - 0x30);
        if (next > INT64_LIMIT) break;
        f = next;
        scale *= 10;
      }
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > INT64_LIMIT) return undefined;
    }
    total += v;
    if (total > INT64_LIMIT) return undefined;
  }
  if (!negative && total > INT64_LIMIT - 1n) return undefined;
  const ns = negative ? -total : total;
  return Number(ns) / 1e6;
}

/** Go's time.Duration.String() for a duration given in milliseconds (rounded to nanoseconds). */
export function formatGoDuration(ms: number): string {
  let ns = BigInt(Math.round(ms * 1e6));
  if (ns > INT64_LIMIT - 1n) ns = INT64_LIMIT - 1n;
  if (ns < -INT64_LIMIT) ns = -INT64_LIMIT;
  const negative = ns < 0n;
  let u = negative ? -ns : ns;
  let out: string;
  if (u === 0n) return '0s';
  if (u < 1_000_000_000n) {
    // Below one second: the largest unit that keeps an integer part (1.5ms, 250µs, 12ns).
    if (u < 1_000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${withFraction(u, 3)}µs`;
    else out = `${withFraction(u, 6)}ms`;
  } else {
    const seconds = withFraction(u, 9, 60n);
    u /= 1_000_000_000n * 60n; // whole minutes
    out = `${seconds}s`;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return negative ? `-${out}` : out;
}

/** `value / 10^prec` with trailing zeros (and a bare point) dropped; the integer part taken mod `wrap`. */
function withFraction(value: bigint, prec: number, wrap?: bigint): string {
  const scale = 10n ** BigInt(prec);
  let whole = value / scale;
  if (wrap !== undefined) whole %= wrap;
  const fraction = (value % scale).toString().padStart(prec, '0').replace(/0+$/, '');
  return fraction === '' ? `${whole}` : `${whole}.${fraction}`;
}
