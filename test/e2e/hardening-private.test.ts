/**
 * Hardening: what is the user's stays the user's. The receiver refuses web browsers' requests
 * (a page the user visits can neither write deliveries nor read the receiver) while GitHub,
 * curl, `hookctl send`/`replay` and the tunnel keep working; the data folder must be the
 * user's own and state is written through exclusive temp files; files given or kept are read
 * only when regular and small; App keys that others can read are warned about, encrypted ones
 * explained; a malformed hooks.json entry is named, ignored and never saved back mangled.
 */
import { execFile, execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signatureHeaders } from '../../src/core/webhook/signing.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { makeHook, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { hookshotPing, type FakeTunnelState } from '../helpers/hookshot.js';
import { runInProcess, startInProcess, type InProcessRunning } from '../helpers/in-process.js';
import { runCli, sandbox, startCli, type LongRunning, type Sandbox } from '../helpers/run-cli.js';
import { postDelivery, postRaw, samplePayload } from '../helpers/webhook-apps.js';

const SECRET = 'private-secret';
const FAKE_BIN_DIR = fileURLToPath(new URL('../helpers/bin/', import.meta.url));

let box: Sandbox;
let children: LongRunning[] = [];
let listeners: InProcessRunning[] = [];
let closers: (() => Promise<void>)[] = [];

beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  for (const c of children) await c.stop('SIGKILL');
  for (const l of listeners) await l.stop('SIGINT');
  for (const close of closers) await close();
  children = [];
  listeners = [];
  closers = [];
  box.cleanup();
});

async function listenHere(args: string[]): Promise<{ cli: InProcessRunning; url: string }> {
  const cli = startInProcess(['listen', '--port', '0', ...args], { env: box.env });
  listeners.push(cli);
  const m = await cli.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
  return { cli, url: m[1] };
}

