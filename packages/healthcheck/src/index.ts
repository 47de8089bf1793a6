// The `healthcheck` executable: Diego's monitor of an app instance (ANCHORS §1.2). It checks a TCP
// port, a Unix socket or an HTTP endpoint, once or in readiness/liveness mode, and answers with its
// exit status; a failure's reason goes to stdout, which Diego shows as the crash reason.
import { parseHealthcheckArgs } from './config.ts';
import { httpCheck } from './checks/http.ts';
import { portCheck } from './checks/port.ts';
import { EXIT } from '@cf-lifecycle/contract';
import { monitor } from './modes.ts';

export { HEALTHCHECK_FLAGS, parseHealthcheckArgs, type HealthcheckConfig, type Target } from './config.ts';
export { CheckFailure } from './failure.ts';

/** Runs the healthcheck with `args` (without argv[0]); resolves to the exit status. */
export async function runHealthcheck(args: string[]): Promise<number> {
  const parsed = parseHealthcheckArgs(args);
  if (parsed.kind === 'exit') {
    process.stderr.write(parsed.stderr);
    return parsed.code;
  }
  const { config } = parsed;
  const check = config.uri === '' ? portCheck(config.target) : httpCheck(config.target, config.uri);
  const failure = await monitor(check, config);
  if (failure === undefined) return EXIT.healthcheck.Healthy;
  // No trailing newline, as Diego's tool prints it: the text is used verbatim as the crash reason.
  process.stdout.write(failure.message);
  return failure.exitCode;
}
