// CONTRACT §5 (environment computation, launcher and shell), §3.4 (its errors exit 3 for the launcher),
// §7 (DATABASE_URL) and §8 (VCAP_PLATFORM_OPTIONS), observed as the started app sees its environment.
// Project decisions: Q24 fixed (VCAP_APPLICATION=null is left unchanged), Q29 fixed (services are
// visited in sorted name order), Q30 kept (the shell exits 1 on environment errors).
// CredHub interpolation (§5 step 5, §6) is in credhub.test.ts.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Droplet, baseEnv, killLeftovers, launcherStdout } from '../helpers/launch.ts';

let droplet: Droplet;
beforeEach(() => {
  droplet = new Droplet();
});
afterEach(() => {
  killLeftovers();
  droplet.cleanup();
});

/** Starts the launcher with `env` and returns the environment the app saw. */
async function appEnv(env: Record<string, string>, appArg = 'app'): Promise<Record<string, string>> {
  const r = await droplet.launch([appArg, droplet.envCommand, ''], { env: baseEnv(env) });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return droplet.seenEnv();
}

/** The app prints one variable's exact bytes (or `<unset>`). */
async function appVariable(name: string, env: Record<string, string>): Promise<string> {
  const r = await droplet.launch(['app', `printf %s "\${${name}-<unset>}"`, ''], { env: baseEnv(env) });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout.startsWith(launcherStdout())).toBe(true);
  return r.stdout.slice(launcherStdout().length);
}

