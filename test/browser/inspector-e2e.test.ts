/**
 * The inspector page in a real headless Chromium against a real `hookctl listen` (the built
 * CLI, its store backend, its relay) forwarding to an @octokit/webhooks app that verifies
 * signatures: a delivery sent while the page is open appears; filter by event; open and
 * replay; edit a field and replay it signed; compare. Run `npm run build` first.
 *
 * One listener, one app and one page for the file: before each test, once every forward has
 * answered, the listener's deliveries are deleted through its API and the app forgets what it
 * received, so each test starts from an empty store and navigates the page.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, openPage, typeOver, type PageSession } from '../helpers/browser.js';
import { startListen, type RunningListen } from '../helpers/real-inspector.js';
import { ROOT, sandbox, type Sandbox } from '../helpers/run-cli.js';
import { postDelivery, startOctokitApp, type OctokitApp } from '../helpers/webhook-apps.js';

const SECRET = 'browser-e2e-secret';

let browser: Browser | undefined;
let box: Sandbox | undefined;
let app: OctokitApp | undefined;
let running: RunningListen | undefined;
let view: PageSession | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  box = sandbox();
  app = await startOctokitApp(SECRET);
  running = await startListen(box.env, ['--secret', SECRET, '--inspect-port', '0', '--forward-to', app!.url]);
  view = await openPage(browser, running!.inspector.url);
});

afterAll(async () => {
  try {
    await view?.close();
    await running?.cli.stop('SIGKILL');
    await app?.close();
    await browser?.close();
  } finally {
    box?.cleanup();
  }
});

beforeEach(async () => {
  // What an earlier test sent is forwarded before it goes: no late forward reaches this test's app.
  await poll(async () => (await running!.inspector.listAll()).deliveries.filter((d) => d.status === 200 && d.forward === null).length).toBe(0);
  for (const delivery of (await running!.inspector.listAll()).deliveries) {
    const answer = await running!.inspector.send('DELETE', `/api/deliveries/${delivery.id}`);
    expect(answer.status, answer.text).toBe(200);
  }
  expect((await running!.inspector.listAll()).deliveries).toEqual([]);
  app!.received.length = 0;
});

afterEach(() => {
  const problems = [...view!.problems];
  view!.problems.length = 0;
  expect(problems).toEqual([]);
});

/**
 * expect.poll with room for a real round trip on a busy machine (a replay goes through the
 * listener's inspector, the app and the store): vitest's default gives up after 1 s.
 */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 50 });

/** A catalog sample with some fields changed, compact. */
function sample(name: string, change: (payload: any) => void = () => undefined): string {
  const [event, action] = name.split('.');
  const payload = JSON.parse(readFileSync(action ? join(ROOT, 'payloads', event, `${action}.json`) : join(ROOT, 'payloads', `${event}.json`), 'utf8'));
  change(payload);
  return JSON.stringify(payload);
}

const from = (repository: string, sender: string) => (payload: any) => {
  payload.repository.full_name = repository;
  payload.sender.login = sender;
};

/** POST a signed delivery to the listener; its local id once it answered 200. */
async function deliver(body: string, event: string, deliveryId: string = randomUUID()): Promise<string> {
  const answer = await postDelivery(running!.listenUrl, body, { secret: SECRET, event, deliveryId });
  expect(answer.status, answer.body).toBe(200);
  return JSON.parse(answer.body).id as string;
}

async function open(path = '/'): Promise<PageSession> {
  await view!.page.goto(new URL(path, running!.inspector.url).toString());
  return view!;
}

