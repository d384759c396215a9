/** ui/format.ts: the one duration formatter, at the edges where rounding changes the unit. */
import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/ui/format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [-5, '0ms'],
    [Number.NaN, '0ms'],
    [0.4, '0ms'],
    [999.4, '999ms'],
    [999.6, '1.00s'],
    [1000, '1.00s'],
    [3249, '3.25s'],
    [9994, '9.99s'],
    [9996, '10.0s'],
    [42_149, '42.1s'],
    [59_949, '59.9s'],
    [59_950, '1m0s'],
    [59_999, '1m0s'],
    [60_000, '1m0s'],
    [61_400, '1m1s'],
    [119_499, '1m59s'],
    [119_999, '2m0s'],
    [1_079_999, '18m0s'],
    [3_599_499, '59m59s'],
    [3_599_500, '1h0m0s'],
    [7_384_000, '2h3m4s'],
    [90_061_000, '25h1m1s'],
  ])('%s ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