describe('CONTRACT §5 Environment computation (launcher and shell)', () => {
  describe('steps 1–3 HOME, TMPDIR, DEPS_DIR', () => {
    it('HOME is the app dir; TMPDIR and DEPS_DIR are its siblings ../tmp and ../deps', async () => {
      const env = await appEnv({ HOME: '/home/somebody', TMPDIR: '/var/tmp', DEPS_DIR: '/elsewhere' });

      expect(env.HOME).toBe(droplet.app);
      expect(env.TMPDIR).toBe(droplet.path('tmp'));
      expect(env.DEPS_DIR).toBe(droplet.path('deps'));
    });

    it.each([['./app/../app'], ['app/.'], ['app///']])('are absolute and cleaned for a relative app dir argument %s', async (arg) => {
      const env = await appEnv({}, arg);

      expect(env.HOME).toBe(droplet.app);
      expect(env.TMPDIR).toBe(droplet.path('tmp'));
      expect(env.DEPS_DIR).toBe(droplet.path('deps'));
    });

    it('for a nested app dir, TMPDIR/DEPS_DIR follow the app dir, not the cwd', async () => {
      droplet.mkdir('x/y/app');

      const env = await appEnv({}, 'x/y/../y/app');

      expect(env.HOME).toBe(droplet.path('x', 'y', 'app'));
      expect(env.TMPDIR).toBe(droplet.path('x', 'y', 'tmp'));
      expect(env.DEPS_DIR).toBe(droplet.path('x', 'y', 'deps'));
    });

    it('TMPDIR is not created', async () => {
      await appEnv({});

      expect(fs.existsSync(droplet.path('tmp'))).toBe(false);
      expect(fs.existsSync(droplet.path('deps'))).toBe(false);
    });

    it('other variables pass through unchanged', async () => {
      const env = await appEnv({ SOME_VAR: 'some value with spaces, "quotes" & <brackets>', EMPTY_VAR: '', DATABASE_URL: 'kept://untouched' });

      expect(env.SOME_VAR).toBe('some value with spaces, "quotes" & <brackets>');
      expect(env.EMPTY_VAR).toBe('');
      expect(env.DATABASE_URL).toBe('kept://untouched');
      expect(env.LANG).toBe('C.UTF-8');
    });
  });

  describe('step 4 VCAP_APPLICATION', () => {
    it("rewrites an object: the contract's example, exact bytes", async () => {
      const value = await appVariable('VCAP_APPLICATION', {
        VCAP_APPLICATION: '{"foo":1}',
        PORT: '8080',
        INSTANCE_GUID: 'some-instance-guid',
        INSTANCE_INDEX: '123',
      });

      expect(value).toBe('{"foo":1,"host":"0.0.0.0","instance_id":"some-instance-guid","instance_index":123,"port":8080}');
    });

    it('instance_id is always set (empty when INSTANCE_GUID is unset); port/instance_index only from integers', async () => {
      const value = await appVariable('VCAP_APPLICATION', { VCAP_APPLICATION: '{}' });

      expect(value).toBe('{"host":"0.0.0.0","instance_id":""}');
    });

    it('overrides existing host, instance_id, port and instance_index', async () => {
      const value = await appVariable('VCAP_APPLICATION', {
        VCAP_APPLICATION: '{"host":"10.0.0.1","instance_id":"old","instance_index":9,"port":1234,"name":"app"}',
        PORT: '-42',
        INSTANCE_GUID: 'new-guid',
        INSTANCE_INDEX: '+7',
      });

      expect(value).toBe('{"host":"0.0.0.0","instance_id":"new-guid","instance_index":7,"name":"app","port":-42}');
    });

    it.each([['not-a-number'], ['8080.5'], ['0x50'], [''], [' 80']])(
      'keeps an existing port and instance_index when PORT/INSTANCE_INDEX is %j',
      async (bad) => {
        const value = await appVariable('VCAP_APPLICATION', {
          VCAP_APPLICATION: '{"port":1234,"instance_index":5}',
          PORT: bad,
          INSTANCE_INDEX: bad,
          INSTANCE_GUID: 'g',
        });

        expect(value).toBe('{"host":"0.0.0.0","instance_id":"g","instance_index":5,"port":1234}');
      },
    );

    it('re-serializes per §1.2: sorted keys at every depth, compact, HTML-escaped, numbers as doubles', async () => {
      const value = await appVariable('VCAP_APPLICATION', {
        VCAP_APPLICATION:
          '{ "z": { "b": [1.50, 1e3, 12345678901234567890], "a": null }, "name": "<a> & \'b\' \u2028\u2029 é", "application_uris": ["x.example.com"], "flag": true }',
        INSTANCE_GUID: 'g',
      });

      expect(value).toBe(
        '{"application_uris":["x.example.com"],"flag":true,"host":"0.0.0.0","instance_id":"g",' +
          '"name":"\\u003ca\\u003e \\u0026 \'b\' \\u2028\\u2029 é","z":{"a":null,"b":[1.5,1000,12345678901234567000]}}',
      );
    });

    it.each([
      ['invalid JSON', '{"foo":'],
      ['an array', '[1,2]'],
      ['a string', '"just a string"'],
      ['a number', '42'],
      ['null (Q24 fixed: no panic)', 'null'],
      ['not JSON at all', "'{}'"],
    ])('leaves %s unchanged', async (_what, raw) => {
      const value = await appVariable('VCAP_APPLICATION', { VCAP_APPLICATION: raw, PORT: '8080', INSTANCE_GUID: 'g', INSTANCE_INDEX: '1' });

      expect(value).toBe(raw);
    });

    it('leaves it unset when unset', async () => {
      const value = await appVariable('VCAP_APPLICATION', { PORT: '8080', INSTANCE_GUID: 'g' });

      expect(value).toBe('<unset>');
    });

    it('null also starts normally under the shell (Q24 fixed)', async () => {
      const r = await droplet.shell(['app', 'printf %s "$VCAP_APPLICATION"'], { env: baseEnv({ VCAP_APPLICATION: 'null' }) });

      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('null');
      expect(r.code).toBe(0);
    });
  });
});

