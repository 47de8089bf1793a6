// VCAP_PLATFORM_OPTIONS (CONTRACT §8): an optional JSON object with a string member `credhub-uri`.
import { GoJsonSyntaxError, goJsonParse } from './go/gojson.ts';

export interface PlatformOptions {
  credhubUri: string;
}

export class PlatformOptionsError extends Error {}

/** Unset or empty → undefined. Invalid → PlatformOptionsError with Go's json error text. */
export function parsePlatformOptions(raw: string | undefined): PlatformOptions | undefined {
  if (raw === undefined || raw === '') return undefined;
  let value: unknown;
  try {
    value = goJsonParse(raw);
  } catch (err) {
    throw new PlatformOptionsError(err instanceof GoJsonSyntaxError ? err.message : String(err));
  }
  if (value === null) return { credhubUri: '' };
  if (!(value instanceof Map)) {
    throw new PlatformOptionsError(`json: cannot unmarshal ${goJsonKind(value)} into Go value of type platformoptions.PlatformOptions`);
  }
  let credhubUri = '';
  // Go matches struct field names case-insensitively.
  for (const [key, member] of value) {
    if (key.toLowerCase() !== 'credhub-uri') continue;
    if (member === null) continue;
    if (typeof member !== 'string') {
      throw new PlatformOptionsError(`json: cannot unmarshal ${goJsonKind(member)} into Go struct field PlatformOptions.credhub-uri of type string`);
    }
    credhubUri = member;
  }
  return { credhubUri };
}

/** Go's name for a JSON value's kind in unmarshal errors. */
export function goJsonKind(value: unknown): string {
  if (value instanceof Map) return 'object';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  return 'null';
}
