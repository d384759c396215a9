#!/usr/bin/env node
// The inspector in headless Chromium against a running inspector (a real `hookctl listen` over a
// big store, or `hookctl inspect`): how long until the first page is on screen, until a filter
// answers, and until a delivery POSTed to the listener shows up after its 200. Medians of RUNS.
//   node bench/inspector-ui.mjs http://127.0.0.1:4141/ [--secret S] [--runs 5]
// Issue 13's targets: first page ≤ 500 ms, filter ≤ 200 ms, new delivery ≤ 250 ms after its 200.
/* global document, requestAnimationFrame, Event -- the functions given to page.evaluate run in the page */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { ROOT, median } from './lib.mjs';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { secret: { type: 'string' }, runs: { type: 'string', default: '5' } } });
const url = positionals[0] ?? 'http://127.0.0.1:4141/';
const runs = Number(values.runs);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

async function firstPage(browser) {
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator('.row').first().waitFor({ timeout: 30_000 });
  const ms = await page.evaluate(() => performance.getEntriesByName('hookctl:first-rows')[0]?.startTime ?? performance.now());
  return { page, ms };
}

/** From choosing a signature filter to its rows on screen, timed inside the page. */
function filterMs(page, verdict) {
  return page.evaluate((verdict) => new Promise((resolve) => {
    const select = document.querySelector('select[name="signature"]');
    const started = performance.now();
    const done = () => {
      const rows = [...document.querySelectorAll('.row .sig')];
      const settled = rows.length > 0 && rows.every((el) => el.dataset.verdict === verdict);
      const empty = document.querySelector('.empty-host .empty');
      if (settled || empty) resolve(performance.now() - started);
      else requestAnimationFrame(done);
    };
    select.value = verdict;
    select.dispatchEvent(new Event('input', { bubbles: true }));
    requestAnimationFrame(done);
  }), verdict);
}

/** POST a ping to the listener; ms from its 200 until the page shows the new row. */
async function liveMs(page, listener) {
  const body = readFileSync(`${ROOT}payloads/ping.json`);
  const headers = { 'Content-Type': 'application/json', 'User-Agent': 'GitHub-Hookshot/bench00', 'X-GitHub-Event': 'ping', 'X-GitHub-Delivery': randomUUID() };
  if (values.secret) headers['X-Hub-Signature-256'] = `sha256=${createHmac('sha256', values.secret).update(body).digest('hex')}`;
  const before = await page.locator('.row').first().getAttribute('data-id');
  const seen = page.evaluate((before) => new Promise((resolve) => {
    const check = () => {
      const first = document.querySelector('.row');
      if (first && first.dataset.id !== before) resolve(performance.timeOrigin + performance.now());
      else requestAnimationFrame(check);
    };
    check();
  }), before);
  seen.catch(() => {});
  const response = await fetch(listener, { method: 'POST', headers, body });
  const answered = Date.now();
  if (response.status !== 200) throw new Error(`the listener answered ${response.status} (pass --secret?)`);
  return (await seen) - answered;
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ARGS, headless: true });
try {
  const info = await (await fetch(new URL('/api/info', url))).json();
  const first = [];
  const filters = [];
  const live = [];
  for (let i = 0; i < runs; i += 1) {
    const { page, ms } = await firstPage(browser);
    first.push(ms);
    filters.push(await filterMs(page, i % 2 ? 'valid' : 'invalid'));
    await page.locator('.filters .btn', { hasText: 'Clear' }).click();
    await page.locator('.row').first().waitFor();
    if (info.listener) live.push(await liveMs(page, info.listener));
    await page.close();
  }
  const fmt = (list) => `median ${Math.round(median(list))} ms (${list.map(Math.round).join(', ')})`;
  console.log(`inspector at ${url} over ${info.store}`);
  console.log(`first page on screen:          ${fmt(first)}   target ≤ 500 ms`);
  console.log(`filter (signature) answered:   ${fmt(filters)}   target ≤ 200 ms`);
  console.log(info.listener ? `new delivery after its 200:    ${fmt(live)}   target ≤ 250 ms` : 'new delivery: no listener (hookctl inspect): skipped');
} finally {
  await browser.close();
}
