// The VCAP_APPLICATION rewrite the launcher and shell apply (CONTRACT §5 step 4).
import { goJson, goJsonParse } from './go/gojson.ts';

/** Go's strconv.Atoi for the values Diego sets: an optional sign and decimal digits within int64. */
function atoi(text: string | undefined): number | undefined {
  if (text === undefined || !/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value > 9223372036854775807n || value < -9223372036854775808n) return undefined;
  return Number(value);
}

/**
 * VCAP_APPLICATION with `host`, `instance_id`, `port` and `instance_index` set, re-serialized with
 * sorted keys; unchanged (undefined) when it is unset, not JSON, or not an object (quirk Q24 fixed:
 * `null` is left alone instead of crashing).
 */
export function rewriteVcapApplication(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.VCAP_APPLICATION;
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = goJsonParse(raw);
  } catch {
    return undefined;
  }
  if (!(parsed instanceof Map)) return undefined;
  parsed.set('host', '0.0.0.0');
  parsed.set('instance_id', env.INSTANCE_GUID ?? '');
  const port = atoi(env.PORT);
  if (port !== undefined) parsed.set('port', port);
  const index = atoi(env.INSTANCE_INDEX);
  if (index !== undefined) parsed.set('instance_index', index);
  return goJson(parsed);
}
