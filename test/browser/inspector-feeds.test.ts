/**
 * The inspector's page over a real store backend in headless Chromium: what another process
 * does to the store (a delivery, a removal, a prune) reaches an open page once, filters are
 * decided by the server (the page shows what the store query would list), compare treats
 * header names as names, and the page's element builder refuses markup.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage, type PageSession } from '../helpers/browser.js';
import { startInspector, type Inspector } from '../../src/core/inspector/server.js';
import { createStoreBackend, type StoreBackend } from '../../src/core/inspector/store-backend.js';
import { CHANGES_KEPT, followPath, openStore, type Store } from '../../src/core/store/store.js';
import type { NewDelivery } from '../../src/core/store/types.js';
import { newDelivery } from '../helpers/deliveries.js';

let browser: Browser;
let dir: string;
let file: string;
/** Another process writing the store (another listener, `deliveries rm` in another shell). */
let other: Store;
let reader: ReturnType<typeof followPath>;
let backend: StoreBackend;
let inspector: Inspector;
let session: PageSession;
/** One turn of the backend's store follower (set once the page's stream is open). */
let turn: (() => void) | null;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hookctl-feeds-'));
  file = join(dir, 'deliveries.db');
  other = openStore(file);
  turn = null;
  reader = followPath(openStore(file, { mustExist: true }));
  backend = createStoreBackend({
    store: reader,
    version: 'test',
    follow: (next) => {
      turn = next;
      return () => (turn = null);
    },
  });
  inspector = await startInspector({ backend, port: 0 });
  session = await openPage(browser, inspector.openUrl);
  listRequests = 0;
  session.page.on('request', (request) => { if (new URL(request.url()).pathname === '/api/deliveries') listRequests += 1; });
});

