// The `launcher` executable: start a droplet's process exactly as Diego does (CONTRACT §3).
//   launcher <app-directory> <start-command> <metadata> [credhub flags…]
import fs from 'node:fs';
import path from 'node:path';
import { EXIT, YamlError, goErrnoText, parseStagingInfo } from '@cf-lifecycle/contract';
import { FileInputError, readTextBounded } from '@cf-lifecycle/files';
import { writeStderr } from './output.ts';
import { launcherScript } from './scripts.ts';
import { startInAppEnvironment } from './start.ts';

/**
 * The most of staging_info.yml that is read (docs/security.md). The builder writes a few hundred bytes
 * (`{"detected_buildpack":…,"start_command":…}`); a start command Linux can pass at all (128 KiB) fits
 * even with every byte JSON-escaped (`\u0026`, 6 bytes each: 768 KiB). Beyond it the file is refused
 * unread, so a droplet cannot make the launcher's memory grow with it.
 */
export const STAGING_INFO_MAX_BYTES = 1024 * 1024;

/** CONTRACT §3.2: staging_info.yml from the working directory (the droplet root in Diego; quirk Q35 kept). */
function readStagingInfo(): { startCommand: string; entrypointPrefix: string } | { error: string } {
  // The reference's texts for a missing file (treated as empty), a path that cannot be opened and a
  // directory; the files package refuses anything else that is not a regular file of at most 1 MiB.
  let stat: fs.Stats;
  try {
    stat = fs.statSync('staging_info.yml');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { startCommand: '', entrypointPrefix: '' };
    return { error: `Invalid staging info - open staging_info.yml: ${goErrnoText(code, (err as Error).message)}` };
  }
  if (stat.isDirectory()) return { error: 'Invalid staging info - read staging_info.yml: is a directory' };
  let text: string;
  try {
    text = readTextBounded('staging_info.yml', { maxBytes: STAGING_INFO_MAX_BYTES, what: 'staging_info.yml' });
  } catch (err) {
    if (err instanceof FileInputError) return { error: `Invalid staging info - ${err.message}` };
    throw err;
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
    return EXIT.launcher.Failure;
  }
  const appDir = path.resolve(args[0]!);
  const info = readStagingInfo();
  if ('error' in info) {
    writeStderr(info.error);
    return EXIT.launcher.Failure;
  }
  const command = args[1] !== '' ? args[1]! : info.startCommand;
  if (command === '') {
    writeStderr(`${argv0}: no start command specified or detected in droplet`);
    return EXIT.launcher.Failure;
  }
  const entrypoint = info.entrypointPrefix !== '' ? info.entrypointPrefix : 'bash -c';

  // Quirk Q23 kept: the metadata argument is never interpreted; flag parsing starts at it.
  return startInAppEnvironment({
    flagSet: 'launcher',
    flagArgs: args.slice(2),
    appDir,
    script: launcherScript(entrypoint),
    command,
    labels: {
      script: info.entrypointPrefix !== '' ? 'the start-up script (it holds config.entrypoint_prefix of staging_info.yml)' : 'the start-up script',
      command: args[1] !== '' ? 'the start command' : 'the start command (start_command of staging_info.yml)',
    },
    exitCodes: { environment: EXIT.launcher.Environment, exec: EXIT.launcher.Exec },
  });
}
