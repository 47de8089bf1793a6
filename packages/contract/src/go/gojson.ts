// JSON exactly as Go's encoding/json writes and rejects it (CONTRACT §1.2, §6, §8).
//
// Value model shared by both directions: a `Map` is a Go map (keys written in sorted byte order), any
// other object is a Go struct (fields written in insertion order, `undefined` fields left out).

/** A syntax error carrying Go's `*json.SyntaxError` text, e.g. `unexpected end of JSON input`. */
export class GoJsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoJsonSyntaxError';
  }
}

/** Syntactically valid JSON whose number does not fit a float64 (Go's `*json.UnmarshalTypeError`). */
export class GoJsonUnmarshalTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoJsonUnmarshalTypeError';
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Go's `json.Marshal` (HTML-safe, compact, no trailing newline). */
export function goJson(value: unknown): string {
  const out: string[] = [];
  encodeValue(value, out, new Set());
  return out.join('');
}

function encodeValue(value: unknown, out: string[], ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      out.push(encodeString(value));
      return;
    case 'number':
      out.push(encodeNumber(value));
      return;
    case 'bigint':
      out.push(value.toString(10));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'undefined':
      // A nil interface inside an array or map; at struct level undefined fields are skipped earlier.
      out.push('null');
      return;
    case 'object':
      break;
    default:
      throw new Error(`json: unsupported type: ${typeof value}`);
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (ancestors.has(value)) throw new Error('json: unsupported value: encountered a cycle');
  ancestors.add(value);
  if (value instanceof Uint8Array) {
    // Go writes []byte as a base64 string.
    out.push(`"${base64(value)}"`);
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((element, i) => {
      if (i > 0) out.push(',');
      encodeValue(element, out, ancestors);
    });
    out.push(']');
  } else if (value instanceof Map) {
    const entries = [...value.entries()].map(([k, v]) => [mapKeyString(k), v] as const);
    entries.sort((a, b) => compareUtf8(a[0], b[0]));
    out.push('{');
    entries.forEach(([k, v], i) => {
      if (i > 0) out.push(',');
      out.push(encodeString(k), ':');
      encodeValue(v, out, ancestors);
    });
    out.push('}');
  } else {
    out.push('{');
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(encodeString(k), ':');
      encodeValue(v, out, ancestors);
    }
    out.push('}');
  }
  ancestors.delete(value);
}

function mapKeyString(key: unknown): string {
  // Go map keys are strings or integers (integers are written as their decimal text).
  if (typeof key === 'string') return key;
  if (typeof key === 'bigint' || (typeof key === 'number' && Number.isInteger(key))) return String(key);
  throw new Error(`json: unsupported type: map key ${typeof key}`);
}

