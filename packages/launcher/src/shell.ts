// The `shell` executable: a command (default: interactive bash) in the app's environment, for
// `cf ssh` (CONTRACT §4).   shell [app-directory [command [credhub flags…]]]
import fs from 'node:fs';
import path from 'node:path';
import { goErrnoText } from '@cf-lifecycle/contract';
import { parseCredhubFlags } from './credhub-flags.ts';
import { EnvironmentError, computeAppEnvironment } from './environment.ts';
import { execBash } from './exec.ts';
import { writeStderr } from './output.ts';
import { shellScript } from './scripts.ts';

export async function runShell(args: readonly string[]): Promise<number> {
  let appDir: string;
  if (args.length >= 1) {
    appDir = args[0]!;
    // Existence only; a file is accepted (quirk Q30 kept, including the spelling).
    if (appDir === '' || !statable(appDir)) {
      writeStderr('Provided app direcory does not exist');
      return 1;
    }
  } else {
    appDir = path.join(process.env.HOME ?? '', 'app');
    if (!statable(appDir)) {
      writeStderr('Could not infer app directory, please provide one');
      return 1;
    }
  }
  appDir = path.resolve(appDir);
  const command = args.length >= 2 ? args[1]! : 'bash';
  const flags = parseCredhubFlags('shell', args.slice(2));
  if ('exit' in flags) {
    writeStderr(flags.stderr);
    return flags.exit;
  }
  const env = { ...process.env };
  try {
    await computeAppEnvironment(env, appDir, flags.settings);
  } catch (err) {
    if (err instanceof EnvironmentError) {
      writeStderr(err.message);
      return 1;
    }
    throw err;
  }
  try {
    execBash(['bash', '-c', shellScript(), process.argv0, appDir, command], env);
  } catch (err) {
    writeStderr(`exec /bin/bash: ${goErrnoText((err as NodeJS.ErrnoException).code, (err as Error).message)}`);
    return 1;
  }
}

function statable(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}
