/**
 * One delivery in a real headless Chromium: headers, the JSON tree and its copyable paths,
 * drift, replay (the backend sees it, the timeline shows it), edit and replay with validation
 * as you type, compare, send a sample, and request text that must stay text (XSS). One browser
 * for the file and one page for the tests, each starting over with a reset backend and a
 * navigation.
 */
import { describe, expect, it } from 'vitest';
import { typeOver, useChromium, waitLive, type InspectorSession } from '../helpers/browser.js';
import type { DeliveryRecord } from '../../src/core/inspector/backend.js';

const chromium = useChromium();
const view = chromium.inspectorView();
let session: InspectorSession | null = null;

async function openDelivery(pick: (records: DeliveryRecord[]) => DeliveryRecord = (records) => records.find((d) => d.event === 'pull_request' && d.signature === 'valid')!): Promise<InspectorSession & { record: DeliveryRecord }> {
  session = await view.open();
  const record = pick(session.backend.all());
  await session.page.goto(`${session.inspector.url}?id=${record.id}`);
  await session.page.locator(`.detail[data-id="${record.id}"]`).waitFor();
  return { ...session, record };
}

const clipboard = (s: InspectorSession) => s.page.evaluate(() => (globalThis as any).navigator.clipboard.readText() as Promise<string>);

describe('the detail', () => {
  it('shows the summary, every header as received, and the payload tree with copyable paths', async () => {
    const { page, record } = await openDelivery();
    const detail = page.locator('.detail');
    await expect.poll(() => detail.locator('h1').innerText()).toContain(`${record.event}.${record.action}`);
    expect(await detail.locator('.summary').innerText()).toContain(record.deliveryId!);
    await expect.poll(() => page.locator('.row.selected').getAttribute('data-id')).toBe(record.id);

    await page.locator('.tab[data-tab="headers"]').click();
    const headers = await page.locator('.kv tr').allInnerTexts();
    expect(headers).toContain(`X-GitHub-Delivery\t${record.deliveryId}`);
    expect(headers.some((row) => row.startsWith('X-Hub-Signature-256\tsha256='))).toBe(true);

    await page.locator('.tab[data-tab="payload"]').click();
    const pullRequest = page.locator('.jt-node[data-path="pull_request"]');
    await pullRequest.locator('> .jt-line .jt-toggle').click();
    const head = page.locator('.jt-node[data-path="pull_request.head"]');
    await head.locator('> .jt-line .jt-toggle').click();
    await page.locator('.jt-node[data-path="pull_request.head.sha"] > .jt-line .jt-key').click();
    await expect.poll(() => clipboard(session!)).toBe('pull_request.head.sha');
    await expect.poll(() => page.locator('.toast').last().innerText()).toBe('Copied pull_request.head.sha');
    await pullRequest.locator('> .jt-line .jt-toggle').click();
    expect(await head.isVisible()).toBe(false);

    await page.locator('.tab[data-tab="raw"]').click();
    const payloadText = (await session!.backend.get(record.id))!.payloadText!;
    expect(await page.locator('pre.raw').innerText()).toBe(payloadText);
    expect(await page.locator('a', { hasText: 'Download exact bytes' }).getAttribute('href')).toBe(`/api/deliveries/${record.id}/raw`);
  });

  it('explains a bad signature in words and highlights schema drift at its paths', async () => {
    const { page } = await openDelivery((records) => records.find((d) => d.signature === 'invalid')!);
    expect(await page.locator('[data-notice="signature"]').innerText()).toMatch(/Signature invalid[\s\S]*signed with another secret/);

    await waitLive(page);
    session!.backend.addDelivery({ event: 'issues', action: 'opened', drift: true });
    const drifted = session!.backend.all()[0];
    await page.locator(`.row[data-id="${drifted.id}"]`).click();
    await page.locator(`.detail[data-id="${drifted.id}"]`).waitFor();
    expect(await page.locator('[data-notice="drift"]').innerText()).toContain('sender.login must be string');
    const node = page.locator('.jt-node.jt-drift[data-pointer="/sender/login"]');
    await expect.poll(() => node.isVisible()).toBe(true);
    expect(await node.locator('> .jt-line').innerText()).toContain('⚠ must be string');
  });

  it('renders markup in a payload as text, never as HTML', async () => {
    session = await view.open();
    const evil = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold</b>';
    const body = Buffer.from(JSON.stringify({ action: 'opened', issue: { title: evil }, repository: { full_name: `<i>${evil}</i>` }, sender: { login: '<svg onload="window.__xss=3">' } }));
    const record = session.backend.addDelivery({ event: 'issues', action: 'opened', body });
    await session.page.goto(`${session.inspector.url}?id=${record.id}`);
    const page = session.page;
    await page.locator(`.detail[data-id="${record.id}"]`).waitFor();
    await page.locator('.jt-node[data-path="issue"] > .jt-line .jt-toggle').click();
    expect(await page.locator('.jt-node[data-path="issue.title"] .jt-string').innerText()).toBe(JSON.stringify(evil));
    expect(await page.locator('.row').first().innerText()).toContain('<svg onload="window.__xss=3">');
    await page.locator('.tab[data-tab="raw"]').click();
    expect(await page.locator('pre.raw').innerText()).toBe(body.toString());
    expect(await page.evaluate(() => (globalThis as any).__xss)).toBeUndefined();
    expect(await page.locator('.split').locator('img, script, b, svg, i').count()).toBe(0);
  });

  it('takes a forward that answers later without leaving the tab the user reads', async () => {
    const { page, backend, record } = await openDelivery((records) => records.find((d) => d.event === 'pull_request' && d.forward?.status === 200)!);
    await waitLive(page);
    expect(backend.listenerCount).toBe(1);
    const attempt = backend.addAttempt(record.id, { kind: 'forward', url: 'http://127.0.0.1:3001/second', status: 503, durationMs: 40, error: null, at: new Date().toISOString(), deliveryId: null, edited: false, resigned: false, bytes: record.bytes, response: 'Service Unavailable' });
    await expect.poll(() => page.locator('.tab[data-tab="timeline"] .badge').innerText()).toBe('3');
    expect(await page.locator('.tab.on').getAttribute('data-tab')).toBe('payload');
    const forward = { url: attempt.url, status: 503, durationMs: 40, error: null };
    backend.updateDelivery(record.id, { forward, forwards: [record.forward!, forward] });
    await expect.poll(() => page.locator('.summary').innerText()).toContain('503 · http://127.0.0.1:3001/second');
    await page.locator('.tab[data-tab="timeline"]').click();
    expect(await page.locator('.timeline .tl-item[data-attempt="2"]').innerText()).toContain('Service Unavailable');
  });
});

