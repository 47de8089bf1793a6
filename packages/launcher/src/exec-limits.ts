// What execve(2) refuses in its arguments and environment, checked before the launcher and the shell
// replace themselves with bash. Node 24's process.execve cannot report a failure: a NUL byte makes it
// throw an error that quotes the whole environment (secrets included), and a failed system call aborts
// the process with native and JavaScript stack traces. So every refusal the kernel would make is
// predicted here and told in one line that names the argument or variable, never its value.
//
// The kernel's rules (fs/exec.c; byte-exact on current kernels, verified on 6.x): one string
// (argument or `NAME=value`, with its terminating NUL) may take at most 32 pages (MAX_ARG_STRLEN,
// 128 KiB with 4 KiB pages); all strings together, with the file name and one pointer per string, at
// most a quarter of the stack size limit, capped at 6 MiB and never below 32 pages.
import fs from 'node:fs';
import { escapeControl } from '@cf-lifecycle/contract';
import { maxStringBytes } from '@cf-lifecycle/credhub/environment-limits';

/** An argument with what it is, for messages (`the start command`); its value is never printed. */
export interface LabelledArgument {
  value: string;
  label: string;
}

const POINTER_BYTES = 8;
const STACK_LIMIT_CAP = 6 * 1024 * 1024;

/** The soft stack size limit in bytes (Infinity when unlimited), or undefined when it cannot be read. */
function stackLimit(): number | undefined {
  try {
    const limits = fs.readFileSync('/proc/self/limits', 'latin1');
    const soft = /^Max stack size\s+(\S+)/m.exec(limits)?.[1];
    if (soft === 'unlimited') return Infinity;
    if (soft !== undefined && /^\d+$/.test(soft)) return Number(soft);
  } catch {
    // unknown: only the per-string limit is checked
  }
  return undefined;
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** A variable's name for a message: one line, and not endless (names are not secret, but may be long). */
function nameOf(name: string): string {
  const shown = escapeControl(name.length > 64 ? `${name.slice(0, 64)}…` : name);
  return shown === '' ? 'an environment variable without a name' : shown;
}

/** `1234567 bytes` as `1.2 MiB` for the summary of the largest entries. */
function size(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/**
 * Why execve(`file`, `args`, `env`) would be refused for its arguments or environment, as one line
 * without any value, or undefined when the kernel will take them.
 */
export function argumentProblem(file: string, args: readonly LabelledArgument[], env: ReadonlyArray<readonly [string, string]>): string | undefined {
  for (const arg of args) {
    if (arg.value.includes('\0')) return `${arg.label} holds a NUL byte, which no program's argument can carry`;
  }
  for (const [name, value] of env) {
    if (name.includes('\0')) return 'the name of an environment variable holds a NUL byte, which no environment can carry';
    if (value.includes('\0')) return `${nameOf(name)} holds a NUL byte, which no environment variable can carry`;
  }

  const maxString = maxStringBytes();
  for (const arg of args) {
    const n = bytes(arg.value);
    if (n + 1 > maxString) {
      return `argument list too long: ${arg.label} is ${n} bytes; Linux passes at most ${maxString - 1} bytes in one argument`;
    }
  }
  for (const [name, value] of env) {
    const n = bytes(name) + 1 + bytes(value);
    if (n + 1 > maxString) {
      return (
        `argument list too long: the environment variable ${nameOf(name)} is ${n} bytes with its name; ` +
        `Linux passes at most ${maxString - 1} bytes in one variable`
      );
    }
  }

  const stack = stackLimit();
  if (stack === undefined) return undefined;
  const limit = Math.max(Math.min(STACK_LIMIT_CAP, Math.floor(stack / 4)), maxString);
  const sizes: Array<[string, number]> = [
    ...args.map((arg): [string, number] => [arg.label, bytes(arg.value) + 1]),
    ...env.map(([name, value]): [string, number] => [nameOf(name), bytes(name) + bytes(value) + 2]),
  ];
  const total = bytes(file) + 1 + sizes.reduce((sum, [, n]) => sum + n, 0) + (args.length + env.length) * POINTER_BYTES;
  if (total <= limit) return undefined;
  const largest = sizes
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([what, n]) => `${what} ${size(n)}`)
    .join(', ');
  const stackText = stack === Infinity ? 'unlimited' : `${Math.floor(stack / 1024)} KiB`;
  return (
    `argument list too long: the arguments and environment take ${total} bytes, at most ${limit} fit ` +
    `(a quarter of the stack size limit, ${stackText}; at most 6 MiB); the largest are ${largest}`
  );
}