function encodeNumber(n: number): string {
  if (Number.isNaN(n)) throw new Error('json: unsupported value: NaN');
  if (n === Infinity) throw new Error('json: unsupported value: +Inf');
  if (n === -Infinity) throw new Error('json: unsupported value: -Inf');
  // Go switches to exponent form below 1e-6 and from 1e21 exactly like ECMAScript, writes the same
  // shortest digits, and trims `e-07` to `e-7`; only negative zero differs (Go keeps the sign).
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

const HEX = '0123456789abcdef';

function encodeString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let escaped: string | undefined;
    if (c < 0x20) {
      // Go 1.19 has short forms only for \n, \r and \t (\b and \f came with Go 1.22).
      if (c === 0x0a) escaped = '\\n';
      else if (c === 0x0d) escaped = '\\r';
      else if (c === 0x09) escaped = '\\t';
      else escaped = `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
    } else if (c === 0x22) escaped = '\\"';
    else if (c === 0x5c) escaped = '\\\\';
    else if (c === 0x3c) escaped = '\\u003c';
    else if (c === 0x3e) escaped = '\\u003e';
    else if (c === 0x26) escaped = '\\u0026';
    else if (c === 0x2028) escaped = '\\u2028';
    else if (c === 0x2029) escaped = '\\u2029';
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair is written as is
        continue;
      }
      // A lone surrogate cannot be UTF-8 encoded; Go writes invalid bytes as U+FFFD.
      escaped = '\\ufffd';
    }
    if (escaped === undefined) continue;
    out += s.slice(start, i) + escaped;
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += BASE64[b0 >> 2]!;
    out += BASE64[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)]!;
    out += b1 === undefined ? '=' : BASE64[((b1 & 15) << 2) | ((b2 ?? 0) >> 6)]!;
    out += b2 === undefined ? '=' : BASE64[b2 & 63]!;
  }
  return out;
}

/**
 * Compares two strings by their UTF-8 bytes (Go's string order), which is code point order. Plain
 * `<` compares UTF-16 code units and puts U+10000.. before U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (code points >= U+10000) sort after every other BMP unit in byte order.
    const xs = x >= 0xd800 && x <= 0xdfff ? x + 0x10000 : x;
    const ys = y >= 0xd800 && y <= 0xdfff ? y + 0x10000 : y;
    return xs < ys ? -1 : 1;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// Decoding

const MAX_NESTING_DEPTH = 10000;

/**
 * Go's `json.Unmarshal` into `interface{}`: objects become `Map<string, unknown>` (duplicate keys: last
 * value wins, first position kept), numbers become float64. The first syntax error in the text is
 * thrown as a `GoJsonSyntaxError` with Go's message.
 */
export function goJsonParse(text: string): unknown {
  return new Parser(text).parse();
}

type Container = { map: Map<string, unknown>; key: string } | { array: unknown[] };

class Parser {
  private pos = 0;
  // Set when a number does not fit a float64: Go reports it only after the whole text proved valid.
  private typeError: string | undefined;

  constructor(private readonly text: string) {}

  parse(): unknown {
    const stack: Container[] = [];
    let value: unknown;
    for (;;) {
      // Beginning of a value.
      const c = this.skipSpace();
      if (c === '{' || c === '[') {
        if (stack.length + 1 > MAX_NESTING_DEPTH) this.fail(this.pos, 'exceeded max depth');
        this.pos++;
        const closing = this.skipSpace();
        if (c === '{') {
          const map = new Map<string, unknown>();
          if (closing === '}') {
            this.pos++;
            value = map;
          } else {
            stack.push({ map, key: this.parseKey() });
            continue;
          }
        } else {
          const array: unknown[] = [];
          if (closing === ']') {
            this.pos++;
            value = array;
          } else {
            stack.push({ array });
            continue;
          }
        }
      } else {
        value = this.parseScalar();
      }

      // After a value: attach it to its container and find where the next value starts.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          if (this.skipSpace() !== undefined) this.fail(this.pos, 'after top-level value');
          if (this.typeError !== undefined) throw new GoJsonUnmarshalTypeError(this.typeError);
          return value;
        }
        const next = this.skipSpace();
        if ('array' in top) {
          top.array.push(value);
          if (next === ',') {
            this.pos++;
            break;
          }
          if (next !== ']') this.failAt(next, 'after array element');
          this.pos++;
          stack.pop();
          value = top.array;
        } else {
          top.map.set(top.key, value);
          if (next === ',') {
            this.pos++;
            this.skipSpace();
            top.key = this.parseKey();
            break;
          }
          if (next !== '}') this.failAt(next, 'after object key:value pair');
          this.pos++;
          stack.pop();
          value = top.map;
        }
      }
    }
  }

  /** Skips JSON whitespace; returns the next character, or undefined at the end of the text. */
  private skipSpace(): string | undefined {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return c;
      this.pos++;
    }
    return undefined;
  }

  /** An object key (whitespace already skipped) followed by its colon. */
  private parseKey(): string {
    if (this.text[this.pos] !== '"') this.failAt(this.text[this.pos], 'looking for beginning of object key string');
    const key = this.parseString();
    const colon = this.skipSpace();
    if (colon !== ':') this.failAt(colon, 'after object key');
    this.pos++;
    return key;
  }

  private parseScalar(): unknown {
    const c = this.text[this.pos];
    switch (c) {
      case undefined:
        return this.failAt(undefined, '');
      case '"':
        return this.parseString();
      case 't':
        this.parseLiteral('true');
        return true;
      case 'f':
        this.parseLiteral('false');
        return false;
      case 'n':
        this.parseLiteral('null');
        return null;
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.parseNumber();
    }
    return this.fail(this.pos, 'looking for beginning of value');
  }

  private parseLiteral(word: string): void {
    for (let i = 1; i < word.length; i++) {
      const at = this.pos + i;
      if (this.text[at] !== word[i]) this.failInside(at, `in literal ${word} (expecting '${word[i]}')`);
    }
    this.pos += word.length;
  }

  private parseNumber(): number {
    const t = this.text;
    const start = this.pos;
    let i = start;
    const isDigit = (at: number): boolean => {
      const d = t.charCodeAt(at);
      return d >= 0x30 && d <= 0x39;
    };
    if (t[i] === '-') {
      i++;
      if (!isDigit(i)) this.failInside(i, 'in numeric literal');
    }
    if (t[i] === '0') i++;
    else while (isDigit(i)) i++;
    if (t[i] === '.') {
      i++;
      if (!isDigit(i)) this.failInside(i, 'after decimal point in numeric literal');
      while (isDigit(i)) i++;
    }
    if (t[i] === 'e' || t[i] === 'E') {
      i++;
      if (t[i] === '+' || t[i] === '-') i++;
      if (!isDigit(i)) this.failInside(i, 'in exponent of numeric literal');
      while (isDigit(i)) i++;
    }
    this.pos = i;
    const literal = t.slice(start, i);
    const n = Number(literal);
    if (!Number.isFinite(n) && this.typeError === undefined) {
      this.typeError = `json: cannot unmarshal number ${literal} into Go value of type float64`;
    }
    return n;
  }

  /** A string literal starting at the current `"`; returns its decoded value. */
  private parseString(): string {
    const t = this.text;
    let i = this.pos + 1;
    let out = '';
    let start = i;
    for (;;) {
      if (i >= t.length) this.failAt(undefined, '');
      const c = t.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) this.fail(i, 'in string literal');
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = t.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          i += 2;
        } else {
          // A lone surrogate stands for bytes that are not UTF-8; Go decodes them as U+FFFD.
          out += t.slice(start, i) + '\ufffd';
          start = ++i;
        }
        continue;
      }
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += t.slice(start, i);
      const e = t[i + 1];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          i += 2;
          break;
        case 'b':
          out += '\b';
          i += 2;
          break;
        case 'f':
          out += '\f';
          i += 2;
          break;
        case 'n':
          out += '\n';
          i += 2;
          break;
        case 'r':
          out += '\r';
          i += 2;
          break;
        case 't':
          out += '\t';
          i += 2;
          break;
        case 'u': {
          let unit = this.hex4(i + 2);
          i += 6;
          if (unit >= 0xd800 && unit <= 0xdfff) {
            // Go pairs a high surrogate with an immediately following \u low surrogate; anything else
            // becomes U+FFFD and the following escape is decoded on its own.
            let low = -1;
            if (unit <= 0xdbff && t[i] === '\\' && t[i + 1] === 'u') low = this.hex4(i + 2);
            if (low >= 0xdc00 && low <= 0xdfff) {
              out += String.fromCharCode(unit, low);
              i += 6;
              break;
            }
            unit = 0xfffd;
          }
          out += String.fromCharCode(unit);
          break;
        }
        default:
          this.failInside(i + 1, 'in string escape code');
      }
      start = i;
    }
    this.pos = i + 1;
    return out + t.slice(start, i);
  }

  /** Four hex digits at `at` (validated with Go's messages). */
  private hex4(at: number): number {
    for (let k = 0; k < 4; k++) {
      const d = this.text[at + k];
      if (d === undefined || !/[0-9a-fA-F]/.test(d)) this.failInside(at + k, 'in \\u hexadecimal character escape');
    }
    return parseInt(this.text.slice(at, at + 4), 16);
  }

  /**
   * An error in the middle of a token. Go's scanner handles the end of the text by feeding it one
   * space, so a token cut short reports `invalid character ' ' …` rather than an unexpected end.
   */
  private failInside(at: number, context: string): never {
    if (at >= this.text.length) throw new GoJsonSyntaxError(`invalid character ' ' ${context}`);
    return this.fail(at, context);
  }

  /** An error between tokens: the end of the text there is an unexpected end. */
  private failAt(c: string | undefined, context: string): never {
    if (c === undefined) throw new GoJsonSyntaxError('unexpected end of JSON input');
    return this.fail(this.pos, context);
  }

  private fail(at: number, context: string): never {
    throw new GoJsonSyntaxError(`invalid character ${quoteChar(this.text, at)} ${context}`);
  }
}

