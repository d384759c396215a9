/**
 * readPayload must accept exactly what JSON.parse(body.toString()) accepts, and read
 * action / repository / sender exactly as property access on JSON.parse's result would.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePayload, readPayload } from '../../src/core/webhook/payload.js';

const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** The reference: JSON.parse and property access. */
function reference(bytes: Buffer) {
  try {
    const p = JSON.parse(bytes.toString('utf8')) as Record<string, Record<string, unknown> | undefined> | null;
    const obj = p !== null && typeof p === 'object' && !Array.isArray(p) ? p : null;
    return {
      readable: true,
      action: str(obj?.action),
      repository: str(obj?.repository?.full_name) ?? str(obj?.organization?.login),
      sender: str(obj?.sender?.login),
    };
  } catch {
    return { readable: false, action: null, repository: null, sender: null };
  }
}

function expectSame(bytes: Buffer): void {
  const got = readPayload('json', bytes);
  const want = reference(bytes);
  expect({ readable: got.readable, action: got.action, repository: got.repository, sender: got.sender }, JSON.stringify(bytes.toString('latin1').slice(0, 120))).toEqual(want);
  if (!got.readable) expect(got.error).toMatch(/^unreadable JSON: /);
}

const CORPUS = [
  '{}', '[]', ' {"a":1} ', '\ufeff{}', '{"a":"\u0001"}', '{"a":"\\ud800"}', '{"a":1,}', '[1,]', "{'a':1}", '{a:1}', '{"a":NaN}',
  '{"a":Infinity}', '{"a":0x10}', '{"a":.5}', '{"a":5.}', '{"a":+1}', '{"a":01}', '{"a":-}', '{"a":-0}', '{"a":1e}', '{"a":1e+}', '{"a":1E-5}',
  '{"a":-1.5e+10}', '/*c*/{}', '{}//c', '"str"', '1', 'true', 'null', 'nul', 'truee', '', ' ', '{"a":"\\x41"}', "{\"a\":\"\\'\"}",
  '{"a":"tab\there"}', '{"a":1e400}', '{"a":"\\u00e9"}', '{"a":"\\u00g9"}', '{"a":"\\u00e"}', '{}\u0000', '{}\u00a0', '\u00a0{}', '{"a":1}\n', '\t\r\n{}',
  '{"a"\u000b:1}', '{"a":[1,2,[3,{"b":null}]]}', '{"a":"\\\\\\\\"}', '{"a":"x\\"y"}', '{"a":1}{"b":2}', '{"a":"\u2028"}', '{"\u00e9":1}',
  '[' .repeat(3000) + ']'.repeat(3000), '['.repeat(3000) + ']'.repeat(2999), '{"a":{"b":{"c":[]}}}', '{"a"}', '{"a":}', '{:1}', '{"a" 1}',
  '{"a":1 "b":2}', '[1 2]', '{"a":[}', '{"a":]}', '[{]', '{"a":{]}', '"\\"', '"abc', '{"a":"b",', '{,}', '[,]', '{"a":true,"b":false,"c":null}',
  // fields
  '{"action":"opened","repository":{"full_name":"o/r"},"sender":{"login":"mona"}}',
  '{"action":1,"repository":{"full_name":2},"sender":{"login":null}}',
  '{"action":"a","action":"b"}', '{"action":"a","action":3}', '{"act\\u0069on":"esc"}', '{"action":"x\\ny\\u0041"}',
  '{"repository":{"full_name":"a/b"},"repository":["c/d"]}', '{"repository":{"full_name":"a/b"},"repository":null}',
  '{"repository":{"name":"r"},"organization":{"login":"org"}}', '{"organization":{"login":"org"}}', '{"repository":{"full_name":"a/b","full_name":"c/d"}}',
  '{"sender":{"login":"a","x":{"login":"deep"}}}', '{"sender":{"x":{"login":"deep"}}}', '{"sender":["login","a"]}', '{"sender":"mona"}',
  '[{"action":"in-array"}]', '{"x":{"action":"nested"}}', '{"repository":{"owner":{"full_name":"deep"}}}', '{"sender":{"login":"a"},"sender":{"id":1}}',
  '{"organization":{"login":"o"},"repository":{"full_name":null}}', '{"repository":{"full_name":"a/b"},"organization":{"login":"o"}}',
  '{"a":"\\/\\b\\f\\n\\r\\t"}', '{"login":"top","full_name":"top"}',
];

describe('readPayload', () => {
  it('agrees with JSON.parse on a corpus of edge cases', () => {
    for (const c of CORPUS) expectSame(Buffer.from(c, 'utf8'));
  });

  it('agrees with JSON.parse on bytes that are not UTF-8, NUL bytes and a BOM', () => {
    for (const bytes of [[0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d], [0x7b, 0x22, 0xc3, 0x22, 0x3a, 0x31, 0x7d], [0xff, 0x7b, 0x7d], [0x7b, 0x7d, 0x00], [0x7b, 0x22, 0x00, 0x22, 0x3a, 0x31, 0x7d], [0xef, 0xbb, 0xbf, 0x7b, 0x7d]]) {
      expectSame(Buffer.from(bytes));
    }
  });

  it('agrees with JSON.parse on every catalog payload and on thousands of mutations of them', () => {
    const root = join(__dirname, '../../payloads');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json') && f !== 'index.json');
    expect(files.length).toBeGreaterThan(200);
    // A deterministic generator, so a failure reproduces.
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const noise = [...'{}[]",:\\ 0123456789-+.eEtrufalsn\t\n\u0000\u001f'].map((ch) => ch.charCodeAt(0)).concat([0x80, 0xc3, 0xff]);
    let checked = 0;
    for (const f of files) {
      const body = readFileSync(join(root, f));
      expectSame(body);
      for (let m = 0; m < 12; m++) {
        const copy = Buffer.from(body);
        const at = rand(copy.length);
        const op = rand(3);
        let mutated: Buffer;
        if (op === 0) {
          copy[at] = noise[rand(noise.length)];
          mutated = copy;
        } else if (op === 1) mutated = Buffer.concat([copy.subarray(0, at), copy.subarray(at + 1)]);
        else mutated = Buffer.concat([copy.subarray(0, at), Buffer.from([noise[rand(noise.length)]]), copy.subarray(at)]);
        expectSame(mutated);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2500);
  });

  it('reads a form body through its payload field, and says when it has none', () => {
    const json = '{"action":"opened","sender":{"login":"mona"}}';
    const form = Buffer.from(`payload=${encodeURIComponent(json)}`);
    expect(readPayload('form', form)).toMatchObject({ readable: true, action: 'opened', sender: 'mona' });
    expect(parsePayload('form', form)).toEqual(JSON.parse(json));
    expect(readPayload('form', Buffer.from('other=1'))).toMatchObject({ readable: false, error: 'form body without a payload= field' });
  });

  it('says where unreadable JSON breaks', () => {
    expect(readPayload('json', Buffer.from('{"a":\n  tru}')).error).toBe('unreadable JSON: line 2, column 6: unexpected "}", expected "true"');
  });
});
