import { describe, expect, it } from 'vitest';
import { rewriteVcapApplication } from './vcap-application.ts';

describe('VCAP_APPLICATION rewrite (CONTRACT §5 step 4)', () => {
  const env = { PORT: '8080', INSTANCE_GUID: 'some-instance-guid', INSTANCE_INDEX: '123' };
  it('adds host, instance_id, port and instance_index, sorted', () => {
    expect(rewriteVcapApplication({ ...env, VCAP_APPLICATION: '{"foo":1}' })).toBe(
      '{"foo":1,"host":"0.0.0.0","instance_id":"some-instance-guid","instance_index":123,"port":8080}',
    );
  });
  it('keeps an existing port when PORT is not an integer; instance_id is always set', () => {
    expect(rewriteVcapApplication({ PORT: 'abc', VCAP_APPLICATION: '{"port":1,"z":"<&>"}' })).toBe(
      '{"host":"0.0.0.0","instance_id":"","port":1,"z":"\\u003c\\u0026\\u003e"}',
    );
  });
  it('re-prints numbers as doubles', () => {
    expect(rewriteVcapApplication({ VCAP_APPLICATION: '{"a":1e3,"b":12345678901234567890,"c":1.50}' })).toBe(
      '{"a":1000,"b":12345678901234567000,"c":1.5,"host":"0.0.0.0","instance_id":""}',
    );
  });
  it.each([undefined, 'not json', '[1,2]', '"str"', 'null'])('leaves %s unchanged', (value) => {
    expect(rewriteVcapApplication({ ...env, VCAP_APPLICATION: value })).toBeUndefined();
  });
  it('accepts signed integers', () => {
    expect(rewriteVcapApplication({ PORT: '+80', INSTANCE_INDEX: '-1', VCAP_APPLICATION: '{}' })).toBe(
      '{"host":"0.0.0.0","instance_id":"","instance_index":-1,"port":80}',
    );
  });
});
