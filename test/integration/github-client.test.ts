import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, AuthError, UsageError } from '../../src/errors.js';
import { GithubClient, type WaitInfo } from '../../src/core/github/client.js';
import { findDelivery, listDeliveries, redeliver } from '../../src/core/github/delivery-log.js';
import { ensureHook, setHookActive, type DesiredHook } from '../../src/core/github/hooks.js';
import { makeDeliverySummary, makeHook, makeOrgHook, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';

const repo = { kind: 'repo', owner: 'octo-org', repo: 'octo-repo' } as const;
const HOOKS = '/repos/octo-org/octo-repo/hooks';

let gh: FakeGithub;
let waits: WaitInfo[];
let slept: number[];

function client(base = gh.url, extra: Partial<ConstructorParameters<typeof GithubClient>[0]> = {}) {
  return new GithubClient({
    baseUrl: base,
    token: async () => ({ token: 'ghp_testtoken123', source: 'GITHUB_TOKEN' }),
    userAgent: 'hookctl/test',
    sleep: async (ms) => {
      slept.push(ms);
    },
    onWait: (w) => waits.push(w),
    ...extra,
  });
}

const desired = (over: Partial<DesiredHook> = {}): DesiredHook => ({
  url: 'https://hooks.example.com/gh',
  events: ['push', 'pull_request'],
  contentType: 'json',
  insecureSsl: false,
  active: true,
  secret: 's3cret',
  ...over,
});

beforeEach(async () => {
  gh = await startFakeGithub();
  waits = [];
  slept = [];
});
afterEach(async () => {
  await gh.finish();
});

describe('ensureHook', () => {
  it('creates a web hook with every setting and GitHub headers', async () => {
    gh.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 7, url: 'https://hooks.example.com/gh', events: ['push', 'pull_request'], secret: true }) });
    const result = await ensureHook(client(), repo, desired());
    expect(result.outcome).toBe('created');
    expect(result.hook.id).toBe(7);
    const post = gh.requestsTo('POST', HOOKS)[0];
    expect(post.body).toEqual({
      name: 'web',
      active: true,
      events: ['push', 'pull_request'],
      config: { url: 'https://hooks.example.com/gh', content_type: 'json', insecure_ssl: '0', secret: 's3cret' },
    });
    expect(post.headers.authorization).toBe('Bearer ghp_testtoken123');
    expect(post.headers.accept).toBe('application/vnd.github+json');
    expect(post.headers['x-github-api-version']).toBe('2022-11-28');
    expect(post.headers['user-agent']).toBe('hookctl/test');
    gh.assertDone();
  });

  it('finds the hook by URL on page 3 of 3 and updates it, sending the secret', async () => {
    const target = makeHook({ id: 303, url: 'https://hooks.example.com/gh', events: ['push'], contentType: 'form', secret: true });
    gh.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, {
      body: [makeHook({ id: 101 }), makeHook({ id: 102 })],
      headers: { link: `<{{base}}${HOOKS}?per_page=100&page=2>; rel="next", <{{base}}${HOOKS}?per_page=100&page=3>; rel="last"` },
    });
    gh.stub({ method: 'GET', path: HOOKS, query: { page: '2' } }, {
      body: [makeHook({ id: 201 })],
      headers: { link: `<{{base}}${HOOKS}?per_page=100&page=1>; rel="prev", <{{base}}${HOOKS}?per_page=100&page=3>; rel="next"` },
    });
    gh.stub({ method: 'GET', path: HOOKS, query: { page: '3' } }, { body: [target], headers: { link: `<{{base}}${HOOKS}?per_page=100&page=2>; rel="prev"` } });
    gh.stub({ method: 'PATCH', path: `${HOOKS}/303` }, { body: { ...target, events: ['push', 'pull_request'], config: { ...target.config, content_type: 'json' } } });
    const result = await ensureHook(client(), repo, desired());
    expect(result.outcome).toBe('updated');
    expect(result.diff.map((d) => d.field)).toEqual(['events', 'content_type', 'secret']);
    expect(gh.requestsTo('PATCH', `${HOOKS}/303`)[0].body).toEqual({
      active: true,
      events: ['push', 'pull_request'],
      config: { url: 'https://hooks.example.com/gh', content_type: 'json', insecure_ssl: '0', secret: 's3cret' },
    });
    gh.assertDone();
  });

  it('re-points the remembered hook after the URL changed', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 5 }), makeHook({ id: 9, url: 'https://old-tunnel.trycloudflare.com/' })] });
    gh.stub({ method: 'PATCH', path: `${HOOKS}/9`, body: (b) => b.config.url === 'https://new-tunnel.trycloudflare.com/' }, { body: makeHook({ id: 9, url: 'https://new-tunnel.trycloudflare.com/' }) });
    const result = await ensureHook(client(), repo, desired({ url: 'https://new-tunnel.trycloudflare.com/' }), { rememberedHookId: 9 });
    expect(result.outcome).toBe('updated');
    expect(result.diff[0]).toEqual({ field: 'url', from: 'https://old-tunnel.trycloudflare.com/', to: 'https://new-tunnel.trycloudflare.com/' });
    gh.assertDone();
  });

  it('leaves an identical hook unchanged (no PATCH) when the secret is known to match', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 4, url: 'https://hooks.example.com/gh', events: ['pull_request', 'push'], secret: true })] });
    const result = await ensureHook(client(), repo, desired(), { secretMatches: (id) => id === 4 });
    expect(result.outcome).toBe('unchanged');
    expect(result.diff).toEqual([]);
    gh.assertDone();
  });

  it('refuses to drop an existing secret when none is given', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 4, url: 'https://hooks.example.com/gh', events: ['push'], secret: true })] });
    await expect(ensureHook(client(), repo, desired({ secret: undefined }))).rejects.toThrow(UsageError);
    gh.assertDone();
  });

  it('works on organization hooks', async () => {
    gh.stub({ method: 'GET', path: '/orgs/octo-org/hooks' }, { body: [] });
    gh.stub({ method: 'POST', path: '/orgs/octo-org/hooks' }, { status: 201, body: makeOrgHook({ id: 77, url: 'https://hooks.example.com/gh', events: ['*'] }) });
    const result = await ensureHook(client(), { kind: 'org', org: 'octo-org' }, desired({ events: ['*'] }));
    expect(result.outcome).toBe('created');
    expect(gh.requestsTo('POST', '/orgs/octo-org/hooks')[0].body.events).toEqual(['*']);
    gh.assertDone();
  });

  it('uses the GHES /api/v3 prefix', async () => {
    await gh.close();
    gh = await startFakeGithub({ prefix: '/api/v3' });
    gh.stub({ method: 'GET', path: HOOKS }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 8 }) });
    expect(gh.url).toMatch(/\/api\/v3$/);
    const result = await ensureHook(client(gh.url + '/'), repo, desired());
    expect(result.outcome).toBe('created');
    gh.assertDone();
  });

  it('deactivates with only `active`, keeping the config and its secret', async () => {
    gh.stub({ method: 'PATCH', path: `${HOOKS}/9`, body: (b) => JSON.stringify(b) === '{"active":false}' }, { body: makeHook({ id: 9, active: false }) });
    const hook = await setHookActive(client(), repo, 9, false);
    expect(hook.active).toBe(false);
    gh.assertDone();
  });
});

