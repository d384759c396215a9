import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { algorithmOf, matchingSecretIndex, sign, signatureHeaders, verify } from '../../src/core/webhook/signing.js';

// GitHub's published test vector (docs: "Validating webhook deliveries").
const GITHUB_SECRET = "It's a Secret to Everybody";
const GITHUB_BODY = 'Hello, World!';
const GITHUB_SHA256 = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('signing', () => {
  it("matches GitHub's published vector", () => {
    expect(sign(GITHUB_SECRET, GITHUB_BODY)).toBe(GITHUB_SHA256);
    expect(sign(GITHUB_SECRET, Buffer.from(GITHUB_BODY))).toBe(GITHUB_SHA256);
    expect(verify(GITHUB_SECRET, GITHUB_BODY, GITHUB_SHA256)).toBe(true);
  });

  it('computes sha1 like plain node:crypto', () => {
    const body = Buffer.from('{"zen":"Keep it logically awesome."}');
    const expected = `sha1=${createHmac('sha1', 's3cret').update(body).digest('hex')}`;
    expect(sign('s3cret', body, 'sha1')).toBe(expected);
    expect(signatureHeaders('s3cret', body)['X-Hub-Signature']).toBe(expected);
    expect(verify('s3cret', body, expected)).toBe(true);
  });

  it('agrees with @octokit/webhooks-methods both ways', async () => {
    const body = '{"action":"opened","number":1,"title":"Ünïcödé ✓"}';
    const ours = sign('shhh', body);
    expect(await octokitSign('shhh', body)).toBe(ours);
    expect(await octokitVerify('shhh', body, ours)).toBe(true);
  });

  it('signs bytes, not re-encoded text', () => {
    const latin1 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]); // {"a":"é"} in latin-1
    const expected = `sha256=${createHmac('sha256', 'k').update(latin1).digest('hex')}`;
    expect(sign('k', latin1)).toBe(expected);
    expect(sign('k', latin1.toString('utf8'))).not.toBe(expected);
  });

  it('refuses wrong, truncated and malformed signatures without throwing', () => {
    expect(verify(GITHUB_SECRET, GITHUB_BODY + ' ', GITHUB_SHA256)).toBe(false);
    expect(verify('wrong', GITHUB_BODY, GITHUB_SHA256)).toBe(false);
    expect(verify(GITHUB_SECRET, GITHUB_BODY, GITHUB_SHA256.slice(0, -2))).toBe(false);
    expect(verify(GITHUB_SECRET, GITHUB_BODY, GITHUB_SHA256.slice(7))).toBe(false);
    expect(verify(GITHUB_SECRET, GITHUB_BODY, 'sha512=abc')).toBe(false);
    expect(verify(GITHUB_SECRET, GITHUB_BODY, '')).toBe(false);
  });

  it('throws on bad arguments', () => {
    expect(() => sign('', 'x')).toThrow(TypeError);
    expect(() => verify([], 'x', GITHUB_SHA256)).toThrow(TypeError);
    expect(() => verify('s', 'x', undefined as unknown as string)).toThrow(TypeError);
  });

  it('supports several secrets during a rotation', () => {
    expect(matchingSecretIndex(['new-secret', GITHUB_SECRET], GITHUB_BODY, GITHUB_SHA256)).toBe(1);
    expect(matchingSecretIndex(['a', 'b'], GITHUB_BODY, GITHUB_SHA256)).toBe(-1);
  });

  it('reads the algorithm from a header value', () => {
    expect(algorithmOf(GITHUB_SHA256)).toBe('sha256');
    expect(algorithmOf('sha1=00')).toBe('sha1');
    expect(algorithmOf('md5=00')).toBeUndefined();
  });
});
