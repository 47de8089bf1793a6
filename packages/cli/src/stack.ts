// Choosing the stack: a name (built on first use, with progress) or a path to a rootfs dir/tarball.
import fs from 'node:fs';
import { ensureStack, openStack, StackError, type Stack } from '@cf-lifecycle/stack';
import { CliError } from './errors.ts';
import type { Logger } from './log.ts';

export async function resolveStack(option: string | undefined, log: Logger): Promise<Stack> {
  const onProgress = (e: { phase: string; message: string; percent?: number }) => log.progress(e.phase, e.message, e.percent);
  try {
    let stack: Stack;
    if (option !== undefined && (option.includes('/') || fs.existsSync(option))) stack = await openStack(option, { onProgress });
    else stack = await ensureStack({ ...(option !== undefined ? { name: option } : {}), onProgress });
    log.done();
    return stack;
  } catch (err) {
    log.done();
    if (err instanceof StackError) throw new CliError(err.message);
    throw err;
  }
}
