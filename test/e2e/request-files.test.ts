/**
 * Request files for any language: `send NAME --dry-run --format http|json` and `deliveries
 * export ID --format http|json`. Each file is read back (test/helpers/request-files.ts: as REST
 * Client and JetBrains' HTTP Client read .http files, and as JSON) and gives the exact bytes
 * `hookctl send` puts on the wire, with signatures valid for the secret; a real .http runner
 * (httpyac, a dev dependency) sends the files to a capture server, which receives those bytes.
 * Commands run in this process; httpyac runs as a child.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/core/store/store.js';
import type { NewDelivery } from '../../src/core/store/types.js';
import { signatureHeaders, verify } from '../../src/core/webhook/signing.js';
import { startCaptureServer, type CaptureServer, type CapturedRequest } from '../helpers/capture-server.js';
import { newDelivery } from '../helpers/deliveries.js';
import { runInProcess } from '../helpers/in-process.js';
import { header, readHttpFile, readJsonFile, type ReadRequest } from '../helpers/request-files.js';
import { ROOT, sandbox, type Sandbox } from '../helpers/run-cli.js';

const SECRET = 'request-file-secret';
const GUID = '6c1a0f00-0000-4000-8000-00000000abcd';
let box: Sandbox;
let capture: CaptureServer;
let storeFile: string;

beforeEach(async () => {
  box = sandbox();
  capture = await startCaptureServer();
  storeFile = join(box.env.HOOKCTL_HOME!, 'deliveries.db');
});
afterEach(async () => {
  await capture.close();
  box.cleanup();
});

/** A delivery as listen stores it: GitHub's headers (with Host, Content-Length, Connection), signed. */
function seed(body: Buffer, over: Partial<NewDelivery> = {}): string {
  const sig = signatureHeaders(SECRET, body);
  const store = openStore(storeFile);
  try {
    return store.insertDelivery(newDelivery({
      deliveryId: 'f00dbabe-2222-4000-8000-000000000001',
      event: 'issues',
      action: 'opened',
      url: 'http://127.0.0.1:5000/hooks',
      path: '/hooks',
      rawHeaders: ['Host', '127.0.0.1:5000', 'Connection', 'keep-alive', 'Content-Type', 'application/json', 'User-Agent', 'GitHub-Hookshot/a0f4c5e', 'X-GitHub-Event', 'issues', 'X-GitHub-Delivery', 'f00dbabe-2222-4000-8000-000000000001', 'X-Hub-Signature', sig['X-Hub-Signature'], 'X-Hub-Signature-256', sig['X-Hub-Signature-256'], 'Content-Length', String(body.length)],
      receivedAt: new Date(),
      contentType: 'application/json',
      body,
      ...over,
    })).id;
  } finally {
    store.close();
  }
}

const run = (args: string[]) => runInProcess(args, { env: box.env });

/** What `hookctl send ARGS` puts on the wire (same delivery id, so the same bytes and headers). */
async function sent(args: string[]): Promise<CapturedRequest> {
  const before = capture.requests.length;
  const res = await run(['send', ...args, '--to', capture.url]);
  expect(res.code, res.stderr).toBe(0);
  expect(capture.requests).toHaveLength(before + 1);
  return capture.requests[before];
}

/** The file's request is the wire's: same bytes, same headers (but those the client computes), signatures valid. */
function expectSameRequest(read: ReadRequest, wire: CapturedRequest): void {
  expect(read.method).toBe('POST');
  expect(read.body.equals(wire.body)).toBe(true);
  const fromWire = Object.fromEntries(Object.entries(wire.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name)));
  expect(Object.fromEntries(read.headers.map(([n, v]) => [n.toLowerCase(), v]))).toEqual(fromWire);
  expect(verify(SECRET, read.body, header(read, 'X-Hub-Signature-256')!)).toBe(true);
  expect(verify(SECRET, read.body, header(read, 'X-Hub-Signature')!)).toBe(true);
}

const readers = [
  { client: 'rest-client', eol: '\n' },
  { client: 'rest-client', eol: '\r\n' },
  { client: 'jetbrains', eol: '\n' },
  { client: 'jetbrains', eol: '\r\n' },
] as const;

