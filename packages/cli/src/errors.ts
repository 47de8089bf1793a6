import { EXIT } from '@cf-lifecycle/contract';

/** A CLI failure: one line for the user (what is wrong and what to do) and the exit status. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.droplet.Failure) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