/**
 * Go's scanner names the offending *byte*: a non-ASCII character shows as its first UTF-8 byte read
 * as a Latin-1 rune (`é` → `'Ã'`). Single and double quotes are special-cased; everything else is
 * strconv.Quote with single quotes outside.
 */
function quoteChar(text: string, at: number): string {
  const cp = text.codePointAt(at) ?? 0x20;
  let byte: number;
  if (cp < 0x80) byte = cp;
  else if (cp < 0x800) byte = 0xc0 | (cp >> 6);
  else if (cp >= 0xd800 && cp <= 0xdfff)
    byte = 0xef; // lone surrogate: U+FFFD once UTF-8 encoded
  else if (cp < 0x10000) byte = 0xe0 | (cp >> 12);
  else byte = 0xf0 | (cp >> 18);
  if (byte === 0x27) return `'\\''`;
  if (byte === 0x22) return `'"'`;
  const quoted = goStrconvQuote(String.fromCharCode(byte));
  return `'${quoted.slice(1, -1)}'`;
}

// ---------------------------------------------------------------------------------------------
// strconv.Quote (also what fmt's %q prints)

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const SHORT_ESCAPES: Record<number, string> = {
  7: '\\a',
  8: '\\b',
  12: '\\f',
  10: '\\n',
  13: '\\r',
  9: '\\t',
  11: '\\v',
};

/** Go's `strconv.Quote`: a double-quoted Go string literal, non-printable characters escaped. */
export function goStrconvQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    const ch = String.fromCodePoint(cp);
    if (cp === 0x22 || cp === 0x5c) out += '\\' + ch;
    else if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate stands for invalid UTF-8 (its WTF-8 bytes); Go escapes each such byte.
      for (const b of [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]) {
        out += `\\x${b.toString(16).padStart(2, '0')}`;
      }
    } else if (PRINTABLE.test(ch)) out += ch;
    else if (SHORT_ESCAPES[cp] !== undefined) out += SHORT_ESCAPES[cp];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}
