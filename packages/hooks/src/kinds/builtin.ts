// Built-in hooks run in process; their deadline is the same as for any hook.
import { formatGoDuration } from '@cf-lifecycle/contract';
import { builtinFor } from '../builtins/registry.ts';
import type { HookDefinition, HookPayload, Verdict } from '../model.ts';

export async function runBuiltinHook(hook: HookDefinition, payload: HookPayload): Promise<Verdict> {
  const builtin = builtinFor(hook.builtin!);
  const deadline = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Verdict>((resolve) => {
    timer = setTimeout(() => {
      deadline.abort();
      resolve({ outcome: 'timeout', message: `timed out after ${formatGoDuration(hook.timeoutMs)}`, findings: [] });
    }, hook.timeoutMs);
  });
  try {
    const run = builtin
      .run(payload, hook.options ?? {}, deadline.signal)
      .catch((err: unknown): Verdict => ({ outcome: 'error', message: (err as Error)?.message ?? String(err), findings: [] }));
    return await Promise.race([run, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
