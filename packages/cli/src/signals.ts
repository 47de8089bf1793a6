// SIGINT/SIGTERM: stop what is running (containers get TERM, a grace period, then KILL), remove the
// workspaces, exit 130/143.
import { EXIT } from '@cf-lifecycle/contract';
import { removeAllWorkspaces } from './workspace.ts';

type Stopper = () => Promise<void>;
const stoppers = new Set<Stopper>();
let installed = false;
let stopping = false;

export function onInterrupt(stop: Stopper): () => void {
  install();
  stoppers.add(stop);
  return () => stoppers.delete(stop);
}

function install(): void {
  if (installed) return;
  installed = true;
  const handle = (code: number) => async () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\n==> interrupted: stopping\n');
    await Promise.allSettled([...stoppers].map((stop) => stop()));
    removeAllWorkspaces();
    process.exit(code);
  };
  process.on('SIGINT', handle(EXIT.droplet.Interrupted));
  process.on('SIGTERM', handle(EXIT.droplet.Terminated));
}
