import { describe, expect, it } from 'vitest';
import { YamlDecoder, YamlError, parseYaml, parseYamlDocument, scalarAsGoString, shortTag, toTypedValue } from './yaml.ts';
import type { YamlNode, YamlValue } from './yaml.ts';

/** The value node of `key` in a top-level mapping. */
function nodeAt(text: string, key: string): YamlNode {
  const parsed = parseYaml(text);
  if (!parsed) throw new Error('empty document');
  const { children } = parsed.root;
  for (let i = children.length - 2; i >= 0; i -= 2) {
    if (children[i]?.value === key) return children[i + 1] as YamlNode;
  }
  throw new Error(`no key ${key}`);
}

function typed(text: string): YamlValue {
  const parsed = parseYaml(text);
  if (!parsed) throw new Error('empty document');
  return toTypedValue(parsed.root);
}

function syntaxError(text: string): string {
  try {
    parseYaml(text);
  } catch (error) {
    expect(error).toBeInstanceOf(YamlError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe('parseYamlDocument (CONTRACT §1.3)', () => {
  it('returns undefined for an empty stream', () => {
    expect(parseYamlDocument('')).toBeUndefined();
    expect(parseYamlDocument('# only a comment\n\n')).toBeUndefined();
  });

  it('returns the first document', () => {
    const doc = parseYamlDocument('web: run\n---\nother: doc\n');
    expect(doc?.toJS()).toEqual({ web: 'run' });
  });

  it('ignores syntax errors in later documents, as yaml.v2 never parses them', () => {
    expect(parseYamlDocument('web: run\n--- [\n')?.toJS()).toEqual({ web: 'run' });
  });

  it('throws YamlError on a syntax error', () => {
    expect(() => parseYamlDocument('web: [')).toThrow(YamlError);
    expect(() => parseYamlDocument('web: [')).toThrow('yaml: line 1: did not find expected node content');
  });

  it('accepts custom tags anywhere without complaint', () => {
    expect(() => parseYamlDocument('a: !ruby/object:Pathname {path: /x}\nb: !custom [1]\nc: !!python/tuple x\n')).not.toThrow();
  });

  it('accepts a %YAML 1.1 directive and rejects other versions', () => {
    expect(parseYamlDocument('%YAML 1.1\n---\na: b\n')?.toJS()).toEqual({ a: 'b' });
    expect(syntaxError('%YAML 1.2\n---\na: b\n')).toBe('yaml: found incompatible YAML document');
  });
});

describe('decoding into a string (CONTRACT §1.3)', () => {
  it.each([
    ['web: 123', '123'],
    ['web: true', 'true'],
    ['web: 1.0', '1.0'],
    ['web: 3.14', '3.14'],
    ['web: 0x1F', '0x1F'],
    ['web: yes', 'yes'],
    ['web: .inf', '.inf'],
    ['web: 2001-12-14', '2001-12-14'],
    ['web: bundle exec rails s -p $PORT', 'bundle exec rails s -p $PORT'],
    ['web: "a \\u0026\\u0026 b"', 'a && b'],
    ["web: 'it''s'", "it's"],
    ['web: |\n  line one\n  line two\n', 'line one\nline two\n'],
    ['web: >-\n  folded\n  text\n', 'folded text'],
    ['web: multi\n  line plain\n', 'multi line plain'],
    ['web: !ruby/object:Pathname /app', '/app'],
    ['web: !!str 12', '12'],
    ['web: !!binary aGVsbG8=', 'hello'],
  ])('%j → %j', (text, expected) => {
    expect(scalarAsGoString(nodeAt(text, 'web'))).toBe(expected);
  });

  it.each(['web:', 'web: ~', 'web: null', 'web: Null', 'web: NULL'])('null %j → ""', (text) => {
    expect(scalarAsGoString(nodeAt(text, 'web'))).toBe('');
  });

  it('keeps quoted null-looking text', () => {
    expect(scalarAsGoString(nodeAt('web: "~"', 'web'))).toBe('~');
    expect(scalarAsGoString(nodeAt("web: ''", 'web'))).toBe('');
  });

  it('rejects a sequence or a mapping', () => {
    expect(() => scalarAsGoString(nodeAt('web: [a]', 'web'))).toThrow('yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string');
    expect(() => scalarAsGoString(nodeAt('web:\n  a: b\n', 'web'))).toThrow('yaml: unmarshal errors:\n  line 2: cannot unmarshal !!map into string');
  });

  it('follows aliases', () => {
    expect(scalarAsGoString(nodeAt('a: &cmd run it\nweb: *cmd\n', 'web'))).toBe('run it');
  });
});

describe('YAML 1.1 typed values (output_metadata, interface{})', () => {
  it.each<[string, YamlValue]>([
    ['123', 123],
    ['-12', -12],
    ['+12', 12],
    ['1_000', 1000],
    ['0x1F', 31],
    ['0o17', 15],
    ['017', 15],
    ['0b101', 5],
    ['-0b101', -5],
    ['08', 8],
    ['1.5', 1.5],
    ['1.0', 1],
    ['1e3', 1000],
    ['.5', 0.5],
    ['+.5', 0.5],
    ['0.', 0],
    ['.inf', Number.POSITIVE_INFINITY],
    ['-.Inf', Number.NEGATIVE_INFINITY],
    ['+.INF', Number.POSITIVE_INFINITY],
    ['.nan', Number.NaN],
    ['1e400', '1e400'],
    ['._5', '._5'],
    ['1:20', '1:20'],
    ['9223372036854775807', 9223372036854775807n],
    ['18446744073709551615', 18446744073709551615n],
    ['18446744073709551616', 18446744073709551616],
    ['2001-12-14', '2001-12-14'],
    ['2001-12-14t21:59:43.10Z', '2001-12-14t21:59:43.10Z'],
    ['a string', 'a string'],
    ['"123"', '123'],
    ["'true'", 'true'],
    ['!!str 123', '123'],
    ['!!int "12"', 12],
    ['!!float 1', 1],
    ['! 12', '12'],
    ['!custom 12', '12'],
    ['!!binary aGVsbG8=', 'hello'],
  ])('%s', (text, expected) => {
    expect(typed(text)).toEqual(expected);
  });

  it.each(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'])('%s is true', (text) => {
    expect(typed(text)).toBe(true);
  });

  it.each(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'])('%s is false', (text) => {
    expect(typed(text)).toBe(false);
  });

  it.each(['~', 'null', 'Null', 'NULL', '!!null ""'])('%s is null', (text) => {
    expect(typed(text)).toBeNull();
  });

  it.each(['tRUE', 'yES', 'nULL', 'True!'])('%s is a string', (text) => {
    expect(typed(text)).toBe(text);
  });

  it('decodes sequences to arrays and mappings to Maps, nested too (quirk Q6 fixed)', () => {
    const value = typed('list: [1, x, ~]\nnested:\n  inner: {deep: 2}\n  3: three\n  ~: nothing\n');
    expect(value).toEqual(
      new Map<string, YamlValue>([
        ['list', [1, 'x', null]],
        [
          'nested',
          new Map<string, YamlValue>([
            ['inner', new Map([['deep', 2]])],
            ['3', 'three'],
            ['', 'nothing'],
          ]),
        ],
      ]),
    );
  });

  it('rejects a collection as a key of a nested mapping', () => {
    const parsed = parseYaml('{[a]: b}');
    expect(() => toTypedValue(parsed!.root)).toThrow('yaml: invalid map key: []interface {}{"a"}');
  });

  it('rejects a value that contradicts its explicit tag', () => {
    expect(() => typed('!!int abc')).toThrow('yaml: cannot decode !!str `abc` as a !!int');
    expect(() => typed('!!int 1.5')).toThrow('yaml: cannot decode !!float `1.5` as a !!int');
    expect(() => typed('!!bool maybe')).toThrow('yaml: cannot decode !!str `maybe` as a !!bool');
    expect(() => typed('!!binary abc')).toThrow('yaml: !!binary value contains invalid base64 data');
  });
});

describe('mappings: duplicate keys, merge keys, aliases (CONTRACT §1.3)', () => {
  it('lets the last duplicate key win', () => {
    expect(typed('a: 1\na: 2\n')).toEqual(new Map([['a', 2]]));
  });

  it('expands << merge keys in place; explicit keys after them win', () => {
    const value = typed('base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n');
    expect((value as Map<string, YamlValue>).get('m')).toEqual(
      new Map([
        ['x', 1],
        ['y', 3],
      ]),
    );
  });

  it('merges a list of mappings with earlier ones taking precedence', () => {
    const value = typed('a: &a {k: a}\nb: &b {k: b, o: b}\nm:\n  <<: [*a, *b]\n');
    expect((value as Map<string, YamlValue>).get('m')).toEqual(
      new Map([
        ['k', 'a'],
        ['o', 'b'],
      ]),
    );
  });

  it('rejects a merge of a non-mapping', () => {
    expect(() => typed('m:\n  <<: scalar\n')).toThrow('yaml: map merge requires map or sequence of maps as the value');
  });

  it('treats a quoted "<<" as an ordinary key', () => {
    expect(typed('"<<": x\n')).toEqual(new Map([['<<', 'x']]));
  });

  it('resolves an alias to the latest anchor before it', () => {
    expect(typed('- &a one\n- &a two\n- *a\n')).toEqual(['one', 'two', 'two']);
  });

  it('rejects an unknown alias while parsing', () => {
    expect(syntaxError('a: *nope\n')).toBe("yaml: unknown anchor 'nope' referenced");
    expect(syntaxError('a: *later\nb: &later x\n')).toBe("yaml: unknown anchor 'later' referenced");
  });

  it('rejects an alias that contains itself when decoded', () => {
    const parsed = parseYaml('a: &a [*a]\n');
    expect(() => toTypedValue(parsed!.root)).toThrow("yaml: anchor 'a' value contains itself");
  });

  it('stops an alias bomb', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const parsed = parseYaml(`${lines.join('\n')}\n`);
    expect(() => toTypedValue(parsed!.root)).toThrow('yaml: document contains excessive aliasing');
  });
});

