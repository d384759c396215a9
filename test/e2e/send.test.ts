import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOctokitApp } from '../helpers/webhook-apps.js';
import { loadIndex, entryName, PAYLOADS_DIR } from '../../src/core/catalog/catalog.js';
import { runCli, sandbox, type Sandbox } from '../helpers/run-cli.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { inPty } from '../helpers/pty.js';
import { inProcess, runInProcess } from '../helpers/in-process.js';
import { run as send } from '../../src/commands/send.js';

const SECRET = 'e2e-s3cret ✓';


let box: Sandbox;
let capture: CaptureServer | undefined;
beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  await capture?.close();
  capture = undefined;
  box.cleanup();
});

describe('hookctl send → @octokit/webhooks', () => {
  it('every catalog entry, sent by the send command, is accepted by @octokit/webhooks with the right secret', async () => {
    const octo = await startOctokitApp(SECRET);
    try {
      const entries = loadIndex().entries;
      expect(entries.length).toBeGreaterThanOrEqual(160);
      const failures: string[] = [];
      // The command itself, in this process (the same code the CLI runs; a few real spawns below).
      for (const entry of entries) {
        const run = inProcess({ HOOKCTL_NO_PROMPT: '1' });
        const code = await send(run.ctx, { to: octo.url, secret: [SECRET], contentType: 'json', count: 1, concurrency: 1 }, entryName(entry));
        if (code !== 0) failures.push(`${entryName(entry)}: exit ${code} ${run.stdout()}${run.stderr()}`);
      }
      expect(failures).toEqual([]);
      expect(octo.received).toHaveLength(entries.length);
      const got = new Set(octo.received.map((e) => (e.payload.action ? `${e.name}.${e.payload.action}` : e.name)));
      // A named variant (pull_request.closed:merged) arrives as its pair: the same event and action.
      for (const entry of entries) expect(got, entryName(entry)).toContain(entry.action ? `${entry.event}.${entry.action}` : entry.event);
      // The payload that arrived is the catalog's, unchanged.
      const pr = octo.received.find((e) => e.name === 'pull_request' && e.payload.action === 'opened')!;
      expect(pr.payload).toEqual(JSON.parse(readFileSync(join(PAYLOADS_DIR, 'pull_request/opened.json'), 'utf8')));
    } finally {
      await octo.close();
    }
  }, 60_000);

  it('a wrong secret is refused by @octokit/webhooks and send exits 1', async () => {
    const octo = await startOctokitApp(SECRET);
    try {
      const r = await runInProcess(['send', 'push', '--to', octo.url, '--secret', 'not-the-secret'], { env: box.env });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/push → .* 400/);
      expect(r.stdout).toMatch(/signature does not match/);
      expect(octo.received).toHaveLength(0);
    } finally {
      await octo.close();
    }
  });
});

