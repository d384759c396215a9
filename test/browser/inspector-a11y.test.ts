/**
 * The inspector's page for everyone and for its user (issue 23 items 18 and 17), in headless
 * Chromium over the fake backend: axe-core (injected into the page) finds no serious or
 * critical violation in the list, a delivery, compare, the send dialog and the dark theme;
 * everything works from the keyboard, single-key shortcuts can be turned off, faint text
 * keeps 4.5:1, reduced motion stops the live dot; rows show the terminal's id, long values
 * are whole and copyable, ?id= scrolls to its row, 600 px works, unknown URLs are a page, and
 * compare counts what it lists.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useChromium } from '../helpers/browser.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const chromium = useChromium();
const view = chromium.inspectorView();

/** axe-core's serious and critical violations on the page as it is now: rule, impact, where. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated by the test runner (not a <script>): the page's CSP stays as it is.
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' — ' + n.failureSummary.split('\\n').slice(1, 2).join('')) })))`)) as { id: string; impact: string; help: string; nodes: string[] }[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.join('\n    ')}`);
}

describe('axe-core: no serious or critical violations', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`in the list, a delivery, compare and the send dialog (${scheme})`, async () => {
      const { page, backend, inspector } = await view.open({ colorScheme: scheme, count: 30 });
      const a = backend.addDelivery({ event: 'issues', action: 'opened', drift: true, signature: 'invalid', forwardStatus: 502 });
      const b = backend.addDelivery({ event: 'issues', action: 'opened', forwardStatus: 200 });
      await page.goto(inspector.url);
      await page.locator('.live.on').waitFor();
      await page.locator(`.row[data-id="${b.id}"]`).waitFor();
      const found: Record<string, string[]> = {};
      found.list = await seriousViolations(page);

      await page.locator(`.row[data-id="${a.id}"]`).click();
      await page.locator(`.detail[data-id="${a.id}"] .tree`).waitFor();
      found.detail = await seriousViolations(page);

      await page.locator(`.row[data-id="${a.id}"]`).click({ modifiers: ['Shift'] });
      await page.locator(`.row[data-id="${b.id}"]`).click({ modifiers: ['Shift'] });
      await page.locator('.compare').waitFor();
      found.compare = await seriousViolations(page);
      await page.keyboard.press('Escape');

      await page.keyboard.press('s');
      await page.locator('dialog[open] li[data-name]').first().waitFor();
      found.send = await seriousViolations(page);
      await page.keyboard.press('Escape');

      expect(found).toEqual({ list: [], detail: [], compare: [], send: [] });
    });
  }
});

/** Press Tab until `selector` has the focus (at most `limit` presses); how many it took. */
async function tabTo(page: Page, selector: string, limit = 60): Promise<number> {
  for (let presses = 1; presses <= limit; presses += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => Boolean((globalThis as any).document.activeElement?.matches(s)), selector)) return presses;
  }
  throw new Error(`Tab never reached ${selector} in ${limit} presses`);
}

const focused = (page: Page) => page.evaluate(() => {
  const element = (globalThis as any).document.activeElement;
  return { className: String(element?.className ?? ''), expanded: element?.getAttribute('aria-expanded') ?? null };
});

describe('keyboard only', () => {
  it('reaches the list with Tab, moves with the arrows, opens with Enter, expands the tree and copies a path, closes with Esc', async () => {
    const { page, backend, inspector } = await view.open({ count: 5 });
    await page.goto(inspector.url);
    await page.locator('.live.on').waitFor();
    const ids = backend.all().map((d) => d.id);
    const list = page.locator('.list-scroll');
    await tabTo(page, '.list-scroll');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    // The list names the selected row as its active option (screen readers follow it).
    await expect.poll(() => list.getAttribute('aria-activedescendant')).toBe(`row-${ids[1]}`);
    expect(await page.locator(`#row-${ids[1]}`).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Enter');
    await page.locator(`.detail[data-id="${ids[1]}"] .tree`).waitFor();

    // The payload tree: a toggle is a button Tab reaches, Enter opens it.
    await tabTo(page, '.detail .jt-toggle[aria-expanded="false"]');
    await page.keyboard.press('Enter');
    expect((await focused(page)).expanded).toBe('true');
    // A key copies its path, from the keyboard too.
    await tabTo(page, '.detail .jt-key');
    const path = await page.evaluate(() => (globalThis as any).document.activeElement.closest('[data-path]').dataset.path as string);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(path);

    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.detail').count()).toBe(0);
  });

  it('picks and sends a sample from the keyboard', async () => {
    const { page, backend, inspector } = await view.open({ count: 3 });
    await page.goto(inspector.url);
    await page.locator('.live.on').waitFor();
    await page.keyboard.press('s');
    await page.keyboard.type('issues open');
    await tabTo(page, 'li[data-name="issues.opened"] button');
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog[open]');
    await expect.poll(() => dialog.locator('.validation').innerText()).toContain('issues.opened');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => backend.callsOf('send').map((call) => (call.args[0] as { name: string }).name)).toEqual(['issues.opened']);
  });
});

