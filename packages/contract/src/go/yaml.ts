// YAML input read the way gopkg.in/yaml.v2 (v2.4.0, on libyaml) reads it — CONTRACT §1.3.
//
// The `yaml` package does the lexing and composing; everything yaml.v2 makes observable is done here:
// libyaml's anchor-name rule and error wording, YAML 1.1 scalar resolution, and the decoder's rules for
// decoding a node into a Go string, int, slice, map, struct or interface{} — including that type errors
// are collected while decoding continues, and that a few errors abort decoding at once.
import { Composer, Parser, isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { CST, Document, YAMLParseError } from 'yaml';

/** A YAML syntax or decode error; the message is yaml.v2's, e.g. `yaml: line 1: did not find expected node content`. */
export class YamlError extends Error {
  override name = 'YamlError';
}

/** A value decoded into Go's `interface{}`, with nested mappings keyed by their keys' text (quirk Q6 fixed). */
/** Integers outside JavaScript's safe range stay exact as bigint (yaml.v2 decodes them as int64/uint64). */
export type YamlValue = string | number | bigint | boolean | null | YamlValue[] | Map<string, YamlValue>;

/** A node as yaml.v2's decoder sees it. */
export interface YamlNode {
  readonly kind: 'scalar' | 'mapping' | 'sequence' | 'alias';
  /** Explicit tag in long form (`tag:yaml.org,2002:str`, `!ruby/object:Pathname`, `!`); '' when untagged. */
  readonly tag: string;
  /** Scalar text after unquoting/folding; the anchor name for an alias; '' for collections. */
  readonly value: string;
  /** libyaml's "plain implicit": an untagged plain scalar (or the `!` tag). */
  readonly implicit: boolean;
  /** 1-based line, as yaml.v2 prints it in type errors. */
  readonly line: number;
  /** Mapping: key, value, key, value…; sequence: the items. */
  readonly children: readonly YamlNode[];
  /** The anchored node an alias refers to. */
  readonly alias?: YamlNode;
}

export interface ParsedYaml {
  readonly doc: Document.Parsed;
  readonly root: YamlNode;
}

const COMPOSE_OPTIONS = {
  // Every scalar stays a string; resolution follows yaml.v2 below, not the package's schema.
  schema: 'failsafe',
  resolveKnownTags: false,
  // yaml.v2: duplicate keys are fine, the last one wins.
  uniqueKeys: false,
  // libyaml accepts e.g. `a: "b"#c`; only the package's strict mode rejects it.
  strict: false,
  prettyErrors: false,
} as const;

/** Parses the first document of `text` (yaml.v2 never looks further); undefined when there is none. */
export function parseYamlDocument(text: string): Document.Parsed | undefined {
  return parseYaml(text)?.doc;
}

/** Parses the first document into yaml.v2's node view; undefined for an empty stream. Throws YamlError. */
export function parseYaml(text: string): ParsedYaml | undefined {
  try {
    return parseFirstDocument(text);
  } catch (error) {
    if (error instanceof YamlError) throw error;
    throw new YamlError(`yaml: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface Problem {
  readonly offset: number;
  readonly message: string;
}

function parseFirstDocument(text: string): ParsedYaml | undefined {
  const lines = new LineIndex(text);
  const tokens = [...new Parser().parse(text)];
  const composer = new Composer(COMPOSE_OPTIONS);
  const doc = composer.compose(tokens).next().value ?? undefined;
  const docIndex = tokens.findIndex((token) => token.type === 'document');
  const problems: Problem[] = [];

  // libyaml's reader decodes 512-byte chunks ahead of the scanner, so a bad character is reported as soon
  // as its chunk is read; the reader error carries no line.
  const control = findControlCharacter(text);
  const chunk = control === undefined ? undefined : control - (control % 512);
  if (chunk !== undefined && chunk <= (doc ? doc.range[2] : text.length)) {
    problems.push({ offset: chunk, message: 'yaml: control characters are not allowed' });
  }

  for (const token of docIndex < 0 ? tokens : tokens.slice(0, docIndex)) {
    if (token.type !== 'directive') continue;
    const version = /^%YAML[ \t]+(\d+)\.(\d+)/.exec(token.source);
    if (version && (version[1] !== '1' || version[2] !== '1')) {
      problems.push({ offset: token.offset, message: lines.parserError(token.offset, 'found incompatible YAML document') });
    }
  }

  if (!doc) {
    // Directives with no document after them.
    if (tokens.some((token) => token.type === 'directive')) {
      problems.push({ offset: text.length, message: lines.parserErrorAtEnd('did not find expected <document start>') });
    }
    const streamError = composer.streamInfo().errors[0];
    if (streamError) problems.push(toProblem(streamError, lines, []));
    throwFirst(problems);
    return undefined;
  }

  const docToken = docIndex < 0 ? undefined : tokens[docIndex];
  const flowCollections: CST.FlowCollection[] = [];
  if (docToken) walkCst(docToken, lines, problems, flowCollections);
  for (const error of doc.errors) problems.push(toProblem(error, lines, flowCollections));

  const root = new NodeConverter(lines, problems).convert(doc.contents, 0);
  throwFirst(problems);
  return { doc, root };
}

/** libyaml stops at the first problem in the stream. */
function throwFirst(problems: readonly Problem[]): void {
  let first: Problem | undefined;
  for (const problem of problems) if (!first || problem.offset < first.offset) first = problem;
  if (first) throw new YamlError(first.message);
}

/** libyaml's reader accepts only printable characters (tab, line breaks, NEL and most of Unicode). */
function findControlCharacter(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0x7e) || c === 0x85) continue;
    if ((c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd)) continue;
    if (c >= 0xd800 && c <= 0xdbff) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return undefined;
}

/** Line arithmetic with libyaml's conventions (0-based marks; stream end forces a new line). */
class LineIndex {
  private readonly text: string;
  private readonly starts: number[] = [0];

  constructor(text: string) {
    this.text = text;
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }

  /** 0-based line of an offset. */
  line0(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  get length(): number {
    return this.text.length;
  }

  /** 0-based line of libyaml's STREAM-END mark (a final line without a line break counts as ended). */
  streamEndLine0(): number {
    const breaks = this.starts.length - 1;
    return this.text.length > 0 && !this.text.endsWith('\n') ? breaks + 1 : breaks;
  }

  /** yaml.v2 adds 1 to scanner error lines, prints none for line 0. */
  scannerError(offset: number, problem: string): string {
    return scannerMessage(this.line0(offset), problem);
  }

  scannerErrorAtEnd(problem: string): string {
    return scannerMessage(this.streamEndLine0(), problem);
  }

  /** yaml.v2 prints parser error lines 0-based (and none for line 0). */
  parserError(offset: number, problem: string): string {
    return parserMessage(this.line0(offset), problem);
  }

  parserErrorAtEnd(problem: string): string {
    return parserMessage(this.streamEndLine0(), problem);
  }

  /** True when only blanks and comments follow `offset`. */
  restIsBlank(offset: number): boolean {
    for (const line of this.text.slice(offset).split('\n')) {
      const content = line.trim();
      if (content !== '' && !content.startsWith('#')) return false;
    }
    return true;
  }

  /** Start of the first token on a later line than `offset` (blank and comment lines skipped); undefined at the end. */
  nextLineToken(offset: number): number | undefined {
    let lineEnd = this.text.indexOf('\n', offset);
    while (lineEnd >= 0) {
      const start = lineEnd + 1;
      const next = this.text.indexOf('\n', start);
      const line = this.text.slice(start, next < 0 ? undefined : next).replace(/\r$/, '');
      const indent = /^[ \t]*/.exec(line)?.[0].length ?? 0;
      if (indent < line.length && line[indent] !== '#') return start + indent;
      lineEnd = next;
    }
    return undefined;
  }

  /** The first `:` indicator (followed by a blank) at or after `offset`. */
  nextValueIndicator(offset: number): number {
    const match = /:(?=[ \t\r\n]|$)/.exec(this.text.slice(offset));
    return match ? offset + match.index : offset;
  }
}

function scannerMessage(line0: number, problem: string): string {
  return line0 !== 0 ? `yaml: line ${line0 + 1}: ${problem}` : `yaml: ${problem}`;
}

function parserMessage(line0: number, problem: string): string {
  return line0 !== 0 ? `yaml: line ${line0}: ${problem}` : `yaml: ${problem}`;
}

const ANCHOR_CHAR = /[0-9A-Za-z_-]/;
const AFTER_ANCHOR = /[ \t\r\n?:,\]}%@`]/;

/** Checks anchor and alias names (libyaml: letters, digits, `-`, `_`) and gathers the flow collections. */
function walkCst(token: CST.Token, lines: LineIndex, problems: Problem[], flows: CST.FlowCollection[]): void {
  const stack: unknown[] = [token];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const item = stack.pop();
    if (!item || typeof item !== 'object' || seen.has(item)) continue;
    seen.add(item);
    if (Array.isArray(item)) {
      stack.push(...(item as unknown[]));
      continue;
    }
    const record = item as Record<string, unknown>;
    if (record['type'] === 'flow-collection') flows.push(item as CST.FlowCollection);
    const { type, source, offset } = record;
    if ((type === 'anchor' || type === 'alias') && typeof source === 'string' && typeof offset === 'number') {
      const name = source.slice(1);
      let length = 0;
      while (length < name.length && ANCHOR_CHAR.test(name[length] ?? '')) length++;
      const next = name[length];
      if (length === 0 || (next !== undefined && !AFTER_ANCHOR.test(next))) {
        const at = offset + 1 + length;
        problems.push({ offset: at, message: lines.scannerError(at, 'did not find expected alphabetic or numeric character') });
      }
    }
    for (const value of Object.values(record)) if (value && typeof value === 'object') stack.push(value);
  }
}

/** Maps a `yaml` package error to libyaml's wording and line convention where the case is known. */
function toProblem(error: YAMLParseError, lines: LineIndex, flows: readonly CST.FlowCollection[]): Problem {
  const offset = error.pos[0];
  const text = error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
  const problem = (message: string): Problem => ({ offset, message });

  if (/^Flow (sequence|map)\b.*must .*end with/.test(text)) {
    const expected = unterminatedFlowProblem(flows, offset);
    return problem(lines.restIsBlank(offset) ? lines.parserErrorAtEnd(expected) : lines.parserError(offset, expected));
  }
  if (/^Missing closing .?quote/.test(text)) return problem(lines.scannerError(lines.length, 'found unexpected end of stream'));
  if (/^Implicit map keys need to be followed by map values/.test(text)) {
    const next = lines.nextLineToken(offset);
    const message = "could not find expected ':'";
    return problem(next === undefined ? lines.scannerErrorAtEnd(message) : lines.scannerError(next, message));
  }
  if (/^All (mapping|collection|sequence) items must start at the same column/.test(text)) {
    return problem(lines.parserError(offset, 'did not find expected key'));
  }
  if (/^Unexpected block-seq-ind on same line with key/.test(text)) {
    return problem(lines.scannerError(offset, 'block sequence entries are not allowed in this context'));
  }
  switch (error.code) {
    case 'TAB_AS_INDENT':
    case 'BAD_SCALAR_START':
      return problem(lines.scannerError(offset, 'found character that cannot start any token'));
    case 'BLOCK_AS_IMPLICIT_KEY':
      return problem(lines.scannerError(lines.nextValueIndicator(offset), 'mapping values are not allowed in this context'));
    case 'BAD_DQ_ESCAPE':
      return problem(lines.scannerError(offset, 'found unknown escape character'));
    default:
      return problem(`yaml: line ${lines.line0(offset) + 1}: ${lowerFirst(text)}`);
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** libyaml: nothing after `[`, `{`, `,` or `:` is "node content"; after an item it wants `,` or the closer. */
function unterminatedFlowProblem(flows: readonly CST.FlowCollection[], offset: number): string {
  let innermost: CST.FlowCollection | undefined;
  for (const flow of flows) {
    const close = flow.start.source === '{' ? '}' : ']';
    if (flow.end[0]?.source === close || flow.offset > offset) continue;
    if (!innermost || flow.offset > innermost.offset) innermost = flow;
  }
  if (!innermost) return 'did not find expected node content';
  const close = innermost.start.source === '{' ? '}' : ']';
  const last = innermost.items[innermost.items.length - 1];
  if (!last) return 'did not find expected node content';
  const valueIndicator = (last.sep ?? []).some((token) => token.type === 'map-value-ind');
  if ((valueIndicator && !last.value) || (!last.key && !last.value && !valueIndicator)) {
    return 'did not find expected node content';
  }
  return `did not find expected ',' or '${close}'`;
}

/** Builds yaml.v2's node view; an alias resolves to the latest anchor defined before it (libyaml). */
class NodeConverter {
  private readonly anchors = new Map<string, YamlNode>();
  private readonly lines: LineIndex;
  private readonly problems: Problem[];

  constructor(lines: LineIndex, problems: Problem[]) {
    this.lines = lines;
    this.problems = problems;
  }

  convert(node: unknown, fallbackOffset: number): YamlNode {
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? fallbackOffset;
      const target = this.anchors.get(node.source);
      // The parser sees the alias only after the scanner has read all of it.
      const seen = node.range?.[1] ?? offset;
      if (!target) this.problems.push({ offset: seen, message: `yaml: unknown anchor '${node.source}' referenced` });
      return { ...this.base('alias', '', node.source, false, offset), alias: target ?? this.nullNode(offset) };
    }
    if (isScalar(node)) {
      const tag = node.tag ?? '';
      const value = typeof node.source === 'string' ? node.source : String(node.value ?? '');
      const implicit = (tag === '' && (node.type ?? 'PLAIN') === 'PLAIN') || tag === '!';
      const result = this.base('scalar', tag, value, implicit, node.range?.[0] ?? fallbackOffset);
      if (node.anchor) this.anchors.set(node.anchor, result);
      return result;
    }
    if (isMap(node) || isSeq(node)) {
      const offset = node.range?.[0] ?? fallbackOffset;
      const result = this.base(isMap(node) ? 'mapping' : 'sequence', node.tag ?? '', '', false, offset);
      // Registered before the children, as libyaml does: `&a [*a]` refers to itself.
      if (node.anchor) this.anchors.set(node.anchor, result);
      const children = result.children as YamlNode[];
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = this.convert(pair.key, offset);
          const keyEnd = (pair.key as { range?: [number, number, number] } | null)?.range?.[1] ?? offset;
          children.push(key, this.convert(pair.value, keyEnd));
        }
      } else {
        for (const item of node.items) children.push(this.convert(item, offset));
      }
      return result;
    }
    return this.nullNode(fallbackOffset);
  }

  private nullNode(offset: number): YamlNode {
    return this.base('scalar', '', '', true, offset);
  }

  private base(kind: YamlNode['kind'], tag: string, value: string, implicit: boolean, offset: number): YamlNode {
    return { kind, tag, value, implicit, line: this.lines.line0(offset) + 1, children: [] };
  }
}

// ---------------------------------------------------------------------------------------------------
// Scalar resolution (yaml.v2 resolve.go, YAML 1.1 rules)

const LONG_TAG_PREFIX = 'tag:yaml.org,2002:';
const STR_TAG = `${LONG_TAG_PREFIX}str`;
const BOOL_TAG = `${LONG_TAG_PREFIX}bool`;
const INT_TAG = `${LONG_TAG_PREFIX}int`;
const FLOAT_TAG = `${LONG_TAG_PREFIX}float`;
const NULL_TAG = `${LONG_TAG_PREFIX}null`;
const TIMESTAMP_TAG = `${LONG_TAG_PREFIX}timestamp`;
const BINARY_TAG = `${LONG_TAG_PREFIX}binary`;
const MERGE_TAG = `${LONG_TAG_PREFIX}merge`;
const SEQ_TAG = `${LONG_TAG_PREFIX}seq`;
const MAP_TAG = `${LONG_TAG_PREFIX}map`;

const RESOLVABLE_TAGS = new Set(['', STR_TAG, BOOL_TAG, INT_TAG, FLOAT_TAG, NULL_TAG, TIMESTAMP_TAG]);

/** `tag:yaml.org,2002:x` → `!!x`, as yaml.v2 prints tags. */
export function shortTag(tag: string): string {
  return tag.startsWith(LONG_TAG_PREFIX) ? `!!${tag.slice(LONG_TAG_PREFIX.length)}` : tag;
}

/** A resolved scalar: ints are bigints (int64 or uint64 range), floats numbers, timestamps their text. */
interface Resolved {
  readonly tag: string;
  readonly value: null | boolean | bigint | number | string;
}

const RESOLVE_MAP = new Map<string, Resolved>();
for (const [value, tag, words] of [
  [true, BOOL_TAG, ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']],
  [false, BOOL_TAG, ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']],
  [null, NULL_TAG, ['', '~', 'null', 'Null', 'NULL']],
  [Number.NaN, FLOAT_TAG, ['.nan', '.NaN', '.NAN']],
  [Number.POSITIVE_INFINITY, FLOAT_TAG, ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']],
  [Number.NEGATIVE_INFINITY, FLOAT_TAG, ['-.inf', '-.Inf', '-.INF']],
  ['<<', MERGE_TAG, ['<<']],
] as const) {
  for (const word of words) RESOLVE_MAP.set(word, { tag, value });
}

/** The first character decides what a plain scalar may be (yaml.v2's resolveTable). */
function hint(text: string): string | undefined {
  if (text === '') return 'N';
  const c = text[0] ?? '';
  if (c === '+' || c === '-') return 'S';
  if (c >= '0' && c <= '9') return 'D';
  if ('yYnNtTfFoO~'.includes(c)) return 'M';
  if (c === '.') return '.';
  return undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const GO_INT_DIGITS = /^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** Go's strconv.ParseUint(s, 0, 64) on unsigned digits (base prefixes, leading-0 octal). */
function goParseDigits(digits: string): bigint | undefined {
  if (!GO_INT_DIGITS.test(digits)) return undefined;
  if (/^0[xXoObB]/.test(digits)) return BigInt(`0${digits.slice(1).toLowerCase()}`);
  if (digits.length > 1 && digits[0] === '0') return BigInt(`0o${digits.slice(1)}`);
  return BigInt(digits);
}

/** strconv.ParseInt(s, 0, 64). */
function goParseInt(text: string): bigint | undefined {
  const sign = text[0] === '-' || text[0] === '+' ? text[0] : '';
  const magnitude = goParseDigits(text.slice(sign.length));
  if (magnitude === undefined) return undefined;
  const value = sign === '-' ? -magnitude : magnitude;
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}

/** strconv.ParseUint(s, 0, 64): no sign allowed. */
function goParseUint(text: string): bigint | undefined {
  const value = goParseDigits(text);
  return value !== undefined && value <= UINT64_MAX ? value : undefined;
}

/** strconv.ParseFloat for the decimal forms yaml.v2 lets through; out of range is an error. */
function goParseFloat(text: string): number | undefined {
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

const TIMESTAMP_FORMATS = [
  /^(\d{4})-(\d{1,2})-(\d{1,2})[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/,
  /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?$/,
  /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
];

/** yaml.v2 parseTimestamp: the layouts it tries with Go's time.Parse, including range checks. */
function isTimestamp(text: string): boolean {
  if (!/^\d{4}-/.test(text)) return false;
  for (const format of TIMESTAMP_FORMATS) {
    const match = format.exec(text);
    if (!match) continue;
    const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1).map((part) => Number(part ?? 0));
    if (month === undefined || day === undefined || year === undefined) continue;
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth) continue;
    if (hour > 23 || minute > 59 || second > 59) continue;
    return true;
  }
  return false;
}

function resolvePlain(tag: string, text: string): Resolved {
  const h = hint(text);
  if (h !== undefined && tag !== STR_TAG && tag !== BINARY_TAG) {
    const known = RESOLVE_MAP.get(text);
    if (known) return known;
    if (h === '.') {
      // Go's ParseFloat takes no `_` without a base prefix.
      if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)) {
        const value = goParseFloat(text);
        if (value !== undefined) return { tag: FLOAT_TAG, value };
      }
    } else if (h === 'D' || h === 'S') {
      if ((tag === '' || tag === TIMESTAMP_TAG) && isTimestamp(text)) return { tag: TIMESTAMP_TAG, value: text };
      const plain = text.replaceAll('_', '');
      const int = goParseInt(plain) ?? goParseUint(plain);
      if (int !== undefined) return { tag: INT_TAG, value: int };
      if (YAML_STYLE_FLOAT.test(plain)) {
        const value = goParseFloat(plain);
        if (value !== undefined) return { tag: FLOAT_TAG, value };
      }
    }
  }
  return { tag: STR_TAG, value: text };
}

/** yaml.v2 resolve(): an explicit standard tag must match what the text resolves to. */
function resolve(tag: string, text: string): Resolved {
  if (!RESOLVABLE_TAGS.has(tag)) return { tag, value: text };
  const resolved = resolvePlain(tag, text);
  if (tag === '' || tag === resolved.tag || tag === STR_TAG) return resolved;
  if (tag === FLOAT_TAG && typeof resolved.value === 'bigint' && resolved.value <= INT64_MAX) {
    return { tag: FLOAT_TAG, value: Number(resolved.value) };
  }
  throw new YamlError(`yaml: cannot decode ${shortTag(resolved.tag)} \`${text}\` as a ${shortTag(tag)}`);
}

/** Go's base64.StdEncoding.DecodeString (line breaks ignored), then the bytes as text. */
function decodeBinary(text: string): string {
  const data = text.replace(/[\r\n]/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(data)) {
    throw new YamlError('yaml: !!binary value contains invalid base64 data');
  }
  return new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
}

function isMerge(node: YamlNode): boolean {
  return node.kind === 'scalar' && node.value === '<<' && (node.implicit || node.tag === MERGE_TAG);
}

/** yaml.v2 prepare(): nodes that leave a pointer nil. */
function isPrepareNull(node: YamlNode): boolean {
  if (node.tag === NULL_TAG) return true;
  return node.kind === 'scalar' && node.tag === '' && (node.value === 'null' || node.value === '~' || (node.value === '' && node.implicit));
}

/** Go's `value[:7]` on the UTF-8 bytes. */
function truncateForError(value: string): string {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length <= 10) return value;
  return `${new TextDecoder().decode(bytes.slice(0, 7))}...`;
}

function allowedAliasRatio(decodeCount: number): number {
  const low = 400_000;
  const high = 4_000_000;
  if (decodeCount <= low) return 0.99;
  if (decodeCount >= high) return 0.1;
  return 0.99 - 0.89 * ((decodeCount - low) / (high - low));
}

/** `%#v` of a decoded value, for yaml.v2's "invalid map key" message. */
function goSyntax(value: YamlValue): string {
  if (value === null) return 'interface {}(nil)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(', ')}}`;
  const entries = [...value].map(([key, item]) => `${JSON.stringify(key)}:${goSyntax(item)}`);
  return `map[interface {}]interface {}{${entries.join(', ')}}`;
}

/** What decoding a mapping onto a Go struct did. */
export type StructResult = 'mapping' | 'null' | 'error';

/** Field handlers of a Go struct, by YAML key. */
export type StructFields = Readonly<Record<string, (value: YamlNode) => void>>;

/**
 * yaml.v2's decoder. Type errors ("cannot unmarshal …") are collected and decoding continues;
 * `finish()` throws them as one error. Fatal problems throw a YamlError at once.
 */
export class YamlDecoder {
  readonly typeErrors: string[] = [];
  private decodeCount = 0;
  private aliasCount = 0;
  private aliasDepth = 0;
  private readonly activeAliases = new Set<YamlNode>();

  /** Throws the collected type errors the way yaml.v2's Unmarshal returns them. */
  finish(): void {
    if (this.typeErrors.length > 0) {
      throw new YamlError(`yaml: unmarshal errors:\n  ${this.typeErrors.join('\n  ')}`);
    }
  }

  /** Decodes into a Go string: any scalar keeps its text, null is ''. Undefined on a type error. */
  string(node: YamlNode, goType = 'string'): string | undefined {
    return this.visit(node, (n) => {
      if (n.kind !== 'scalar') return this.collectionError(n, goType);
      const resolved = this.resolveNode(n);
      if (resolved.value === null) return '';
      if (resolved.tag === BINARY_TAG) return resolved.value as string;
      return n.value;
    });
  }

  /** Decodes into a Go int (64-bit); floats are truncated as Go converts them. */
  int(node: YamlNode, goType = 'int'): number | undefined {
    return this.visit(node, (n) => {
      if (n.kind !== 'scalar') return this.collectionError(n, goType);
      const resolved = this.resolveNode(n);
      const value = resolved.value;
      if (value === null) return 0;
      if (typeof value === 'bigint' && resolved.tag === INT_TAG && value <= INT64_MAX) return Number(value);
      if (typeof value === 'number' && resolved.tag === FLOAT_TAG && value <= 2 ** 63) {
        // int64(f) on amd64: out-of-range conversions give the minimum int64.
        return value >= -(2 ** 63) && value < 2 ** 63 ? Math.trunc(value) || 0 : -(2 ** 63);
      }
      this.typeError(n, resolved.tag, goType);
      return undefined;
    });
  }

  /** Decodes into Go's interface{}: YAML 1.1 types, timestamps as text, mappings as Maps. */
  any(node: YamlNode): YamlValue {
    return this.visit(node, (n): YamlValue => {
      if (n.kind === 'sequence') return n.children.map((child) => this.any(child));
      if (n.kind === 'mapping') {
        const map = new Map<string, YamlValue>();
        this.eachPair(n, (key, value) => {
          const text = this.anyKey(key);
          map.set(text, this.any(value));
        });
        return map;
      }
      const resolved = this.resolveNode(n);
      if (resolved.tag === TIMESTAMP_TAG) return n.value;
      if (typeof resolved.value === 'bigint') {
        const v = resolved.value;
        const exact = v >= -(2n ** 63n) && v < 2n ** 64n && (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER));
        return exact ? v : Number(v);
      }
      return resolved.value;
    });
  }

  /** Decodes into []T; elements that fail to decode are dropped. Null → null; undefined on a type error. */
  slice<T>(node: YamlNode, goType: string, element: (child: YamlNode) => T | undefined): T[] | null | undefined {
    return this.visit(node, (n) => {
      if (n.kind === 'mapping') return this.collectionError(n, goType);
      if (n.kind === 'scalar') return this.nullOrTypeError(n, goType);
      const items: T[] = [];
      for (const child of n.children) {
        const item = element(child);
        if (item !== undefined) items.push(item);
      }
      return items;
    });
  }

  stringSlice(node: YamlNode, goType = '[]string'): string[] | null | undefined {
    return this.slice(node, goType, (child) => this.string(child));
  }

  /**
   * Decodes into map[string]string, adding to `into` when given (yaml.v2 fills an existing map).
   * Entries whose key or value fails are skipped. Null → null; undefined on a type error.
   */
  stringMap(node: YamlNode, goType: string, into?: Map<string, string>): Map<string, string> | null | undefined {
    return this.keyedMap(node, goType, into, (value) => this.string(value));
  }

  /** Decodes into map[string]interface{}. */
  anyMap(node: YamlNode, goType: string, into?: Map<string, YamlValue>): Map<string, YamlValue> | null | undefined {
    return this.keyedMap(node, goType, into, (value) => this.any(value));
  }

  /** Decodes a mapping onto a Go struct: known keys go to their handlers in document order. */
  struct(node: YamlNode, goType: string, fields: StructFields): StructResult {
    return this.visit(node, (n) => this.structBody(n, goType, fields));
  }

  /**
   * Decodes onto a Go *struct field currently holding `current`; returns the field's new value.
   * As in yaml.v2, anything but null allocates the struct — even a value that then fails to decode.
   */
  pointerStruct<T>(node: YamlNode, goType: string, current: T | undefined, create: () => T, fields: (target: T) => StructFields): T | undefined {
    return this.visit(node, (n) => {
      if (isPrepareNull(n)) {
        if (n.kind !== 'scalar') {
          this.typeError(n, n.kind === 'mapping' ? MAP_TAG : SEQ_TAG, `*${goType}`);
          return current;
        }
        this.resolveNode(n);
        return undefined;
      }
      const target = current ?? create();
      return this.structBody(n, goType, fields(target)) === 'null' ? create() : target;
    });
  }

  private structBody(n: YamlNode, goType: string, fields: StructFields): StructResult {
    if (n.kind === 'sequence') {
      this.typeError(n, SEQ_TAG, goType);
      return 'error';
    }
    if (n.kind === 'scalar') return this.nullOrTypeError(n, goType) === null ? 'null' : 'error';
    this.eachPair(n, (key, value) => {
      const name = this.string(key);
      if (name === undefined || !Object.hasOwn(fields, name)) return;
      fields[name]?.(value);
    });
    return 'mapping';
  }

  private keyedMap<V>(
    node: YamlNode,
    goType: string,
    into: Map<string, V> | undefined,
    decodeValue: (value: YamlNode) => V | undefined,
  ): Map<string, V> | null | undefined {
    return this.visit(node, (n) => {
      if (n.kind === 'sequence') return this.collectionError(n, goType);
      if (n.kind === 'scalar') return this.nullOrTypeError(n, goType);
      const map = into ?? new Map<string, V>();
      this.eachPair(n, (key, value) => {
        const text = this.string(key);
        if (text === undefined) return;
        const decoded = decodeValue(value);
        if (decoded !== undefined) map.set(text, decoded);
      });
      return map;
    });
  }

  /** A key of a map[interface{}]interface{}: a collection key is fatal; others use their text. */
  private anyKey(key: YamlNode): string {
    return this.visit(key, (k) => {
      if (k.kind !== 'scalar') throw new YamlError(`yaml: invalid map key: ${goSyntax(this.any(k))}`);
      const resolved = this.resolveNode(k);
      if (resolved.value === null) return '';
      if (resolved.tag === BINARY_TAG) return resolved.value as string;
      return k.value;
    });
  }

  /** Walks a mapping's pairs in order, expanding `<<` merge keys where they stand. */
  private eachPair(mapping: YamlNode, visit: (key: YamlNode, value: YamlNode) => void): void {
    const { children } = mapping;
    for (let i = 0; i + 1 < children.length; i += 2) {
      const key = children[i] as YamlNode;
      const value = children[i + 1] as YamlNode;
      if (isMerge(key)) this.merge(value, (merged) => this.eachPair(merged, visit));
      else visit(key, value);
    }
  }

  private merge(value: YamlNode, visit: (mapping: YamlNode) => void): void {
    const wantMap = () => new YamlError('yaml: map merge requires map or sequence of maps as the value');
    const isMapping = (n: YamlNode) => (n.kind === 'alias' ? n.alias?.kind === 'mapping' : n.kind === 'mapping');
    if (value.kind === 'mapping' || value.kind === 'alias') {
      if (!isMapping(value)) throw wantMap();
      this.visit(value, visit);
      return;
    }
    if (value.kind !== 'sequence') throw wantMap();
    // Earlier mappings take precedence, so they are applied last.
    for (let i = value.children.length - 1; i >= 0; i--) {
      const item = value.children[i] as YamlNode;
      if (!isMapping(item)) throw wantMap();
      this.visit(item, visit);
    }
  }

  /** One decode step: follows aliases, guards against alias cycles and alias bombs. */
  private visit<T>(node: YamlNode, decode: (node: YamlNode) => T): T {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (this.aliasCount > 100 && this.decodeCount > 1000 && this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)) {
      throw new YamlError('yaml: document contains excessive aliasing');
    }
    if (node.kind !== 'alias') return decode(node);
    if (this.activeAliases.has(node)) throw new YamlError(`yaml: anchor '${node.value}' value contains itself`);
    this.activeAliases.add(node);
    this.aliasDepth++;
    try {
      return this.visit(node.alias as YamlNode, decode);
    } finally {
      this.aliasDepth--;
      this.activeAliases.delete(node);
    }
  }

  private resolveNode(n: YamlNode): Resolved {
    // Quoted and block scalars are strings, whatever they look like.
    if (n.tag === '' && !n.implicit) return { tag: STR_TAG, value: n.value };
    const resolved = resolve(n.tag, n.value);
    if (resolved.tag === BINARY_TAG) return { tag: BINARY_TAG, value: decodeBinary(n.value) };
    return resolved;
  }

  /** A scalar where a collection is expected: null leaves the collection nil, anything else is a type error. */
  private nullOrTypeError(n: YamlNode, goType: string): null | undefined {
    const resolved = this.resolveNode(n);
    if (resolved.value === null) return null;
    this.typeError(n, resolved.tag, goType);
    return undefined;
  }

  private collectionError(n: YamlNode, goType: string): undefined {
    this.typeError(n, n.kind === 'mapping' ? MAP_TAG : SEQ_TAG, goType);
    return undefined;
  }

  private typeError(n: YamlNode, tag: string, goType: string): void {
    const shown = n.tag !== '' ? n.tag : tag;
    const value = shown === SEQ_TAG || shown === MAP_TAG ? '' : ` \`${truncateForError(n.value)}\``;
    this.typeErrors.push(`line ${n.line}: cannot unmarshal ${shortTag(shown)}${value} into ${goType}`);
  }
}

/** A node decoded into a Go string (§1.3 string rules); throws YamlError for a sequence or mapping. */
export function scalarAsGoString(node: YamlNode): string {
  const decoder = new YamlDecoder();
  const value = decoder.string(node);
  decoder.finish();
  return value ?? '';
}

/** A node decoded into Go's interface{} with YAML 1.1 typing. */
export function toTypedValue(node: YamlNode): YamlValue {
  return new YamlDecoder().any(node);
}
