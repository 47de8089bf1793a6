// The short reason a connection or request failed, in Go's words where Go has them
// (`connection refused`, `no such file or directory`), so messages read like Diego's.
import { goErrnoText } from '@cf-lifecycle/contract';

export function errorReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  // Node reports a server that closed the connection without answering as ECONNRESET "socket hang up".
  if (e?.code === 'ECONNRESET' && e.message === 'socket hang up') return 'server closed the connection without a response';
  return goErrnoText(e?.code, e?.message ?? String(err));
}
