// Replacing this process with bash, as Go's syscall.Exec does: the app keeps our PID, so signals sent
// to the instance reach it and its exit status is the instance's.
import { executableProblem } from './exec-file.ts';
import { argumentProblem, type LabelledArgument } from './exec-limits.ts';

const BASH = '/bin/bash';

type Execve = (file: string, args: string[], env: Record<string, string>) => never;

/**
 * Execs /bin/bash with `args` (argv[0] included) and `env`. Returns only when that cannot happen, with
 * one line saying why (after `exec /bin/bash: `), naming arguments and variables but no value: every
 * refusal the kernel would make is checked first, because Node aborts on a failed execve.
 */
export function execBash(args: readonly LabelledArgument[], env: NodeJS.ProcessEnv): string {
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (typeof execve !== 'function') return 'process.execve needs Node 22.15 or later';
  const entries = Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  const problem = executableProblem(BASH) ?? argumentProblem(BASH, args, entries);
  if (problem !== undefined) return problem;
  try {
    // Flush nothing: writes to pipes and files are synchronous on Linux, so nothing is lost across exec.
    execve.call(
      process,
      BASH,
      args.map((arg) => arg.value),
      Object.fromEntries(entries),
    );
  } catch (err) {
    // Node's own validation errors quote the arguments and the environment: only their code is shown.
    return `Node refused to start it (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`;
  }
  return 'process.execve returned';
}
