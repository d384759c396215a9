/**
 * The inspector's list in a real headless Chromium, used as a person would: it loads and
 * lists, shows a new delivery live, filters (URL and reload), scrolls through many rows with
 * a bounded DOM, and moves with j/k/Enter/Esc. One browser for the file and one page for the
 * tests, each starting over with a reset backend and a navigation.
 */
import { describe, expect, it } from 'vitest';
import { useChromium, waitLive, type InspectorOptions, type InspectorSession } from '../helpers/browser.js';

const chromium = useChromium();
const view = chromium.inspectorView();

async function open(options: InspectorOptions = {}, path = '/'): Promise<InspectorSession> {
  const session = await view.open(options);
  await session.page.goto(new URL(path, session.inspector.url).toString());
  await session.page.locator('.row').first().waitFor();
  return session;
}

/** Scroll the list to its end and read its foot (a poll's step: each scroll may ask for a page). */
async function scrollToEnd(page: InspectorSession['page']): Promise<string> {
  await page.locator('.list-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  return page.locator('.list-foot').innerText();
}

describe('the live list', () => {
  it('lists the newest deliveries first with what matters at a glance', async () => {
    const { page, backend } = await open();
    const newest = backend.all()[0];
    const first = page.locator('.row').first();
    await expect.poll(() => first.getAttribute('data-id')).toBe(newest.id);
    const text = await first.innerText();
    expect(text).toContain(newest.event!);
    expect(text).toContain(newest.repository!);
    expect(text).toContain(newest.sender!);
    expect(text).toMatch(/just now|\d+s ago/);
    await expect.poll(() => page.locator('.live').innerText()).toBe('live');
  });

  it('shows a delivery emitted while the page is open within 250 ms, without a reload', async () => {
    const { page, backend } = await open();
    await waitLive(page);
    expect(backend.listenerCount).toBe(1);
    const listed = backend.callsOf('list').length;
    const timings: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const started = Date.now();
      const record = backend.addDelivery({ event: 'issues', action: 'opened', sender: `live-${i}` });
      await page.locator(`.row[data-id="${record.id}"]`).waitFor({ timeout: 2000 });
      timings.push(Date.now() - started);
      expect(await page.locator('.row').first().getAttribute('data-id')).toBe(record.id);
    }
    expect(Math.min(...timings), `timings ${timings.join(', ')} ms`).toBeLessThanOrEqual(250);
    expect(timings.filter((ms) => ms > 250).length, `timings ${timings.join(', ')} ms`).toBeLessThanOrEqual(1);
    // From the live stream: the list was not asked again.
    expect(backend.callsOf('list')).toHaveLength(listed);
  });

  it('takes a burst of 300 live deliveries in order, an update to one not yet drawn included', async () => {
    const { page, backend } = await open();
    await waitLive(page);
    expect(backend.listenerCount).toBe(1);
    const added = Array.from({ length: 300 }, (_, i) => backend.addDelivery({ event: 'issues', action: 'opened', sender: `burst-${i}` }));
    // Sent right behind its delivery, before the page draws either.
    backend.updateDelivery(added[299].id, { status: 401 });
    const newest = page.locator('.row').first();
    await expect.poll(() => newest.getAttribute('data-id')).toBe(added[299].id);
    await expect.poll(() => newest.innerText()).toContain('401');
    const shown = await page.locator('.row').evaluateAll((rows) => rows.slice(0, 10).map((row) => (row as any).dataset.id));
    expect(shown).toEqual(added.slice(-10).reverse().map((record) => record.id));
  });

  it('keeps a scrolled view in place when deliveries arrive, and offers "N new ↑"', async () => {
    const { page, backend } = await open();
    await waitLive(page);
    expect(backend.listenerCount).toBe(1);
    const ids = backend.all().map((d) => d.id);
    await page.locator('.list-scroll').evaluate((el) => { el.scrollTop = 52 * 20; });
    const readTopRow = () => page.evaluate(() => {
      const document = (globalThis as any).document;
      const top = document.querySelector('.list-scroll').getBoundingClientRect().top;
      const rows: any[] = [...document.querySelectorAll('.row')].filter((row: any) => row.getBoundingClientRect().top >= top - 1);
      rows.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
      return { id: rows[0].dataset.id as string, y: rows[0].getBoundingClientRect().top as number };
    });
    // Rows of 52 px: the 21st delivery is at the top of the view.
    await expect.poll(async () => (await readTopRow()).id).toBe(ids[20]);
    const topRow = await readTopRow();
    backend.addDelivery({ event: 'push', action: null });
    backend.addDelivery({ event: 'push', action: null });
    await expect.poll(() => page.locator('.new-pill').innerText()).toBe('2 new ↑');
    const y = await page.locator(`.row[data-id="${topRow.id}"]`).evaluate((row) => row.getBoundingClientRect().top);
    expect(Math.abs(y - topRow.y)).toBeLessThan(1);
    await page.locator('.new-pill').click();
    await expect.poll(() => page.locator('.list-scroll').evaluate((el) => el.scrollTop)).toBe(0);
    await expect.poll(() => page.locator('.new-pill').isHidden()).toBe(true);
  });

  it('pages through 1,000 deliveries as the user scrolls, with a bounded DOM', async () => {
    const { page, backend } = await open({ count: 1000 });
    expect(backend.callsOf('list')).toHaveLength(1);
    await expect.poll(() => scrollToEnd(page), { timeout: 10_000 }).toBe('1,000 deliveries · end of list');
    expect(await page.locator('.row').count()).toBeLessThan(60);
    const last = backend.all().at(-1)!;
    await expect.poll(async () => {
      await page.locator('.list-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
      return page.locator(`.row[data-id="${last.id}"]`).count();
    }).toBe(1);
    // Each page asked for once, a page at a time.
    const calls = backend.callsOf('list').map((call) => call.args[0] as { limit: number; cursor?: string });
    expect(calls).toHaveLength(10);
    expect(new Set(calls.map((query) => query.cursor)).size).toBe(10);
    for (const query of calls) expect(query.limit).toBeLessThanOrEqual(200);
  });
});

describe('theme', () => {
  const background = (page: InspectorSession['page']) => page.locator('body').evaluate((body) => (globalThis as any).getComputedStyle(body).backgroundColor as string);
  const LIGHT = 'rgb(246, 247, 249)';
  const DARK = 'rgb(13, 16, 21)';

  it('follows the system, and t cycles system → light → dark, remembered across a reload', async () => {
    const { page, inspector } = await view.open({ colorScheme: 'dark' });
    await page.goto(inspector.url);
    await page.locator('.row').first().waitFor();
    expect(await background(page)).toBe(DARK);
    await page.keyboard.press('t');
    await expect.poll(() => background(page)).toBe(LIGHT);
    await page.reload();
    await page.locator('.row').first().waitFor();
    expect(await background(page)).toBe(LIGHT);
    await page.keyboard.press('t');
    await expect.poll(() => background(page)).toBe(DARK);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await background(page)).toBe(DARK);
    await page.keyboard.press('t');
    await expect.poll(() => background(page)).toBe(LIGHT);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background(page)).toBe(DARK);
  });
});

