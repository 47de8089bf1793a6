// How Go renders operating-system and process errors; these texts reach stderr through the builder's
// messages (`stat <path>: no such file or directory`, `exit status 1`, `signal: killed`).

/** An error whose message is a Go error text; the caller decides which prefix it gets. */
export class GoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoError';
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ENOTEMPTY: 'directory not empty',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENOEXEC: 'exec format error',
  ETXTBSY: 'text file busy',
  EMFILE: 'too many open files',
  EXDEV: 'invalid cross-device link',
  EIO: 'input/output error',
  EBUSY: 'device or resource busy',
  EINVAL: 'invalid argument',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EPIPE: 'broken pipe',
  EDQUOT: 'disk quota exceeded',
};

/** Go's text for an errno code (`ENOENT` → `no such file or directory`). */
export function goErrnoText(code: string | undefined, fallback = 'unknown error'): string {
  return (code && ERRNO_TEXT[code]) || fallback;
}

/** Go's `*fs.PathError` rendering: `<op> <path>: <errno text>`. */
export function goPathError(op: string, path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return `${op} ${path}: ${goErrnoText(e?.code, e?.message ?? String(err))}`;
}

const SIGNAL_TEXT: Record<string, string> = {
  SIGHUP: 'hangup',
  SIGINT: 'interrupt',
  SIGQUIT: 'quit',
  SIGILL: 'illegal instruction',
  SIGTRAP: 'trace/breakpoint trap',
  SIGABRT: 'aborted',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
  SIGKILL: 'killed',
  SIGUSR1: 'user defined signal 1',
  SIGSEGV: 'segmentation fault',
  SIGUSR2: 'user defined signal 2',
  SIGPIPE: 'broken pipe',
  SIGALRM: 'alarm clock',
  SIGTERM: 'terminated',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'file size limit exceeded',
};

/** Go's `*exec.ExitError` rendering: `exit status 3` or `signal: killed`. */
export function goExitText(code: number | null, signal: string | null): string {
  if (signal) return `signal: ${SIGNAL_TEXT[signal] ?? signal}`;
  return `exit status ${code ?? -1}`;
}
