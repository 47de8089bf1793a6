// The `launcher` executable: start a droplet's process exactly as Diego does (CONTRACT §3).
//   launcher <app-directory> <start-command> <metadata> [credhub flags…]
import fs from 'node:fs';
import path from 'node:path';
import { YamlError, goErrnoText, parseStagingInfo } from '@cf-lifecycle/contract';
import { writeStderr } from './output.ts';
import { launcherScript } from './scripts.ts';
import { startInAppEnvironment } from './start.ts';

/** CONTRACT §3.2: staging_info.yml from the working directory (the droplet root in Diego; quirk Q35 kept). */
function readStagingInfo(): { startCommand: string; entrypointPrefix: string } | { error: string } {
  let text: string;
  try {
    text = fs.readFileSync('staging_info.yml', 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { startCommand: '', entrypointPrefix: '' };
    const op = code === 'EISDIR' ? 'read' : 'open';
    return { error: `Invalid staging info - ${op} staging_info.yml: ${goErrnoText(code, (err as Error).message)}` };
  }
  try {
    return parseStagingInfo(text);
  } catch (err) {
    if (err instanceof YamlError) return { error: `Invalid staging info - failed to unmarshal staging_info.yml: ${err.message}` };
    throw err;
  }
}

export async function runLauncher(args: readonly string[]): Promise<number> {
  const argv0 = process.argv0;
  if (args.length < 3) {
    writeStderr(`${argv0}: received only ${args.length} arguments\nUsage: ${argv0} <app-directory> <start-command> <metadata>`);
    return 1;
  }
  const appDir = path.resolve(args[0]!);
  const info = readStagingInfo();
  if ('error' in info) {
    writeStderr(info.error);
    return 1;
  }
  const command = args[1] !== '' ? args[1]! : info.startCommand;
  if (command === '') {
    writeStderr(`${argv0}: no start command specified or detected in droplet`);
    return 1;
  }
  const entrypoint = info.entrypointPrefix !== '' ? info.entrypointPrefix : 'bash -c';

  // Quirk Q23 kept: the metadata argument is never interpreted; flag parsing starts at it.
  return startInAppEnvironment({
    flagSet: 'launcher',
    flagArgs: args.slice(2),
    appDir,
    script: launcherScript(entrypoint),
    command,
    exitCodes: { environment: 3, exec: 4 },
  });
}
