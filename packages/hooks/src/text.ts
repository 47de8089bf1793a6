// Text that comes from hooks is untrusted: bounded in length, and one line where it is shown or
// becomes a failure message (the builder ends with exactly one line on stderr).

const MAX_TEXT = 4096;

export function short(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** Line breaks and other control characters become single spaces. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
