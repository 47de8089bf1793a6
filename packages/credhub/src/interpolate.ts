// CONTRACT §6: replace the credhub references in VCAP_SERVICES with the credentials credhub returns.
// Decided deviations from the reference: attempts < 1 is an error instead of emptying VCAP_SERVICES
// (quirk Q25 fixed), and there is no sleep after the final failed attempt (quirk Q28 fixed). The
// textual `"credhub-ref"` test (Q26) and the re-serialized body on the fixed API path (Q27) are kept.
import { GoJsonSyntaxError, goJson, goJsonParse, goJsonKind } from '@cf-lifecycle/contract';
import { formatCap } from '@cf-lifecycle/files';
import { setUpCredhubClient, type CredhubClient } from './client.ts';
import { maxStringBytes } from './environment-limits.ts';
import { CredhubError, GoError } from './errors.ts';
import { serverErrorText } from './server-error.ts';
import { postJson } from './transport.ts';

export interface InterpolateOptions {
  /** `credhub-uri` from VCAP_PLATFORM_OPTIONS. */
  uri: string;
  /** `-credhubConnectAttempts`. */
  attempts: number;
  /** `-credhubRetryDelay`, in milliseconds. */
  retryDelayMs: number;
  /** Read, and modified in place: VCAP_SERVICES receives the interpolated services. */
  env: NodeJS.ProcessEnv;
  /** Receives the per-attempt failure lines. */
  writeStdout: (text: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const INTERPOLATE_PATH = '/api/v1/interpolate';
const REQUEST_TIMEOUT_MS = 45_000;

/**
 * The most of CredHub's answer that is read (docs/security.md). The answer becomes VCAP_SERVICES, and
 * Linux passes no environment variable over 128 KiB to a program; 16 MiB leaves room for any answer
 * that could be useful while keeping a runaway server from filling the process's memory.
 */
export const CREDHUB_ANSWER_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Why an answer holding a NUL byte is refused (docs/security.md): no environment variable can carry
 * one, so the buildpacks or the app would never see the credentials (and Node's process functions
 * would quote the whole environment in their error). Go's os.Setenv refused it silently and left the
 * references in place; here it is an error that names the variable only. An answer too long for one
 * variable is refused the same way (without it the builder's detect scripts fail to start, silently).
 */
export const NUL_IN_ANSWER =
  'VCAP_SERVICES holds a NUL byte after CredHub interpolation; no environment variable can carry one, so correct the credential stored in CredHub';

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Throws CredhubError (message without the callers' `Unable to interpolate credhub refs: `). */
export async function interpolateVcapServices(opts: InterpolateOptions): Promise<void> {
  const { env } = opts;
  if (env.CREDHUB_SKIP_INTERPOLATION) return;
  const services = env.VCAP_SERVICES ?? '';
  if (!services.includes('"credhub-ref"')) return;

  let client: CredhubClient;
  try {
    client = await setUpCredhubClient(opts.uri, env);
  } catch (err) {
    throw new CredhubError(`Unable to set up credhub client: ${goText(err)}`);
  }
  if (!(opts.attempts >= 1)) {
    throw new CredhubError('Unable to interpolate credhub references: -credhubConnectAttempts must be at least 1');
  }

  const sleep = opts.sleep ?? defaultSleep;
  let lastError = '';
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    let answer: string;
    try {
      answer = await interpolateOnce(client, services, env);
    } catch (err) {
      lastError = `Unable to interpolate credhub references: ${goText(err)}`;
      opts.writeStdout(`Failed on attempt ${attempt} out of ${opts.attempts}: ${lastError}\n`);
      if (attempt < opts.attempts) await sleep(opts.retryDelayMs);
      continue;
    }
    // The same answer would come again: not an attempt to retry.
    if (answer.includes('\0')) throw new CredhubError(NUL_IN_ANSWER);
    const entryBytes = Buffer.byteLength(`VCAP_SERVICES=${answer}`) + 1;
    if (entryBytes > maxStringBytes()) {
      throw new CredhubError(
        `VCAP_SERVICES after CredHub interpolation would be ${entryBytes - 1} bytes with its name; Linux passes at most ` +
          `${maxStringBytes() - 1} bytes in one environment variable, so no buildpack or app could be given it`,
      );
    }
    env.VCAP_SERVICES = answer;
    return;
  }
  throw new CredhubError(lastError);
}

/** One attempt: the interpolated services, or a GoError with the attempt's reason. */
async function interpolateOnce(client: CredhubClient, services: string, env: NodeJS.ProcessEnv): Promise<string> {
  let parsed: unknown;
  try {
    parsed = goJsonParse(services);
  } catch (err) {
    throw new GoError((err as Error).message);
  }
  if (parsed !== null && !(parsed instanceof Map)) {
    throw new GoError(`json: cannot unmarshal ${goJsonKind(parsed)} into Go value of type map[string]interface {}`);
  }

  const body = goJson(parsed);
  const response = await postJson({ client, path: INTERPOLATE_PATH, body, env, timeoutMs: REQUEST_TIMEOUT_MS, maxBodyBytes: CREDHUB_ANSWER_MAX_BYTES });
  if (response.tooLarge) throw new GoError(`CredHub's answer (HTTP ${response.status}) is larger than ${formatCap(CREDHUB_ANSWER_MAX_BYTES)}; it was not read`);
  if (response.status < 200 || response.status >= 300) throw new GoError(serverErrorText(response.body, response.bodyError));
  if (response.bodyError !== undefined) throw new GoError(response.bodyError);
  return response.body;
}

function goText(err: unknown): string {
  if (err instanceof GoError || err instanceof GoJsonSyntaxError) return err.message;
  // Anything else is a bug in this package; keep its message but never a stack.
  return err instanceof Error ? err.message : String(err);
}
