// The `builder` executable: parse flags, prepare the environment, stage, report (CONTRACT §2).
import { EXIT, LifecycleError, goPathError, parseBuilderArgs, redactUrlsIn } from '@cf-lifecycle/contract';
import { StartupError, prepareEnvironment } from './environment.ts';
import { installSignalHandlers, removeTemporaries } from './process-registry.ts';
import { armStagingTimeout } from './staging-timeout.ts';
import { stage } from './stage.ts';
import { startWatchdog } from './watchdog.ts';

export { extractZip } from './phases/unzip.ts';

/** Runs the builder with `args` (without argv[0]); resolves to the exit status. */
export async function runBuilder(args: readonly string[]): Promise<number> {
  const parsed = parseBuilderArgs(args);
  if (parsed.kind === 'exit') {
    process.stderr.write(parsed.stderr);
    return parsed.code;
  }
  installSignalHandlers();
  startWatchdog();
  const disarm = armStagingTimeout(parsed.config.stagingTimeoutMs);
  try {
    await prepareEnvironment(parsed.config, process.env);
    await stage(parsed.config);
    return EXIT.builder.Success;
  } catch (err) {
    removeTemporaries();
    // The last line may quote a buildpack URL: its credentials are shown as `***` (docs/compatibility.md).
    if (err instanceof StartupError) {
      process.stderr.write(redactUrlsIn(err.message));
      return err.exitCode;
    }
    if (err instanceof LifecycleError) {
      process.stderr.write(`${redactUrlsIn(err.message)}\n`);
      return err.exitCode;
    }
    // An unexpected failure is still one line, never a stack trace; a file-system error names its
    // file as Go would (`write <file>: no space left on device`).
    const e = err as NodeJS.ErrnoException;
    if (e?.code && e.syscall && e.path) process.stderr.write(`${redactUrlsIn(goPathError(e.syscall, e.path, e))}\n`);
    else process.stderr.write(`${redactUrlsIn(e?.message ?? String(err))}\n`);
    return EXIT.builder.Failure;
  } finally {
    disarm();
  }
}