describe('replay', () => {
  it('replays with r: the backend sees the request and the timeline shows the result', async () => {
    const { page, backend, record } = await openDelivery();
    await page.locator('.row', { hasText: record.event! }).first().waitFor();
    await page.keyboard.press('r');
    await expect.poll(() => backend.callsOf('replay').length).toBe(1);
    expect(backend.callsOf('replay')[0].args).toEqual([record.id, {}]);
    const item = page.locator('.timeline .tl-item[data-attempt]').last();
    await expect.poll(() => item.innerText()).toMatch(/Replay\s+200[\s\S]*re-signed/);
    await expect.poll(() => page.locator('.toast').last().innerText()).toMatch(/Replayed #\w+ → 200/);
    await expect.poll(() => page.locator(`.row[data-id="${record.id}"] .badge.accent`).innerText()).toBe('⟳ 1');
  });

  it('replays to another URL with a new delivery id, and shows a failing answer', async () => {
    const { page, backend, record } = await openDelivery();
    backend.replayAnswer = { status: 500, error: null, response: 'Internal Server Error: boom', durationMs: 31 };
    await page.keyboard.press('R');
    const dialog = page.locator('dialog[open]');
    await dialog.locator('input[name="other-url"]').fill('http://127.0.0.1:9/hook');
    await dialog.locator('label', { hasText: 'New delivery id' }).click();
    await dialog.locator('label', { hasText: 'Sign anew' }).click();
    await dialog.locator('.btn.primary').click();
    await expect.poll(() => backend.callsOf('replay').length).toBe(1);
    expect(backend.callsOf('replay')[0].args).toEqual([record.id, { to: 'http://127.0.0.1:9/hook', resign: false, newDeliveryId: true }]);
    const item = page.locator('.timeline .tl-item[data-attempt]').last();
    await expect.poll(() => item.innerText()).toContain('Internal Server Error: boom');
    expect(await item.innerText()).toContain('new id');
    expect(await item.locator('.status').innerText()).toBe('500');
  });

  it('edits a field and replays: a syntax error is shown as you type, then fixed and sent', async () => {
    const { page, backend, record } = await openDelivery();
    await page.keyboard.press('e');
    const dialog = page.locator('dialog[open]');
    await expect.poll(() => dialog.locator('.validation').innerText()).toContain('matches GitHub’s schema for pull_request');
    await typeOver(session!.page, /"number": \d+/, '"number": 1,,');
    await expect.poll(() => dialog.locator('.validation').innerText()).toMatch(/Not valid JSON — line 3, column \d+/);
    expect(await dialog.locator('.btn.primary').isDisabled()).toBe(true);
    expect(await dialog.locator('.gutter .bad').innerText()).toBe('3');
    await typeOver(session!.page, /"number": 1,,/, '"number": "seven"');
    await expect.poll(() => dialog.locator('.validation').innerText()).toContain('number: must be integer');
    await typeOver(session!.page, /"number": "seven"/, '"number": 4242');
    await expect.poll(() => dialog.locator('.validation').innerText()).toContain('matches GitHub’s schema');
    await dialog.locator('.btn.primary').click();
    await expect.poll(() => backend.callsOf('replay').length).toBe(1);
    const [id, request] = backend.callsOf('replay')[0].args as [string, { payload: string }];
    expect(id).toBe(record.id);
    expect(JSON.parse(request.payload).number).toBe(4242);
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
    const item = page.locator('.timeline .tl-item[data-attempt]').last();
    await expect.poll(() => item.innerText()).toMatch(/Edited replay[\s\S]*edited/);
    expect(await item.locator('a', { hasText: 'sent body' }).getAttribute('href')).toMatch(/\/raw\?attempt=\d+$/);
  });
});

describe('compare, curl and samples', () => {
  it('compares two shift-clicked deliveries as a JSON diff at paths', async () => {
    session = await view.open();
    const { page, backend } = session;
    const a = backend.addDelivery({ event: 'issues', action: 'opened', repository: 'acme/web', sender: 'octocat' });
    const b = backend.addDelivery({ event: 'issues', action: 'opened', repository: 'acme/api', sender: 'hubot' });
    await page.goto(session.inspector.url);
    await page.locator(`.row[data-id="${a.id}"]`).click({ modifiers: ['Shift'] });
    await expect.poll(() => page.locator('.list-banner').innerText()).toContain(`#${a.id}`);
    await page.locator(`.row[data-id="${b.id}"]`).click({ modifiers: ['Shift'] });
    const compare = page.locator('.compare');
    await compare.waitFor();
    const sender = compare.locator('.diff-item[data-path="sender.login"]');
    expect(await sender.getAttribute('data-kind')).toBe('changed');
    expect(await sender.innerText()).toMatch(/− "octocat"\s*\+ "hubot"/);
    expect(await compare.locator('.diff-item[data-path="repository.full_name"]').innerText()).toContain('+ "acme/api"');
    expect(await compare.locator('.diff-item[data-path="X-GitHub-Delivery"]').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.compare').count()).toBe(0);
  });

  it('links redeliveries and compares one with the original in one click', async () => {
    session = await view.open();
    const { page, backend } = session;
    const original = backend.addDelivery({ event: 'push', action: null });
    const again = backend.addDelivery({ event: 'push', action: null, deliveryId: original.deliveryId! });
    await page.goto(`${session.inspector.url}?id=${again.id}`);
    const siblings = page.locator('[data-notice="siblings"]');
    await expect.poll(() => siblings.innerText()).toContain(`#${original.id}`);
    await siblings.locator('.btn', { hasText: 'Compare with the original' }).click();
    await expect.poll(() => page.locator('.compare').getAttribute('data-compare')).toBe(`${original.id},${again.id}`);
    expect(await page.locator('.compare .diff-summary').innerText()).toContain('identical payloads');
  });

  it('copies a delivery as curl', async () => {
    const { page, record } = await openDelivery();
    await page.locator('.head-tools .btn', { hasText: 'Copy curl' }).click();
    await expect.poll(() => clipboard(session!)).toMatch(/^curl -sS -X POST/);
    expect(await clipboard(session!)).toContain(`X-GitHub-Delivery: ${record.deliveryId}`);
  });

  it('sends a catalog sample, edited, to the listener; it appears in the list', async () => {
    session = await view.open();
    const { page, backend } = session;
    await page.goto(session.inspector.url);
    await page.locator('.row').first().waitFor();
    await page.keyboard.press('s');
    const dialog = page.locator('dialog[open]');
    await dialog.locator('input[type="search"]').fill('issues open');
    await dialog.locator('li[data-name="issues.opened"]').click();
    await expect.poll(() => dialog.locator('.validation').innerText()).toContain('issues.opened');
    await typeOver(session!.page, /(?<="sender": \{\s*"login": )"[^"]*"/, '"from-the-page"');
    await expect.poll(() => dialog.locator('.validation').innerText()).toContain('Valid JSON');
    await dialog.locator('.btn.primary').click();
    await expect.poll(() => dialog.locator('.result').innerText()).toMatch(/Sent issues\.opened to http:\/\/127\.0\.0\.1:5000\/ → 200/);
    expect(backend.callsOf('send')[0].args[0]).toMatchObject({ name: 'issues.opened', sign: true });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.row').first().innerText()).toContain('from-the-page');
  });
});

describe('delete', () => {
  it('deletes the open delivery after a confirmation: gone from the list and the detail', async () => {
    const { page, backend, record } = await openDelivery();
    await page.locator('.head-tools .btn', { hasText: 'Delete' }).click();
    await expect.poll(() => backend.callsOf('remove').map((call) => call.args[0])).toEqual([record.id]);
    await expect.poll(() => page.locator(`.row[data-id="${record.id}"]`).count()).toBe(0);
    await expect.poll(() => page.locator('.detail').count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('id')).toBeNull();
  });
});
