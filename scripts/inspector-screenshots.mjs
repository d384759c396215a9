#!/usr/bin/env node
// Screenshots of the inspector for the README: the list, one delivery's detail (light and
// dark). Run it against any running inspector (a real `hookctl listen`, or the test fake),
// with the URL it printed (its `?token=` lets the page in):
//   node scripts/inspector-screenshots.mjs 'http://127.0.0.1:4141/?token=…' docs/
// Uses Debian's chromium (CHROMIUM_PATH to override) through playwright-core.
/* global document -- functions given to page.evaluate run in the page */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** The page as it is once shown: its rows, its live stream open, its fonts loaded. */
async function settled(page) {
  await page.locator('.row').first().waitFor();
  await page.locator('.live.on').waitFor();
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
}

/** Open a delivery (a pull request if there is one: its payload shows the tree best); its id. */
async function openDetail(page) {
  const pull = page.locator('.row', { hasText: 'pull_request' }).first();
  const row = (await pull.count()) ? pull : page.locator('.row').first();
  const id = await row.getAttribute('data-id');
  await row.click();
  await page.locator(`.detail[data-id="${id}"] .tree`).waitFor();
  await page.locator(`.row.selected[data-id="${id}"]`).waitFor();
  return id;
}

/**
 * Write inspector-list.png, inspector-detail.png and inspector-dark.png into outDir; returns
 * their paths. `browser`: a running Chromium to use (else one is launched and closed).
 * `onShot({ name, file, page, detailId })` runs after each picture, the page still as it was
 * taken (tests check what the picture is of).
 */
export async function takeScreenshots({ url, outDir, browser = null, onShot = async () => {}, executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', width = 1440, height = 900 }) {
  mkdirSync(outDir, { recursive: true });
  const own = browser ? null : await chromium.launch({ executablePath, args: ARGS, headless: true });
  const files = [];
  const shoot = async (page, name, detailId = null) => {
    const file = join(outDir, name);
    // Animations stand still (the live dot's pulse, a new row's flash): the same picture every time.
    await page.screenshot({ path: file, animations: 'disabled' });
    files.push(file);
    await onShot({ name, file, page, detailId });
  };
  try {
    const context = await (browser ?? own).newContext({ viewport: { width, height }, colorScheme: 'light', deviceScaleFactor: 1 });
    try {
      const page = await context.newPage();
      await page.goto(url);
      await settled(page);
      await shoot(page, 'inspector-list.png');
      const detailId = await openDetail(page);
      await shoot(page, 'inspector-detail.png', detailId);
      // The same view in the dark: the page follows the system's colour scheme as it changes.
      await page.emulateMedia({ colorScheme: 'dark' });
      await shoot(page, 'inspector-dark.png', detailId);
    } finally {
      await context.close();
    }
  } finally {
    await own?.close();
  }
  return files;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [url = 'http://127.0.0.1:4141/', outDir = 'docs'] = process.argv.slice(2);
  const files = await takeScreenshots({ url, outDir });
  for (const file of files) console.log(file);
}