describe('CONTRACT §8 VCAP_PLATFORM_OPTIONS (and §5 step 6: unset for the app)', () => {
  it.each([
    ['an empty string', ''],
    ['an empty object', '{}'],
    ['an empty credhub-uri', '{"credhub-uri":""}'],
    ['other members only', '{"other":"x"}'],
    ['a credhub-uri, but nothing to interpolate', '{"credhub-uri":"valid_json"}'],
  ])('%s: no error, and the app does not see the variable', async (_what, value) => {
    const env = await appEnv({ VCAP_PLATFORM_OPTIONS: value, VCAP_SERVICES: '{"db":[]}' });

    expect(env).not.toHaveProperty('VCAP_PLATFORM_OPTIONS');
    expect(env.VCAP_SERVICES).toBe('{"db":[]}');
  });

  it.each([
    ['wrapped in single quotes', "'{}'", "invalid character '\\'' looking for beginning of value"],
    ['not JSON', 'not json', "invalid character 'o' in literal null (expecting 'u')"],
    ['truncated JSON', '{"credhub-uri":', 'unexpected end of JSON input'],
  ])('invalid (%s): launcher prints `Invalid platform options: <go json error>`, exit 3, nothing on stdout', async (_what, value, jsonError) => {
    const r = await droplet.launch(['app', `echo started > '${droplet.path('started')}'`, ''], { env: baseEnv({ VCAP_PLATFORM_OPTIONS: value }) });

    expect(r.stderr).toBe(`Invalid platform options: ${jsonError}`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(3);
    expect(droplet.exists('started')).toBe(false);
  });

  it.each([
    ['a credhub-uri that is not a string', '{"credhub-uri":42}'],
    ['an array', '["credhub-uri"]'],
    ['a string', '"credhub-uri"'],
  ])('not decodable into the options object (%s): `Invalid platform options: …`, exit 3', async (_what, value) => {
    const r = await droplet.launch(['app', 'echo never', ''], { env: baseEnv({ VCAP_PLATFORM_OPTIONS: value }) });

    expect(r.stderr.startsWith('Invalid platform options: json: cannot unmarshal ')).toBe(true);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(3);
  });

  it('invalid under the shell: the same message, exit 1 (Q30 kept)', async () => {
    const r = await droplet.shell(['app', 'echo never'], { env: baseEnv({ VCAP_PLATFORM_OPTIONS: "'{}'" }) });

    expect(r.stderr).toBe("Invalid platform options: invalid character '\\'' looking for beginning of value");
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
  });

  it("the shell's app does not see a valid VCAP_PLATFORM_OPTIONS either", async () => {
    const r = await droplet.shell(['app', 'printf %s "${VCAP_PLATFORM_OPTIONS-unset}"'], { env: baseEnv({ VCAP_PLATFORM_OPTIONS: '{}' }) });

    expect(r.stdout).toBe('unset');
    expect(r.code).toBe(0);
  });
});

describe('CONTRACT §7 DATABASE_URL derivation', () => {
  const services = (...uris: unknown[]): string => JSON.stringify({ 'a-service': uris.map((uri) => ({ name: 'db', credentials: { uri } })) });

  it.each([
    ['mysql://username:password@host/db', 'mysql2://username:password@host/db'],
    ['mysql2://username:password@host/db', 'mysql2://username:password@host/db'],
    ['postgres://username:password@host/db', 'postgres://username:password@host/db'],
    ['postgresql://username:password@host/db', 'postgres://username:password@host/db'],
    ['MySQL://username:password@host:3306/db?reconnect=true', 'mysql2://username:password@host:3306/db?reconnect=true'],
    ['POSTGRES://u:p@host/db', 'postgres://u:p@host/db'],
  ])('%s → DATABASE_URL=%s', async (uri, expected) => {
    const env = await appEnv({ VCAP_SERVICES: services(uri) });

    expect(env.DATABASE_URL).toBe(expected);
  });

  it.each([
    ['a non-database scheme (sendgrid)', services('sendgrid://foo:bar@host/db')],
    ['a non-database scheme (datastore)', services('datastore://thing.com/special')],
    ['an unparsable URI only', services('postgresql://invalid:password@host/%a')],
    ['an empty uri', services('')],
    ['no uri at all', JSON.stringify({ svc: [{ credentials: { password: 'x' } }] })],
    ['no credentials', JSON.stringify({ svc: [{ name: 'x' }] })],
    ['a service value that is not an array', JSON.stringify({ svc: { credentials: { uri: 'mysql://u:p@host/db' } } })],
    [
      'a uri that is not a string, next to a good one',
      JSON.stringify({ svc: [{ credentials: { uri: 42 } }], other: [{ credentials: { uri: 'mysql://u:p@host/db' } }] }),
    ],
    ['VCAP_SERVICES that is not JSON', 'not json'],
    ['VCAP_SERVICES that is an array', '[{"credentials":{"uri":"mysql://u:p@host/db"}}]'],
  ])('sets none for %s', async (_what, vcapServices) => {
    const env = await appEnv({ VCAP_SERVICES: vcapServices });

    expect(env).not.toHaveProperty('DATABASE_URL');
    expect(env.VCAP_SERVICES).toBe(vcapServices);
  });

  it('leaves an existing DATABASE_URL when none is found', async () => {
    const env = await appEnv({ DATABASE_URL: 'kept://as/it/was', VCAP_SERVICES: services('sendgrid://foo:bar@host/db') });

    expect(env.DATABASE_URL).toBe('kept://as/it/was');
  });

  it('leaves an existing DATABASE_URL when VCAP_SERVICES is empty or unset', async () => {
    expect((await appEnv({ DATABASE_URL: 'kept://1', VCAP_SERVICES: '' })).DATABASE_URL).toBe('kept://1');
    expect((await appEnv({ DATABASE_URL: 'kept://2' })).DATABASE_URL).toBe('kept://2');
  });

  it('overwrites an existing DATABASE_URL when one is found', async () => {
    const env = await appEnv({ DATABASE_URL: 'replaced://soon', VCAP_SERVICES: services('mysql://u:p@host/db') });

    expect(env.DATABASE_URL).toBe('mysql2://u:p@host/db');
  });

  it('takes the first usable uri: instances in array order, skipping empty, non-database and unparsable ones', async () => {
    const env = await appEnv({
      VCAP_SERVICES: services(
        '',
        'sendgrid://foo:bar@host/db',
        'postgresql://invalid:password@host/%a',
        'postgres://second:pw@host/db',
        'mysql://third:pw@host/db',
      ),
    });

    expect(env.DATABASE_URL).toBe('postgres://second:pw@host/db');
  });

  it('visits services in sorted name order (Q29 fixed), whatever their order in the JSON', async () => {
    const vcap =
      '{"zz-db":[{"credentials":{"uri":"mysql://zz:pw@host/db"}}],"B-db":[{"credentials":{"uri":"postgres://upper-b:pw@host/db"}}],"a-db":[{"credentials":{"uri":"postgres://a:pw@host/db"}}]}';

    for (let i = 0; i < 3; i++) {
      // Byte order: "B-db" < "a-db" < "zz-db".
      expect((await appEnv({ VCAP_SERVICES: vcap })).DATABASE_URL).toBe('postgres://upper-b:pw@host/db');
    }
  });

  it('matches the credentials and uri keys case-insensitively', async () => {
    const env = await appEnv({ VCAP_SERVICES: '{"svc":[{"Credentials":{"URI":"mysql://u:p@host/db"}}]}' });

    expect(env.DATABASE_URL).toBe('mysql2://u:p@host/db');
  });

  it('under the shell too', async () => {
    const r = await droplet.shell(['app', 'printf %s "$DATABASE_URL"'], { env: baseEnv({ VCAP_SERVICES: services('postgresql://u:p@host/db') }) });

    expect(r.stdout).toBe('postgres://u:p@host/db');
    expect(r.code).toBe(0);
  });
});
