// Every exit status of every executable of the bundle and of the `droplet` CLI, with what it means
// (CONTRACT §1.4 and what we add to it). Code uses the numbers through EXIT (`EXIT.builder.DetectFailed`);
// docs/exit-codes.md is generated from the same table and a test keeps the two equal.

/** One exit status: its number and what it means, in one line. */
export interface ExitStatus {
  readonly code: number;
  readonly meaning: string;
}

/** The statuses of one executable or command, with a sentence on how to read them. */
export interface ExitTable {
  readonly summary: string;
  readonly statuses: Readonly<Record<string, ExitStatus>>;
  /** What a status outside the table means, when it can have one. */
  readonly otherwise?: string;
}

const FLAG_SYNTAX = 'a flag syntax error (Go `flag`, CONTRACT §1.1): the message, then the usage, on stderr';

export const EXIT_TABLES = {
  builder: {
    summary: 'Staging (CONTRACT §1.4, §2.17); every failure is one line on stderr. `-h` prints the usage and exits 0.',
    statuses: {
      Success: { code: 0, meaning: 'droplet staged' },
      Failure: {
        code: 1,
        meaning: 'validation (`missing flag: -buildpackOrder`), download, resolution, Procfile, launch.yml, packaging, hooks configuration or any other error',
      },
      FlagParse: { code: 2, meaning: FLAG_SYNTAX },
      PlatformOptions: { code: 3, meaning: 'invalid `VCAP_PLATFORM_OPTIONS` (`Invalid platform options: …`)' },
      Credhub: { code: 4, meaning: 'CredHub interpolation failed (`Unable to interpolate credhub refs: …`)' },
      DetectFailed: { code: 222, meaning: 'no buildpack detected the app' },
      CompileFailed: { code: 223, meaning: "compile, finalize, or the final buildpack's supply failed (quirk Q1: never 226)" },
      ReleaseFailed: { code: 224, meaning: '`bin/release` failed or printed invalid YAML' },
      SupplyFailed: { code: 225, meaning: 'a supply buildpack failed, or cannot supply (no `bin/supply`)' },
      HookDenied: { code: 227, meaning: 'a `required` staging hook denied the staging (docs/hooks.md)' },
      HookFailed: { code: 228, meaning: 'a `required` staging hook failed: error, timeout or malformed answer (docs/hooks.md)' },
      StagingTimedOut: { code: 229, meaning: '`-stagingTimeout` expired (`Staging timed out after 15m0s (running …)`)' },
      Hangup: { code: 129, meaning: 'SIGHUP: staging interrupted, buildpack processes and temporaries removed, nothing written' },
      Interrupted: { code: 130, meaning: 'SIGINT: as SIGHUP' },
      Terminated: { code: 143, meaning: 'SIGTERM: as SIGHUP' },
    },
  },
  launcher: {
    summary: 'Starting an app instance (CONTRACT §3); the launcher then becomes the app.',
    statuses: {
      Help: { code: 0, meaning: '`-h` among the CredHub flags: the usage, on stderr' },
      Failure: { code: 1, meaning: 'fewer than three arguments, an invalid `staging_info.yml`, no start command' },
      FlagParse: { code: 2, meaning: `a bad CredHub flag: ${FLAG_SYNTAX}` },
      Environment: { code: 3, meaning: 'the environment could not be computed: invalid `VCAP_PLATFORM_OPTIONS`, CredHub failure' },
      Exec: { code: 4, meaning: '`/bin/bash` could not be executed (or what it was given exceeds what `execve` takes)' },
    },
    otherwise: "the app's own status: the app replaces the launcher",
  },
  shell: {
    summary: "A command in the app's environment, for `cf ssh` (CONTRACT §4); the shell then becomes the command.",
    statuses: {
      Help: { code: 0, meaning: '`-h` among the CredHub flags: the usage, on stderr' },
      Failure: { code: 1, meaning: 'any error: the app directory, the environment, exec of `/bin/bash` (quirk Q30: never 3 or 4)' },
      FlagParse: { code: 2, meaning: `a bad CredHub flag: ${FLAG_SYNTAX}` },
    },
    otherwise: "the command's own status",
  },
  getenv: {
    summary: 'The environment as a JSON array (CONTRACT §9).',
    statuses: {
      Success: { code: 0, meaning: 'written (or `-h`: the usage)' },
      Failure: { code: 1, meaning: '`output file must not be empty`, `cannot write to output file: …`' },
      FlagParse: { code: 2, meaning: FLAG_SYNTAX },
    },
  },
  healthcheck: {
    summary: "Diego's healthcheck (docs/healthcheck.md); the reason of a failure is printed on stdout.",
    statuses: {
      Healthy: { code: 0, meaning: 'healthy (or `-h`: the usage)' },
      FlagParse: { code: 2, meaning: FLAG_SYNTAX },
      ConnectFailed: { code: 4, meaning: 'the TCP or Unix socket connection failed' },
      HttpRequestFailed: { code: 5, meaning: 'the HTTP request failed before a response arrived (refused, reset, TLS, too many redirects)' },
      HttpStatus: { code: 6, meaning: 'HTTP answered with a status other than 200, or no request could be built from `-uri` and `-port`' },
      ConnectTimeout: { code: 64, meaning: 'the TCP or Unix socket connection was not made within `-timeout`' },
      HttpTimeout: { code: 65, meaning: 'no HTTP response within `-timeout`' },
      Terminated: { code: 143, meaning: 'SIGTERM in readiness mode before any check had finished' },
    },
  },
  droplet: {
    summary: 'The `droplet` CLI (README, "droplet CLI"; docs/scanning.md, "Exit statuses"); errors are one line on stderr.',
    statuses: {
      Success: { code: 0, meaning: 'done' },
      Failure: { code: 1, meaning: 'an error (`droplet: …`): a missing tool, an unwritable output, a stack that cannot be built, …' },
      Findings: { code: 1, meaning: '`scan --fail-on`: a finding at or above the given severity' },
      Usage: {
        code: 2,
        meaning: 'a usage error (an unknown option, a value out of range, an unknown process type), or an input `scan`, `advise` or `inspect` cannot read',
      },
      MixedSet: { code: 3, meaning: '`inspect`, `scan`, `advise`: files beside a droplet from different stagings (wins over `Findings`)' },
      Interrupted: { code: 130, meaning: 'SIGINT: what was running stopped, workspaces removed' },
      Terminated: { code: 143, meaning: 'SIGTERM: as SIGINT' },
    },
    otherwise: "`stage`: the builder's status; `run`: the app's; `shell`: the shell's",
  },
} as const satisfies Record<string, ExitTable>;

export type Executable = keyof typeof EXIT_TABLES;

type Codes<S> = { readonly [K in keyof S]: S[K] extends { code: infer C } ? C : never };

function codesOf<S extends Record<string, ExitStatus>>(statuses: S): Codes<S> {
  return Object.fromEntries(Object.entries(statuses).map(([name, status]) => [name, status.code])) as Codes<S>;
}

/** The exit status numbers by executable and name: `EXIT.builder.DetectFailed` is 222. */
export const EXIT = {
  builder: codesOf(EXIT_TABLES.builder.statuses),
  launcher: codesOf(EXIT_TABLES.launcher.statuses),
  shell: codesOf(EXIT_TABLES.shell.statuses),
  getenv: codesOf(EXIT_TABLES.getenv.statuses),
  healthcheck: codesOf(EXIT_TABLES.healthcheck.statuses),
  droplet: codesOf(EXIT_TABLES.droplet.statuses),
} as const;
