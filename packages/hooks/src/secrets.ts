// HTTP hook secrets: read from their files when hooks run (never kept in a HookDefinition), and
// scrubbed from every text a hook run produces, so no log line, error or record can carry one.
import fs from 'node:fs';
import type { HookDefinition } from './model.ts';

export const MIN_SECRET_BYTES = 16;
export const REDACTED = '[REDACTED]';

export class SecretFileError extends Error {}

/** The secret in `file`: its content without trailing line breaks. Errors name the file, never the content. */
export function readSecret(file: string): string {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SecretFileError(`cannot read secret file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const secret = content.replace(/[\r\n]+$/, '');
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new SecretFileError(`secret file ${file} must hold at least ${MIN_SECRET_BYTES} bytes`);
  return secret;
}

/** Replaces every known secret in texts; built from all hooks of a run, so one hook cannot leak another's secret. */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string>) {
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...new Set(secrets)].filter((s) => s !== '').sort((a, b) => b.length - a.length);
  }

  static forHooks(hooks: readonly HookDefinition[]): Redactor {
    const secrets: string[] = [];
    for (const hook of hooks) {
      if (hook.secretFile === undefined) continue;
      try {
        secrets.push(readSecret(hook.secretFile));
      } catch {
        // The hook itself reports the unreadable file when it runs.
      }
    }
    return new Redactor(secrets);
  }

  get longest(): number {
    return this.secrets[0]?.length ?? 0;
  }

  text(s: string): string {
    let out = s;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }
}

/**
 * Passes a stream of text on line by line, each line prefixed and redacted. A line longer than
 * `maxLine` is passed on in pieces, keeping back enough characters that a secret is never split.
 */
export class LineRedactor {
  private pending = '';
  private passed = 0;
  private suppressed = false;

  constructor(
    private readonly redactor: Redactor,
    private readonly prefix: string,
    private readonly write: (s: string) => void,
    private readonly maxBytes: number,
    private readonly maxLine = 8192,
  ) {}

  push(chunk: string): void {
    this.pending += chunk;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) !== -1) {
      this.emit(this.pending.slice(0, nl));
      this.pending = this.pending.slice(nl + 1);
    }
    const keep = Math.max(this.redactor.longest - 1, 0);
    while (this.pending.length > this.maxLine + keep) {
      // Redact first, then cut: a secret straddling the cut was already replaced.
      const head = this.redactor.text(this.pending);
      if (head !== this.pending) {
        this.pending = head;
        continue;
      }
      this.emit(this.pending.slice(0, this.maxLine));
      this.pending = this.pending.slice(this.maxLine);
    }
  }

  end(): void {
    if (this.pending !== '') this.emit(this.pending);
    this.pending = '';
  }

  private emit(line: string): void {
    if (this.suppressed) return;
    const text = `${this.prefix}${this.redactor.text(line)}\n`;
    this.passed += text.length;
    if (this.passed > this.maxBytes) {
      this.suppressed = true;
      this.write(`${this.prefix}(further output suppressed: more than ${this.maxBytes} bytes)\n`);
      return;
    }
    this.write(text);
  }
}