describe('send --dry-run --format http|json', () => {
  const cases: [string, string[]][] = [
    ['a catalog sample', ['pull_request.opened']],
    ['an edited sample', ['issues.opened', '--repo', 'acme/widgets', '--sender', 'monalisa', '--set', 'issue.title=Crash on start', '--header', 'X-Request-Id: 42']],
    ['an App delivery as a form', ['installation.created', '--app-id', '123456', '--content-type', 'form']],
  ];
  it.each(cases)('%s: both files hold the request send puts on the wire', async (_what, args) => {
    const common = [...args, '--secret', SECRET, '--delivery-id', GUID];
    const wire = await sent(common);
    const http = await run(['send', ...common, '--to', capture.url, '--dry-run', '--format', 'http']);
    expect(http.code, http.stderr).toBe(0);
    expect(http.stderr).toMatch(/Nothing was sent \(--dry-run\)/);
    expect(http.stdout.split('\n').slice(0, 2)).toEqual([expect.stringMatching(new RegExp(`^### \\S+ ${GUID}$`)), `POST ${capture.url} HTTP/1.1`]);
    for (const reader of readers) {
      const [read, ...more] = readHttpFile(http.stdout, reader);
      expect(more).toEqual([]);
      expect(read.url).toBe(capture.url);
      expectSameRequest(read, wire);
    }
    const json = await run(['send', ...common, '--to', capture.url, '--dry-run', '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const doc = readJsonFile(json.stdout);
    expect(doc.url).toBe(capture.url);
    expect(doc.encoding).toBeUndefined();
    expectSameRequest(doc, wire);
    // --dry-run --json is the same document.
    expect((await run(['send', ...common, '--to', capture.url, '--dry-run', '--json'])).stdout).toBe(json.stdout);
    expect(capture.requests).toHaveLength(1);
  });

  it('a body an .http file cannot carry is refused (exit 2, why, and what to use); the JSON file carries it, base64 when not UTF-8', async () => {
    const pretty = join(box.dir, 'pretty.json');
    writeFileSync(pretty, '{\n  "action": "opened",\n  "zen": "exact bytes"\n}\n');
    const refused = await run(['send', 'issues', '--payload', pretty, '--secret', SECRET, '--dry-run', '--format', 'http']);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toContain('error: cannot write this request as an .http file: the body ends with a line break, which an .http file cannot carry (clients trim it)\n--format json carries any body (base64 when it is not UTF-8).');
    const json = readJsonFile((await run(['send', 'issues', '--payload', pretty, '--secret', SECRET, '--dry-run', '--format', 'json'])).stdout);
    expect(json.body.toString()).toBe('{\n  "action": "opened",\n  "zen": "exact bytes"\n}\n');
    expect(verify(SECRET, json.body, header(json, 'X-Hub-Signature-256')!)).toBe(true);

    const latin1 = join(box.dir, 'latin1.json');
    const bytes = Buffer.concat([Buffer.from('{"action":"opened","title":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    writeFileSync(latin1, bytes);
    expect((await run(['send', 'issues', '--payload', latin1, '--dry-run', '--format', 'http'])).stderr).toMatch(/the body is not UTF-8 text/);
    const binary = await run(['send', 'issues', '--payload', latin1, '--dry-run', '--format', 'json']);
    expect(binary.stderr).toMatch(/Unsigned: no --secret/);
    const doc = readJsonFile(binary.stdout);
    expect(doc.encoding).toBe('base64');
    expect(doc.body.equals(bytes)).toBe(true);
  });

  it('--format writes a request instead of sending it: without --dry-run, or beside --json, it is a usage error', async () => {
    const alone = await run(['send', 'push', '--format', 'http', '--to', capture.url]);
    expect(alone).toMatchObject({ code: 2, stderr: expect.stringContaining('--format http writes the request instead of sending it: add --dry-run') });
    const both = await run(['send', 'push', '--format', 'http', '--json', '--dry-run', '--to', capture.url]);
    expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining('--json and --format http ask for two outputs; pass one') });
    expect((await run(['send', 'push', '--dry-run', '--format', 'xml'])).code).toBe(2);
    expect(capture.requests).toEqual([]);
  });
});

describe('deliveries export --format http|json', () => {
  it('both files hold the stored request: its exact bytes, the headers to send on, the original signatures; to where it was received or --to', async () => {
    const body = Buffer.from('{"action":"opened","issue":{"title":"Crash on start 🎉","body":"a \\"quoted\\" {x}"}}');
    const id = seed(body);
    const http = await run(['deliveries', 'export', id.slice(0, 4), '--format', 'http']);
    expect(http.code, http.stderr).toBe(0);
    expect(http.stdout.split('\n').slice(0, 2)).toEqual(['### issues.opened f00dbabe-2222-4000-8000-000000000001', 'POST http://127.0.0.1:5000/hooks HTTP/1.1']);
    for (const reader of readers) {
      const [read] = readHttpFile(http.stdout, reader);
      expect(read.body.equals(body)).toBe(true);
      expect(read.headers.map(([n]) => n)).toEqual(['Content-Type', 'User-Agent', 'X-GitHub-Event', 'X-GitHub-Delivery', 'X-Hub-Signature', 'X-Hub-Signature-256']);
      expect(verify(SECRET, read.body, header(read, 'X-Hub-Signature-256')!)).toBe(true);
    }
    const json = readJsonFile((await run(['deliveries', 'export', id, '--format', 'json', '--to', capture.url])).stdout);
    expect(json.url).toBe(capture.url);
    expect(json.body.equals(body)).toBe(true);
    expect(verify(SECRET, json.body, header(json, 'X-Hub-Signature-256')!)).toBe(true);
  });

  it('a stored body an .http file cannot carry is refused with the reason; the JSON file carries it in base64', async () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const id = seed(bytes);
    const refused = await run(['deliveries', 'export', id, '--format', 'http']);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toContain(`error: ${id}: cannot write this request as an .http file: the body is not UTF-8 text\n--format json carries any body (base64 when it is not UTF-8); --format curl too.`);
    const doc = readJsonFile((await run(['deliveries', 'export', id, '--format', 'json'])).stdout);
    expect(doc.encoding).toBe('base64');
    expect(doc.body.equals(bytes)).toBe(true);
    expect(verify(SECRET, doc.body, header(doc, 'X-Hub-Signature-256')!)).toBe(true);
  });

  it('a delivery kept only in part (a rejected body\'s first MiB) is not exported in any format: it is not the request', async () => {
    const id = seed(Buffer.from('{"action":"opened"'), { bodyBytes: 2_000_000, status: 401, signature: 'invalid' });
    for (const format of ['http', 'json', 'curl', 'fixture']) {
      const res = await run(['deliveries', 'export', id, '--format', format]);
      expect(res).toMatchObject({ code: 1, stdout: '' });
      expect(res.stderr).toContain(`error: ${id}: only the first 18 of its 2,000,000 bytes were kept (it was rejected: not signed with the listener's secret), so it cannot be exported as received`);
    }
  });
});

describe('a real .http runner sends the files', () => {
  it('httpyac sends what send --format http and export --format http wrote: the exact bytes, valid signatures', async () => {
    const wire = await sent(['pull_request.opened', '--secret', SECRET, '--delivery-id', GUID]);
    const form = await sent(['push', '--content-type', 'form', '--secret', SECRET, '--delivery-id', GUID]);
    const stored = Buffer.from('{"action":"opened","issue":{"title":"Crash on start 🎉 ünï","body":"50% \\"odd\\" \'quotes\' {x} }}"}}');
    const id = seed(stored);
    const files = [
      await run(['send', 'pull_request.opened', '--secret', SECRET, '--delivery-id', GUID, '--to', `${capture.url}from-send`, '--dry-run', '--format', 'http']),
      await run(['send', 'push', '--content-type', 'form', '--secret', SECRET, '--delivery-id', GUID, '--to', `${capture.url}form`, '--dry-run', '--format', 'http']),
      await run(['deliveries', 'export', id, '--format', 'http', '--to', `${capture.url}from-store`]),
    ].map((res, i) => {
      expect(res.code, res.stderr).toBe(0);
      const file = join(box.dir, `request-${i}.http`);
      writeFileSync(file, res.stdout);
      return file;
    });
    const before = capture.requests.length;
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/httpyac/bin/httpyac.js'), 'send', ...files, '--all', '--bail', '-o', 'none', '--no-color'], { cwd: box.dir, env: { PATH: process.env.PATH, HOME: box.dir } });
    expect(stdout).toMatch(/3 requests processed \(3 succeeded\)/);
    const got = capture.requests.slice(before);
    expect(got.map((r) => r.url)).toEqual(['/from-send', '/form', '/from-store']);
    expect(got[2].body.equals(stored)).toBe(true);
    expect(verify(SECRET, got[2].body, got[2].headers['x-hub-signature-256'] as string)).toBe(true);
    for (const [received, original] of [[got[0], wire], [got[1], form]]) {
      expect(received.body.equals(original.body)).toBe(true);
      expect(verify(SECRET, received.body, received.headers['x-hub-signature-256'] as string)).toBe(true);
      for (const name of ['content-type', 'user-agent', 'x-github-event', 'x-github-delivery', 'x-github-hook-id', 'x-hub-signature', 'x-hub-signature-256']) expect(received.headers[name]).toBe(original.headers[name]);
    }
  });
});
