// Replacing this process with bash, as Go's syscall.Exec does: the app keeps our PID, so signals sent
// to the instance reach it and its exit status is the instance's.

export function execBash(argv: string[], env: NodeJS.ProcessEnv): never {
  const execve = (process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function') throw new Error('exec /bin/bash: process.execve needs Node 22.15 or later');
  // Flush nothing: writes to pipes and files are synchronous on Linux, so nothing is lost across exec.
  return execve.call(process, '/bin/bash', argv, env);
}