describe('hookctl send: what crosses the wire', () => {
  it('sends exactly GitHub\'s headers and the catalog bytes, both signatures over them', async () => {
    capture = await startCaptureServer();
    const r = await runCli(['send', 'pull_request.opened', '--to', capture.url, '--secret', SECRET], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(capture.requests).toHaveLength(1);
    const req = capture.requests[0];
    const file = readFileSync(join(PAYLOADS_DIR, 'pull_request/opened.json'));
    expect(req.body.equals(file.subarray(0, file.at(-1) === 0x0a ? -1 : undefined))).toBe(true);
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^GitHub-Hookshot\/[0-9a-f]{7}$/);
    expect(req.headers['x-github-event']).toBe('pull_request');
    expect(req.headers['x-github-delivery']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(req.headers['x-github-hook-id']).toMatch(/^\d+$/);
    const payload = JSON.parse(req.body.toString());
    expect(req.headers['x-github-hook-installation-target-type']).toBe('repository');
    expect(req.headers['x-github-hook-installation-target-id']).toBe(String(payload.repository.id));
    // Compact JSON, as GitHub sends.
    expect(req.body.toString()).toBe(JSON.stringify(payload));
    // sha1 and sha256, computed here with plain node:crypto.
    expect(req.headers['x-hub-signature']).toBe(`sha1=${createHmac('sha1', SECRET).update(req.body).digest('hex')}`);
    expect(req.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', SECRET).update(req.body).digest('hex')}`);
    expect(r.stdout).toMatch(/✓ pull_request\.opened → http:\/\/127\.0\.0\.1:\d+\/ 200 \d+ms/);
    expect(r.stdout).toContain(req.headers['x-github-delivery']);
  });

  it('takes the secret from HOOKCTL_SECRET, then GITHUB_WEBHOOK_SECRET; none means unsigned', async () => {
    capture = await startCaptureServer();
    await runInProcess(['send', 'ping', '--to', capture.url], { env: { ...box.env, GITHUB_WEBHOOK_SECRET: 'g', HOOKCTL_SECRET: 'h' } });
    await runInProcess(['send', 'ping', '--to', capture.url], { env: { ...box.env, GITHUB_WEBHOOK_SECRET: 'g' } });
    await runInProcess(['send', 'ping', '--to', capture.url], { env: box.env });
    const [a, b, c] = capture.requests;
    expect(a.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', 'h').update(a.body).digest('hex')}`);
    expect(b.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', 'g').update(b.body).digest('hex')}`);
    expect(c.headers['x-hub-signature-256']).toBeUndefined();
    expect(c.headers['x-hub-signature']).toBeUndefined();
  });

  it('form content type: payload= urlencoded, verified over the raw body, decodes to the same JSON', async () => {
    capture = await startCaptureServer();
    const r = await runInProcess(['send', 'issues.opened', '--to', capture.url, '--secret', SECRET, '--content-type', 'form'], { env: box.env });
    expect(r.code).toBe(0);
    const req = capture.requests[0];
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.body.toString()).toMatch(/^payload=%7B/);
    expect(req.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', SECRET).update(req.body).digest('hex')}`);
    const decoded = new URLSearchParams(req.body.toString()).get('payload')!;
    const file = readFileSync(join(PAYLOADS_DIR, 'issues/opened.json'), 'utf8').trimEnd();
    expect(decoded).toBe(file);
  });

  it('--repo, --sender and --set land in the received JSON, consistently', async () => {
    capture = await startCaptureServer();
    const r = await runInProcess(
      ['send', 'pull_request.opened', '--to', capture.url, '--secret', SECRET, '--repo', 'acme/widgets', '--sender', 'alice',
        '--set', 'pull_request.draft=true', '--set', 'pull_request.title=Fix it', '--set', 'pull_request.labels[0].name="bug"', '--set', 'number=42'],
      { env: box.env },
    );
    expect(r.code, r.stderr).toBe(0);
    const req = capture.requests[0];
    const p = JSON.parse(req.body.toString());
    expect(req.body.toString()).toBe(JSON.stringify(p));
    expect(req.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', SECRET).update(req.body).digest('hex')}`);
    expect(p.repository.full_name).toBe('acme/widgets');
    expect(p.repository.name).toBe('widgets');
    expect(p.repository.owner.login).toBe('acme');
    expect(p.repository.html_url).toBe('https://github.com/acme/widgets');
    expect(p.pull_request.html_url).toMatch(/^https:\/\/github\.com\/acme\/widgets\/pull\/\d+$/);
    expect(p.pull_request.base.repo.full_name).toBe('acme/widgets');
    expect(p.sender.login).toBe('alice');
    expect(p.sender.html_url).toBe('https://github.com/alice');
    expect(p.sender.url).toBe('https://api.github.com/users/alice');
    expect(p.pull_request.draft).toBe(true);
    expect(p.pull_request.title).toBe('Fix it');
    expect(p.pull_request.labels[0].name).toBe('bug');
    expect(p.number).toBe(42);
    // No trace of the old names in any string.
    const original = JSON.parse(readFileSync(join(PAYLOADS_DIR, 'pull_request/opened.json'), 'utf8'));
    expect(req.body.toString()).not.toContain(`"${original.repository.full_name}"`);
    expect(req.body.toString()).not.toContain(`/users/${original.sender.login}"`);
    expect(req.headers['x-github-hook-installation-target-id']).toBe(String(p.repository.id));
  });

  it('--payload sends the user\'s own file byte for byte, signed over those bytes', async () => {
    capture = await startCaptureServer();
    const file = join(box.dir, 'mine.json');
    const bytes = Buffer.from('{\n  "action": "opened",\n  "note": "héllo  ✓"\n}\n');
    writeFileSync(file, bytes);
    const id = randomUUID();
    const r = await runInProcess(['send', 'issues', '--payload', file, '--to', capture.url, '--secret', SECRET, '--delivery-id', id, '--hook-id', '99'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    const req = capture.requests[0];
    expect(req.body.equals(bytes)).toBe(true);
    expect(req.headers['x-github-delivery']).toBe(id);
    expect(req.headers['x-github-hook-id']).toBe('99');
    expect(req.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', SECRET).update(bytes).digest('hex')}`);
  });

  it('--payload from stdin works too', async () => {
    capture = await startCaptureServer();
    const r = await runInProcess(['send', 'push', '--payload', '-', '--to', capture.url], { env: box.env, input: '{"ref":"refs/heads/main"}' });
    expect(r.code, r.stderr).toBe(0);
    expect(capture.requests[0].body.toString()).toBe('{"ref":"refs/heads/main"}');
  });

  it('--count N --concurrency C sends N distinct deliveries over a few keep-alive connections', async () => {
    capture = await startCaptureServer();
    const r = await runInProcess(['send', 'push', '--to', capture.url, '--count', '60', '--concurrency', '4', '--json'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(capture.requests).toHaveLength(60);
    expect(new Set(capture.requests.map((q) => q.headers['x-github-delivery'])).size).toBe(60);
    expect(new Set(capture.requests.map((q) => q.remotePort)).size).toBeLessThanOrEqual(4);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(60);
    expect(lines[0]).toMatchObject({ event: 'push', status: 200, error: null });
  });
});

describe('hookctl send: errors and listing', () => {
  it('nothing listening → a plain message and exit 1', async () => {
    const dead = await startCaptureServer();
    const url = dead.url;
    await dead.close();
    const r = await runCli(['send', 'push', '--to', url], { env: box.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`nothing is listening at ${url}`);
    expect(r.stdout + r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('a non-2xx shows the start of the response body and exits 1', async () => {
    capture = await startCaptureServer((_req, res) => {
      res.statusCode = 500;
      res.end('Internal oops: handler blew up');
    });
    const r = await runInProcess(['send', 'star', '--to', capture.url], { env: box.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/500 .*Internal oops: handler blew up/);
  });

  it('unknown event → exit 2 naming the closest matches', async () => {
    const r = await runInProcess(['send', 'pull_requst.opened'], { env: box.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown event "pull_requst.opened"/);
    expect(r.stderr).toMatch(/Did you mean: pull_request\.opened/);
  });

  it('an event without an action uses the default action and says which', async () => {
    capture = await startCaptureServer();
    const r = await runInProcess(['send', 'pull_request', '--to', capture.url], { env: box.env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sending pull_request\.opened/);
    expect(JSON.parse(capture.requests[0].body.toString()).action).toBe('opened');
  });

  it('no event and no TTY → usage error naming what to pass', async () => {
    const r = await runInProcess(['send'], { env: box.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/hookctl send pull_request\.opened/);
  });

  it('--payload that is not JSON → exit 2 with the position', async () => {
    const file = join(box.dir, 'bad.json');
    writeFileSync(file, '{\n  "a": 1,\n  "b": oops\n}');
    const r = await runInProcess(['send', 'push', '--payload', file], { env: box.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not JSON: line 3, column \d+/);
  });

  it('bad flags → exit 2 with a readable message', async () => {
    // The built CLI, once: what main.ts prints for a usage error, without a stack.
    const spawned = await runCli(['send', 'push', '--to', 'not a url'], { env: box.env });
    expect(spawned.code).toBe(2);
    expect(spawned.stderr).toMatch(/error/);
    expect(spawned.stderr).not.toMatch(/\n\s+at /);
    for (const args of [['send', 'push', '--to', 'not a url'], ['send', 'push', '--count', '0'], ['send', 'push', '--delivery-id', 'nope'], ['send', 'push', '--content-type', 'xml'], ['send', 'push', '--set', 'noequals']]) {
      const r = await runInProcess(args, { env: box.env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/error/);
      // A typed error (a message, no stack), not a bug.
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at |bug in hookctl/);
    }
  });

  it('--list equals the catalog; --list --json says where each sample came from', async () => {
    const index = loadIndex();
    const human = await runInProcess(['send', '--list'], { env: box.env });
    expect(human.code).toBe(0);
    const names = human.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    expect(names.sort()).toEqual(index.entries.map(entryName).sort());
    const json = await runInProcess(['send', '--list', '--json'], { env: box.env });
    const list = JSON.parse(json.stdout) as { name: string; event: string; action: string | null; description: string; source: string }[];
    expect(list.map((e) => e.name).sort()).toEqual(index.entries.map(entryName).sort());
    for (const e of list) expect(['captured', 'synthesized']).toContain(e.source);
  });
});

describe('hookctl send in a terminal', () => {
  it('with no event, a searchable picker chooses one and sends it', async () => {
    capture = await startCaptureServer();
    // Type part of a name, then Enter picks the first match.
    const r = await inPty(['send', '--to', capture.url], [['Which event\\?', 'pull_request.sy'], ['pull_request\\.synchronize', '\r']], box.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.transcript).toMatch(/✓ pull_request\.synchronize → /);
    expect(capture.requests).toHaveLength(1);
    expect(capture.requests[0].headers['x-github-event']).toBe('pull_request');
    expect(JSON.parse(capture.requests[0].body.toString()).action).toBe('synchronize');
  });

  it('typing an event\'s name puts its default action first', async () => {
    capture = await startCaptureServer();
    const r = await inPty(['send', '--to', capture.url], [['Which event\\?', 'pull_req'], ['pull_req[\\s\\S]*❯ pull_request\\.opened', '\r']], box.env);
    expect(r.code).toBe(0);
    expect(JSON.parse(capture.requests[0].body.toString()).action).toBe('opened');
  });
});