describe('single-key shortcuts', () => {
  it('can be turned off in the keys dialog (remembered); the arrows, Enter and Esc still work', async () => {
    const { page, backend, inspector } = await view.open({ count: 3 });
    await page.goto(inspector.url);
    await page.locator('.live.on').waitFor();
    await page.keyboard.press('?');
    const toggle = page.locator('dialog[open] #shortcuts-on');
    expect(await toggle.isChecked()).toBe(true);
    await toggle.focus();
    await page.keyboard.press('Space');
    expect(await toggle.isChecked()).toBe(false);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);

    await page.reload();
    await page.locator('.live.on').waitFor();
    const scheme = () => page.evaluate(() => (globalThis as any).document.documentElement.dataset.theme ?? '');
    const before = await scheme();
    for (const key of ['s', '?', 't', 'g', '/']) await page.keyboard.press(key);
    expect(await page.locator('dialog[open]').count()).toBe(0);
    expect(await scheme()).toBe(before);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator(`.detail[data-id="${backend.all()[0].id}"]`).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.detail').count()).toBe(0);
  });
});

describe('colour and motion', () => {
  const ratio = (page: Page, selector: string) => page.evaluate((s) => {
    const window = globalThis as any;
    const rgb = (css: string) => css.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
    const lum = (c: number[]) => {
      const [r, g, b] = c.map((v) => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const element = window.document.querySelector(s);
    let back = element;
    while (back && rgb(window.getComputedStyle(back).backgroundColor).length === 3 && window.getComputedStyle(back).backgroundColor === 'rgba(0, 0, 0, 0)') back = back.parentElement;
    const [a, b] = [lum(rgb(window.getComputedStyle(element).color)), lum(rgb(window.getComputedStyle(back).backgroundColor))].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  }, selector);

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`faint text (sizes, separators, labels) has a contrast of 4.5:1 at least (${colorScheme})`, async () => {
      const { page, inspector } = await view.open({ colorScheme, count: 3 });
      await page.goto(inspector.url);
      await page.locator('.row .size').first().waitFor();
      expect(await ratio(page, '.row .size')).toBeGreaterThanOrEqual(4.5);
      expect(await ratio(page, '.row .sub .sep')).toBeGreaterThanOrEqual(4.5);
    });
  }

  it('prefers-reduced-motion stops every animation, the live dot\'s pulse (a ::before) included', async () => {
    const { page, inspector } = await view.open({ count: 1 });
    try {
      await page.emulateMedia({ reducedMotion: 'no-preference' });
      await page.goto(inspector.url);
      await page.locator('.live.on').waitFor();
      const pulse = () => page.locator('.live').evaluate((el) => (globalThis as any).getComputedStyle(el, '::before').animationName as string);
      expect(await pulse()).toBe('pulse');
      await page.emulateMedia({ reducedMotion: 'reduce' });
      expect(await pulse()).toBe('none');
    } finally {
      await page.emulateMedia({ reducedMotion: 'no-preference' });
    }
  });
});

// ---------------------------------------------------------------- issue 23 item 17

