import { describe, expect, it } from 'vitest';
import { describeJsonError, readJson } from '../../src/core/webhook/payload.js';

describe('describeJsonError (the payload scanner saying where JSON breaks)', () => {
  it('points at the offending token by line and column', () => {
    expect(describeJsonError('{\n  "a": 1,\n  "b": oops\n}')).toBe('line 3, column 8: unexpected "o", expected a value');
    expect(describeJsonError('{"a":1,}')).toBe('line 1, column 8: unexpected "}", expected a property name in double quotes');
    expect(describeJsonError('[1 2]')).toBe('line 1, column 4: unexpected "2", expected "," or "]"');
    expect(describeJsonError('{"a":')).toBe('line 1, column 6: unexpected end of input, expected a value');
    expect(describeJsonError('{} x')).toBe('line 1, column 4: unexpected "x", expected end of input');
    expect(describeJsonError('"a\nb"')).toMatch(/^line 1, column 3: control character/);
    expect(describeJsonError('{"é": tru}')).toBe('line 1, column 10: unexpected "}", expected "true"');
    expect(describeJsonError('\ufeff{}')).toMatch(/^line 1, column 1: the text starts with a byte order mark/);
  });

  it('says nothing about valid JSON', () => {
    expect(describeJsonError('{"a": [1, 2.5e3, true, null, "\\u00e9"]}')).toBeNull();
  });

  it('never recurses on depth: a million open brackets, or an object nested 100,000 times, get a position', () => {
    const brackets = '['.repeat(1_000_000);
    expect(describeJsonError(brackets)).toBe('line 1, column 1000001: unexpected end of input, expected a value');
    const objects = '{"a":'.repeat(100_000);
    expect(readJson(Buffer.from(objects))).toMatchObject({ readable: false, error: 'unreadable JSON: line 1, column 500001: unexpected end of input, expected a value' });
    const deepValid = Buffer.from(`{"action":"x","n":${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    expect(readJson(deepValid)).toMatchObject({ readable: true, action: 'x' });
  });
});