describe('the inspector page over a real listener', () => {
  // How soon after its 200 (target 250 ms) is bench/inspector.mjs's to measure.
  it('shows a delivery sent while the page is open, at the top, from the live stream', async () => {
    await deliver(sample('push', from('acme/web', 'octocat')), 'push');
    const { page } = await open();
    await page.locator('.row').first().waitFor();
    await poll(() => page.locator('.live').innerText()).toBe('live');
    // Rows from the live stream: the page does not ask for the list again.
    const listed: string[] = [];
    const onRequest = (request: { url(): string }) => { if (new URL(request.url()).pathname === '/api/deliveries') listed.push(request.url()); };
    page.on('request', onRequest);
    for (let i = 0; i < 3; i += 1) {
      const id = await deliver(sample('issues.opened', from('acme/payments', `live-${i}`)), 'issues');
      await page.locator(`.row[data-id="${id}"]`).waitFor({ timeout: 10_000 });
      expect(await page.locator('.row').first().getAttribute('data-id')).toBe(id);
      const text = await page.locator(`.row[data-id="${id}"]`).innerText();
      expect(text).toContain('issues');
      expect(text).toMatch(new RegExp(`acme/payments\\s*·\\s*live-${i}`));
    }
    expect(await page.locator('.row').count()).toBe(4);
    page.off('request', onRequest);
    expect(listed).toEqual([]);
    // The forward the relay makes after answering reaches the row.
    await poll(() => page.locator('.row').first().locator('.fwd').innerText()).toMatch(/^→ 200/);
  });

  it('filters by event: the address bar says so, only matching rows stay, live ones too, and a reload keeps it', async () => {
    for (const [name, event] of [['issues.opened', 'issues'], ['push', 'push'], ['pull_request.opened', 'pull_request'], ['push', 'push'], ['issues.closed', 'issues']]) {
      await deliver(sample(name), event);
    }
    const { page } = await open();
    await poll(() => page.locator('.row').count()).toBe(5);
    await page.locator('input[name="event"]').fill('push');
    await poll(() => new URL(page.url()).searchParams.get('event')).toBe('push');
    await poll(() => page.locator('.row .ev').allInnerTexts()).toEqual(['push', 'push']);
    await poll(() => page.locator('.live').innerText()).toBe('live');
    const issue = await deliver(sample('issues.opened'), 'issues');
    const push = await deliver(sample('push'), 'push');
    await page.locator(`.row[data-id="${push}"]`).waitFor();
    expect(await page.locator(`.row[data-id="${issue}"]`).count()).toBe(0);
    expect(await page.locator('.row .ev').allInnerTexts()).toEqual(['push', 'push', 'push']);
    await page.reload();
    await poll(() => page.locator('.row .ev').allInnerTexts()).toEqual(['push', 'push', 'push']);
    expect(await page.locator('input[name="event"]').inputValue()).toBe('push');
  });

  it('opens a delivery and replays it with r: the app receives it again, the timeline and the row show the replay', async () => {
    const guid = randomUUID();
    const id = await deliver(sample('issues.opened', from('acme/web', 'monalisa')), 'issues', guid);
    await poll(() => app!.received.length).toBe(1);
    const { page } = await open();
    await page.locator(`.row[data-id="${id}"]`).click();
    const detail = page.locator(`.detail[data-id="${id}"]`);
    await detail.waitFor();
    expect(new URL(page.url()).searchParams.get('id')).toBe(id);
    await poll(() => detail.locator('h1').innerText()).toContain('issues.opened');
    expect(await detail.locator('.summary').innerText()).toContain(guid);
    expect(await page.locator('[data-notice="siblings"]').count()).toBe(0);
    await page.locator('.tab[data-tab="headers"]').click();
    expect(await page.locator('.kv tr').allInnerTexts()).toContain(`X-GitHub-Delivery\t${guid}`);

    await page.keyboard.press('r');
    // Replayed to where it was received (the listener), which stores it and forwards it to the app.
    await poll(() => app!.received.length).toBe(2);
    expect(app!.received[1]).toMatchObject({ id: guid, name: 'issues' });
    const item = page.locator('.timeline .tl-item[data-attempt="2"]');
    await poll(() => item.innerText()).toMatch(/Replay\s+200[\s\S]*re-signed/);
    expect(await page.locator('.timeline .tl-item[data-attempt="1"]').innerText()).toMatch(/Forward\s+200/);
    await poll(() => page.locator('.toast').last().innerText()).toMatch(new RegExp(`Replayed #${id} → 200`));
    await poll(() => page.locator(`.row[data-id="${id}"] .badge.accent`).innerText()).toBe('⟳ 1');
    // The listener received the replay as a redelivery of the same GUID: a new row, attempt 2.
    const redelivery = page.locator('.row').first();
    await poll(() => redelivery.getAttribute('data-id')).not.toBe(id);
    expect(await redelivery.locator('.badge.info').innerText()).toBe('↻ 2');
  });

  it('edits a field and replays it signed: the @octokit/webhooks app verifies it and receives the edit; the original stays', async () => {
    const body = sample('pull_request.opened', from('acme/api', 'hubot'));
    const id = await deliver(body, 'pull_request');
    await poll(() => app!.received.length).toBe(1);
    const { page } = await open(`/?id=${id}`);
    await page.locator(`.detail[data-id="${id}"]`).waitFor();
    await page.keyboard.press('e');
    const dialog = page.locator('dialog[open]');
    await poll(() => dialog.locator('.validation').innerText()).toContain('matches GitHub’s schema');
    await typeOver(view!.page, /"title": "[^"]*"/, '"title": "Edited in the inspector"');
    await typeOver(view!.page, /"number": \d+,/, '"number": "x",');
    await poll(() => dialog.locator('.validation').innerText()).toContain('number: must be integer');
    await typeOver(view!.page, /"number": "x",/, '"number": 4242,');
    await poll(() => dialog.locator('.validation').innerText()).toContain('matches GitHub’s schema');
    await dialog.locator('label.choice', { hasText: 'Forward target' }).click();
    await dialog.locator('.btn.primary').click();

    await poll(() => app!.received.length).toBe(2);
    expect(app!.received[1].payload.pull_request.title).toBe('Edited in the inspector');
    expect(app!.received[1].payload.number).toBe(4242);
    await poll(() => page.locator('dialog[open]').count()).toBe(0);
    const item = page.locator('.timeline .tl-item[data-attempt="2"]');
    await poll(() => item.innerText()).toMatch(/Edited replay\s+200[\s\S]*edited[\s\S]*re-signed/);
    expect(await item.innerText()).toContain(app!.url);
    const href = await item.locator('a', { hasText: 'sent body' }).getAttribute('href');
    expect(href).toBe(`/api/deliveries/${id}/raw?attempt=2`);
    const sent = JSON.parse((await running!.inspector.get(href!)).text);
    expect(sent).toEqual(app!.received[1].payload);
    expect((await running!.inspector.get(`/api/deliveries/${id}/raw`)).text).toBe(body);
  });

  it('compares two deliveries, and a redelivery with its original', async () => {
    const guid = randomUUID();
    const original = await deliver(sample('issues.opened', from('acme/web', 'alice')), 'issues', guid);
    const other = await deliver(sample('issues.opened', from('acme/api', 'bob')), 'issues');
    const again = await deliver(sample('issues.opened', from('acme/web', 'alice')), 'issues', guid);
    const { page } = await open();
    await page.locator(`.row[data-id="${original}"]`).click({ modifiers: ['Shift'] });
    await poll(() => page.locator('.list-banner').innerText()).toContain(`#${original}`);
    await page.locator(`.row[data-id="${other}"]`).click({ modifiers: ['Shift'] });
    const compare = page.locator('.compare');
    await compare.waitFor();
    const sender = compare.locator('.diff-item[data-path="sender.login"]');
    expect(await sender.getAttribute('data-kind')).toBe('changed');
    expect(await sender.innerText()).toMatch(/− "alice"\s*\+ "bob"/);
    expect(await compare.locator('.diff-item[data-path="repository.full_name"]').innerText()).toMatch(/− "acme\/web"\s*\+ "acme\/api"/);
    await page.keyboard.press('Escape');
    await poll(() => page.locator('.compare').count()).toBe(0);

    await page.locator(`.row[data-id="${again}"]`).click();
    const siblings = page.locator('[data-notice="siblings"]');
    await poll(() => siblings.innerText()).toContain('GitHub delivered this 2 times');
    expect(await siblings.innerText()).toContain(`#${original}`);
    await siblings.locator('.btn', { hasText: 'Compare with the original' }).click();
    await poll(() => page.locator('.compare').getAttribute('data-compare')).toBe(`${original},${again}`);
    expect(await page.locator('.compare .diff-summary').innerText()).toContain('identical payloads');
  });
});
