// Text that came from staging code (detect output, buildpack names, metadata) printed for people:
// a hostile buildpack must not be able to retitle or clear the terminal, move the cursor or forge
// lines. Every C0 control but tab, DEL, every C1 control, and the Unicode bidirectional overrides
// are shown escaped (`\x1b`, `\n`, `\u202e`).

// C0 controls except tab, DEL, C1 controls, bidi embeddings/overrides/isolates, line/paragraph separators.
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(ch: string): string {
  const code = ch.charCodeAt(0);
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    default:
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  }
}

/** One value for a terminal: control characters escaped, newlines included. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** Several lines for a terminal: each line escaped, the line breaks kept. */
export function escapeControlLines(text: string): string {
  return text
    .split('\n')
    .map((line) => escapeControl(line))
    .join('\n');
}

/** Whether the text holds a character `escapeControl` would escape. */
export function hasControl(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}
