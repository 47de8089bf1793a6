// The `shell` executable: a command (default: interactive bash) in the app's environment, for
// `cf ssh` (CONTRACT §4).   shell [app-directory [command [credhub flags…]]]
import fs from 'node:fs';
import path from 'node:path';
import { EXIT } from '@cf-lifecycle/contract';
import { writeStderr } from './output.ts';
import { shellScript } from './scripts.ts';
import { startInAppEnvironment } from './start.ts';

export async function runShell(args: readonly string[]): Promise<number> {
  let appDir: string;
  if (args.length >= 1) {
    appDir = args[0]!;
    // Existence only; a file is accepted (quirk Q30 kept, including the spelling).
    if (appDir === '' || !statable(appDir)) {
      writeStderr('Provided app direcory does not exist');
      return EXIT.shell.Failure;
    }
  } else {
    appDir = path.join(process.env.HOME ?? '', 'app');
    if (!statable(appDir)) {
      writeStderr('Could not infer app directory, please provide one');
      return EXIT.shell.Failure;
    }
  }
  appDir = path.resolve(appDir);
  const command = args.length >= 2 ? args[1]! : 'bash';
  return startInAppEnvironment({
    flagSet: 'shell',
    flagArgs: args.slice(2),
    appDir,
    script: shellScript(),
    command,
    labels: { script: 'the start-up script', command: 'the command' },
    exitCodes: { environment: EXIT.shell.Failure, exec: EXIT.shell.Failure },
  });
}

function statable(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}