describe('anchor and alias names (libyaml rule, CONTRACT §1.3)', () => {
  it('rejects a Ruby-style tag written as an anchor', () => {
    expect(syntaxError('start_command: &ruby/object:Pathname\n')).toBe('yaml: did not find expected alphabetic or numeric character');
  });

  it('gives the line when it is not the first', () => {
    expect(syntaxError('a: 1\nb: &x/y 2\n')).toBe('yaml: line 2: did not find expected alphabetic or numeric character');
  });

  it('applies the same rule to aliases', () => {
    expect(syntaxError('a: &x 1\nb: *x.y\n')).toBe('yaml: line 2: did not find expected alphabetic or numeric character');
  });

  it('accepts letters, digits, - and _', () => {
    expect(typed('a: &Ab-9_z v\nb: *Ab-9_z\n')).toEqual(
      new Map([
        ['a', 'v'],
        ['b', 'v'],
      ]),
    );
    expect(typed('[&a x, *a]')).toEqual(['x', 'x']);
  });

  it('reports the earliest problem in the stream', () => {
    expect(syntaxError('a: &bad/anchor x\nb: [\n')).toBe('yaml: did not find expected alphabetic or numeric character');
  });
});

describe('syntax error messages (libyaml wording, yaml.v2 line numbers)', () => {
  it.each([
    ['web: [', 'yaml: line 1: did not find expected node content'],
    ['web: [\n', 'yaml: line 1: did not find expected node content'],
    ['[', 'yaml: line 1: did not find expected node content'],
    ['a: 1\nweb: [\n', 'yaml: line 2: did not find expected node content'],
    ['web: [a,\n', 'yaml: line 1: did not find expected node content'],
    ['web: [a\n', "yaml: line 1: did not find expected ',' or ']'"],
    ['web: {a: 1', "yaml: line 1: did not find expected ',' or '}'"],
    ['web: {a: ', 'yaml: line 1: did not find expected node content'],
    ['web: "abc\n', 'yaml: line 2: found unexpected end of stream'],
    ["web: 'abc", 'yaml: found unexpected end of stream'],
    ['a: b: c\n', 'yaml: mapping values are not allowed in this context'],
    ['key: value\n  bad: indent\n', 'yaml: line 2: mapping values are not allowed in this context'],
    ['a:\n  b: c\n d: e\n', 'yaml: line 2: did not find expected key'],
    ['a: 1\nb\n', "yaml: line 3: could not find expected ':'"],
    ['\tweb: x\n', 'yaml: found character that cannot start any token'],
    ['a: 1\n\tweb: x\n', 'yaml: line 2: found character that cannot start any token'],
    ['a: @x\n', 'yaml: found character that cannot start any token'],
    ['a: - b\n', 'yaml: block sequence entries are not allowed in this context'],
    ['a: "\\q"\n', 'yaml: found unknown escape character'],
    ['a: "\u0001"\n', 'yaml: control characters are not allowed'],
  ])('%j → %s', (text, message) => {
    expect(syntaxError(text)).toBe(message);
  });

  it('falls back to the parser message with a 1-based line', () => {
    expect(syntaxError('- a\nb: c\n')).toMatch(/^yaml: line 2: /);
  });

  it('never lets anything but a YamlError escape', () => {
    for (const text of [']', '}', '{', '? ', ': ', '&', '*', '!', '%', '%FOO\n---\n', '--- |\n\tx\n', '"\\uD800"', '\uFFFF']) {
      try {
        parseYaml(text);
      } catch (error) {
        expect(error).toBeInstanceOf(YamlError);
        expect((error as Error).message).toMatch(/^yaml: /);
      }
    }
  });

  it('accepts what libyaml accepts', () => {
    expect(typed('a: "b"#comment\n')).toEqual(new Map([['a', 'b']]));
    expect(typed('a:\tvalue\n')).toEqual(new Map([['a', 'value']]));
    expect(typed('\uFEFFa: 1\r\nb: 2\r\n')).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
  });
});

