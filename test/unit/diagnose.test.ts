import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/core/webhook/diagnose.js';
import { sign } from '../../src/core/webhook/signing.js';

const secret = 'topsecret';
const compact = Buffer.from('{"action":"opened","number":7}');
const pretty = Buffer.from(JSON.stringify(JSON.parse(compact.toString()), null, 2));

describe('diagnose', () => {
  it('accepts a matching signature and names the secret', () => {
    const d = diagnose(['old', secret], compact, sign(secret, compact));
    expect(d).toMatchObject({ valid: true, algorithm: 'sha256', secretIndex: 1 });
  });

  it('spots a body that was pretty-printed after signing', () => {
    const d = diagnose([secret], pretty, sign(secret, compact));
    expect(d.valid).toBe(false);
    expect(d.reason).toMatch(/compact JSON/);
  });

  it('spots a body that was compacted after signing', () => {
    expect(diagnose([secret], compact, sign(secret, pretty)).reason).toMatch(/pretty-printed with 2 spaces/);
  });

  it('spots a trailing newline', () => {
    const withNewline = Buffer.concat([compact, Buffer.from('\n')]);
    expect(diagnose([secret], withNewline, sign(secret, compact)).reason).toMatch(/ends with a trailing newline/);
  });

  it('spots whitespace around the secret', () => {
    expect(diagnose([`${secret}\n`], compact, sign(secret, compact)).reason).toMatch(/whitespace around it/);
    expect(diagnose([secret], compact, sign(`${secret}\n`, compact)).reason).toMatch(/secret ends with a newline/);
  });

  it('spots a form body verified as JSON and the reverse', () => {
    const form = Buffer.from(new URLSearchParams({ payload: compact.toString() }).toString());
    expect(diagnose([secret], compact, sign(secret, form)).reason).toMatch(/form body/);
    expect(diagnose([secret], form, sign(secret, compact)).reason).toMatch(/decoded JSON/);
  });

  it('spots the wrong algorithm or header', () => {
    const sha1 = sign(secret, compact, 'sha1');
    expect(diagnose([secret], compact, sha1.replace('sha1=', 'sha256=')).reason).toMatch(/X-Hub-Signature value/);
    const sha256 = sign(secret, compact);
    expect(diagnose([secret], compact, sha256.replace('sha256=', 'sha1=')).reason).toMatch(/X-Hub-Signature-256 value/);
    expect(diagnose([secret], compact, sha256.slice('sha256='.length)).reason).toMatch(/lacks its "sha256=" prefix \(with it, it matches\)/);
    expect(diagnose([secret], compact, 'nonsense').reason).toMatch(/not a signature header value/);
  });

  it('falls back to a plain explanation', () => {
    const d = diagnose(['other'], compact, sign(secret, compact));
    expect(d.valid).toBe(false);
    expect(d.reason).toMatch(/wrong secret, or the body was altered/);
  });
});
