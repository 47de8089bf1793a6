// What the launcher and the shell share after their own argument checks: CredHub flags, the app's
// environment (CONTRACT §5), and the exec into bash (§3.5, §4). Only the exit statuses differ.
import { parseCredhubFlags } from './credhub-flags.ts';
import { EnvironmentError, computeAppEnvironment } from './environment.ts';
import { execBash } from './exec.ts';
import { writeStderr } from './output.ts';

export interface StartOptions {
  /** The flag set's name in usage and error texts: `launcher` or `shell`. */
  flagSet: 'launcher' | 'shell';
  /** Arguments parsed as CredHub flags (parsing stops at the first non-flag). */
  flagArgs: readonly string[];
  appDir: string;
  script: string;
  command: string;
  /** What the script and the command are, for a message that cannot print them (`the start command`). */
  labels: { script: string; command: string };
  /** Launcher: 3 and 4; shell: 1 and 1 (quirk Q30 kept). */
  exitCodes: { environment: number; exec: number };
}

/** Execs into bash; returns only with an exit status when something failed. */
export async function startInAppEnvironment(opts: StartOptions): Promise<number> {
  const flags = parseCredhubFlags(opts.flagSet, opts.flagArgs);
  if ('exit' in flags) {
    writeStderr(flags.stderr);
    return flags.exit;
  }
  const env = { ...process.env };
  try {
    await computeAppEnvironment(env, opts.appDir, flags.settings);
  } catch (err) {
    if (err instanceof EnvironmentError) {
      writeStderr(err.message);
      return opts.exitCodes.environment;
    }
    throw err;
  }
  const problem = execBash(
    [
      { value: 'bash', label: 'argv[0]' },
      { value: '-c', label: 'the -c option' },
      { value: opts.script, label: opts.labels.script },
      { value: process.argv0, label: `the ${opts.flagSet}'s argv[0]` },
      { value: opts.appDir, label: 'the app directory' },
      { value: opts.command, label: opts.labels.command },
    ],
    env,
  );
  // One line, no newline, as the other launcher errors (CONTRACT §3.5: "error text on stderr, exit 4").
  writeStderr(`exec /bin/bash: ${problem}`);
  return opts.exitCodes.exec;
}