describe('errors', () => {
  it('401 → AuthError naming the token source and scopes, never the token', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } });
    const err = await ensureHook(client(), repo, desired()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    const text = `${(err as AuthError).message}\n${(err as AuthError).details.join('\n')}`;
    expect(text).toContain('GITHUB_TOKEN');
    expect(text).toContain('Bad credentials');
    expect(text).toContain('admin:repo_hook');
    expect(text).not.toContain('ghp_testtoken123');
    gh.assertDone();
  });

  it('404 shows X-Accepted-GitHub-Permissions', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { status: 404, headers: { 'x-accepted-github-permissions': 'repository_hooks=read' }, body: { message: 'Not Found' } });
    const err = (await ensureHook(client(), repo, desired()).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(404);
    expect(err.message).toContain('octo-org/octo-repo');
    expect(err.details.join('\n')).toContain('repository_hooks=read');
    gh.assertDone();
  });

  it('422 lists every errors[].message', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, {
      status: 422,
      body: { message: 'Validation Failed', errors: [{ resource: 'Hook', code: 'custom', message: 'Hook already exists on this repository' }, { resource: 'Hook', code: 'custom', message: 'Config url cannot be a private address' }] },
    });
    const err = (await ensureHook(client(), repo, desired()).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(422);
    expect(err.details).toEqual(['  - Hook already exists on this repository', '  - Config url cannot be a private address']);
    gh.assertDone();
  });

  it('429 with retry-after waits, says so, then succeeds', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { status: 429, headers: { 'retry-after': '3' }, body: { message: 'secondary rate limit' } }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 1 }) });
    expect((await ensureHook(client(), repo, desired())).outcome).toBe('created');
    expect(slept).toEqual([3000]);
    expect(waits).toEqual([{ reason: 'rate-limit', ms: 3000, status: 429 }]);
    gh.assertDone();
  });

  it('403 with a reset far away fails with the reset time instead of waiting', async () => {
    const now = new Date('2026-11-22T12:00:00Z');
    const reset = Math.floor(now.getTime() / 1000) + 1800;
    gh.stub({ method: 'GET', path: HOOKS }, { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: { message: 'API rate limit exceeded' } });
    const err = (await ensureHook(client(gh.url, { now: () => now }), repo, desired()).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toContain('2026-11-22T12:30:00.000Z');
    expect(slept).toEqual([]);
    gh.assertDone();
  });

  it('403 with x-ratelimit-remaining 0 and a reset 30 s away waits until the reset', async () => {
    const now = new Date('2026-11-22T12:00:00Z');
    const reset = Math.floor(now.getTime() / 1000) + 30;
    gh.stub({ method: 'GET', path: HOOKS }, { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: { message: 'API rate limit exceeded' } }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 1 }) });
    expect((await ensureHook(client(gh.url, { now: () => now }), repo, desired())).outcome).toBe('created');
    expect(slept).toEqual([31_000]);
    gh.assertDone();
  });

  it('403 without rate-limit headers is a permission error showing what the token needs', async () => {
    gh.stub({ method: 'GET', path: '/orgs/octo-org/hooks' }, { status: 403, headers: { 'x-accepted-github-permissions': 'organization_hooks=read' }, body: { message: 'Resource not accessible by personal access token' } });
    const err = (await ensureHook(client(), { kind: 'org', org: 'octo-org' }, desired()).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(403);
    expect(err.message).toContain('Resource not accessible by personal access token');
    expect(err.details.join('\n')).toContain('organization_hooks=read');
    expect(err.details.join('\n')).toContain('admin:org_hook');
    expect(slept).toEqual([]);
    gh.assertDone();
  });

  it('500 twice then success, with backoff', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { status: 500, body: { message: 'boom' } }, { status: 502, body: 'bad gateway' }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 1 }) });
    expect((await ensureHook(client(), repo, desired())).outcome).toBe('created');
    expect(slept).toEqual([1000, 2000]);
    gh.assertDone();
  });

  it('500 three times fails', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { status: 500, body: { message: 'boom' } }, { status: 500, body: { message: 'boom' } }, { status: 503, body: { message: 'unavailable' } });
    const err = (await ensureHook(client(), repo, desired()).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(503);
    gh.assertDone();
  });

  it('names a network error plainly', async () => {
    const base = gh.url;
    await gh.close();
    const err = (await ensureHook(client(base, { retries: 0 }), repo, desired()).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toMatch(/cannot reach GitHub at http:\/\/127\.0\.0\.1:\d+: nothing is listening/);
  });

  it('refuses to follow a pagination link to another host', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 1 })], headers: { link: '<https://evil.example.com/steal?page=2>; rel="next"' } });
    await expect(ensureHook(client(), repo, desired())).rejects.toThrow(/another host/);
    gh.assertDone();
  });
});

