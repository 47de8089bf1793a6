// Logs for people by default (`==> what happens`), JSON lines (pino) with --log-format json.
// Messages interpolate names that others chose (droplet and app file names, buildpack keys, stack
// names from metadata, error texts): URL userinfo is redacted in both formats, and in text the
// control characters are escaped so that no value can move the cursor, retitle or clear the
// terminal, or start a forged line (pino's JSON escapes them itself).
import pino from 'pino';
import { escapeControl, redactUrlsIn } from '@cf-lifecycle/contract';

const forText = (message: string): string => escapeControl(redactUrlsIn(message));

export type LogFormat = 'text' | 'json';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A long operation's progress: one updating line on a terminal, a line per phase otherwise. */
  progress(phase: string, message: string, percent?: number): void;
  /** Ends an open progress line. */
  done(): void;
}

export function createLogger(format: LogFormat, stream: NodeJS.WriteStream = process.stderr, fd = 2): Logger {
  if (format === 'json') {
    const log = pino(
      { base: null, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
      pino.destination({ fd, sync: true }),
    );
    return {
      info: (msg, fields) => log.info(fields ?? {}, redactUrlsIn(msg)),
      warn: (msg, fields) => log.warn(fields ?? {}, redactUrlsIn(msg)),
      error: (msg, fields) => log.error(fields ?? {}, redactUrlsIn(msg)),
      progress: (phase, msg, percent) => log.info({ phase, ...(percent !== undefined ? { percent } : {}) }, redactUrlsIn(msg)),
      done: () => {},
    };
  }
  const tty = stream.isTTY === true;
  let open = false;
  let lastPhase = '';
  const end = () => {
    if (open) stream.write('\n');
    open = false;
  };
  const line = (prefix: string, msg: string) => {
    end();
    stream.write(`${prefix}${forText(msg)}\n`);
  };
  return {
    info: (msg) => line('==> ', msg),
    warn: (msg) => line('warning: ', msg),
    error: (msg) => line('droplet: ', msg),
    progress: (phase, msg, percent) => {
      const text = `    ${forText(phase)}${percent !== undefined ? ` ${String(Math.round(percent)).padStart(3)}%` : ''}: ${forText(msg)}`;
      if (tty) {
        stream.write(`\r\x1b[K${text.slice(0, (stream.columns || 100) - 1)}`);
        open = true;
      } else if (phase !== lastPhase) {
        stream.write(`${text}\n`);
      }
      lastPhase = phase;
    },
    done: end,
  };
}