describe('rows, long values, links, narrow screens, unknown pages, compare', () => {
  it('a row shows the short id the terminal prints (hookctl replay a6ca934)', async () => {
    const { page, backend, inspector } = await view.open({ count: 3 });
    await page.goto(inspector.url);
    const newest = backend.all()[0];
    await expect.poll(() => page.locator(`.row[data-id="${newest.id}"] .rid`).innerText()).toBe(newest.id);
  });

  it('shows the GUID, the forward URL and the sha256 whole at 1400 px, each with a copy button', async () => {
    const { page, backend, inspector } = await view.open({ count: 3, width: 1400 });
    const record = backend.addDelivery({ event: 'pull_request', action: 'opened', forwardStatus: 200 });
    await page.goto(`${inspector.url}?id=${record.id}`);
    const summary = page.locator(`.detail[data-id="${record.id}"] .summary`);
    await summary.waitFor();
    const detail = (await backend.get(record.id))!;
    for (const [label, value] of [['Delivery', detail.deliveryId!], ['Forward', detail.forward!.url], ['sha256', detail.bodySha256]] as const) {
      const dd = summary.locator('div', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
      expect(await dd.innerText(), label).toContain(value);
      // Not cut: nothing hidden beyond its box.
      expect(await dd.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), label).toBe(true);
      await dd.locator('button.copy').click();
      await expect.poll(() => page.evaluate(() => (globalThis as any).navigator.clipboard.readText()), { message: label }).toBe(value);
    }
  });

  it('?id= scrolls the list to that row', async () => {
    const { page, backend, inspector } = await view.open({ count: 200 });
    const target = backend.all()[80];
    await page.goto(`${inspector.url}?id=${target.id}`);
    const row = page.locator(`.row[data-id="${target.id}"]`);
    await row.waitFor();
    await expect.poll(() => row.getAttribute('aria-selected')).toBe('true');
    const within = async () => {
      const [r, l] = [await row.boundingBox(), await page.locator('.list-scroll').boundingBox()];
      return r!.y >= l!.y && r!.y + r!.height <= l!.y + l!.height;
    };
    await expect.poll(within).toBe(true);
  });

  it('at 600 px the Listening URL is not under the buttons, and an open delivery has a close button back to the list', async () => {
    const { page, backend, inspector } = await view.open({ count: 5, width: 600, height: 800 });
    await page.goto(inspector.url);
    await page.locator('.row').first().waitFor();
    const chip = await page.locator('.topbar .chip').first().boundingBox();
    for (const button of await page.locator('.topbar .btn').all()) {
      const box = (await button.boundingBox())!;
      const overlaps = box.x < chip!.x + chip!.width && chip!.x < box.x + box.width && box.y < chip!.y + chip!.height && chip!.y < box.y + box.height;
      expect(overlaps, await button.innerText()).toBe(false);
    }
    const first = backend.all()[0];
    await page.locator(`.row[data-id="${first.id}"]`).click();
    await page.locator(`.detail[data-id="${first.id}"]`).waitFor();
    expect(await page.locator('.list-pane').isVisible()).toBe(false);
    await page.locator('.detail .head-tools button[aria-label="Close this delivery"]').click();
    await expect.poll(() => page.locator('.list-pane').isVisible()).toBe(true);
    expect(await page.locator('.detail').count()).toBe(0);
  });

  it('an unknown URL is a page (404) with a way back, not bare JSON', async () => {
    const { page, inspector, problems } = await view.open({ count: 1 });
    const answer = await page.goto(`${inspector.url}no/such/<page>`);
    expect(answer?.status()).toBe(404);
    // The browser logs the 404 it was asked for: that one is expected.
    await expect.poll(() => problems.length).toBeGreaterThan(0);
    expect(answer?.headers()['content-type']).toMatch(/^text\/html/);
    expect(await page.locator('h1').innerText()).toBe('No such page');
    expect(await page.locator('code').innerText()).toBe('/no/such/%3Cpage%3E');
    await page.locator('a', { hasText: 'Go to the deliveries' }).click();
    await page.locator('.row').first().waitFor();
    // The browser logs the 404 it was asked for (the page, its icon): those are expected.
    expect(problems.splice(0).filter((problem) => !/status of 404/.test(problem))).toEqual([]);
  });

  it('compare counts every change it lists, payload and headers', async () => {
    const { page, backend, inspector } = await view.open({ count: 1 });
    const a = backend.addDelivery({ event: 'issues', action: 'opened', repository: 'acme/web', sender: 'octocat' });
    const b = backend.addDelivery({ event: 'issues', action: 'opened', repository: 'acme/api', sender: 'hubot' });
    await page.goto(inspector.url);
    await page.locator(`.row[data-id="${a.id}"]`).click({ modifiers: ['Shift'] });
    await page.locator(`.row[data-id="${b.id}"]`).click({ modifiers: ['Shift'] });
    const compare = page.locator('.compare');
    await compare.waitFor();
    const listed = await compare.locator('.diff-item[data-kind="changed"]').count();
    expect(listed).toBeGreaterThanOrEqual(3);
    expect(await compare.locator('.diff-summary').innerText()).toContain(`~${listed} changed`);
    const sections = await compare.locator('h3.section').allTextContents();
    const payload = await compare.locator('.diff-list').first().locator('.diff-item').count();
    const headers = await compare.locator('.diff-list').nth(1).locator('.diff-item').count();
    expect(sections).toEqual([`Payload · ${payload} change${payload === 1 ? '' : 's'}`, `Headers (lengths and signatures left out) · ${headers} change${headers === 1 ? '' : 's'}`]);
  });
});
