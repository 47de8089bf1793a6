import { describe, expect, it } from 'vitest';
import { databaseUrlFromServices } from './database-url.ts';

const services = (...uris: Array<string | number>) => JSON.stringify({ svc: uris.map((uri) => ({ credentials: { uri } })) });

describe('DATABASE_URL derivation (CONTRACT §7)', () => {
  it.each([
    ['mysql://username:password@host/db', 'mysql2://username:password@host/db'],
    ['mysql2://username:password@host/db', 'mysql2://username:password@host/db'],
    ['postgres://username:password@host/db', 'postgres://username:password@host/db'],
    ['postgresql://username:password@host/db', 'postgres://username:password@host/db'],
    ['MySQL://u:p@host/db', 'mysql2://u:p@host/db'],
  ])('%s → %s', (uri, expected) => {
    expect(databaseUrlFromServices(services(uri))).toBe(expected);
  });

  it.each(['sendgrid://foo:bar@host/db', 'datastore://thing.com/special'])('%s → none', (uri) => {
    expect(databaseUrlFromServices(services(uri))).toBeUndefined();
  });

  it('skips URIs that do not parse and takes the next one', () => {
    expect(databaseUrlFromServices(services('postgresql://invalid:password@host/%a', 'mysql://u:p@h/d'))).toBe('mysql2://u:p@h/d');
  });

  it('gives nothing for invalid JSON, wrong shapes or empty input', () => {
    expect(databaseUrlFromServices('')).toBeUndefined();
    expect(databaseUrlFromServices('{not json')).toBeUndefined();
    expect(databaseUrlFromServices('{"svc":{}}')).toBeUndefined();
    expect(databaseUrlFromServices(services(5))).toBeUndefined();
  });

  it('matches keys case-insensitively like Go', () => {
    expect(databaseUrlFromServices('{"svc":[{"Credentials":{"URI":"mysql://a:b@h/d"}}]}')).toBe('mysql2://a:b@h/d');
  });

  it('visits services in sorted name order (quirk Q29 fixed)', () => {
    const vcap = JSON.stringify({
      zeta: [{ credentials: { uri: 'mysql://z:z@zhost/db' } }],
      alpha: [{ credentials: { uri: 'postgres://a:a@ahost/db' } }],
    });
    expect(databaseUrlFromServices(vcap)).toBe('postgres://a:a@ahost/db');
  });
});

describe('DATABASE_URL is the URL re-serialized as Go does (CONTRACT §7)', () => {
  it.each([
    ['postgres://user:pass:word@host/db', 'postgres://user:pass%3Aword@host/db'],
    ['postgres://user:p!ss*@host/db', 'postgres://user:p%21ss%2A@host/db'],
    ['mysql://u%40x:p%2Fw@host:3306/db?reconnect=true#frag', 'mysql2://u%40x:p%2Fw@host:3306/db?reconnect=true#frag'],
    ['postgres://host/my%20db', 'postgres://host/my%20db'],
    ['postgres://host/my db', 'postgres://host/my%20db'],
  ])('%s → %s', (uri, expected) => {
    expect(databaseUrlFromServices(services(uri))).toBe(expected);
  });
});
