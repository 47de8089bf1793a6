import { describe, expect, it } from 'vitest';
import { compareUtf8, GoJsonSyntaxError, GoJsonUnmarshalTypeError, goJson, goJsonParse, goStrconvQuote } from './gojson.ts';

function syntaxError(text: string): string {
  try {
    goJsonParse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(GoJsonSyntaxError);
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

const roundTrip = (text: string): string => goJson(goJsonParse(text));

describe('CONTRACT §1.2 JSON output (goJson)', () => {
  describe('structure', () => {
    it('writes compact JSON', () => {
      expect(goJson({ a: [1, 2, { b: null }], c: true, d: false })).toBe('{"a":[1,2,{"b":null}],"c":true,"d":false}');
      expect(goJson([])).toBe('[]');
      expect(goJson({})).toBe('{}');
      expect(goJson(new Map())).toBe('{}');
      expect(goJson(null)).toBe('null');
      expect(goJson('x')).toBe('"x"');
    });

    it('keeps struct (plain object) fields in insertion order', () => {
      expect(goJson({ zeta: 1, alpha: 2, mid: 3 })).toBe('{"zeta":1,"alpha":2,"mid":3}');
    });

    it('leaves out struct fields whose value is undefined', () => {
      expect(goJson({ a: undefined, b: 1, c: undefined })).toBe('{"b":1}');
      expect(goJson({ a: undefined })).toBe('{}');
    });

    it('writes undefined inside arrays and maps as null (a nil interface)', () => {
      expect(goJson([undefined, 1])).toBe('[null,1]');
      expect(goJson(new Map([['k', undefined]]))).toBe('{"k":null}');
    });

    it('sorts map keys by UTF-8 byte order', () => {
      const m = new Map<string, number>([
        ['b', 1],
        ['a', 2],
        ['B', 3],
        ['aa', 4],
        ['', 5],
        ['\u00e9', 6],
        ['\uffff', 7],
        ['\u{1f600}', 8],
        ['\ue000', 9],
      ]);
      expect(goJson(m)).toBe('{"":5,"B":3,"a":2,"aa":4,"b":1,"é":6,"\ue000":9,"\uffff":7,"😀":8}');
    });

    it('writes integer map keys as strings, sorted as strings', () => {
      expect(
        goJson(
          new Map<number, string>([
            [10, 'x'],
            [9, 'y'],
          ]),
        ),
      ).toBe('{"10":"x","9":"y"}');
    });

    it('sorts nested maps and keeps nested struct order', () => {
      const value = new Map<string, unknown>([
        [
          'z',
          {
            y: 1,
            x: new Map([
              ['d', 1],
              ['c', 2],
            ]),
          },
        ],
        [
          'a',
          [
            new Map([
              ['n', 1],
              ['m', 2],
            ]),
          ],
        ],
      ]);
      expect(goJson(value)).toBe('{"a":[{"m":2,"n":1}],"z":{"y":1,"x":{"c":2,"d":1}}}');
    });

    it('writes byte arrays as base64 like Go []byte', () => {
      expect(goJson(new Uint8Array([]))).toBe('""');
      expect(goJson(new Uint8Array([0x66]))).toBe('"Zg=="');
      expect(goJson(new Uint8Array([0x66, 0x6f]))).toBe('"Zm8="');
      expect(goJson(new Uint8Array([0x66, 0x6f, 0x6f, 0xff]))).toBe('"Zm9v/w=="');
    });

    it('rejects cycles and unsupported types', () => {
      const a: unknown[] = [];
      a.push(a);
      expect(() => goJson(a)).toThrow('json: unsupported value: encountered a cycle');
      expect(() => goJson(() => 1)).toThrow('json: unsupported type: function');
      expect(() => goJson(Symbol('x'))).toThrow('json: unsupported type: symbol');
    });

    it('allows the same object twice when it is not a cycle', () => {
      const shared = { a: 1 };
      expect(goJson([shared, shared])).toBe('[{"a":1},{"a":1}]');
    });
  });

  describe('strings (HTML-safe escaping)', () => {
    it.each([
      ['plain', '"plain"'],
      ['quote"backslash\\', '"quote\\"backslash\\\\"'],
      ['\n\r\t', '"\\n\\r\\t"'],
      ['\b\f\u0000\u0001\u001b\u001f', '"\\u0008\\u000c\\u0000\\u0001\\u001b\\u001f"'],
      ['<a href="x">&</a>', '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"'],
      ['\u2028\u2029', '"\\u2028\\u2029"'],
      ["it's /ok/ \u007f", '"it\'s /ok/ \u007f"'],
      ['héllo wörld ✓ 😀', '"héllo wörld ✓ 😀"'],
      ['\ud800', '"\\ufffd"'],
      ['a\udc00b', '"a\\ufffdb"'],
      ['\udc00\ud800', '"\\ufffd\\ufffd"'],
    ])('escapes %j', (input, output) => {
      expect(goJson(input)).toBe(output);
    });

    it('escapes keys the same way', () => {
      expect(goJson({ '<k>': 1 })).toBe('{"\\u003ck\\u003e":1}');
    });
  });

  describe('numbers (Go float64 formatting)', () => {
    it.each([
      [0, '0'],
      [-0, '-0'],
      [1, '1'],
      [-1, '-1'],
      [1.5, '1.5'],
      [0.1, '0.1'],
      [1e3, '1000'],
      [1e20, '100000000000000000000'],
      [1e21, '1e+21'],
      [1.5e300, '1.5e+300'],
      [1e-6, '0.000001'],
      [1e-7, '1e-7'],
      [-1.5e-7, '-1.5e-7'],
      [1.23e-10, '1.23e-10'],
      [5e-324, '5e-324'],
      [Number.MAX_VALUE, '1.7976931348623157e+308'],
      [12345678901234567890, '12345678901234567000'],
      [123456789012345680000, '123456789012345680000'],
    ])('writes %d as %s', (n, text) => {
      expect(goJson(n)).toBe(text);
    });

    it('writes bigints as their decimal digits', () => {
      expect(goJson(12345678901234567890n)).toBe('12345678901234567890');
      expect(goJson(-5n)).toBe('-5');
    });

    it('rejects NaN and infinities with Go messages', () => {
      expect(() => goJson(NaN)).toThrow('json: unsupported value: NaN');
      expect(() => goJson(Infinity)).toThrow('json: unsupported value: +Inf');
      expect(() => goJson({ a: [-Infinity] })).toThrow('json: unsupported value: -Inf');
    });
  });
});

describe('CONTRACT §1.2, §6 JSON input (goJsonParse)', () => {
  describe('values', () => {
    it('parses objects into Maps keeping insertion order', () => {
      const v = goJsonParse('{"b":1,"a":{"c":[true,false,null,"s"]}}');
      expect(v).toBeInstanceOf(Map);
      const m = v as Map<string, unknown>;
      expect([...m.keys()]).toEqual(['b', 'a']);
      expect(m.get('a')).toEqual(new Map([['c', [true, false, null, 's']]]));
    });

    it('lets the last duplicate key win at its first position', () => {
      const m = goJsonParse('{"a":1,"b":2,"a":3}') as Map<string, unknown>;
      expect([...m.entries()]).toEqual([
        ['a', 3],
        ['b', 2],
      ]);
    });

    it('treats __proto__ as an ordinary key', () => {
      const m = goJsonParse('{"__proto__":{"x":1}}') as Map<string, unknown>;
      expect(m.get('__proto__')).toEqual(new Map([['x', 1]]));
    });

    it('parses scalars at the top level, with surrounding whitespace', () => {
      expect(goJsonParse(' \t\r\n 12 \n')).toBe(12);
      expect(goJsonParse('"x"')).toBe('x');
      expect(goJsonParse('true')).toBe(true);
      expect(goJsonParse('false')).toBe(false);
      expect(goJsonParse('null')).toBe(null);
      expect(goJsonParse('[ ]')).toEqual([]);
      expect(goJsonParse('{ }')).toEqual(new Map());
      expect(goJsonParse('[ 1 , [ ] , { } ]')).toEqual([1, [], new Map()]);
    });

    it.each([
      ['0', 0],
      ['-0', -0],
      ['1e3', 1000],
      ['1E+3', 1000],
      ['1.5', 1.5],
      ['-1.25e-2', -0.0125],
      ['12345678901234567890', 12345678901234567000],
      ['1e-400', 0],
    ])('parses the number %s', (text, n) => {
      expect(goJsonParse(text)).toBe(n);
    });

    it('reports numbers beyond float64 after the syntax check, as Go does', () => {
      expect(() => goJsonParse('{"a":[1e400]}')).toThrow(GoJsonUnmarshalTypeError);
      expect(() => goJsonParse('{"a":[1e400]}')).toThrow('json: cannot unmarshal number 1e400 into Go value of type float64');
      expect(() => goJsonParse('-1e400')).toThrow('json: cannot unmarshal number -1e400 into Go value of type float64');
      expect(syntaxError('[1e400, x]')).toBe("invalid character 'x' looking for beginning of value");
    });

    it('decodes string escapes', () => {
      expect(goJsonParse('"a\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti"')).toBe('a"b\\c/d\be\ff\ng\rh\ti');
      expect(goJsonParse('"\\u0041\\u00e9\\u2028\\uFFFF"')).toBe('Aé\u2028\uffff');
      expect(goJsonParse('"\\ud83d\\ude00"')).toBe('😀');
      expect(goJsonParse('"😀 é \u007f"')).toBe('😀 é \u007f');
    });

    it('turns unpaired surrogate escapes into U+FFFD like Go', () => {
      expect(goJsonParse('"\\ud800"')).toBe('\ufffd');
      expect(goJsonParse('"\\ud800x"')).toBe('\ufffdx');
      expect(goJsonParse('"\\udc00\\ud800"')).toBe('\ufffd\ufffd');
      expect(goJsonParse('"\\ud800\\u0041"')).toBe('\ufffdA');
      expect(goJsonParse('"\\ud800\\ud800\\udc00"')).toBe('\ufffd\u{10000}');
      expect(goJsonParse('"\ud800"')).toBe('\ufffd');
    });

    it('accepts nesting up to 10000 levels and rejects deeper', () => {
      const deep = '['.repeat(10000) + ']'.repeat(10000);
      expect(Array.isArray(goJsonParse(deep))).toBe(true);
      expect(syntaxError('['.repeat(10001) + ']'.repeat(10001))).toBe("invalid character '[' exceeded max depth");
      expect(syntaxError('['.repeat(9999) + '{"a":{')).toBe("invalid character '{' exceeded max depth");
    });
  });

  describe('syntax errors (Go messages)', () => {
    it.each([
      // beginning of a value
      ['', 'unexpected end of JSON input'],
      ['   ', 'unexpected end of JSON input'],
      ['out', "invalid character 'o' looking for beginning of value"],
      ["'{}'", "invalid character '\\'' looking for beginning of value"],
      ['[,1]', "invalid character ',' looking for beginning of value"],
      ['[1,]', "invalid character ']' looking for beginning of value"],
      ['{"a":}', "invalid character '}' looking for beginning of value"],
      ['+1', "invalid character '+' looking for beginning of value"],
      ['.5', "invalid character '.' looking for beginning of value"],
      ['NaN', "invalid character 'N' looking for beginning of value"],
      ['\u00e9', "invalid character 'Ã' looking for beginning of value"],
      ['\u20ac', "invalid character 'â' looking for beginning of value"],
      ['\u{1f600}', "invalid character 'ð' looking for beginning of value"],
      ['\u0001', "invalid character '\\x01' looking for beginning of value"],
      ['\u007f', "invalid character '\\x7f' looking for beginning of value"],
      ['\u000b', "invalid character '\\v' looking for beginning of value"],
      ['\\', "invalid character '\\\\' looking for beginning of value"],
      // objects
      ['{', 'unexpected end of JSON input'],
      ['{}}', "invalid character '}' after top-level value"],
      ['{,}', "invalid character ',' looking for beginning of object key string"],
      ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
      ['{a:1}', "invalid character 'a' looking for beginning of object key string"],
      ['{"a" 1}', "invalid character '1' after object key"],
      ['{"a"', 'unexpected end of JSON input'],
      ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair"],
      ['{"a":1]', "invalid character ']' after object key:value pair"],
      ['{"a":1', 'unexpected end of JSON input'],
      ['{"a":1,', 'unexpected end of JSON input'],
      // arrays
      ['[', 'unexpected end of JSON input'],
      ['[1', 'unexpected end of JSON input'],
      ['[1 2]', "invalid character '2' after array element"],
      ['[1}', "invalid character '}' after array element"],
      // top level
      ['1 2', "invalid character '2' after top-level value"],
      ['{}x', "invalid character 'x' after top-level value"],
      ['01', "invalid character '1' after top-level value"],
      ['-01', "invalid character '1' after top-level value"],
      ['truex', "invalid character 'x' after top-level value"],
      ['1\u00a0', "invalid character 'Â' after top-level value"],
      // strings
      ['"abc', 'unexpected end of JSON input'],
      ['"a\nb"', "invalid character '\\n' in string literal"],
      ['"a\tb"', "invalid character '\\t' in string literal"],
      ['"\u0000"', "invalid character '\\x00' in string literal"],
      ['"\u001f"', "invalid character '\\x1f' in string literal"],
      ['"\\x"', "invalid character 'x' in string escape code"],
      ['"\\\'"', "invalid character '\\'' in string escape code"],
      ['"\\U0041"', "invalid character 'U' in string escape code"],
      ['"\\\u00e9"', "invalid character 'Ã' in string escape code"],
      ['"\\', "invalid character ' ' in string escape code"],
      ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
      ['"\\u"', "invalid character '\"' in \\u hexadecimal character escape"],
      ['"\\u12', "invalid character ' ' in \\u hexadecimal character escape"],
      ['"\\ud800\\uzzzz"', "invalid character 'z' in \\u hexadecimal character escape"],
      // numbers
      ['-', "invalid character ' ' in numeric literal"],
      ['-a', "invalid character 'a' in numeric literal"],
      ['[-]', "invalid character ']' in numeric literal"],
      ['1.', "invalid character ' ' after decimal point in numeric literal"],
      ['1.e5', "invalid character 'e' after decimal point in numeric literal"],
      ['[1.]', "invalid character ']' after decimal point in numeric literal"],
      ['1e', "invalid character ' ' in exponent of numeric literal"],
      ['1e+', "invalid character ' ' in exponent of numeric literal"],
      ['1ex', "invalid character 'x' in exponent of numeric literal"],
      ['1e+-1', "invalid character '-' in exponent of numeric literal"],
      ['1.5.2', "invalid character '.' after top-level value"],
      // literals
      ['tru', "invalid character ' ' in literal true (expecting 'e')"],
      ['trUe', "invalid character 'U' in literal true (expecting 'u')"],
      ['tx', "invalid character 'x' in literal true (expecting 'r')"],
      ['[fals]', "invalid character ']' in literal false (expecting 'e')"],
      ['fAlse', "invalid character 'A' in literal false (expecting 'a')"],
      ['fa', "invalid character ' ' in literal false (expecting 'l')"],
      ['fale', "invalid character 'e' in literal false (expecting 's')"],
      ['nul', "invalid character ' ' in literal null (expecting 'l')"],
      ['nil', "invalid character 'i' in literal null (expecting 'u')"],
      ['nuLL', "invalid character 'L' in literal null (expecting 'l')"],
      ['{"a":nula}', "invalid character 'a' in literal null (expecting 'l')"],
    ])('%j → %s', (text, message) => {
      expect(syntaxError(text)).toBe(message);
    });

    it('reports the first error in the text', () => {
      expect(syntaxError('{"a":"\n", "b": x}')).toBe("invalid character '\\n' in string literal");
      expect(syntaxError('[1, 2 3, x')).toBe("invalid character '3' after array element");
    });
  });
});

describe('CONTRACT §6 credhub body: re-serialising parsed VCAP_SERVICES', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(roundTrip('{"z":[{"b":1,"a":2}],"a":{"credhub-ref":"/c"}}')).toBe('{"a":{"credhub-ref":"/c"},"z":[{"a":2,"b":1}]}');
  });

  it('compacts whitespace and rewrites escapes the Go way', () => {
    expect(roundTrip(' { "k" : "<\\u0026>\\/\\u00e9\\b" } ')).toBe('{"k":"\\u003c\\u0026\\u003e/é\\u0008"}');
  });

  it('re-prints numbers in shortest float64 form', () => {
    expect(roundTrip('[1e3,1.5,12345678901234567890,1.0,-0,0.0000001,1E21,100e-2]')).toBe('[1000,1.5,12345678901234567000,1,-0,1e-7,1e+21,1]');
  });

  it('collapses duplicate keys', () => {
    expect(roundTrip('{"b":1,"a":1,"b":2}')).toBe('{"a":1,"b":2}');
  });
});

describe('helpers', () => {
  it('compareUtf8 orders by code point', () => {
    const keys = ['\uffff', '\u{10000}', 'a', 'B', '\ue000', ''];
    expect([...keys].sort(compareUtf8)).toEqual(['', 'B', 'a', '\ue000', '\uffff', '\u{10000}']);
  });

  it.each([
    ['', '""'],
    ['abc', '"abc"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['\u0007\b\f\n\r\t\u000b', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\u0000\u001b\u007f', '"\\x00\\x1b\\x7f"'],
    ['é ✓ 😀', '"é ✓ 😀"'],
    ['\u00a0\u00ad\u2028', '"\\u00a0\\u00ad\\u2028"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ["'", '"\'"'],
  ])('goStrconvQuote(%j) is %s', (input, output) => {
    expect(goStrconvQuote(input)).toBe(output);
  });
});
