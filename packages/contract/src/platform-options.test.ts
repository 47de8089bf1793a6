import { describe, expect, it } from 'vitest';
import { PlatformOptionsError, parsePlatformOptions } from './platform-options.ts';

describe('VCAP_PLATFORM_OPTIONS (CONTRACT §8)', () => {
  it('unset or empty means no options', () => {
    expect(parsePlatformOptions(undefined)).toBeUndefined();
    expect(parsePlatformOptions('')).toBeUndefined();
  });
  it('reads credhub-uri', () => {
    expect(parsePlatformOptions('{}')).toEqual({ credhubUri: '' });
    expect(parsePlatformOptions('{"credhub-uri":"valid_json"}')).toEqual({ credhubUri: 'valid_json' });
    expect(parsePlatformOptions('null')).toEqual({ credhubUri: '' });
  });
  it('rejects invalid JSON with Go error text', () => {
    expect(() => parsePlatformOptions("'{}'")).toThrow(new PlatformOptionsError("invalid character '\\'' looking for beginning of value"));
    expect(() => parsePlatformOptions('{"credhub-uri":5}')).toThrow(
      'json: cannot unmarshal number into Go struct field PlatformOptions.credhub-uri of type string',
    );
    expect(() => parsePlatformOptions('[]')).toThrow('json: cannot unmarshal array into Go value of type platformoptions.PlatformOptions');
  });
});