describe('delivery log', () => {
  const DELIVERIES = `${HOOKS}/42/deliveries`;
  it('follows cursor pagination and stops at --since and --limit', async () => {
    gh.stub({ method: 'GET', path: DELIVERIES, query: { per_page: '100' } }, {
      body: [makeDeliverySummary({ id: 3, guid: 'g3', delivered_at: '2026-11-22T10:00:00Z' }), makeDeliverySummary({ id: 2, guid: 'g2', delivered_at: '2026-11-22T09:00:00Z' })],
      headers: { link: `<{{base}}${DELIVERIES}?per_page=100&cursor=v1_2>; rel="next"` },
    });
    gh.stub({ method: 'GET', path: DELIVERIES, query: { cursor: 'v1_2' } }, {
      body: [makeDeliverySummary({ id: 1, guid: 'g1', delivered_at: '2026-11-20T09:00:00Z' })],
    });
    const since = new Date('2026-11-21T00:00:00Z');
    const got: string[] = [];
    for await (const d of listDeliveries(client(), repo, 42, { since })) got.push(d.guid);
    expect(got).toEqual(['g3', 'g2']);
    gh.assertDone();
  });

  it('finds a delivery by GUID and explains the redelivery window on 422', async () => {
    gh.stub({ method: 'GET', path: DELIVERIES }, { body: [makeDeliverySummary({ id: 12, guid: 'AAAA-bbbb' })] });
    gh.stub({ method: 'POST', path: `${DELIVERIES}/12/attempts` }, { status: 422, body: { message: 'Validation Failed', errors: [{ message: 'Cannot redeliver deliveries older than 3 days' }] } });
    const c = client();
    const d = await findDelivery(c, repo, 42, 'aaaa-BBBB');
    expect(d?.id).toBe(12);
    const err = (await redeliver(c, repo, 42, 12).catch((e: unknown) => e)) as ApiError;
    expect(err.details.join('\n')).toMatch(/past 3 days/);
    expect(err.details.join('\n')).toContain('older than 3 days');
    gh.assertDone();
  });
});

describe('fake GitHub', () => {
  it('fails on an unexpected request and an unused stub', async () => {
    gh.stub({ method: 'DELETE', path: `${HOOKS}/1` }, { status: 204 });
    await expect(client(gh.url, { retries: 0 }).request('GET', `${HOOKS}/2`)).rejects.toThrow(/599/);
    expect(() => gh.assertDone()).toThrow(/unexpected request: GET .*hooks\/2[\s\S]*unused stub: DELETE/);
  });

  it('flags a request body that breaks GitHub\'s schema', async () => {
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 1 }) });
    await client().request('POST', HOOKS, { body: { name: 'web', config: { url: 'x' }, bogus: 1 } });
    expect(() => gh.assertDone()).toThrow(/request body of repos\/create-webhook does not match/);
  });

  it('flags a stubbed response that breaks GitHub\'s schema', async () => {
    gh.stub({ method: 'GET', path: `${HOOKS}/1` }, { body: { id: 'not-a-number' } });
    await client().request('GET', `${HOOKS}/1`);
    expect(() => gh.assertDone()).toThrow(/response of repos\/get-webhook does not match/);
  });
});
