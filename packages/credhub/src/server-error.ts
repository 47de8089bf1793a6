// The error text for a non-2xx answer (CONTRACT §6 step 4). The reference decodes the body with a Go
// `json.Decoder` into `{Name string "error"; Description string "error_description"}`: only the first
// JSON value counts, member names match case-insensitively, and the text is `<error>: <description>`,
// `<error>`, or empty.
import { GoJsonSyntaxError, goJsonParse, goJsonKind } from '@cf-lifecycle/contract';

const UNDECODABLE = 'The response body could not be decoded: ';

/**
 * `body` is what arrived; `readError` (Go text) is set when the body could not be read to its end. As
 * with Go's decoder, a complete first value wins over a later read error.
 */
export function serverErrorText(body: string, readError?: string): string {
  const first = firstJsonValue(body);
  if (first.kind === 'incomplete') return UNDECODABLE + (readError ?? (first.empty ? 'EOF' : 'unexpected EOF'));
  if (first.kind === 'invalid') return UNDECODABLE + first.message;

  let name = '';
  let description = '';
  const value = first.value;
  if (value === null) return '';
  if (!(value instanceof Map)) return `${UNDECODABLE}json: cannot unmarshal ${goJsonKind(value)} into Go value of type credhub.Error`;
  let typeError: string | undefined;
  for (const [key, member] of value) {
    const field = fieldFor(key);
    if (field === undefined || member === null) continue;
    if (typeof member !== 'string') {
      typeError ??= `json: cannot unmarshal ${goJsonKind(member)} into Go struct field Error.${field} of type string`;
      continue;
    }
    if (field === 'error') name = member;
    else description = member;
  }
  if (typeError !== undefined) return UNDECODABLE + typeError;
  return description === '' ? name : `${name}: ${description}`;
}

// Go's case-insensitive field match, including its two non-ASCII folds (ſ for s, K for k).
function fieldFor(key: string): 'error' | 'error_description' | undefined {
  const folded = key
    .replace(/\u017f/g, 's')
    .replace(/\u212a/g, 'k')
    .replace(/[A-Z]/g, (c) => c.toLowerCase());
  return folded === 'error' || folded === 'error_description' ? folded : undefined;
}

type FirstValue = { kind: 'value'; value: unknown } | { kind: 'incomplete'; empty: boolean } | { kind: 'invalid'; message: string };

function firstJsonValue(body: string): FirstValue {
  if (/^[ \t\r\n]*$/.test(body)) return { kind: 'incomplete', empty: true };
  try {
    return { kind: 'value', value: goJsonParse(body) };
  } catch (err) {
    if (!(err instanceof GoJsonSyntaxError)) return { kind: 'invalid', message: (err as Error).message };
    if (err.message === 'unexpected end of JSON input') return { kind: 'incomplete', empty: false };
    if (!err.message.endsWith(' after top-level value')) return { kind: 'invalid', message: err.message };
  }
  // A decoder stops after the first value; whatever follows it is never looked at.
  try {
    return { kind: 'value', value: goJsonParse(body.slice(0, endOfFirstValue(body))) };
  } catch (err) {
    return { kind: 'invalid', message: (err as Error).message };
  }
}

/** Where the first (syntactically valid) JSON value of `text` ends. */
function endOfFirstValue(text: string): number {
  let i = text.search(/[^ \t\r\n]/);
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth === 0) return i + 1;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    } else if (depth === 0) {
      // A number or literal (true, false, null) at top level runs until the first other character.
      const end = text.slice(i).search(/[a-z]/.test(c) ? /[^a-z]/ : /[^0-9eE.+-]/);
      return end < 0 ? text.length : i + end;
    }
  }
  return text.length;
}
