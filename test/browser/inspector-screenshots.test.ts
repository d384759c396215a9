/**
 * Screenshots of the inspector (list, detail, dark) through the same script the README's
 * images come from, over the fake backend, in this file's Chromium. Each picture is checked
 * for what it is of, as it is taken: the page's state (its rows, the delivery open, the colour
 * scheme) and the picture itself (its size, and the colours the page says are where they
 * are). By default they go to a temporary folder; `HOOKCTL_SCREENSHOTS=DIR` keeps them in DIR.
 * The images in docs/ come from a real `hookctl listen`: `node scripts/screenshots-real.mjs docs`.
 */
import { afterEach, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { useChromium } from '../helpers/browser.js';
import { brightness, cssRgb, decodePng, type Box, type Image, type Rgb } from '../helpers/png.js';
import { startInspector, type Inspector } from '../../src/core/inspector/server.js';
import { FakeInspectorBackend } from '../helpers/fake-inspector-backend.js';
// @ts-expect-error a plain .mjs script without types
import { takeScreenshots } from '../../scripts/inspector-screenshots.mjs';

const chromium = useChromium();
let inspector: Inspector | null = null;
let scratch: string | null = null;

afterEach(async () => {
  await inspector?.close();
  inspector = null;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = null;
});

/** Where an element is on screen and the background the page gives it. */
async function boxOf(page: Page, selector: string): Promise<Box & { background: Rgb }> {
  const element = page.locator(selector).first();
  const box = await element.boundingBox();
  expect(box, `${selector} on screen`).not.toBeNull();
  const background = await element.evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor as string);
  return { ...box!, background: cssRgb(background) };
}

/** The picture shows `color` over most of `box` (text may cross it), within rounding. */
function expectColor(image: Image, box: Box, color: Rgb, what: string): void {
  const seen = image.dominant(box);
  const off = Math.max(...seen.color.map((channel, i) => Math.abs(channel - color[i])));
  expect(off, `${what}: ${seen.color.join(',')} where the page says ${color.join(',')}`).toBeLessThanOrEqual(2);
  expect(seen.share, `${what}: share of ${seen.color.join(',')}`).toBeGreaterThan(0.8);
}

/** A strip of a row with no text on it: between its two lines of text and its badges. */
const blankOfRow = (row: Box): Box => ({ x: row.x + row.width * 0.55, y: row.y + 6, width: row.width * 0.1, height: row.height - 12 });

it('takes PNG screenshots of the list and of a delivery, light and dark, each showing what it should', async () => {
  const backend = new FakeInspectorBackend({ count: 400, now: Date.now() - 40_000 });
  // A few recent deliveries so the list reads like a working afternoon.
  const pull = backend.addDelivery({ event: 'pull_request', action: 'opened', repository: 'acme/payments-api', sender: 'monalisa', drift: true, forwardStatus: 200 });
  backend.addDelivery({ event: 'push', action: null, repository: 'acme/web', sender: 'octocat', forwardStatus: 502 });
  backend.addDelivery({ event: 'issues', action: 'opened', repository: 'acme/web', sender: 'hubot', signature: 'invalid' });
  const newest = backend.slice(0, 8).map((d) => d.id);
  inspector = await startInspector({ backend, port: 0 });
  const outDir = process.env.HOOKCTL_SCREENSHOTS ? resolve(process.env.HOOKCTL_SCREENSHOTS) : (scratch = mkdtempSync(join(tmpdir(), 'hookctl-shots-')));
  const checked: string[] = [];

  const onShot = async ({ name, file, page, detailId }: { name: string; file: string; page: Page; detailId: string | null }) => {
    const dark = name === 'inspector-dark.png';
    // The page, as the picture was taken.
    expect(await page.evaluate(() => (globalThis as any).matchMedia('(prefers-color-scheme: dark)').matches as boolean), name).toBe(dark);
    expect((await boxOf(page, 'body')).background, name).toEqual(dark ? [13, 16, 21] : [246, 247, 249]);
    expect(await page.locator('.live').innerText(), name).toBe('live');
    const rows = await page.locator('.row').evaluateAll((els) => els.slice(0, 8).map((el) => (el as any).dataset.id as string));
    expect(rows, `${name}: the newest deliveries first`).toEqual(newest);
    if (name === 'inspector-list.png') {
      expect(detailId).toBeNull();
      expect(await page.locator('.detail').count()).toBe(0);
      expect(await page.locator('.detail-pane').innerText()).toContain('Pick a delivery');
    } else {
      expect(detailId, `${name}: the pull request is open`).toBe(pull.id);
      expect(await page.locator('.detail').getAttribute('data-id')).toBe(pull.id);
      expect(await page.locator('.detail h1').innerText()).toContain('pull_request.opened');
      expect(await page.locator('.row.selected').getAttribute('data-id')).toBe(pull.id);
      expect(await page.locator('[data-notice="drift"]').isVisible()).toBe(true);
    }

    // The picture: the viewport, light or dark, with the page's colours where the page has them.
    const image = decodePng(readFileSync(file));
    expect([image.width, image.height], name).toEqual([1440, 900]);
    const overall = brightness(image.mean({ x: 0, y: 0, width: image.width, height: image.height }));
    if (dark) expect(overall, name).toBeLessThan(70);
    else expect(overall, name).toBeGreaterThan(180);
    const pane = await boxOf(page, '.detail-pane');
    const firstRow = await boxOf(page, `.row[data-id="${newest[0]}"]`);
    expectColor(image, blankOfRow(firstRow), (await boxOf(page, '.list-pane')).background, `${name}: the first row`);
    if (name === 'inspector-list.png') {
      // Nothing open: the detail pane's lower part is its bare background.
      expectColor(image, { x: pane.x + 40, y: pane.y + pane.height * 0.7, width: pane.width - 80, height: pane.height * 0.25 }, pane.background, `${name}: the empty detail pane`);
    } else {
      const selected = await boxOf(page, '.row.selected');
      expectColor(image, blankOfRow(selected), selected.background, `${name}: the selected row`);
      // The detail's right margin, beside its content.
      expectColor(image, { x: pane.x + pane.width - 16, y: pane.y + 20, width: 12, height: pane.height - 40 }, pane.background, `${name}: the detail pane's margin`);
      const notice = await boxOf(page, '[data-notice="drift"]');
      expectColor(image, { x: notice.x + notice.width * 0.6, y: notice.y + 6, width: notice.width * 0.3, height: notice.height - 12 }, notice.background, `${name}: the drift notice`);
    }
    checked.push(name);
  };

  const files: string[] = await takeScreenshots({ url: inspector.url, outDir, browser: chromium.browser(), onShot });
  expect(files.map((file) => file.slice(outDir.length + 1))).toEqual(['inspector-list.png', 'inspector-detail.png', 'inspector-dark.png']);
  expect(checked).toEqual(['inspector-list.png', 'inspector-detail.png', 'inspector-dark.png']);
});
