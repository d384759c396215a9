/**
 * The inspector's page for everyone (issue 23 item 18), in headless Chromium over the fake
 * backend: axe-core (injected into the page) finds no serious or critical violation in the
 * list, a delivery, compare, the send dialog and the dark theme.
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
