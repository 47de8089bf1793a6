import { describe, expect, it } from 'vitest';
import { escapeControl, escapeControlLines, hasControl, hasUserinfo, redactUrl, redactUrlsIn } from './index.ts';

describe('redactUrl', () => {
  it.each([
    ['https://user:token@host.example/bp.zip', 'https://***@host.example/bp.zip'],
    ['https://token@host.example/bp.zip', 'https://***@host.example/bp.zip'],
    ['https://a:b@c@host/x', 'https://***@host/x'],
    ['git+ssh://git@github.com/org/repo.git#v1', 'git+ssh://***@github.com/org/repo.git#v1'],
    ['https://host.example/bp.zip?u=a@b', 'https://host.example/bp.zip?u=a@b'],
    ['https://host.example/x@y', 'https://host.example/x@y'],
    ['ruby_buildpack', 'ruby_buildpack'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
    expect(hasUserinfo(input)).toBe(input !== expected);
  });

  it('redacts every URL inside a message', () => {
    expect(redactUrlsIn('Failed to download buildpack \'https://u:SECRET@h/bp.zip\': Get "https://u:SECRET@h/bp.zip": refused')).toBe(
      'Failed to download buildpack \'https://***@h/bp.zip\': Get "https://***@h/bp.zip": refused',
    );
  });
});

describe('escapeControl', () => {
  it('escapes C0, DEL, C1 and bidi overrides, keeps tab and text', () => {
    expect(escapeControl('a\x1b]0;pwned\x07b\tc\r\n\x7f\x9b\u202eé')).toBe('a\\x1b]0;pwned\\x07b\tc\\r\\n\\x7f\\x9b\\u202eé');
    expect(hasControl('plain text é')).toBe(false);
    expect(hasControl('x\x1b[2J')).toBe(true);
  });

  it('keeps line breaks with escapeControlLines', () => {
    expect(escapeControlLines('one\x1b[31m\ntwo')).toBe('one\\x1b[31m\ntwo');
  });
});
