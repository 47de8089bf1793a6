// The app's environment as the launcher and the shell compute it (CONTRACT §5).
import path from 'node:path';
import { PlatformOptionsError, databaseUrlFromServices, parsePlatformOptions, rewriteVcapApplication } from '@cf-lifecycle/contract';
import type { CredhubSettings } from './credhub-flags.ts';
import { writeStdout } from './output.ts';

export class EnvironmentError extends Error {}

/** Applies §5 steps 1–7 to `env` in place, for the absolute app directory `appDir`. */
export async function computeAppEnvironment(env: NodeJS.ProcessEnv, appDir: string, credhub: CredhubSettings): Promise<void> {
  env.HOME = appDir;
  env.TMPDIR = path.resolve(appDir, '..', 'tmp');
  env.DEPS_DIR = path.resolve(appDir, '..', 'deps');
  const vcapApplication = rewriteVcapApplication(env);
  if (vcapApplication !== undefined) env.VCAP_APPLICATION = vcapApplication;

  let options: ReturnType<typeof parsePlatformOptions>;
  try {
    options = parsePlatformOptions(env.VCAP_PLATFORM_OPTIONS);
  } catch (err) {
    if (err instanceof PlatformOptionsError) throw new EnvironmentError(`Invalid platform options: ${err.message}`);
    throw err;
  }
  if (options && options.credhubUri !== '') {
    // Loaded only when interpolation runs: it is on every instance's start path otherwise.
    const { interpolateVcapServices } = await import('@cf-lifecycle/credhub');
    try {
      await interpolateVcapServices({
        uri: options.credhubUri,
        attempts: credhub.attempts,
        retryDelayMs: credhub.retryDelayMs,
        env,
        writeStdout,
      });
    } catch (err) {
      throw new EnvironmentError(`Unable to interpolate credhub refs: ${(err as Error).message}`);
    }
  }
  delete env.VCAP_PLATFORM_OPTIONS;

  const url = databaseUrlFromServices(env.VCAP_SERVICES ?? '');
  if (url !== undefined) env.DATABASE_URL = url;
}