/** Send only the request's head (a body of `bytes` announced, none sent) and take the answer that comes before it. */
function answerBeforeBody(url: string, headers: Record<string, string>, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(bytes) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

async function storedGuids(): Promise<string[]> {
  const r = await runInProcess(['deliveries', 'list', '--json', '--limit', '100'], { env: box.env });
  return (JSON.parse(r.stdout) as { deliveryId: string }[]).map((d) => d.deliveryId).sort();
}

describe('the receiver refuses web browsers: no web page can write deliveries or read it', () => {
  it('a page\'s form POST, a no-cors POST and a DNS-rebinding read are 403 before the body is read, stored and forwarded nowhere, counted; GET / says only that hookctl listens', async () => {
    const app: CaptureServer = await startCaptureServer();
    closers.push(() => app.close());
    const { cli, url } = await listenHere(['--forward-to', app.url]);
    const port = new URL(url).port;
    const form = 'payload=' + encodeURIComponent(samplePayload());
    // A form on https://evil.example posting to the receiver (the case that stored 200s and forwarded them).
    const posted = await postRaw(url, form, { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'x-github-event': 'issues', 'x-github-delivery': 'from-a-page' });
    expect(posted.status).toBe(403);
    expect(JSON.parse(posted.body).error).toMatch(/refused a web browser's request \(Origin: https:\/\/evil\.example\)/);
    // Several MiB announced: answered before any of it is sent.
    const big = await answerBeforeBody(url, { 'content-type': 'application/x-www-form-urlencoded', origin: 'null', 'x-github-event': 'issues' }, 8 * 1024 * 1024);
    expect(big.status).toBe(403);
    const noCors = await postRaw(url, form, { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'x-github-event': 'issues', 'x-github-delivery': 'no-cors' });
    expect(noCors.status).toBe(403);
    // Sec-Fetch-Mode alone (CONTRACT: any Sec-Fetch-Mode), but for Node's fetch's own `cors` (below).
    for (const mode of ['navigate', 'no-cors', 'same-origin', 'websocket']) {
      const alone = await postRaw(url, form, { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-mode': mode, 'x-github-event': 'issues', 'x-github-delivery': `mode-${mode}` });
      expect(alone.status, mode).toBe(403);
    }
    // DNS rebinding: the page's own origin now resolves to 127.0.0.1 (a same-origin read).
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(url, { headers: { host: `evil.example:${port}`, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toMatch(/version|deliveries/);
    // Anyone else's GET / learns that hookctl listens, and nothing else.
    const status = await new Promise<string>((resolve, reject) => httpRequest(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve(body));
    }).on('error', reject).end());
    expect(JSON.parse(status)).toEqual({ name: 'hookctl', message: 'hookctl listens here for webhooks (POST)' });

    expect(await storedGuids()).toEqual([]);
    expect(app.requests).toHaveLength(0);
    await cli.stop('SIGINT');
    expect(cli.stderr()).toMatch(/0 accepted, 0 rejected, 8 refused \(8 from web browsers\)/);
  });

  it('GitHub, curl, node\'s fetch, hookctl send and hookctl replay keep working', async () => {
    const { cli, url } = await listenHere(['--secret', SECRET]);
    const body = samplePayload();
    expect((await postDelivery(url, body, { secret: SECRET, deliveryId: 'github' })).status).toBe(200);
    const file = join(box.dir, 'body.json');
    writeFileSync(file, body);
    const sig = signatureHeaders(SECRET, Buffer.from(body));
    // Asynchronously: the listener runs in this process, a synchronous curl would wait on it for ever.
    const { stdout: curl } = await promisify(execFile)('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', url, '-H', 'Content-Type: application/json', '-H', 'X-GitHub-Event: issues', '-H', 'X-GitHub-Delivery: curl',
      '-H', `X-Hub-Signature-256: ${sig['X-Hub-Signature-256']}`, '--data-binary', `@${file}`], { encoding: 'utf8', timeout: 10_000 });
    expect(curl).toBe('200');
    // Node's fetch sends `Sec-Fetch-Mode: cors` on every request: not a browser.
    const fetched = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': 'fetch', ...sig } });
    expect(fetched.status).toBe(200);
    const env = { ...box.env, HOOKCTL_SECRET: SECRET };
    const sent = await runCli(['send', 'issues.opened', '--to', url, '--delivery-id', '6c1a0f00-0000-4000-8000-0000000000aa'], { env });
    expect(sent.code, sent.stderr).toBe(0);
    const replayed = await runCli(['replay', 'curl', '--to', url], { env });
    expect(replayed.code, replayed.stderr).toBe(0);
    await cli.stop('SIGINT');
    expect(cli.stderr()).toMatch(/5 accepted \(1 redelivery\), 0 rejected[,.]/);
  });

  it('through the tunnel: GitHub\'s delivery arrives, a browser\'s request is refused', async () => {
    const state = join(box.dir, 'cloudflared.json');
    const env = { ...box.env, PATH: `${FAKE_BIN_DIR}:${box.env.PATH}`, FAKE_CLOUDFLARED_STATE: state };
    const cli = startCli(['listen', '--port', '0', '--tunnel', '--secret', SECRET], { env });
    children.push(cli);
    const m = await cli.waitFor(/Public payload URL: (https:\/\/\S+)/);
    const tunnel = JSON.parse(readFileSync(state, 'utf8')) as FakeTunnelState;
    const ping = await hookshotPing(m[1], SECRET, tunnel, 7);
    expect(ping.status).toBe(200);
    const page = await postRaw(`${tunnel.localUrl}/`, samplePayload(), { 'content-type': 'application/json', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', 'x-github-event': 'issues' });
    expect(page.status).toBe(403);
    expect(await storedGuids()).toEqual([ping.deliveryId]);
    // Stopped here, not SIGKILLed in afterEach: listen stops its cloudflared, which then writes no more in the sandbox.
    expect(await cli.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });
});

describe('the data folder is the user\'s own; state is written through exclusive temp files', () => {
  let gh: FakeGithub;
  const HOOKS = '/repos/octo-org/octo-repo/hooks';
  beforeEach(async () => {
    gh = await startFakeGithub();
    closers.push(() => gh.finish());
    Object.assign(box.env, { GITHUB_TOKEN: 'ghp_privateTestToken', GITHUB_API_URL: gh.url });
  });
  const register = () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 7, url: 'https://hooks.example.com/gh' }) });
    return runInProcess(['register', 'octo-org/octo-repo', '--url', 'https://hooks.example.com/gh', '--secret', 'sekrit'], { env: box.env });
  };

  it('a link planted where hooks.json\'s temp file used to be written is neither followed nor chmodded', async () => {
    const home = box.env.HOOKCTL_HOME!;
    mkdirSync(home, { mode: 0o700 });
    const victim = join(box.dir, 'victim.txt');
    writeFileSync(victim, 'keep me\n', { mode: 0o644 });
    // The name the temp file had (hooks.json.<pid>.tmp: this process runs the command).
    symlinkSync(victim, join(home, `hooks.json.${process.pid}.tmp`));
    const r = await register();
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    const state = join(home, 'hooks.json');
    expect(lstatSync(state).isFile()).toBe(true);
    expect(statSync(state).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(state, 'utf8')).targets).toMatchObject({ [`${gh.url} repo:octo-org/octo-repo`]: { hookId: 7 } });
  });

  it('a data folder others can write to is narrowed to 0700 (and said); someone else\'s, or a shared one, is refused with the fix', async () => {
    const home = box.env.HOOKCTL_HOME!;
    mkdirSync(home);
    chmodSync(home, 0o777);
    const listen = await listenHere([]);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(listen.cli.stderr()).toContain(`${home} could be written by others (mode 0777); narrowed it to 0700`);
    await listen.cli.stop('SIGINT');

    // Someone else's folder (as root: one given to nobody; else /, which is root's).
    const foreign = process.getuid!() === 0 ? join(box.dir, 'theirs') : '/';
    if (foreign !== '/') {
      mkdirSync(foreign, { mode: 0o755 });
      chownSync(foreign, 65534, 65534);
    }
    const theirs = await runCli(['listen', '--port', '0'], { env: { ...box.env, HOOKCTL_HOME: foreign }, timeoutMs: 10_000 });
    expect(theirs.code).toBe(1);
    expect(theirs.stderr).toMatch(new RegExp(`error: ${foreign} belongs to another user \\(uid \\d+\\)`));
    expect(theirs.stderr).toMatch(/Set HOOKCTL_HOME to a folder of your own/);
    const registered = await runInProcess(['register', 'octo-org/octo-repo', '--url', 'https://hooks.example.com/gh'], { env: { ...box.env, HOOKCTL_HOME: foreign } });
    expect(registered.code).toBe(1);
    expect(registered.stderr).toMatch(/belongs to another user/);

    const shared = join(box.dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const sticky = await runCli(['listen', '--port', '0'], { env: { ...box.env, HOOKCTL_HOME: shared }, timeoutMs: 10_000 });
    expect(sticky.code).toBe(1);
    expect(sticky.stderr).toMatch(/is a shared folder/);
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
  });

  it('hooks.json: an entry of the wrong type is named and ignored, and never saved back mangled', async () => {
    const home = box.env.HOOKCTL_HOME!;
    mkdirSync(home, { mode: 0o700 });
    const key = `${gh.url} repo:octo-org/octo-repo`;
    const other = `${gh.url} repo:octo-org/other`;
    const file = join(home, 'hooks.json');
    writeFileSync(file, JSON.stringify({ version: 1, targets: { [key]: 'oops', [other]: { hookId: 'seven' } } }), { mode: 0o600 });
    const r = await register();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${file}: the entry "${key}" is ignored: it is a string, not an object (it is left in the file as it is)`);
    expect(r.stderr).toContain(`the entry "${other}" is ignored: its hookId is not a hook id`);
    const saved = JSON.parse(readFileSync(file, 'utf8')).targets;
    expect(saved[key]).toMatchObject({ hookId: 7, url: 'https://hooks.example.com/gh' });
    expect(Object.keys(saved[key])).not.toContain('0');
    expect(saved[other]).toEqual({ hookId: 'seven' });
  });
});

describe('files given or kept: regular files of a bounded size, or a reason', () => {
  it('hooks.json as a FIFO, a payload or key that is a FIFO or /dev/zero, and oversized files are refused, saying what they are', async () => {
    const home = box.env.HOOKCTL_HOME!;
    mkdirSync(home, { mode: 0o700 });
    execFileSync('mkfifo', [join(home, 'hooks.json')]);
    const env = { ...box.env, GITHUB_TOKEN: 'ghp_x', GITHUB_API_URL: 'http://127.0.0.1:9' };
    const pulled = await runCli(['deliveries', 'pull', 'octo-org/octo-repo'], { env, timeoutMs: 10_000 });
    expect(pulled.code, pulled.stderr).toBe(1);
    expect(pulled.stderr).toContain(`error: ${join(home, 'hooks.json')} is a FIFO (named pipe): a hook state file is read from a regular file`);
    expect(pulled.stderr).toContain('Move it away');

    const fifo = join(box.dir, 'payload.fifo');
    execFileSync('mkfifo', [fifo]);
    const fromFifo = await runCli(['send', 'push', '--payload', fifo, '--to', 'http://127.0.0.1:9/'], { env: box.env, timeoutMs: 10_000 });
    expect(fromFifo.code).toBe(2);
    expect(fromFifo.stderr).toContain(`${fifo} is a FIFO (named pipe): the payload is read from a regular file`);
    expect(fromFifo.stderr).toContain('To read from a pipe, give - instead of a file');
    const zero = await runCli(['send', 'push', '--payload', '/dev/zero', '--to', 'http://127.0.0.1:9/'], { env: box.env, timeoutMs: 10_000 });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('/dev/zero is a character device');
    const key = await runCli(['deliveries', 'pull', '--app', '--app-id', '1', '--private-key', '/dev/zero'], { env, timeoutMs: 10_000 });
    expect(key.code).toBe(2);
    expect(key.stderr).toContain('cannot use the private key /dev/zero (from --private-key): /dev/zero is a character device');

    const huge = join(box.dir, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 26 * 1024 * 1024);
    const tooBig = await runInProcess(['send', 'push', '--payload', huge, '--to', 'http://127.0.0.1:9/'], { env: box.env });
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toContain(`${huge} is 26 MiB: the payload is at most 25 MiB`);
    const fromStdin = await runInProcess(['send', 'push', '--payload', '-', '--to', 'http://127.0.0.1:9/'], { env: box.env, input: Buffer.alloc(26 * 1024 * 1024, 0x20) });
    expect(fromStdin.code).toBe(2);
    expect(fromStdin.stderr).toMatch(/the payload on stdin is over 25 MiB/);
  });
});

describe('App private keys', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const env = () => ({ ...box.env, GITHUB_API_URL: 'http://127.0.0.1:9' });

  it('a key file others can read works, with a warning that names chmod 600', async () => {
    const file = join(box.dir, 'app.pem');
    writeFileSync(file, privateKey.export({ type: 'pkcs1', format: 'pem' }));
    chmodSync(file, 0o644);
    const r = await runInProcess(['deliveries', 'pull', '--app', '--app-id', '1', '--private-key', file], { env: env() });
    expect(r.stderr).toContain(`! the private key ${file} can be read by every user of this machine (mode 0644); protect it: chmod 600 ${file}`);
    expect(r.stderr).toMatch(/cannot reach GitHub/);
    chmodSync(file, 0o640);
    const group = await runInProcess(['deliveries', 'pull', '--app', '--app-id', '1', '--private-key', file], { env: env() });
    expect(group.stderr).toContain(`can be read by its group (mode 0640); protect it: chmod 600 ${file}`);
    chmodSync(file, 0o600);
    const own = await runInProcess(['deliveries', 'pull', '--app', '--app-id', '1', '--private-key', file], { env: env() });
    expect(own.stderr).not.toContain('chmod');
  });

  it('an encrypted key says it is encrypted and that GitHub\'s keys are not (no passphrase is asked)', async () => {
    for (const [name, pem] of [
      ['traditional', privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })],
      ['pkcs8', privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })],
    ] as const) {
      const file = join(box.dir, `${name}.pem`);
      writeFileSync(file, pem, { mode: 0o600 });
      const r = await runInProcess(['deliveries', 'pull', '--app', '--app-id', '1', '--private-key', file], { env: env() });
      expect(r.code, name).toBe(2);
      expect(r.stderr).toContain(`the private key from --private-key (${file}) is encrypted (it needs a passphrase); GitHub's App keys are not, and hookctl never asks for one`);
      expect(r.stderr).not.toMatch(/interrupted or cancelled/);
    }
  });
});
