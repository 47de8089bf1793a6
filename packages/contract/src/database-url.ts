// DATABASE_URL from VCAP_SERVICES (CONTRACT §7).
import { goJsonParse } from './go/gojson.ts';
import { formatGoUrl, parseGoUrl, type GoUrl } from './go/go-url.ts';

const SCHEMES: Record<string, string> = { mysql: 'mysql2', mysql2: 'mysql2', postgres: 'postgres', postgresql: 'postgres' };

/**
 * The database URL for a VCAP_SERVICES value, or undefined. Services are visited in sorted name order
 * (quirk Q29 fixed: the reference's order is random), instances in array order.
 */
export function databaseUrlFromServices(vcapServices: string): string | undefined {
  if (vcapServices === '') return undefined;
  let parsed: unknown;
  try {
    parsed = goJsonParse(vcapServices);
  } catch {
    return undefined;
  }
  if (!(parsed instanceof Map)) return undefined;
  const uris: string[] = [];
  for (const name of [...parsed.keys()].sort()) {
    const instances = parsed.get(name);
    if (instances === null) continue;
    if (!Array.isArray(instances)) return undefined;
    for (const instance of instances) {
      if (instance === null) continue;
      if (!(instance instanceof Map)) return undefined;
      const credentials = getFold(instance, 'credentials');
      if (credentials === undefined || credentials === null) continue;
      if (!(credentials instanceof Map)) return undefined;
      const uri = getFold(credentials, 'uri');
      if (uri === undefined || uri === null) continue;
      if (typeof uri !== 'string') return undefined;
      if (uri !== '') uris.push(uri);
    }
  }
  for (const uri of uris) {
    let url: GoUrl;
    try {
      url = parseGoUrl(uri);
    } catch {
      continue;
    }
    const scheme = SCHEMES[url.scheme];
    if (scheme) return formatGoUrl({ ...url, scheme });
  }
  return undefined;
}

/** Go's encoding/json matches object keys to struct fields case-insensitively; an exact match wins. */
function getFold(map: Map<string, unknown>, key: string): unknown {
  if (map.has(key)) return map.get(key);
  let found: unknown;
  for (const [k, v] of map) if (k.toLowerCase() === key) found = v;
  return found;
}
