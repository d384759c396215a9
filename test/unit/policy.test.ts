/** The one answer policy of listen: what a read body gets, and what of it is kept. */
import { describe, expect, it } from 'vitest';
import { decide, REJECTED_KEEP_BYTES } from '../../src/core/relay/policy.js';
import type { IncomingMessage } from 'node:http';
import { checkSignature, DIAGNOSE_MAX_BYTES } from '../../src/core/relay/signature-check.js';
import { sign } from '../../src/core/webhook/signing.js';

const input = (over: Partial<Parameters<typeof decide>[0]> = {}) => ({
  signature: 'valid' as const,
  signatureReason: null,
  event: 'pull_request',
  kind: 'json' as const,
  body: Buffer.from('{"action":"opened"}'),
  ...over,
});

describe('decide', () => {
  it('reads the fields from the payload, the way JSON.parse would', () => {
    const ok = decide(input({ body: Buffer.from('{"action":"closed","repository":{"full_name":"o/r"},"sender":{"login":"mona"}}') }));
    expect(ok).toMatchObject({ status: 200, reason: null, action: 'closed', repository: 'o/r', sender: 'mona' });
    expect(decide(input({ body: Buffer.from('{"organization":{"login":"acme"},"sender":{"login":"x"}}') }))).toMatchObject({ status: 200, action: null, repository: 'acme' });
    // Duplicate keys: the last one wins, as for every app that parses the body.
    const dup = Buffer.from('{"action":"opened","action":"closed"}');
    expect(decide(input({ body: dup })).action).toBe((JSON.parse(dup.toString()) as { action: string }).action);
    expect(decide(input({ body: dup })).action).toBe('closed');
  });

  it('answers 400 for a body that is not JSON, a form without payload=, or no event', () => {
    // GitHub's published test vector: signed, but "Hello, World!" is not JSON.
    expect(decide(input({ body: Buffer.from('Hello, World!') }))).toMatchObject({ status: 400, reason: 'unreadable JSON: line 1, column 1: unexpected "H", expected a value' });
    expect(decide(input({ body: Buffer.from('{"action":"a"}\u0000') })).status).toBe(400);
    const deep = `{"action":"deep","x":${'['.repeat(1500)}${']'.repeat(1500)}}`;
    expect(decide(input({ body: Buffer.from(deep) }))).toMatchObject({ status: 200, action: 'deep' });
    expect(decide(input({ kind: 'form', body: Buffer.from(`payload=${encodeURIComponent('{"action":"edited"}')}`) }))).toMatchObject({ status: 200, action: 'edited' });
    expect(decide(input({ kind: 'form', body: Buffer.from('x=1') }))).toMatchObject({ status: 400, reason: 'form body without a payload= field' });
    expect(decide(input({ event: null }))).toMatchObject({ status: 400, reason: 'no X-GitHub-Event header' });
  });

  it('answers 401 first, still saying what the payload claims to be', () => {
    expect(decide(input({ signature: 'invalid', signatureReason: 'wrong secret', event: null }))).toMatchObject({ status: 401, reason: 'wrong secret', action: 'opened' });
    expect(decide(input({ signature: 'missing', signatureReason: 'no header', body: Buffer.from('[') }))).toMatchObject({ status: 401, reason: 'no header' });
  });

  it('keeps accepted bodies whole, and only the first MiB of a big rejected one with its length and sha256', () => {
    const big = Buffer.alloc(REJECTED_KEEP_BYTES + 10, 0x20);
    expect(decide(input({ body: big })).keep).toBe(big);
    const rejected = decide(input({ signature: 'invalid', signatureReason: 'x', body: big }));
    expect(rejected.keep.length).toBe(REJECTED_KEEP_BYTES);
    expect(rejected.bodyBytes).toBe(big.length);
    expect(rejected.bodySha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('why a signature does not match, in a 401', () => {
  it('is looked for in bodies up to DIAGNOSE_MAX_BYTES only (a stranger\'s big body cannot stall the receiver)', () => {
    const secret = 's3cret';
    const reasonFor = (items: number) => {
      const compact = JSON.stringify({ action: 'opened', items: Array.from({ length: items }, (_, i) => ({ id: i })) });
      const pretty = Buffer.from(JSON.stringify(JSON.parse(compact), null, 2));
      const req = { headers: { 'x-hub-signature-256': sign(secret, Buffer.from(compact), 'sha256') } } as unknown as IncomingMessage;
      return { bytes: pretty.length, verdict: checkSignature([secret], req, pretty) };
    };
    const small = reasonFor(100);
    expect(small.bytes).toBeLessThan(DIAGNOSE_MAX_BYTES);
    expect(small.verdict).toMatchObject({ signature: 'invalid', reason: expect.stringMatching(/re-serialized after signing/) });
    const big = reasonFor(5000);
    expect(big.bytes).toBeGreaterThan(DIAGNOSE_MAX_BYTES);
    expect(big.verdict).toMatchObject({ signature: 'invalid', reason: 'sha256 signature does not match: wrong secret, or the body was altered on the way' });
  });
});
