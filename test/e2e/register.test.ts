/**
 * `hookctl register` and `hookctl hooks` end to end against the fake GitHub: the commands run
 * in this process, and once through the built CLI (`npm run build` first).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli, sandbox, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess, startInProcess } from '../helpers/in-process.js';
import { makeHook, makeOrgHook, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';

const HOOKS = '/repos/octo-org/octo-repo/hooks';
const TOKEN = 'ghp_e2eTokenThatMustNeverBePrinted';

let gh: FakeGithub;
let box: Sandbox;

beforeEach(async () => {
  gh = await startFakeGithub();
  box = sandbox({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, HOOKCTL_TEST_BACKOFF_MS: '10' });
});
afterEach(async () => {
  vi.useRealTimers();
  await gh.finish();
  box.cleanup();
});

const hookctl = async (args: string[]) => {
  const r = await runInProcess(args, { env: box.env });
  expect(r.stdout + r.stderr).not.toContain(TOKEN);
  return r;
};

/** The same through the built CLI. */
const spawned = async (args: string[]) => {
  const r = await runCli(args, { env: box.env });
  expect(r.stdout + r.stderr).not.toContain(TOKEN);
  return r;
};

describe('register', () => {
  it('creates a hook, remembers it, and is unchanged the second time (same secret)', async () => {
    const url = 'https://hooks.example.com/gh';
    gh.stub({ method: 'GET', path: HOOKS }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 7, url, events: ['push', 'pull_request'], secret: true }) });
    const first = await spawned(['register', 'octo-org/octo-repo', '--url', url, '--events', 'push,pull_request', '--secret', 'sekrit']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`created webhook 7 on octo-org/octo-repo: ${url} (events push,pull_request, json, active)\n`);
    expect(gh.requestsTo('POST', HOOKS)[0].body).toEqual({
      name: 'web',
      active: true,
      events: ['push', 'pull_request'],
      config: { url, content_type: 'json', insecure_ssl: '0', secret: 'sekrit' },
    });
    const state = join(box.env.HOOKCTL_HOME!, 'hooks.json');
    expect(statSync(state).mode & 0o777).toBe(0o600);
    expect(readFileSync(state, 'utf8')).not.toContain('sekrit');
    gh.assertDone();

    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 7, url, events: ['pull_request', 'push'], secret: true })] });
    const second = await hookctl(['register', 'octo-org/octo-repo', '--url', url, '--events', 'push,pull_request', '--secret', 'sekrit']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^unchanged webhook 7 on octo-org\/octo-repo/);
    gh.assertDone();
  });

  it('updates the remembered hook after the URL changed and prints the difference', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 9, url: 'https://a.trycloudflare.com/' }) });
    expect((await hookctl(['register', 'octo-org/octo-repo', '--url', 'https://a.trycloudflare.com/'])).code).toBe(0);

    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 3 }), makeHook({ id: 9, url: 'https://a.trycloudflare.com/' })] });
    gh.stub({ method: 'PATCH', path: `${HOOKS}/9` }, { body: makeHook({ id: 9, url: 'https://b.trycloudflare.com/' }) });
    const r = await hookctl(['register', 'octo-org/octo-repo', '--url', 'https://b.trycloudflare.com/']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^updated webhook 9 on octo-org\/octo-repo: https:\/\/b\.trycloudflare\.com\//);
    expect(r.stderr).toContain('url: https://a.trycloudflare.com/ → https://b.trycloudflare.com/');
    expect(r.stderr).toContain('no secret set');
    // Without a TTY and without --events, events default to push.
    expect(gh.requestsTo('PATCH', `${HOOKS}/9`)[0].body).toEqual({
      active: true,
      events: ['push'],
      config: { url: 'https://b.trycloudflare.com/', content_type: 'json', insecure_ssl: '0' },
    });
    gh.assertDone();
  });

  it('organization hooks, --json and --ping', async () => {
    gh.stub({ method: 'GET', path: '/orgs/octo-org/hooks' }, { body: [] });
    const hook = makeOrgHook({ id: 55, url: 'https://hooks.example.com/org', events: ['*'], contentType: 'form' });
    gh.stub({ method: 'POST', path: '/orgs/octo-org/hooks' }, { status: 201, body: hook });
    gh.stub({ method: 'POST', path: '/orgs/octo-org/hooks/55/pings' }, { status: 204 });
    const r = await hookctl(['register', '--org', 'octo-org', '--url', 'https://hooks.example.com/org', '--events', '*', '--content-type', 'form', '--insecure-ssl', '--json', '--ping']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(hook);
    expect(r.stderr).toContain('created webhook 55 on org octo-org');
    expect(r.stderr).toContain('asked GitHub to ping webhook 55');
    expect(gh.requestsTo('POST', '/orgs/octo-org/hooks')[0].body.config).toEqual({ url: 'https://hooks.example.com/org', content_type: 'form', insecure_ssl: '1' });
    gh.assertDone();
  });

  it('GHES: --api-url with the /api/v3 prefix', async () => {
    const ghes = await startFakeGithub({ prefix: '/api/v3' });
    try {
      ghes.stub({ method: 'GET', path: HOOKS }, { body: [] });
      ghes.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 2 }) });
      const r = await hookctl(['register', 'octo-org/octo-repo', '--url', 'https://x.example.com/', '--api-url', `${ghes.url}/`]);
      expect(r.code).toBe(0);
      expect(ghes.requests.map((q) => q.path)).toEqual([HOOKS, HOOKS]);
      ghes.assertDone();
    } finally {
      await ghes.close();
    }
    gh.assertDone();
  });

  it('401 → exit 4 naming the token source and the scopes', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { status: 401, body: { message: 'Bad credentials' } });
    const r = await hookctl(['register', 'octo-org/octo-repo', '--url', 'https://x.example.com/']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('error: GitHub rejected the token from GITHUB_TOKEN (401: Bad credentials)');
    expect(r.stderr).toContain('admin:repo_hook');
    gh.assertDone();
  });

  it('404 shows X-Accepted-GitHub-Permissions', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { status: 404, headers: { 'X-Accepted-GitHub-Permissions': 'repository_hooks=write' }, body: { message: 'Not Found' } });
    const r = await hookctl(['register', 'octo-org/octo-repo', '--url', 'https://x.example.com/']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GitHub answered 404 for the webhooks of octo-org/octo-repo');
    expect(r.stderr).toContain('The token needs these permissions: repository_hooks=write');
    gh.assertDone();
  });

  it('422 prints each errors[].message', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'Hook', code: 'custom', message: 'Hook already exists on this repository' }] } });
    const r = await hookctl(['register', 'octo-org/octo-repo', '--url', 'https://x.example.com/']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GitHub refused the webhooks of octo-org/octo-repo (422: Validation Failed)');
    expect(r.stderr).toContain('- Hook already exists on this repository');
    gh.assertDone();
  });

  it('429 then success: waits for retry-after and says so', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { status: 429, headers: { 'retry-after': '1' }, body: { message: 'slow down' } }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 1 }) });
    // The wait is a timer of this process: the test moves the clock instead of waiting.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const r = startInProcess(['register', 'octo-org/octo-repo', '--url', 'https://x.example.com/'], { env: box.env });
    await r.waitFor(/GitHub rate limit hit \(429\); waiting 1 s before retrying/);
    expect(gh.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(gh.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    vi.useRealTimers();
    expect(await r.exited).toEqual({ code: 0 });
    expect(gh.requests.map((q) => q.method)).toEqual(['GET', 'GET', 'POST']);
    expect(r.stdout() + r.stderr()).not.toContain(TOKEN);
    gh.assertDone();
  });

  it('500 twice then success', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { status: 500, body: { message: 'x' } }, { status: 500, body: { message: 'x' } }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 1 }) });
    const r = await hookctl(['register', 'octo-org/octo-repo', '--url', 'https://x.example.com/']);
    expect(r.code).toBe(0);
    expect(r.stderr.match(/GitHub answered 500; retrying/g)).toHaveLength(2);
    gh.assertDone();
  });

  it('usage errors exit 2 and name the flag', async () => {
    expect(await hookctl(['register', 'octo-org/octo-repo'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--url is required') });
    expect(await hookctl(['register', '--url', 'https://x/'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--org ORG') });
    expect(await hookctl(['register', 'nope', '--url', 'https://x/'])).toMatchObject({ code: 2, stderr: expect.stringContaining('OWNER/REPO') });
    expect(await hookctl(['register', 'o/r', '--url', 'ftp://x/'])).toMatchObject({ code: 2 });
    gh.assertDone();
  });
});

describe('hooks', () => {
  it('list prints a table; --json the hooks', async () => {
    const hooks = [
      makeHook({ id: 11, url: 'https://a.example.com/', events: ['push'], lastResponse: { code: 200, status: 'active', message: 'OK' } }),
      makeHook({ id: 12, url: 'https://b.example.com/', events: ['*'], active: false }),
    ];
    gh.stub({ method: 'GET', path: HOOKS }, { body: hooks }, { body: hooks });
    const r = await hookctl(['hooks', 'list', 'octo-org/octo-repo']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^ID\s+URL\s+EVENTS\s+ACTIVE\s+LAST RESPONSE$/);
    expect(r.stdout).toMatch(/11\s+https:\/\/a\.example\.com\/\s+push\s+yes\s+200 OK/);
    expect(r.stdout).toMatch(/12\s+https:\/\/b\.example\.com\/\s+\*\s+no\s+unused/);
    const j = await hookctl(['hooks', 'list', 'octo-org/octo-repo', '--json']);
    expect(JSON.parse(j.stdout)).toEqual(hooks);
    gh.assertDone();
  });

  it('delete and ping', async () => {
    gh.stub({ method: 'DELETE', path: `${HOOKS}/11` }, { status: 204 });
    gh.stub({ method: 'POST', path: `${HOOKS}/12/pings` }, { status: 204 });
    const d = await hookctl(['hooks', 'delete', 'octo-org/octo-repo', '11']);
    expect(d).toMatchObject({ code: 0, stdout: 'deleted webhook 11 from octo-org/octo-repo\n' });
    const p = await hookctl(['hooks', 'ping', 'octo-org/octo-repo', '12']);
    expect(p.code).toBe(0);
    expect(p.stdout).toContain('asked GitHub to ping webhook 12 of octo-org/octo-repo');
    expect(await hookctl(['hooks', 'ping', 'octo-org/octo-repo', 'abc'])).toMatchObject({ code: 2 });
    gh.assertDone();
  });
});