describe('YamlDecoder type errors (yaml.v2 continues past them)', () => {
  it('collects every type error and reports them together', () => {
    const parsed = parseYaml('a: [x]\nb: ok\nc: {d: e}\n')!;
    const decoder = new YamlDecoder();
    const values = parsed.root.children.filter((_, i) => i % 2 === 1).map((node) => decoder.string(node));
    expect(values).toEqual([undefined, 'ok', undefined]);
    expect(() => decoder.finish()).toThrow(
      'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string\n  line 3: cannot unmarshal !!map into string',
    );
  });

  it('shortens long values to 7 bytes and shows explicit tags', () => {
    const decoder = new YamlDecoder();
    decoder.int(nodeAt('m: just a string', 'm'));
    decoder.int(nodeAt('m: !custom 12', 'm'));
    decoder.int(nodeAt('m: true', 'm'));
    decoder.int(nodeAt('m: 2001-01-01', 'm'));
    expect(decoder.typeErrors).toEqual([
      'line 1: cannot unmarshal !!str `just a ...` into int',
      'line 1: cannot unmarshal !custom `12` into int',
      'line 1: cannot unmarshal !!bool `true` into int',
      'line 1: cannot unmarshal !!timestamp `2001-01-01` into int',
    ]);
  });

  it('decodes ints as Go does: null is 0, floats are truncated', () => {
    const decoder = new YamlDecoder();
    expect(decoder.int(nodeAt('m: 256', 'm'))).toBe(256);
    expect(decoder.int(nodeAt('m: 0x100', 'm'))).toBe(256);
    expect(decoder.int(nodeAt('m: 1.9', 'm'))).toBe(1);
    expect(decoder.int(nodeAt('m: -1.9', 'm'))).toBe(-1);
    expect(decoder.int(nodeAt('m:', 'm'))).toBe(0);
    expect(decoder.int(nodeAt('m: "12"', 'm'))).toBeUndefined();
    expect(decoder.int(nodeAt('m: 18446744073709551615', 'm'))).toBeUndefined();
    expect(decoder.typeErrors).toHaveLength(2);
  });

  it('drops sequence items that fail to decode', () => {
    const decoder = new YamlDecoder();
    expect(decoder.stringSlice(nodeAt('s: [a, [b], c, ~]', 's'))).toEqual(['a', 'c', '']);
    expect(decoder.stringSlice(nodeAt('s: ~', 's'))).toBeNull();
    expect(decoder.stringSlice(nodeAt('s: abc', 's'))).toBeUndefined();
    expect(decoder.typeErrors).toEqual(['line 1: cannot unmarshal !!seq into string', 'line 1: cannot unmarshal !!str `abc` into []string']);
  });

  it('prints tags the short way', () => {
    expect(shortTag('tag:yaml.org,2002:str')).toBe('!!str');
    expect(shortTag('!ruby/object:Pathname')).toBe('!ruby/object:Pathname');
  });
});
