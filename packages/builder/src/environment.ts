// The start-up sequence before staging (CONTRACT §2.3): platform options, CredHub, DATABASE_URL.
import { EXIT, LifecycleError, PlatformOptionsError, databaseUrlFromServices, parsePlatformOptions, type BuilderConfig } from '@cf-lifecycle/contract';

/** A start-up failure: printed without a trailing newline, as the reference does. */
export class StartupError extends LifecycleError {}

export async function prepareEnvironment(config: BuilderConfig, env: NodeJS.ProcessEnv): Promise<void> {
  let options: ReturnType<typeof parsePlatformOptions>;
  try {
    options = parsePlatformOptions(env.VCAP_PLATFORM_OPTIONS);
  } catch (err) {
    if (err instanceof PlatformOptionsError) throw new StartupError(`Invalid platform options: ${err.message}`, EXIT.builder.PlatformOptions);
    throw err;
  }
  if (options && options.credhubUri !== '') {
    const { interpolateVcapServices } = await import('@cf-lifecycle/credhub');
    try {
      await interpolateVcapServices({
        uri: options.credhubUri,
        attempts: config.credhubConnectAttempts,
        retryDelayMs: config.credhubRetryDelayMs,
        env,
        writeStdout: (text) => process.stdout.write(text),
      });
    } catch (err) {
      throw new StartupError(`Unable to interpolate credhub refs: ${(err as Error).message}`, EXIT.builder.Credhub);
    }
  }
  // Quirk Q19 kept: VCAP_PLATFORM_OPTIONS stays in the buildpacks' environment.
  const services = env.VCAP_SERVICES ?? '';
  if (services !== '') {
    const url = databaseUrlFromServices(services);
    if (url !== undefined) env.DATABASE_URL = url;
  }
}
