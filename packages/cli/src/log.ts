// Logs for people by default (`==> what happens`), JSON lines (pino) with --log-format json.
import pino from 'pino';

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
    const log = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, pino.destination({ fd, sync: true }));
    return {
      info: (msg, fields) => log.info(fields ?? {}, msg),
      warn: (msg, fields) => log.warn(fields ?? {}, msg),
      error: (msg, fields) => log.error(fields ?? {}, msg),
      progress: (phase, msg, percent) => log.info({ phase, ...(percent !== undefined ? { percent } : {}) }, msg),
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
    stream.write(`${prefix}${msg}\n`);
  };
  return {
    info: (msg) => line('==> ', msg),
    warn: (msg) => line('warning: ', msg),
    error: (msg) => line('droplet: ', msg),
    progress: (phase, msg, percent) => {
      const text = `    ${phase}${percent !== undefined ? ` ${String(Math.round(percent)).padStart(3)}%` : ''}: ${msg}`;
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
