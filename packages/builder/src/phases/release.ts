// Process types from launch.yml, `bin/release` and the Procfile (CONTRACT §2.12).
import fs from 'node:fs';
import { readTextBounded } from '@cf-lifecycle/files';
import {
  ProcfileInvalidError,
  ReleaseFailedError,
  StagingError,
  YamlError,
  goPathError,
  mergeProcesses,
  parseLaunchYml,
  parseProcfile,
  parseReleaseOutput,
  type ProcessEntry,
  type BuilderConfig,
} from '@cf-lifecycle/contract';
import type { StagingPlan } from '../plan.ts';
import { runScript } from '../run-script.ts';
import { runningScript, setActivity } from '../staging-timeout.ts';

/** `bin/release` prints a small YAML document; more than this is refused rather than held and parsed. */
export const RELEASE_OUTPUT_LIMIT = 1024 * 1024;

/**
 * A Procfile or launch.yml is a few lines; more than this is refused, as is anything but a regular
 * file (`/dev/zero`, a FIFO): an app or a buildpack could otherwise hold staging or fill its memory.
 */
export const PROCESS_FILE_LIMIT = 1024 * 1024;

/**
 * Reads a file; undefined when it does not exist. A directory and other open errors are Go-rendered as
 * the reference reports them (`read <file>: is a directory`); a device, a FIFO or a file over the cap
 * is one line of its own (`<file> is a character device; give a regular file`).
 */
function readOptional(path: string): string | undefined {
  let isDirectory: boolean;
  try {
    isDirectory = fs.statSync(path).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StagingError(goPathError('open', path, err));
  }
  if (isDirectory) throw new StagingError(goPathError('read', path, Object.assign(new Error('is a directory'), { code: 'EISDIR' })));
  try {
    // Opened once without blocking (a FIFO) only to render an open error as Go does.
    fs.closeSync(fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
  } catch (err) {
    throw new StagingError(goPathError('open', path, err));
  }
  try {
    return readTextBounded(path, { maxBytes: PROCESS_FILE_LIMIT });
  } catch (err) {
    throw new StagingError((err as Error).message);
  }
}

function launchProcesses(path: string): ProcessEntry[] | undefined {
  const text = readOptional(path);
  if (text === undefined) return undefined;
  try {
    return parseLaunchYml(text);
  } catch (err) {
    // Raw YAML error text, exit 1.
    throw new StagingError((err as Error).message);
  }
}

export async function collectProcesses(config: BuilderConfig, plan: StagingPlan, finalRoot: string): Promise<ProcessEntry[]> {
  let processes: ProcessEntry[] = [];
  // Quirks Q3/Q4 fixed: each launch.yml is read from the deps slot its buildpack actually received.
  for (let i = 0; i < plan.supplyKeys.length; i++) {
    const supplied = launchProcesses(`${plan.depsDir}/${plan.depsIndex(i)}/launch.yml`);
    if (supplied) processes = mergeProcesses(processes, supplied);
  }
  const finalLaunch = launchProcesses(`${plan.depsDir}/${plan.finalDepsIndex}/launch.yml`);
  if (finalLaunch) {
    processes = mergeProcesses(processes, finalLaunch);
  } else {
    setActivity(runningScript('bin/release', plan.finalKey));
    const release = await runScript(`${finalRoot}/bin/release`, [config.buildDir], {
      capture: 'stdout',
      captureLimit: RELEASE_OUTPUT_LIMIT,
      killOnOverflow: true,
    });
    // Checked first: an endless release is ended (SIGKILL) as soon as it passes the limit.
    if (release.overflowed) throw new ReleaseFailedError(`buildpack's release output invalid: output larger than ${RELEASE_OUTPUT_LIMIT} bytes`);
    if (release.failure !== undefined) throw new ReleaseFailedError(release.failure);
    try {
      processes = mergeProcesses(processes, parseReleaseOutput(release.stdout));
    } catch (err) {
      if (err instanceof YamlError) throw new ReleaseFailedError(`buildpack's release output invalid: ${err.message}`);
      throw err;
    }
  }
  // Read after the final step: buildpacks may create or modify the Procfile.
  const procfilePath = `${config.buildDir}/Procfile`;
  let procfile: string | undefined;
  try {
    procfile = readOptional(procfilePath);
  } catch (err) {
    throw new StagingError(`Failed to read command from Procfile: ${(err as Error).message}`);
  }
  if (procfile !== undefined) {
    try {
      processes = mergeProcesses(processes, parseProcfile(procfile));
    } catch (err) {
      if (err instanceof ProcfileInvalidError || err instanceof YamlError) throw new StagingError('Failed to read command from Procfile: invalid YAML');
      throw err;
    }
  }
  return processes;
}