afterEach(async () => {
  try {
    expect(session.problems).toEqual([]);
  } finally {
    await session.close();
    await inspector.close();
    backend.close();
    reader.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A delivery another process keeps; the follower's next turn tells the page. */
function keep(over: Partial<NewDelivery> = {}) {
  return other.insertDelivery(newDelivery({ deliveryId: randomUUID(), receivedAt: new Date(), ...over }));
}

/** Turn the follower once the page listens: what another process did reaches it. */
async function follow(): Promise<void> {
  await expect.poll(() => session.page.locator('.live').innerText()).toBe('live');
  expect(turn, 'the page\'s stream is open').not.toBeNull();
  turn!();
}

/** How many times the page asked for a page of the list. */
let listRequests = 0;

async function rows(): Promise<string[]> {
  return session.page.locator('.row').evaluateAll((found) => found.map((row) => (row as any).dataset.id as string));
}

describe('filters decided by the server', () => {
  it('a live delivery from Octo-Org/x shows under the filter octo-org/x, as the list would after a reload', async () => {
    const page = session.page;
    const before = keep({ repository: 'octo-org/x' });
    await page.goto(`${inspector.url}?repository=octo-org/x`);
    await page.locator(`.row[data-id="${before.id}"]`).waitFor();
    const elsewhere = keep({ repository: 'octo-org/y' });
    const capitals = keep({ repository: 'Octo-Org/x' });
    await follow();
    await page.locator(`.row[data-id="${capitals.id}"]`).waitFor();
    expect(await rows()).toEqual([capitals.id, before.id]);
    await page.reload();
    await page.locator(`.row[data-id="${capitals.id}"]`).waitFor();
    expect(await rows()).toEqual([capitals.id, before.id]);
    expect(await rows()).not.toContain(elsewhere.id);
  });
});

describe('what another process does reaches an open page', () => {
  it('deliveries rm of the newest and prune --keep 2 remove the rows once; nothing is told again', async () => {
    const kept = Array.from({ length: 10 }, (_, i) => keep({ receivedAt: new Date(Date.now() - (10 - i) * 1000) }));
    const page = session.page;
    await page.goto(inspector.url);
    await page.locator(`.row[data-id="${kept[9].id}"]`).waitFor();
    other.remove([kept[9].id]);
    await follow();
    await expect.poll(rows).toEqual(kept.slice(0, 9).reverse().map((d) => d.id));
    other.prune({ keep: 2 });
    await follow();
    await expect.poll(rows).toEqual([kept[8].id, kept[7].id]);
  });
  it('a prune bigger than the change log is a reset: the page loads its list again', async () => {
    const kept = await other.enqueue(() => Array.from({ length: CHANGES_KEPT + 5 }, (_, i) => keep({ receivedAt: new Date(Date.now() - (CHANGES_KEPT + 5 - i) * 1000) })));
    const page = session.page;
    await page.goto(inspector.url);
    await page.locator(`.row[data-id="${kept.at(-1)!.id}"]`).waitFor();
    other.prune({ keep: 2 });
    const before = listRequests;
    await follow();
    await expect.poll(rows).toEqual([kept.at(-1)!.id, kept.at(-2)!.id]);
    expect(listRequests).toBeGreaterThan(before);
  });
});

describe('compare', () => {
  it('shows headers named constructor, toString and __proto__ as the headers they are', async () => {
    const rawHeaders = (value: string) => ['Host', '127.0.0.1:5000', 'X-GitHub-Event', 'pull_request', 'constructor', value, 'toString', value, '__proto__', value, 'hasOwnProperty', value];
    const a = keep({ rawHeaders: rawHeaders('a'), body: Buffer.from('{"action":"opened","__proto__":{"x":1},"constructor":1}') });
    const b = keep({ rawHeaders: rawHeaders('b'), body: Buffer.from('{"action":"opened","__proto__":{"x":2},"constructor":2}') });
    const page = session.page;
    await page.goto(inspector.url);
    await page.locator(`.row[data-id="${a.id}"]`).click({ modifiers: ['Shift'] });
    await page.locator(`.row[data-id="${b.id}"]`).click({ modifiers: ['Shift'] });
    const compare = page.locator('.compare');
    await compare.waitFor();
    const [payload, headers] = [compare.locator('.diff-list').nth(0), compare.locator('.diff-list').nth(1)];
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const item = headers.locator(`.diff-item[data-path="${name}"]`);
      expect(await item.count(), name).toBe(1);
      expect(await item.innerText(), name).toMatch(/− "a"\s*\+ "b"/);
    }
    expect(await compare.innerText()).not.toContain('native code');
    expect(await payload.locator('.diff-item[data-path="__proto__.x"]').innerText()).toMatch(/− 1\s*\+ 2/);
    expect(await payload.locator('.diff-item[data-path="constructor"]').innerText()).toMatch(/− 1\s*\+ 2/);
  });
});

describe('the element builder', () => {
  it('refuses innerHTML-like properties', async () => {
    await session.page.goto(inspector.url);
    await session.page.locator('.live').waitFor();
    // A string, so the test runner does not rewrite the page's dynamic import.
    const outcomes = (await session.page.evaluate(`(async () => {
      const { h } = await import('/js/dom.js');
      const tries = { innerHTML: '<b>x</b>', outerHTML: '<b>x</b>', insertAdjacentHTML: '<b>x</b>', srcdoc: '<b>x</b>', attrs: { srcdoc: '<b>x</b>' }, setHTMLUnsafe: '<b>x</b>' };
      return Object.entries(tries).map(([name, value]) => {
        try {
          const element = h(name === 'srcdoc' || name === 'attrs' ? 'iframe' : 'div', { [name]: value });
          return name + ': accepted' + (element.querySelector('b') ? ' as markup' : '');
        } catch (error) {
          return name + ': ' + error.message;
        }
      });
    })()`)) as string[];
    expect(outcomes).toHaveLength(6);
    for (const outcome of outcomes) expect(outcome).not.toContain('accepted');
  });
});

describe('the access token', () => {
  it('without it the page says where its URL is printed; the printed URL lets the browser in with an HttpOnly, SameSite=Strict cookie and leaves the address bar without it', async () => {
    keep({ event: 'issues', action: 'opened' });
    const fresh = await browser.newContext();
    try {
      const page = await fresh.newPage();
      const blocked = await page.goto(`${inspector.url}?event=issues`);
      expect(blocked?.status()).toBe(401);
      expect(await page.locator('body').innerText()).toMatch(/needs its token[\s\S]*hookctl listen or hookctl inspect printed[\s\S]*Inspector: http:\/\/127\.0\.0\.1:\d+\/\?token=…/);
      expect(await page.locator('.row').count()).toBe(0);

      const opened = await page.goto(`${inspector.url}?event=issues&token=${inspector.accessToken}#top`);
      expect(opened?.status()).toBe(200);
      await expect.poll(() => page.locator('.row').count()).toBe(1);
      // Out of the address bar (replaced, not pushed: Back does not bring it again), the filter kept.
      expect(page.url()).toBe(`${inspector.url}?event=issues#top`);
      // The cookie the browser holds: not readable by scripts, never sent from another site.
      expect(await page.evaluate(() => (globalThis as any).document.cookie)).toBe('');
      const cookies = await fresh.cookies(inspector.url);
      expect(cookies.map(({ name, value, httpOnly, sameSite, path }) => ({ name, value, httpOnly, sameSite, path }))).toEqual([
        { name: `hookctl-inspector-${inspector.port}`, value: inspector.accessToken, httpOnly: true, sameSite: 'Strict', path: '/' },
      ]);
      // From now on (a bookmark, a reload) the URL without the token works.
      await page.goto(inspector.url);
      await expect.poll(() => page.locator('.live').innerText()).toBe('live');
      expect(await page.locator('.row').count()).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});

describe('hookctl inspect\'s page (issue 23 item 17)', () => {
  it('an empty store says a listener writing it fills it, not listen\'s advice', async () => {
    await session.page.goto(inspector.url);
    const empty = session.page.locator('.list-pane .empty');
    await expect.poll(() => empty.innerText()).toContain('No deliveries in this store yet');
    expect(await empty.innerText()).toContain(`hookctl listen --store ${file}`);
    expect(await empty.innerText()).not.toContain('Point a GitHub webhook');
  });

  it('a stopped server is a banner across the page, not a pill', async () => {
    keep();
    await session.page.goto(inspector.url);
    await session.page.locator('.live.on').waitFor();
    const banner = session.page.locator('.stopped-banner');
    expect(await banner.isVisible()).toBe(false);
    await inspector.close();
    await banner.waitFor({ state: 'visible' });
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.innerText()).toContain('hookctl listen or inspect has stopped');
    // Its width: the page's, not a pill's.
    const [bannerBox, pageWidth] = [await banner.boundingBox(), session.page.viewportSize()!.width];
    expect(bannerBox!.width).toBeGreaterThan(pageWidth * 0.9);
    // The page saw the server go: what it logged about the stream is expected, not a problem.
    session.problems.length = 0;
  });
});
