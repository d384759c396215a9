/**
 * core/deliver/export.ts's request files: what an .http file can carry byte for byte and what it
 * cannot (then the JSON file carries it), read back as REST Client and JetBrains' HTTP Client
 * read them, on Unix and on Windows line endings.
 */
import { describe, expect, it } from 'vitest';
import { buildSample, listSamples } from '../../src/core/catalog/sample.js';
import { HttpFileError, httpFile, httpFileProblem, requestJson, type RequestMessage } from '../../src/core/deliver/export.js';
import { readHttpFile, readJsonFile } from '../helpers/request-files.js';

const request = (body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'application/json' }): RequestMessage => ({
  method: 'POST',
  url: 'http://127.0.0.1:3000/webhooks',
  headers,
  body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
});

/** Read an .http file back with every client and line ending: the one request each of them sends. */
function readEverywhere(text: string) {
  const reads = (['rest-client', 'jetbrains'] as const).flatMap((client) => (['\n', '\r\n'] as const).map((eol) => readHttpFile(text, { client, eol })));
  for (const read of reads) expect(read).toHaveLength(1);
  return reads.map((r) => r[0]);
}

describe('.http files', () => {
  it('every catalog sample, JSON and form, signed, fits and is read back byte for byte by both clients on both line endings', () => {
    for (const { name } of listSamples()) {
      for (const contentType of ['json', 'form'] as const) {
        const s = buildSample({ name, contentType, secret: 's3cret' });
        const message = { method: 'POST', url: 'http://127.0.0.1:3000/webhooks', headers: s.headers, body: s.body };
        const text = httpFile(message, `${name} ${s.headers['X-GitHub-Delivery']}`);
        for (const read of readEverywhere(text)) {
          expect(read.body.equals(s.body), `${name} (${contentType})`).toBe(true);
          expect(read.method).toBe('POST');
          expect(read.url).toBe('http://127.0.0.1:3000/webhooks');
          expect(Object.fromEntries(read.headers)).toEqual(s.headers);
        }
      }
    }
  });

  it('is a titled request: ###, the request line, the headers, a blank line, the body on one line', () => {
    const text = httpFile(request('{"zen":"Keep it logically awesome."}', { 'Content-Type': 'application/json', 'X-GitHub-Event': 'ping' }), 'ping 0b1d');
    expect(text).toBe('### ping 0b1d\nPOST http://127.0.0.1:3000/webhooks HTTP/1.1\nContent-Type: application/json\nX-GitHub-Event: ping\n\n{"zen":"Keep it logically awesome."}\n');
    // A title from a stranger's request is printable ASCII only; an empty body leaves no body section.
    expect(httpFile(request(''), 'ping\u001b[2J\nX')).toBe('### ping?[2J?X\nPOST http://127.0.0.1:3000/webhooks HTTP/1.1\nContent-Type: application/json\n');
  });

  it('refuses what the clients would change, saying why', () => {
    const problems: [RequestMessage, RegExp][] = [
      [request(Buffer.from([0x7b, 0xff, 0x7d])), /not UTF-8/],
      [request('{"a":1}\n'), /ends with a line break/],
      [request('{\n  "a": 1\n}'), /has line breaks/],
      [request('{"a":1}\r\n{"b":2}'), /has line breaks/],
      [request(' {"a":1}'), /whitespace/],
      [request('{"a":"\u001b[2J"}'), /control characters/],
      [request('{"a":"\u202e"}'), /bidi/],
      [request('# not a comment'), /comment/],
      [request('// nor this'), /comment/],
      [request('< ./other-file.json'), /file reference/],
      [request('> {% client.log(1) %}'), /response handler/],
      [request('{"title":"{{name}}"}'), /\{\{/],
      [request('payload={"a":1}', { 'Content-Type': 'application/x-www-form-urlencoded' }), /form body/],
      [request('{}', { 'X-Note': 'caf\u00e9' }), /outside printable ASCII/],
      [request('{}', { 'X-Note': '{{token}}' }), /X-Note header contains "\{\{"/],
      [request('{}', { 'X-Note': ' padded' }), /whitespace around it/],
      [request('{}', { '#X': 'y' }), /reads as a comment/],
      [{ ...request('{}'), url: 'http://127.0.0.1:3000/{{path}}' }, /URL/],
    ];
    for (const [message, why] of problems) {
      expect(httpFileProblem(message), JSON.stringify(message.body.toString())).toMatch(why);
      expect(() => httpFile(message)).toThrow(HttpFileError);
    }
    // GitHub's own bodies are fine: compact JSON, a form of it, "}}" closing nested objects.
    expect(httpFileProblem(request('{"a":{"b":{"c":1}}}'))).toBeNull();
    expect(httpFileProblem(request('payload=%7B%22a%22%3A1%7D', { 'Content-Type': 'application/x-www-form-urlencoded' }))).toBeNull();
  });
});

describe('JSON request files', () => {
  it('carry any body: UTF-8 text as is, anything else as base64 with an encoding field', () => {
    const text = request('{\n  "pretty": "ünï 🎉"\n}\n');
    expect(readJsonFile(requestJson(text))).toEqual({ method: 'POST', url: text.url, headers: Object.entries(text.headers), body: Buffer.from(text.body) });
    expect(JSON.parse(requestJson(text))).not.toHaveProperty('encoding');
    const binary = request(Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d, 0x00, 0xff]));
    const doc = JSON.parse(requestJson(binary));
    expect(doc).toMatchObject({ encoding: 'base64', body: Buffer.from(binary.body).toString('base64') });
    expect(readJsonFile(requestJson(binary)).body.equals(Buffer.from(binary.body))).toBe(true);
  });

  it('never print a C1 control or bidi mark raw (escaped, the same string once parsed)', () => {
    const tricky = request('{"t":"a\u0085b\u202ec"}');
    const text = requestJson(tricky);
    expect(text).not.toMatch(/[\u0080-\u009f\u202e]/);
    expect(text).toContain('a\\u0085b\\u202ec');
    expect(readJsonFile(text).body.equals(Buffer.from(tricky.body))).toBe(true);
  });
});
