// The healthcheck's flags, as Diego passes them (`/tmp/lifecycle/healthcheck -port=8080 -uri=/health
// -timeout=1s`, ANCHORS §1.2), and the plain configuration they become.
import { EXIT, type FlagDef, parseFlags } from '@cf-lifecycle/contract';

export const HEALTHCHECK_FLAGS: readonly FlagDef[] = [
  { name: 'network', kind: 'string', default: 'tcp', usage: 'network type to dial with (e.g. unix, tcp)' },
  { name: 'uri', kind: 'string', default: '', usage: 'uri to healthcheck' },
  // A string, as in Diego's tool: with -network=unix it is the socket's path.
  { name: 'port', kind: 'string', default: '8080', usage: 'port to healthcheck (with -network=unix: the socket path)' },
  { name: 'timeout', kind: 'duration', default: '1s', usage: 'timeout of each check: connecting, or the whole HTTP request' },
  {
    name: 'readiness-interval',
    kind: 'duration',
    default: '0s',
    usage: 'if set, starts the healthcheck in readiness mode, i.e. do not exit until the healthcheck passes. runs checks every readiness-interval',
  },
  {
    name: 'readiness-timeout',
    kind: 'duration',
    default: '60s',
    usage:
      'only relevant in readiness mode: when non-zero, the healthcheck exits non-zero with the last failure ' +
      'once this much time has passed without a passing check',
  },
  {
    name: 'liveness-interval',
    kind: 'duration',
    default: '0s',
    usage: 'if set, starts the healthcheck in liveness mode, i.e. do not exit until the healthcheck fails. runs checks every liveness-interval',
  },
];

/** Where a check connects: a TCP port on the loopback address, a Unix socket, or a network we do not dial. */
export type Target = { network: 'tcp'; port: string } | { network: 'unix'; socketPath: string } | { network: 'unsupported'; name: string; port: string };

export interface HealthcheckConfig {
  target: Target;
  /** Empty: a port check; otherwise an HTTP GET of this path. */
  uri: string;
  /** Per-check timeout; `Infinity` when `-timeout` is zero or negative. */
  checkTimeoutMs: number;
  /** Readiness mode when > 0. */
  readinessIntervalMs: number;
  /** Readiness deadline; `Infinity` when `-readiness-timeout` is zero or negative. */
  readinessTimeoutMs: number;
  /** Liveness mode when > 0 (and readiness mode is off). */
  livenessIntervalMs: number;
}

export type ParsedArgs = { kind: 'config'; config: HealthcheckConfig } | { kind: 'exit'; code: number; stderr: string };

const positiveOrInfinity = (ms: number): number => (ms > 0 ? ms : Infinity);

export function parseHealthcheckArgs(args: readonly string[]): ParsedArgs {
  const parsed = parseFlags('healthcheck', HEALTHCHECK_FLAGS, args);
  if (parsed.kind === 'help') return { kind: 'exit', code: EXIT.healthcheck.Healthy, stderr: parsed.output };
  if (parsed.kind === 'error') return { kind: 'exit', code: EXIT.healthcheck.FlagParse, stderr: parsed.output };
  const v = parsed.values;
  const network = v.network as string;
  const port = v.port as string;
  let target: Target;
  if (network === 'tcp') target = { network: 'tcp', port };
  else if (network === 'unix') target = { network: 'unix', socketPath: port };
  // Like Diego's tool, an unknown network is not a usage error: each check reports it.
  else target = { network: 'unsupported', name: network, port };
  return {
    kind: 'config',
    config: {
      target,
      uri: v.uri as string,
      checkTimeoutMs: positiveOrInfinity(v.timeout as number),
      readinessIntervalMs: v['readiness-interval'] as number,
      readinessTimeoutMs: positiveOrInfinity(v['readiness-timeout'] as number),
      livenessIntervalMs: v['liveness-interval'] as number,
    },
  };
}
