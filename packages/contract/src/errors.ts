// The builder's typed errors and the exit statuses they carry (CONTRACT §1.4, §2.17; the numbers are in
// exit-codes.ts). The reference derives exit codes by searching the message text; here every failure
// is a value that knows its code.
import { EXIT } from './exit-codes.ts';

/** A failure with a message for stderr and the exit status it ends the process with. */
export class LifecycleError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.builder.Failure,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** CONTRACT §2.8: no buildpack's detect passed. */
export class NoBuildpackDetectedError extends LifecycleError {
  constructor() {
    super('None of the buildpacks detected a compatible application', EXIT.builder.DetectFailed);
  }
}

/** CONTRACT §2.10: every failure of the final step (quirks Q1, Q2 kept: 223, prefix as the reference). */
export class CompileFailedError extends LifecycleError {
  constructor(detail: string) {
    super(`Failed to compile droplet: ${detail}`, EXIT.builder.CompileFailed);
  }
}

/** CONTRACT §2.12: `bin/release` failed or printed invalid YAML. */
export class ReleaseFailedError extends LifecycleError {
  constructor(detail: string) {
    super(`Failed to build droplet release: ${detail}`, EXIT.builder.ReleaseFailed);
  }
}

/** CONTRACT §2.9: a supply buildpack failed or could not be resolved. */
export class SupplyFailedError extends LifecycleError {
  constructor(detail: string) {
    super(`Failed to run all supply scripts: ${detail}`, EXIT.builder.SupplyFailed);
  }
}

/** CONTRACT §2.9: a non-final buildpack has no `bin/supply`. */
export class SupplyUnsupportedError extends LifecycleError {
  constructor() {
    super('Error: one of the buildpacks chosen to supply dependencies does not support multi-buildpack apps', EXIT.builder.SupplyFailed);
  }
}

/** Exit 1 failures: the message is printed as is. */
export class StagingError extends LifecycleError {
  constructor(message: string) {
    super(message, EXIT.builder.Failure);
  }
}
