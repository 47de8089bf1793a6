// What every command function receives to print with (the CLI passes process.stdout/stderr writers).
export interface Output {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** Exit statuses shared by scan, advise and inspect (docs/scanning.md, "Exit statuses"). */
export const EXIT = {
  ok: 0,
  /** scan: a finding at or above --fail-on. */
  findings: 1,
  /** A usage error or an input that cannot be read. */
  usage: 2,
  /** A droplet's files come from different stagings (docs/scanning.md, "Mixed sets"); wins over `findings`. */
  mixed: 3,
} as const;
