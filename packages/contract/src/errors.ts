// Exit statuses and the typed errors that carry them (CONTRACT §1.4, §2.17). The reference derives
// exit codes by searching the message text; here every failure is a value that knows its code.

export const ExitCode = {
  Success: 0,
  Failure: 1,
  FlagParse: 2,
  PlatformOptions: 3,
  Credhub: 4,
  DatabaseUrl: 5,
  DetectFailed: 222,
  CompileFailed: 223,
  ReleaseFailed: 224,
  SupplyFailed: 225,
  FinalizeFailed: 226,
  /** Beyond the reference: `-stagingTimeout` expired (227 and 228 belong to staging hooks). */
  StagingTimedOut: 229,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure with a message for stderr and the exit status it ends the process with. */
export class LifecycleError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Failure,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** CONTRACT §2.8: no buildpack's detect passed. */
export class NoBuildpackDetectedError extends LifecycleError {
  constructor() {
    super('None of the buildpacks detected a compatible application', ExitCode.DetectFailed);
  }
}

/** CONTRACT §2.10: every failure of the final step (quirks Q1, Q2 kept: 223, prefix as the reference). */
export class CompileFailedError extends LifecycleError {
  constructor(detail: string) {
    super(`Failed to compile droplet: ${detail}`, ExitCode.CompileFailed);
  }
}

/** CONTRACT §2.12: `bin/release` failed or printed invalid YAML. */
export class ReleaseFailedError extends LifecycleError {
  constructor(detail: string) {
    super(`Failed to build droplet release: ${detail}`, ExitCode.ReleaseFailed);
  }
}

/** CONTRACT §2.9: a supply buildpack failed or could not be resolved. */
export class SupplyFailedError extends LifecycleError {
  constructor(detail: string) {
    super(`Failed to run all supply scripts: ${detail}`, ExitCode.SupplyFailed);
  }
}

/** CONTRACT §2.9: a non-final buildpack has no `bin/supply`. */
export class SupplyUnsupportedError extends LifecycleError {
  constructor() {
    super('Error: one of the buildpacks chosen to supply dependencies does not support multi-buildpack apps', ExitCode.SupplyFailed);
  }
}

/** Exit 1 failures: the message is printed as is. */
export class StagingError extends LifecycleError {
  constructor(message: string) {
    super(message, ExitCode.Failure);
  }
}
