/**
 * The inspector's HTTP server on loopback over a fake backend: every route, the security
 * refusals (Host, Origin, Sec-Fetch-Site, token), headers, exact bytes and the live stream.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startInspector, type Inspector } from '../../src/core/inspector/server.js';
import { ConflictError } from '../../src/errors.js';
import { SIGNATURE_VERDICTS } from '../../src/core/store/filter.js';
import { VOCABULARY } from '../../src/core/store/vocabulary.js';
import { FakeInspectorBackend } from '../helpers/fake-inspector-backend.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: any;
}

/** One request over node:http with exactly these headers (Host included, so tests can lie). */
function call(inspector: Inspector, method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // With the access token's cookie, as a browser holds it once it opened the printed URL (`Cookie: ''`: none).
    const headers: Record<string, string> = { Host: `127.0.0.1:${inspector.port}`, Cookie: `hookctl-inspector-${inspector.port}=${inspector.accessToken}`, ...options.headers };
    if (headers.Cookie === '') delete headers.Cookie;
    const req = httpRequest({ host: '127.0.0.1', port: inspector.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: any = undefined;
        try { json = JSON.parse(body.toString('utf8')); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function post(inspector: Inspector, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return call(inspector, 'POST', path, {
    headers: { 'Content-Type': 'application/json', 'X-Hookctl-Token': inspector.token, Origin: `http://127.0.0.1:${inspector.port}`, 'Sec-Fetch-Site': 'same-origin', ...headers },
    body: JSON.stringify(body),
  });
}

let backend: FakeInspectorBackend;
let inspector: Inspector;

beforeEach(async () => {
  backend = new FakeInspectorBackend({ count: 1000 });
  inspector = await startInspector({ backend, port: 0 });
});

afterEach(async () => {
  await inspector.close();
});

describe('binding', () => {
  it('listens on 127.0.0.1 only and gives its URL, and the one to open with the access token', () => {
    expect(inspector.url).toBe(`http://127.0.0.1:${inspector.port}/`);
    expect(inspector.accessToken).toMatch(/^[0-9a-f]{64}$/);
    expect(inspector.openUrl).toBe(`http://127.0.0.1:${inspector.port}/?token=${inspector.accessToken}`);
  });

  it('takes the access token it is given; without it (or with another) every route is 401', async () => {
    const given = 'c'.repeat(64);
    const other = await startInspector({ backend, port: 0, accessToken: given });
    try {
      expect(other.openUrl).toBe(`http://127.0.0.1:${other.port}/?token=${given}`);
      expect((await call(other, 'GET', '/api/info', { headers: { Cookie: `hookctl-inspector-${other.port}=${inspector.accessToken}` } })).status).toBe(401);
      expect((await call(other, 'GET', '/api/info', { headers: { Cookie: '' } })).status).toBe(401);
      expect((await call(other, 'GET', '/api/info')).status).toBe(200);
      expect((await call(other, 'GET', '/api/info', { headers: { Cookie: `a=b; hookctl-inspector-${other.port}=${given}; c=d` } })).status).toBe(200);
      const page = await call(other, 'GET', `/?q=x&token=${given}`, { headers: { Cookie: '' } });
      expect(page.status).toBe(200);
      expect(page.headers['set-cookie']).toEqual([`hookctl-inspector-${other.port}=${given}; Path=/; HttpOnly; SameSite=Strict; Max-Age=34560000`]);
      // A script may pass it as ?token= to the API: the routes never see it as a filter.
      const listed = await call(other, 'GET', `/api/deliveries?limit=2&token=${given}`, { headers: { Cookie: '' } });
      expect(listed.status, listed.body.toString()).toBe(200);
      expect(listed.json.deliveries).toHaveLength(2);
      const post401 = await call(other, 'POST', '/api/validate', { headers: { 'Content-Type': 'application/json', 'X-Hookctl-Token': other.token, Cookie: '' }, body: '{}' });
      expect(post401.status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('takes the next port when the asked one is in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    const second = await startInspector({ backend, port: taken });
    try {
      expect(second.port).toBeGreaterThan(taken);
      expect(second.port).toBeLessThanOrEqual(taken + 20);
      expect((await call(second, 'GET', '/api/info')).status).toBe(200);
    } finally {
      await second.close();
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('the page', () => {
  it('serves index.html with the token in a meta tag, and its scripts', async () => {
    const page = await call(inspector, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body.toString()).toContain(`<meta name="hookctl-token" content="${inspector.token}">`);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body.toString()).toContain('<link rel="modulepreload" href="/js/list.js">');
    expect(inspector.token).toMatch(/^[0-9a-f]{64}$/);
    const script = await call(inspector, 'GET', '/js/main.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect((await call(inspector, 'GET', '/nope.js')).status).toBe(404);
    expect((await call(inspector, 'GET', '/../package.json')).status).toBe(404);
  });

  it('sends the security headers on every answer and never a CORS header', async () => {
    for (const path of ['/', '/api/info', '/api/deliveries', '/api/nope']) {
      const answer = await call(inspector, 'GET', path, { headers: { Origin: 'http://127.0.0.1:1' } });
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      const csp = String(answer.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
    expect((await call(inspector, 'GET', '/api/info')).headers['cache-control']).toBe('no-store');
  });
});

describe('GET /api/info', () => {
  it("serves the backend's info and the one vocabulary the terminal words verdicts and forwards with", async () => {
    const answer = await call(inspector, 'GET', '/api/info');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject(JSON.parse(JSON.stringify(backend.info())));
    expect(answer.json.vocabulary).toEqual(JSON.parse(JSON.stringify(VOCABULARY)));
    expect(answer.json.vocabulary.signature.missing).toMatchObject({ label: 'unsigned', glyph: '✗', tone: 'err' });
    expect(Object.keys(answer.json.vocabulary.signature)).toEqual([...SIGNATURE_VERDICTS]);
    expect(answer.json.vocabulary.forward.notForwarded.label).toBe('not forwarded');
  });
});

describe('refusals', () => {
  it('refuses a Host other than 127.0.0.1:PORT or localhost:PORT (DNS rebinding)', async () => {
    for (const host of ['evil.com', `evil.com:${inspector.port}`, `127.0.0.1:${inspector.port + 1}`, '127.0.0.1', `0.0.0.0:${inspector.port}`]) {
      for (const path of ['/', '/api/deliveries', '/api/stream']) {
        const answer = await call(inspector, 'GET', path, { headers: { Host: host } });
        expect(answer.status, `${host} ${path}`).toBe(403);
        expect(answer.json.error).toMatch(/Host/);
      }
    }
    expect((await call(inspector, 'GET', '/api/info', { headers: { Host: `localhost:${inspector.port}` } })).status).toBe(200);
  });

  it('refuses state changes without the token, with a wrong one, or from another origin', async () => {
    const id = backend.all()[0].id;
    const path = `/api/deliveries/${id}/replay`;
    const cases: [string, Record<string, string>][] = [
      ['no token', { 'X-Hookctl-Token': '' }],
      ['wrong token', { 'X-Hookctl-Token': 'f'.repeat(64) }],
      ['short token', { 'X-Hookctl-Token': inspector.token.slice(0, 10) }],
      ['other origin', { Origin: 'https://evil.com' }],
      ['other port', { Origin: `http://127.0.0.1:${inspector.port + 1}` }],
      ['null origin', { Origin: 'null' }],
      ['cross-site fetch', { 'Sec-Fetch-Site': 'cross-site' }],
      ['same-site fetch', { 'Sec-Fetch-Site': 'same-site' }],
    ];
    for (const [name, headers] of cases) {
      const answer = await post(inspector, path, {}, headers);
      expect(answer.status, name).toBe(403);
      expect(typeof answer.json.error, name).toBe('string');
    }
    const del = await call(inspector, 'DELETE', `/api/deliveries/${id}`, { headers: { Origin: `http://127.0.0.1:${inspector.port}` } });
    expect(del.status).toBe(403);
    expect(backend.callsOf('replay')).toEqual([]);
    expect(backend.callsOf('remove')).toEqual([]);
    const ok = await post(inspector, path, {}, { Origin: `http://localhost:${inspector.port}`, 'Sec-Fetch-Site': 'same-origin' });
    expect(ok.status).toBe(200);
    const noOrigin = await call(inspector, 'POST', path, { headers: { 'Content-Type': 'application/json', 'X-Hookctl-Token': inspector.token }, body: '{}' });
    expect(noOrigin.status).toBe(200);
    expect(backend.callsOf('replay')).toHaveLength(2);
  });

  it('refuses API reads asked cross-site; a page navigation from elsewhere still opens', async () => {
    expect((await call(inspector, 'GET', '/api/deliveries', { headers: { 'Sec-Fetch-Site': 'cross-site' } })).status).toBe(403);
    expect((await call(inspector, 'GET', '/api/deliveries', { headers: { 'Sec-Fetch-Site': 'same-origin' } })).status).toBe(200);
    expect((await call(inspector, 'GET', '/?event=push', { headers: { 'Sec-Fetch-Site': 'cross-site' } })).status).toBe(200);
  });

  it('answers 405 for a wrong method, with no CORS preflight', async () => {
    const options = await call(inspector, 'OPTIONS', '/api/deliveries', { headers: { Origin: 'https://evil.com', 'Access-Control-Request-Method': 'POST' } });
    expect(options.status).toBe(403);
    const wrong = await call(inspector, 'PUT', '/api/info', { headers: { 'X-Hookctl-Token': inspector.token } });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
  });
});

describe('GET /api/deliveries', () => {
  it('lists newest first, 50 by default, and pages with the cursor to the end without repeats', async () => {
    const first = await call(inspector, 'GET', '/api/deliveries');
    expect(first.status).toBe(200);
    expect(first.json.deliveries).toHaveLength(50);
    const times = first.json.deliveries.map((d: any) => d.receivedAt);
    expect([...times].sort().reverse()).toEqual(times);
    const seen = new Set<string>();
    let next: string | null = null;
    let pages = 0;
    do {
      const page = await call(inspector, 'GET', `/api/deliveries?limit=200${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
      for (const d of page.json.deliveries) seen.add(d.id);
      next = page.json.next;
      pages += 1;
    } while (next);
    expect(pages).toBe(5);
    expect(seen.size).toBe(1000);
  });

  it('passes every filter to the backend, typed', async () => {
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const answer = await call(inspector, 'GET', `/api/deliveries?event=pull_request.opened&repository=acme%2Fweb&sender=octocat&status=2xx&signature=valid&drift=1&since=${since}&until=&q=hello&limit=10`);
    expect(answer.status).toBe(200);
    expect(backend.callsOf('list').at(-1)!.args[0]).toEqual({
      event: 'pull_request.opened', repository: 'acme/web', sender: 'octocat', status: '2xx', signature: 'valid', drift: true, since, q: 'hello', limit: 10,
    });
    for (const d of answer.json.deliveries) {
      expect(d.event).toBe('pull_request');
      expect(d.repository).toBe('acme/web');
    }
  });

  it('filters by event and by payload text', async () => {
    const pushes = await call(inspector, 'GET', '/api/deliveries?event=push&limit=200');
    expect(pushes.json.deliveries.length).toBeGreaterThan(10);
    expect(pushes.json.deliveries.every((d: any) => d.event === 'push')).toBe(true);
    const text = await call(inspector, 'GET', '/api/deliveries?q=dependabot%5Bbot%5D&limit=200');
    expect(text.json.deliveries.every((d: any) => d.sender === 'dependabot[bot]')).toBe(true);
  });

  it('answers 400 with a message for bad filters', async () => {
    for (const query of ['signature=maybe', 'status=abc', 'status=600', 'limit=0', 'limit=201', 'limit=x', 'since=yesterday', 'drift=perhaps', 'colour=red']) {
      const answer = await call(inspector, 'GET', `/api/deliveries?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.json.error, query).toBeTruthy();
    }
    const stale = await call(inspector, 'GET', '/api/deliveries?cursor=bm9wZQ');
    expect(stale.status).toBe(400);
    expect(stale.json).toEqual({ error: 'stale cursor' });
  });
});

describe('one delivery', () => {
  it('answers the detail, and 404 for an unknown id', async () => {
    const id = backend.all()[3].id;
    const detail = await call(inspector, 'GET', `/api/deliveries/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.json.id).toBe(id);
    expect(detail.json.headers).toContainEqual(['X-GitHub-Event', detail.json.event]);
    expect(typeof detail.json.payloadText).toBe('string');
    const missing = await call(inspector, 'GET', '/api/deliveries/zzzzzzz');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatch(/zzzzzzz/);
  });

  it('answers the exact bytes received, non-UTF-8 included, as a download', async () => {
    const body = Buffer.concat([Buffer.from('{"action":"opened","x":"'), Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), Buffer.from('"}\r\n')]);
    const record = backend.addDelivery({ event: 'issues', action: 'opened', body });
    const raw = await call(inspector, 'GET', `/api/deliveries/${record.id}/raw`);
    expect(raw.status).toBe(200);
    expect(raw.body.equals(body)).toBe(true);
    expect(raw.headers['content-type']).toBe('application/octet-stream');
    expect(raw.headers['content-disposition']).toBe(`attachment; filename="${record.id}.json"`);
    expect(raw.headers['cache-control']).toBe('no-store');
    expect((await call(inspector, 'GET', '/api/deliveries/zzzzzzz/raw')).status).toBe(404);
    expect((await call(inspector, 'GET', `/api/deliveries/${record.id}/raw?attempt=zero`)).status).toBe(400);
    expect((await call(inspector, 'GET', `/api/deliveries/${record.id}/raw?attempt=7`)).status).toBe(404);
  });

  it('exports as curl or fixture', async () => {
    const id = backend.all()[0].id;
    const curl = await call(inspector, 'GET', `/api/deliveries/${id}/export?format=curl`);
    expect(curl.status).toBe(200);
    expect(curl.headers['content-type']).toMatch(/^text\/plain/);
    expect(curl.body.toString()).toMatch(/^curl /);
    const fixture = await call(inspector, 'GET', `/api/deliveries/${id}/export?format=fixture&download=1`);
    expect(fixture.json.event).toBeTruthy();
    expect(fixture.headers['content-disposition']).toBe(`attachment; filename="${id}.fixture.json"`);
    expect((await call(inspector, 'GET', `/api/deliveries/${id}/export?format=har`)).status).toBe(400);
    expect((await call(inspector, 'GET', '/api/deliveries/zzzzzzz/export?format=curl')).status).toBe(404);
  });

  it('replays with the options given, and an edited payload gets its own bytes', async () => {
    const id = backend.all()[0].id;
    const plain = await post(inspector, `/api/deliveries/${id}/replay`, { to: 'http://127.0.0.1:3000/hook', resign: false, newDeliveryId: true });
    expect(plain.status).toBe(200);
    expect(plain.json.attempt).toMatchObject({ kind: 'replay', url: 'http://127.0.0.1:3000/hook', status: 200, edited: false });
    expect(backend.callsOf('replay')[0].args).toEqual([id, { to: 'http://127.0.0.1:3000/hook', resign: false, newDeliveryId: true }]);
    const edited = await post(inspector, `/api/deliveries/${id}/replay`, { payload: '{"action": "edited"}' });
    expect(edited.json.attempt.edited).toBe(true);
    const sent = await call(inspector, 'GET', `/api/deliveries/${id}/raw?attempt=${edited.json.attempt.n}`);
    expect(sent.body.toString()).toBe('{"action":"edited"}');
  });

  it('refuses bad replay requests with 400, unknown ids with 404, a backend refusal with its status', async () => {
    const id = backend.all()[0].id;
    expect((await post(inspector, `/api/deliveries/${id}/replay`, { to: 'ftp://x' })).status).toBe(400);
    expect((await post(inspector, `/api/deliveries/${id}/replay`, { to: 'not a url' })).status).toBe(400);
    // The same check, and words, as the CLI's --to: a missing scheme is named, with what was meant.
    const bare = await post(inspector, `/api/deliveries/${id}/replay`, { to: 'localhost:3000/hook' });
    expect(bare).toMatchObject({ status: 400, json: { error: 'to: "localhost:3000/hook" has no scheme: did you mean http://localhost:3000/hook?' } });
    expect((await post(inspector, '/api/send', { name: 'push', to: 'localhost:3000/hook' })).json).toEqual({ error: 'to: "localhost:3000/hook" has no scheme: did you mean http://localhost:3000/hook?' });
    expect((await post(inspector, `/api/deliveries/${id}/replay`, { resign: 'yes' })).status).toBe(400);
    expect((await post(inspector, `/api/deliveries/${id}/replay`, [1, 2])).status).toBe(400);
    const notJson = await call(inspector, 'POST', `/api/deliveries/${id}/replay`, { headers: { 'Content-Type': 'application/json', 'X-Hookctl-Token': inspector.token }, body: '{nope' });
    expect(notJson.status).toBe(400);
    const form = await call(inspector, 'POST', `/api/deliveries/${id}/replay`, { headers: { 'Content-Type': 'text/plain', 'X-Hookctl-Token': inspector.token }, body: '{}' });
    expect(form.status).toBe(415);
    expect((await post(inspector, '/api/deliveries/zzzzzzz/replay', {})).status).toBe(404);
    const refused = await post(inspector, `/api/deliveries/${id}/replay`, { to: 'http://unreachable.test/' });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatch(/not reachable/);
  });

  it('caps request bodies at 26 MiB (413)', async () => {
    const id = backend.all()[0].id;
    const big = JSON.stringify({ payload: 'x'.repeat(27 * 1024 * 1024) });
    const answer = await call(inspector, 'POST', `/api/deliveries/${id}/replay`, { headers: { 'Content-Type': 'application/json', 'X-Hookctl-Token': inspector.token }, body: big }).catch((error) => ({ status: -1, error }));
    expect([413, -1]).toContain(answer.status);
    expect(backend.callsOf('replay')).toEqual([]);
  });

  it('deletes a delivery (then 404)', async () => {
    const id = backend.all()[0].id;
    const del = await call(inspector, 'DELETE', `/api/deliveries/${id}`, { headers: { 'X-Hookctl-Token': inspector.token, Origin: `http://127.0.0.1:${inspector.port}` } });
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ removed: id });
    expect((await call(inspector, 'GET', `/api/deliveries/${id}`)).status).toBe(404);
    expect((await call(inspector, 'DELETE', `/api/deliveries/${id}`, { headers: { 'X-Hookctl-Token': inspector.token } })).status).toBe(404);
  });

  it('answers 500 without a stack when the backend throws something unexpected', async () => {
    backend.get = async () => { throw new Error('SQLITE_CORRUPT at /home/me/secret/path.db'); };
    const answer = await call(inspector, 'GET', '/api/deliveries/abc1234');
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({ error: 'internal error in the inspector' });
    backend.get = async () => { throw new ConflictError('busy'); };
    expect((await call(inspector, 'GET', '/api/deliveries/abc1234')).json).toEqual({ error: 'busy' });
  });
});

describe('validate, catalog and send', () => {
  it('validates JSON text: syntax errors with a position, schema violations', async () => {
    const broken = await post(inspector, '/api/validate', { event: 'pull_request', action: 'opened', payload: '{\n  "action": "opened",\n  nope\n}' });
    expect(broken.status).toBe(200);
    expect(broken.json.syntaxError).toMatchObject({ line: 3, column: 3 });
    const invalid = await post(inspector, '/api/validate', { event: 'pull_request', action: 'opened', payload: '{"action":"opened","number":"7","sender":{"login":"x"}}' });
    expect(invalid.json.violations).toEqual([{ path: '/number', message: 'must be integer' }]);
    expect((await post(inspector, '/api/validate', { action: 'opened', payload: '{}' })).status).toBe(400);
    expect((await post(inspector, '/api/validate', { event: 'push' })).status).toBe(400);
  });

  it('lists the catalog and answers a sample; 404 for an unknown one', async () => {
    const catalog = await call(inspector, 'GET', '/api/catalog');
    expect(catalog.json.catalog.length).toBeGreaterThan(100);
    expect(catalog.json.catalog).toContainEqual(expect.objectContaining({ name: 'pull_request.opened', event: 'pull_request', action: 'opened' }));
    const sample = await call(inspector, 'GET', '/api/catalog/pull_request.opened');
    expect(JSON.parse(sample.json.payload).action).toBe('opened');
    expect((await call(inspector, 'GET', '/api/catalog/nope.never')).status).toBe(404);
  });

  it('sends a sample (with an edited payload) and refuses an unknown name', async () => {
    const sent = await post(inspector, '/api/send', { name: 'issues.opened', payload: '{"action":"opened","sender":{"login":"me"}}', sign: true });
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({ url: 'http://127.0.0.1:5000/', status: 200 });
    expect(backend.callsOf('send')[0].args[0]).toEqual({ name: 'issues.opened', payload: '{"action":"opened","sender":{"login":"me"}}', sign: true });
    expect((await post(inspector, '/api/send', {})).status).toBe(400);
    expect((await post(inspector, '/api/send', { name: 'nope' })).status).toBe(400);
  });
});
