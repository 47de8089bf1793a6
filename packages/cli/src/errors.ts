/** The exit status of a usage error: an option out of range, an unknown option or process type (README, "droplet CLI"). */
export const USAGE = 2;

/** A CLI failure: one line for the user (what is wrong and what to do) and the exit status. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
