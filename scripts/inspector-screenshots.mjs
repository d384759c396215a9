#!/usr/bin/env node
// Screenshots of the inspector for the README: the list, one delivery's detail (light and
// dark). Run it against any running inspector (a real `hookctl listen`, or the test fake):
//   node scripts/inspector-screenshots.mjs http://127.0.0.1:4141/ docs/
// Uses Debian's chromium (CHROMIUM_PATH to override) through playwright-core.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

async function openDetail(page) {
  // Prefer a pull request: its payload shows the tree best.
  const row = page.locator('.row', { hasText: 'pull_request' }).first();
  await ((await row.count()) ? row : page.locator('.row').first()).click();
  await page.locator('.detail .tree').waitFor();
  await page.waitForTimeout(150);
}

/** Write inspector-list.png, inspector-detail.png and inspector-dark.png into outDir; returns their paths. */
export async function takeScreenshots({ url, outDir, executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', width = 1440, height = 900 }) {
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({ executablePath, args: ARGS, headless: true });
  const files = [];
  try {
    for (const scheme of ['light', 'dark']) {
      const context = await browser.newContext({ viewport: { width, height }, colorScheme: scheme, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await page.goto(url);
      await page.locator('.row').first().waitFor();
      await page.waitForTimeout(300);
      if (scheme === 'light') {
        const list = join(outDir, 'inspector-list.png');
        await page.screenshot({ path: list });
        files.push(list);
      }
      await openDetail(page);
      const detail = join(outDir, scheme === 'light' ? 'inspector-detail.png' : 'inspector-dark.png');
      await page.screenshot({ path: detail });
      files.push(detail);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return files;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [url = 'http://127.0.0.1:4141/', outDir = 'docs'] = process.argv.slice(2);
  const files = await takeScreenshots({ url, outDir });
  for (const file of files) console.log(file);
}
