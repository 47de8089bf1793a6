// The environment Cloud Controller and Diego give a staging task and an app instance
// (ANCHORS §1.1 "Staging environment", §1.2 "Process env" and "Instance env added by Diego").
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { VCAP_HOME } from '@cf-lifecycle/contract';
import { FileInputError, formatCap, readTextBounded } from '@cf-lifecycle/files';
import { CliError } from './errors.ts';

export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface AppIdentity {
  name: string;
  memoryMb: number;
  diskMb: number;
}

/** `-e K=V` values; later ones win. */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    // Without a name, what was given is a value: never repeated (it may be a credential).
    if (eq === 0) throw new CliError('-e =…: expected NAME=VALUE (the name is missing)');
    if (eq < 0) throw new CliError(`-e ${pair}: expected NAME=VALUE`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** The most a `--services` file may hold: it is pretty-printed JSON that becomes one variable. */
export const SERVICES_FILE_MAX_BYTES = 1024 * 1024;

/**
 * The longest VCAP_SERVICES value Linux passes to a program: one `NAME=value` string of the
 * environment may be at most MAX_ARG_STRLEN (32 pages, 131072 bytes) with its NUL, so a longer one
 * makes execve fail with E2BIG when the container starts.
 */
export const VCAP_SERVICES_MAX_BYTES = 131072 - 'VCAP_SERVICES='.length - 1;

/** VCAP_SERVICES from a JSON file (an object of service arrays), or `{}`. */
export function readServices(file: string | undefined): string {
  if (file === undefined) return '{}';
  let text: string;
  try {
    text = readTextBounded(file, { maxBytes: SERVICES_FILE_MAX_BYTES, what: '--services' });
  } catch (err) {
    if (err instanceof FileInputError) throw new CliError(err.message);
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text around the error, which may be a credential: only the position is kept.
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new CliError(`--services ${file}: not valid JSON${position !== undefined ? ` (at position ${position})` : ''}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(`--services ${file}: expected a JSON object like {"p-mysql": [{"name": "db", "credentials": {...}}]}`);
  }
  const value = JSON.stringify(parsed);
  const size = Buffer.byteLength(value);
  if (size > VCAP_SERVICES_MAX_BYTES) {
    const limit = `${VCAP_SERVICES_MAX_BYTES} (${formatCap(131072)} with its name)`;
    throw new CliError(`--services ${file}: VCAP_SERVICES would be ${size} bytes; Linux passes at most ${limit} in one variable`);
  }
  return value;
}

function vcapApplication(app: AppIdentity, extra: Record<string, unknown>): string {
  const id = randomUUID();
  return JSON.stringify({
    application_id: id,
    application_name: app.name,
    application_uris: [],
    application_version: randomUUID(),
    cf_api: 'http://127.0.0.1',
    limits: { disk: app.diskMb, fds: 16384, mem: app.memoryMb },
    name: app.name,
    organization_name: 'local',
    space_name: 'local',
    uris: [],
    users: null,
    version: randomUUID(),
    ...extra,
  });
}

/** The staging task's environment: later entries override earlier ones, as in Cloud Controller. */
export function stagingEnv(app: AppIdentity, stack: string, services: string, user: Record<string, string>): Record<string, string> {
  return {
    PATH: CONTAINER_PATH,
    HOME: VCAP_HOME,
    USER: 'vcap',
    LANG: 'en_US.UTF-8',
    ...user,
    CF_STACK: stack,
    VCAP_APPLICATION: vcapApplication(app, {}),
    MEMORY_LIMIT: `${app.memoryMb}m`,
    VCAP_SERVICES: services,
  };
}

/** An app instance's environment (index 0) as Diego sets it. */
export function runningEnv(app: AppIdentity, port: number, services: string, user: Record<string, string>): Record<string, string> {
  const guid = randomUUID();
  return {
    PATH: CONTAINER_PATH,
    HOME: VCAP_HOME,
    USER: 'vcap',
    LANG: 'en_US.UTF-8',
    PORT: String(port),
    VCAP_APP_PORT: String(port),
    VCAP_APP_HOST: '0.0.0.0',
    ...user,
    VCAP_APPLICATION: vcapApplication(app, { instance_index: 0, port, host: '0.0.0.0' }),
    MEMORY_LIMIT: `${app.memoryMb}m`,
    VCAP_SERVICES: services,
    INSTANCE_INDEX: '0',
    INSTANCE_GUID: guid,
    CF_INSTANCE_INDEX: '0',
    CF_INSTANCE_GUID: guid,
    CF_INSTANCE_IP: '127.0.0.1',
    CF_INSTANCE_INTERNAL_IP: '127.0.0.1',
    CF_INSTANCE_PORT: String(port),
    CF_INSTANCE_ADDR: `127.0.0.1:${port}`,
    CF_INSTANCE_PORTS: JSON.stringify([{ external: port, internal: port }]),
  };
}

export function appNameOf(dir: string): string {
  return path.basename(path.resolve(dir)).replace(/\.droplet(\.tgz)?$|\.tgz$/, '');
}
