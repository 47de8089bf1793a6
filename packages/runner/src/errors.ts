/**
 * Why a container could not be started or managed, in one line a CLI can print as is
 * (`runc is not installed: apt-get install runc`). What the container's process does is not an
 * error: its exit status is the result.
 */
export class RunnerError extends Error {
  override name = 'RunnerError';
}
