import { describe, expect, it } from 'vitest';
import { describeJsonError } from '../../src/core/jsonerror.js';

describe('describeJsonError', () => {
  it('points at the offending token by line and column', () => {
    expect(describeJsonError('{\n  "a": 1,\n  "b": oops\n}')).toBe('line 3, column 8: unexpected "o", expected a value');
    expect(describeJsonError('{"a":1,}')).toBe('line 1, column 8: unexpected "}", expected a property name in double quotes');
    expect(describeJsonError('[1 2]')).toBe('line 1, column 4: unexpected "2", expected "," or "]"');
    expect(describeJsonError('{"a":')).toBe('line 1, column 6: unexpected end of input, expected a value');
    expect(describeJsonError('{} x')).toBe('line 1, column 4: unexpected "x", expected end of input');
    expect(describeJsonError('"a\nb"')).toMatch(/^line 1, column 3: control character/);
  });

  it('falls back to the parser message for valid JSON', () => {
    expect(describeJsonError('{"a": [1, 2.5e3, true, null, "\\u00e9"]}', new Error('x'))).toBe('x');
  });
});
