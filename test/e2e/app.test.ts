/**
 * GitHub Apps end to end against a fake GitHub that verifies every JWT with the App's public
 * key (RS256, iss, iat/exp) and checks bodies against GitHub's REST description. The commands
 * run in this process; the first register --app and listen --tunnel --register-app (Ctrl+C,
 * SIGKILL) run the built CLI (`npm run build` first).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/core/store/store.js';
import { startCaptureServer } from '../helpers/capture-server.js';
import { makeDeliveryDetail, makeDeliverySummary, officialExample, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { alive, runCli, sandbox, startCli, type LongRunning, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess } from '../helpers/in-process.js';

const APP_ID = 4242;
const FAKE_BIN_DIR = fileURLToPath(new URL('../helpers/bin/', import.meta.url));

function keyPair(): { privatePem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, publicKey };
}

const { privatePem, publicKey } = keyPair();
let gh: FakeGithub;
let box: Sandbox;
let keyFile: string;
let running: LongRunning[] = [];

const appInfo = () => ({ ...officialExample('apps/get-authenticated'), id: APP_ID, slug: 'dev-bot', name: 'Dev Bot' });
const config = (over: Record<string, string> = {}) => ({ content_type: 'form', insecure_ssl: '0', secret: '********', url: 'https://bot.example.com/github', ...over });

beforeEach(async () => {
  gh = await startFakeGithub({ app: { appId: APP_ID, publicKey } });
  box = sandbox({ GITHUB_API_URL: gh.url, HOOKCTL_TEST_BACKOFF_MS: '10' });
  keyFile = join(box.dir, 'dev-bot.private-key.pem');
  writeFileSync(keyFile, privatePem, { mode: 0o600 });
});
afterEach(async () => {
  for (const p of running) await p.stop('SIGKILL');
  running = [];
  await gh.finish();
  box.cleanup();
});

const app = ['--app', '--app-id', String(APP_ID), '--private-key'];

describe('register --app', () => {
  it('reads /app/hook/config, PATCHes what differs (the secret with the URL), and sends nothing when unchanged', async () => {
    gh.stub({ method: 'GET', path: '/app' }, { body: appInfo() });
    gh.stub({ method: 'GET', path: '/app/hook/config' }, { body: config() });
    gh.stub({ method: 'PATCH', path: '/app/hook/config' }, { body: config({ url: 'https://new.example.com/hooks', content_type: 'json' }) });
    const r = await runCli(['register', ...app, keyFile, '--url', 'https://new.example.com/hooks', '--secret', 'app-secret'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('updated the webhook of App Dev Bot (4242): https://new.example.com/hooks (json)\n');
    expect(gh.requestsTo('PATCH', '/app/hook/config')[0].body).toEqual({ url: 'https://new.example.com/hooks', content_type: 'json', insecure_ssl: '0', secret: 'app-secret' });
    expect(r.stderr).toContain('url: https://bot.example.com/github → https://new.example.com/hooks');
    expect(r.stdout + r.stderr).not.toContain('app-secret');
    gh.assertDone();

    gh.stub({ method: 'GET', path: '/app' }, { body: appInfo() });
    gh.stub({ method: 'GET', path: '/app/hook/config' }, { body: config({ url: 'https://new.example.com/hooks', content_type: 'json' }) });
    const again = await runInProcess(['register', ...app, keyFile, '--url', 'https://new.example.com/hooks', '--secret', 'app-secret'], { env: box.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^unchanged the webhook of App Dev Bot/);
  });

  it('a URL change without a secret is refused before anything is sent', async () => {
    gh.stub({ method: 'GET', path: '/app' }, { body: appInfo() });
    gh.stub({ method: 'GET', path: '/app/hook/config' }, { body: config() });
    const r = await runInProcess(['register', ...app, keyFile, '--url', 'https://new.example.com/hooks'], { env: box.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sends the secret the new receiver verifies with: pass --secret/);
  });

  it('a wrong key or App ID: exit 4, naming both and where each came from', async () => {
    const other = join(box.dir, 'other.pem');
    writeFileSync(other, keyPair().privatePem);
    const wrongKey = await runInProcess(['register', ...app, other, '--url', 'https://x.example.com/', '--secret', 's'], { env: box.env });
    expect(wrongKey.code).toBe(4);
    expect(wrongKey.stderr).toContain(`error: GitHub rejected the App's JWT (App ID 4242 from --app-id; private key from --private-key (${other})) (401: A JSON web token could not be decoded)`);
    expect(wrongKey.stderr).toMatch(/must belong to the same App/);
    const wrongId = await runInProcess(['register', '--app', '--private-key', keyFile, '--url', 'https://x.example.com/', '--secret', 's'], { env: { ...box.env, GITHUB_APP_ID: '999' } });
    expect(wrongId.code).toBe(4);
    expect(wrongId.stderr).toContain('App ID 999 from GITHUB_APP_ID');
    expect(wrongId.stderr).toContain('Integration not found');
    expect(gh.jwtRefusals).toHaveLength(2);
    const none = await runInProcess(['register', '--app', '--url', 'https://x.example.com/'], { env: box.env });
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/no GitHub App credentials: hookctl needs an App ID and the App's private key/);
    const notPem = join(box.dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    const bad = await runInProcess(['register', ...app, notPem, '--url', 'https://x.example.com/'], { env: box.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not an RSA private key in PEM form/);
  });
});

describe('the App\'s delivery log', () => {
  it('deliveries pull --app imports the log; replay --from-github --app --redeliver asks GitHub', async () => {
    const d = makeDeliverySummary({ id: 777, guid: 'a1b2c3d4-0000-4000-8000-000000000001', event: 'installation', action: 'created' });
    gh.stub({ method: 'GET', path: '/app/hook/deliveries' }, { body: [d] });
    gh.stub({ method: 'GET', path: '/app/hook/deliveries/777' }, { body: makeDeliveryDetail({ id: 777, guid: d.guid, event: 'installation', action: 'created', hookId: 55 }) });
    const pull = await runInProcess(['deliveries', 'pull', ...app, keyFile, '--secret', 's'], { env: box.env });
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stderr).toMatch(/Imported 1 delivery from the webhook of App 4242/);
    const store = openStore(join(box.env.HOOKCTL_HOME!, 'deliveries.db'));
    try {
      expect(store.hasDeliveryGuid(d.guid)).toBe(true);
    } finally {
      store.close();
    }
    gh.assertDone();
    gh.stub({ method: 'GET', path: '/app/hook/deliveries' }, { body: [d] });
    gh.stub({ method: 'POST', path: '/app/hook/deliveries/777/attempts' }, { status: 202, body: {} });
    const redo = await runInProcess(['replay', 'a1b2c3d4', '--from-github', ...app, keyFile, '--redeliver'], { env: box.env });
    expect(redo.code, redo.stderr).toBe(0);
    expect(redo.stdout).toContain('asked GitHub to redeliver a1b2c3d4-0000-4000-8000-000000000001 (installation.created) to the webhook of App 4242');
  });
});

describe('send --app-id', () => {
  it('sends an App-shaped delivery: target type integration, target id the App ID, an installation in the payload', async () => {
    const capture = await startCaptureServer();
    try {
      const r = await runInProcess(['send', 'push', '--app-id', String(APP_ID), '--to', capture.url], { env: box.env });
      expect(r.code, r.stderr).toBe(0);
      const req = capture.requests[0];
      expect(req.headers['x-github-hook-installation-target-type']).toBe('integration');
      expect(req.headers['x-github-hook-installation-target-id']).toBe(String(APP_ID));
      expect(JSON.parse(req.body.toString()).installation).toMatchObject({ id: expect.any(Number) });
      const list = await runInProcess(['send', '--list', '--json'], { env: box.env });
      const appOnly = (JSON.parse(list.stdout) as { event: string; appOnly: boolean }[]).filter((e) => e.appOnly).map((e) => e.event);
      expect(new Set(appOnly)).toEqual(new Set(['installation', 'installation_repositories', 'installation_target', 'github_app_authorization']));
    } finally {
      await capture.close();
    }
  });
});

describe('listen --tunnel --register-app', () => {
  let origin: Server;
  let env: NodeJS.ProcessEnv;
  const statePath = () => join(box.dir, 'cloudflared-state.json');
  const state = () => JSON.parse(readFileSync(statePath(), 'utf8')) as { pid: number; publicUrl: string };
  const start = (args: string[]) => {
    const p = startCli(args, { env });
    running.push(p);
    return p;
  };

  beforeEach(async () => {
    env = { ...box.env, PATH: `${FAKE_BIN_DIR}:${box.env.PATH}`, FAKE_CLOUDFLARED_STATE: statePath(), FAKE_CLOUDFLARED_NODE: process.execPath, GITHUB_APP_ID: String(APP_ID), GITHUB_APP_PRIVATE_KEY: privatePem.replace(/\n/g, '\\n') };
    origin = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    void (origin.address() as AddressInfo).port;
  });
  afterEach(async () => {
    await new Promise<void>((r) => origin.close(() => r()));
  });

  it('borrows the App\'s webhook and, on Ctrl+C, puts back exactly the URL, content type and TLS check it had', async () => {
    gh.stub({ method: 'GET', path: '/app' }, { body: appInfo() });
    gh.stub({ method: 'GET', path: '/app/hook/config' }, { body: config({ content_type: 'form', insecure_ssl: '1' }) });
    gh.stub({ method: 'PATCH', path: '/app/hook/config', body: (b) => b.url.includes('trycloudflare.com') && b.content_type === 'json' && typeof b.secret === 'string' }, { body: config() });
    gh.stub({ method: 'GET', path: '/app/hook/deliveries' }, { body: [] });
    gh.stub({ method: 'PATCH', path: '/app/hook/config', body: (b) => b.url === 'https://bot.example.com/github' }, { body: config() });
    const p = start(['listen', '--port', '0', '--tunnel', '--register-app', '--no-inspect', '--json']);
    await p.waitFor(/Pointed the webhook of App Dev Bot \(4242\) → https:\/\/\S+trycloudflare\.com/);
    expect(p.stderr()).toMatch(/borrowing the webhook of App Dev Bot \(4242\).*Use a development App/);
    expect(existsSync(join(box.env.HOOKCTL_HOME!, 'hooks.json'))).toBe(true);
    // Catch-up read the (empty) log before we stop.
    await expect.poll(() => gh.requestsTo('GET', '/app/hook/deliveries').length, { timeout: 10_000 }).toBe(1);
    expect(await p.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(gh.requestsTo('PATCH', '/app/hook/config').at(-1)!.body).toEqual({ url: 'https://bot.example.com/github', content_type: 'form', insecure_ssl: '1' });
    expect(p.stderr()).toContain('Put back the webhook of App Dev Bot (4242): https://bot.example.com/github (form)');
    expect(readFileSync(join(box.env.HOOKCTL_HOME!, 'hooks.json'), 'utf8')).not.toContain('borrowed');
    gh.assertDone();
  });

  it('SIGKILLed while borrowing: the next start notices, keeps the original settings, and puts them back', async () => {
    gh.stub({ method: 'GET', path: '/app' }, { body: appInfo() });
    gh.stub({ method: 'GET', path: '/app/hook/config' }, { body: config() });
    gh.stub({ method: 'PATCH', path: '/app/hook/config' }, { body: config() });
    // No catch-up: the run is killed at an arbitrary moment (catch-up has its own tests).
    const first = start(['listen', '--port', '0', '--tunnel', '--register-app', '--no-inspect', '--no-catch-up']);
    await first.waitFor(/Pointed the webhook/);
    const firstPid = state().pid;
    await first.stop('SIGKILL');
    // Its watchdog stops the (fake) cloudflared once hookctl is gone.
    await expect.poll(() => alive(firstPid), { timeout: 10_000 }).toBe(false);
    gh.assertDone();

    // The App's webhook now points at the dead tunnel; the next run must not take that as "before".
    gh.stub({ method: 'GET', path: '/app' }, { body: appInfo() });
    gh.stub({ method: 'PATCH', path: '/app/hook/config', body: (b) => b.url.includes('trycloudflare.com') }, { body: config() });
    gh.stub({ method: 'PATCH', path: '/app/hook/config', body: (b) => b.url === 'https://bot.example.com/github' }, { body: config() });
    const second = start(['listen', '--port', '0', '--tunnel', '--register-app', '--no-inspect', '--no-catch-up']);
    await second.waitFor(/Pointed the webhook/);
    expect(second.stderr()).toMatch(/still points at a tunnel of a run that ended without putting it back .*https:\/\/bot\.example\.com\/github/);
    expect(await second.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(gh.requestsTo('PATCH', '/app/hook/config').at(-1)!.body).toEqual({ url: 'https://bot.example.com/github', content_type: 'form', insecure_ssl: '0' });
    gh.assertDone();
  });
});
