import { describe, expect, it } from 'vitest';
import { xxhash64Hex } from './xxhash64.ts';

describe('xxhash64 (CONTRACT §2.4 test vectors)', () => {
  it.each([
    ['my-buildpack/key/::', 'dc91f5556d3ae859'],
    ['https://github.com/cloudfoundry/ruby-buildpack', '0e1df1251578f504'],
    ['a1b4aa82-e5ae-4736-8284-bdfb013a7121_2845c523cf4f4f1045b331982cc557ef761afde4dc9fc8777831563461309455', '00c84a1da9e0c81e'],
    ['nested-buildpack', 'ba8ed7547bcbcb08'],
    ['always-detect-buildpack', '1f5509d5a083cff6'],
    ['always-detects', '57efcd3f67a2d921'],
    ['also-always-detects', 'e8e1f3476c9f4ee6'],
    ['always-detects-creates-build-artifacts', '5197145f32956b5e'],
    ['has-finalize', '8ef66218707e5c99'],
    ['not-in-buildpack-order', '8f247594da9de906'],
    ['', 'ef46db3751d8e999'],
  ])('%s → %s', (key, hex) => {
    expect(xxhash64Hex(key)).toBe(hex);
  });
});