describe('filters', () => {
  it('filters by event: the URL says so, and a reload keeps it', async () => {
    const { page, backend } = await open();
    await page.locator('input[name="event"]').fill('push');
    await expect.poll(() => new URL(page.url()).searchParams.get('event')).toBe('push');
    await expect.poll(async () => {
      const events = await page.locator('.row .ev').allInnerTexts();
      return events.length > 0 && events.every((text) => text === 'push');
    }).toBe(true);
    expect(await page.locator('.row').count()).toBeGreaterThan(3);
    expect(backend.callsOf('list').at(-1)!.args[0]).toMatchObject({ event: 'push' });
    await page.reload();
    await page.locator('.row').first().waitFor();
    expect(await page.locator('input[name="event"]').inputValue()).toBe('push');
    expect((await page.locator('.row .ev').allInnerTexts()).every((text) => text === 'push')).toBe(true);
  });

  it('searches payload text, and keeps asking while a budgeted search returns short pages', async () => {
    const { page, backend } = await open({ count: 400, searchBudgetRows: 40 });
    await page.keyboard.press('/');
    await page.keyboard.type('dependabot[bot]');
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('dependabot[bot]');
    const expected = backend.all().filter((d) => d.sender === 'dependabot[bot]').length;
    await expect.poll(() => scrollToEnd(page), { timeout: 10_000 }).toBe(`${expected} deliveries · end of list`);
    const senders = await page.locator('.row .sub').allInnerTexts();
    expect(senders.every((text) => text.includes('dependabot[bot]'))).toBe(true);
    expect(backend.callsOf('list').filter((call) => (call.args[0] as { q?: string }).q).length).toBeGreaterThan(2);
  });

  it('combines status, signature, drift and a time range, shareable as a link', async () => {
    const { page, backend } = await open({}, '/?signature=invalid&status=4xx');
    expect(await page.locator('select[name="signature"]').inputValue()).toBe('invalid');
    const verdicts = await page.locator('.row .sig').evaluateAll((els) => els.map((el) => (el as any).dataset.verdict));
    expect(new Set(verdicts)).toEqual(new Set(['invalid']));
    await page.locator('label.toggle').click();
    await page.locator('select[name="range"]').selectOption('24h');
    await expect.poll(() => new URL(page.url()).search).toBe('?status=4xx&signature=invalid&drift=1&range=24h');
    // The address bar changes first; the list's request follows.
    await expect.poll(() => (backend.callsOf('list').at(-1)!.args[0] as Record<string, unknown>).since).toBeTruthy();
    const query = backend.callsOf('list').at(-1)!.args[0] as Record<string, unknown>;
    expect(query).toMatchObject({ status: '4xx', signature: 'invalid', drift: true });
    expect(Date.now() - Date.parse(String(query.since))).toBeGreaterThan(86_000_000);
    await page.locator('.filters .btn', { hasText: 'Clear' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('');
  });

  it('shows live deliveries only when they match the filters, text search included', async () => {
    const { page, backend, inspector } = await open({}, '/?event=push');
    await waitLive(page);
    expect(backend.listenerCount).toBe(1);
    const issue = backend.addDelivery({ event: 'issues', action: 'opened' });
    const push = backend.addDelivery({ event: 'push', action: null });
    await page.locator(`.row[data-id="${push.id}"]`).waitFor();
    expect(await page.locator(`.row[data-id="${issue.id}"]`).count()).toBe(0);

    await page.goto(`${inspector.url}?q=needle-in-the-payload`);
    await expect.poll(() => page.locator('.empty-host').innerText()).toContain('No deliveries match');
    await waitLive(page);
    expect(backend.listenerCount).toBe(1);
    const other = backend.addDelivery({ event: 'push', action: null, sender: 'somebody-else' });
    const needle = backend.addDelivery({ event: 'push', action: null, sender: 'needle-in-the-payload' });
    await page.locator(`.row[data-id="${needle.id}"]`).waitFor();
    expect(await page.locator(`.row[data-id="${other.id}"]`).count()).toBe(0);
  });
});

describe('keyboard', () => {
  it('j/k move, Enter opens, Esc closes, ? shows the keys', async () => {
    const { page, backend } = await open();
    const ids = backend.all().map((d) => d.id);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await expect.poll(() => page.locator('.row.selected').getAttribute('data-id')).toBe(ids[1]);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.detail').getAttribute('data-id')).toBe(ids[1]);
    expect(new URL(page.url()).searchParams.get('id')).toBe(ids[1]);
    await page.keyboard.press('j');
    await expect.poll(() => page.locator('.detail').getAttribute('data-id')).toBe(ids[2]);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.detail').count()).toBe(0);
    await page.keyboard.press('?');
    await expect.poll(() => page.locator('dialog[open]').innerText()).toContain('replay the selected delivery');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
  });
});

describe('a typed filter', () => {
  // Its own page: a page clock, once installed, stays with the browser context.
  const clocked = chromium.inspectorView();

  it('waits for a pause; Enter applies it at once (the page clock held, only the test moves it)', async () => {
    const { page, backend, inspector } = await clocked.open();
    await page.clock.install();
    await page.goto(inspector.url);
    await page.locator('.row').first().waitFor();
    await page.clock.pauseAt(Date.now() + 1000);
    const before = backend.callsOf('list').length;
    const address = () => page.evaluate(() => (globalThis as any).location.search as string);
    const field = page.locator('input[name="event"]');
    // Applying a filter writes the address bar and asks for the list in one step, so the address
    // read right after the keys tells whether the page applied it.
    await field.pressSequentially('push');
    expect(await address()).toBe('');
    await page.clock.runFor(50);
    expect(await address()).toBe('');
    await page.clock.runFor(1000);
    expect(await address()).toBe('?event=push');
    await expect.poll(() => backend.callsOf('list').length).toBe(before + 1);
    expect(backend.callsOf('list').at(-1)!.args[0]).toMatchObject({ event: 'push' });

    await field.selectText();
    await field.pressSequentially('issues');
    expect(await address()).toBe('?event=push');
    await field.press('Enter');
    expect(await address()).toBe('?event=issues');
    await expect.poll(() => backend.callsOf('list').length).toBe(before + 2);
    expect(backend.callsOf('list').at(-1)!.args[0]).toMatchObject({ event: 'issues' });
    await page.clock.resume();
    await expect.poll(async () => {
      const events = await page.locator('.row .ev').allInnerTexts();
      return events.length > 0 && events.every((text) => /^issues(\.|$)/.test(text));
    }).toBe(true);
    // One request per applied filter, none per key.
    expect(backend.callsOf('list')).toHaveLength(before + 2);
  });
});

describe('a store of 100,000 deliveries', () => {
  // The time these take is bench/inspector.mjs's (first page, filters, over a real store of 100,000).
  it('reads a page of rows at a time: the newest first, the right ones deep in the list with a bounded DOM, and a filter', async () => {
    const { page, backend } = await open({ count: 100_000 });
    expect(backend.size).toBe(100_000);
    const rowIds = () => page.locator('.row').evaluateAll((rows) => rows.map((row) => (row as any).dataset.id as string));
    const firstShown = await rowIds();
    expect(firstShown.length).toBeGreaterThan(10);
    expect(firstShown).toEqual(backend.slice(0, firstShown.length).map((d) => d.id));
    // Each scroll to the end of what is loaded asks for one more page.
    for (let scroll = 1; scroll <= 8; scroll += 1) {
      await page.locator('.list-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
      await expect.poll(() => backend.callsOf('list').length).toBe(1 + scroll);
      await expect.poll(() => page.locator('.list-foot').innerText()).toBe('');
    }
    expect(await page.locator('.row').count()).toBeLessThan(60);
    const loaded = backend.slice(0, 900).map((d) => d.id);
    const deep = await rowIds();
    const at = loaded.indexOf(deep[0]);
    expect(at).toBeGreaterThan(700);
    expect(deep).toEqual(loaded.slice(at, at + deep.length));

    await page.locator('select[name="signature"]').selectOption('missing');
    await expect.poll(async () => {
      const verdicts = await page.locator('.row .sig').evaluateAll((els) => els.map((el) => (el as any).dataset.verdict));
      return verdicts.length > 0 && verdicts.every((v) => v === 'missing');
    }).toBe(true);
    const query = backend.callsOf('list').at(-1)!.args[0] as { signature?: string };
    expect(query.signature).toBe('missing');
    // The page never asks for more than a page of rows at a time.
    const limits = backend.callsOf('list').map((call) => (call.args[0] as { limit?: number }).limit ?? 50);
    expect(Math.max(...limits)).toBeLessThanOrEqual(200);
    const shown = await rowIds();
    const unsigned = (await backend.list({ signature: 'missing', limit: shown.length })).deliveries;
    expect(unsigned.every((d) => d.signature === 'missing')).toBe(true);
    expect(shown).toEqual(unsigned.map((d) => d.id));
  });
});
