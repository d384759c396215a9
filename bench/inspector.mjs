#!/usr/bin/env node
// The inspector over 100,000 stored deliveries, in headless Chromium, and what it costs
// `hookctl listen`. Not part of npm test. Needs: npm run build (dist/), Debian's chromium, wrk.
//
//   node bench/inspector.mjs [--deliveries 100000] [--runs 5] [--seconds 5] [--rounds 3] [--store FILE] [--only page|throughput]
//
// 1. Seeds a store with N deliveries (catalog payloads of 5–25 KB from payloads/, several
//    repositories and senders, some 401s, redeliveries and drifts, over 30 days) through
//    openStore(...).insertDelivery in transactions of 1,000 (--store FILE keeps and reuses it).
// 2. Over that store, twice: `hookctl inspect --store` beside a `hookctl listen --no-inspect
//    --store` writing it (live rows come from following the store), and `hookctl listen
//    --store` with its own inspector (live rows come from the relay). RUNS times each, in a
//    fresh page: first page shown (navigation → the page's `hookctl:first-rows` mark), a
//    filter answers (signature select; event typed — after its 120 ms debounce, and from the
//    keystroke; a payload search with Enter), a new delivery on screen after its 200.
//    Issue 13's targets: first page ≤ 500 ms, filter ≤ 200 ms, new delivery ≤ 250 ms.
// 3. `hookctl listen` throughput with wrk (32 connections, SECONDS per measure, loopback) in
//    ROUNDS rounds, in turn: --no-inspect; the inspector on with no page; the inspector on with
//    a page connected to /api/stream (it renders every delivery live). Same run, same machine.
/* global document, requestAnimationFrame, Event, InputEvent, window, KeyboardEvent, location -- functions given to page.evaluate run in the page */
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, launchChromium, median, runWrk, startHookctl, writeWrkScript } from './lib.mjs';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    store: { type: 'string' },
    only: { type: 'string' },
  },
});
const COUNT = Number(values.deliveries);
const RUNS = Number(values.runs);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const SECRET = 'bench-secret';
/** The payload search looks for this sender: about one delivery in 1,000 has it. */
const NEEDLE = 'rare-needle-sender';
const tmp = mkdtempSync(join(tmpdir(), 'hookctl-bench-inspector-'));
const env = { ...process.env, HOOKCTL_HOME: tmp, HOOKCTL_NO_PROMPT: '1' };
delete env.HOOKCTL_SECRET;
delete env.GITHUB_WEBHOOK_SECRET;

const say = (line) => process.stderr.write(`${line}\n`);
const ms = (list) => `median ${Math.round(median(list))} ms (${Math.round(Math.min(...list))}–${Math.round(Math.max(...list))}; ${list.map(Math.round).join(', ')})`;

// ---------------------------------------------------------------- 1. the store

function catalogFiles() {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json') && name !== 'index.json') {
        const size = statSync(path).size;
        if (size >= 5 * 1024 && size <= 25 * 1024) files.push(path);
      }
    }
  };
  walk(join(ROOT, 'payloads'));
  return files.sort();
}

const REPOS = ['acme/payments-api', 'acme/web', 'acme/cli', 'octo-org/hello-world', 'octo-org/infra', 'monalisa/dotfiles'];
const SENDERS = ['monalisa', 'octocat', 'hubot', 'defunkt', 'mojombo', 'pjhyett', 'wycats', 'ezmobius'];

/** Each catalog payload in a few variants (repository, sender), serialized once. */
function variants() {
  const out = [];
  let n = 0;
  for (const file of catalogFiles()) {
    const rel = relative(join(ROOT, 'payloads'), file).replace(/\.json$/, '').split('/');
    const event = rel[0];
    const original = JSON.parse(readFileSync(file, 'utf8'));
    const action = rel[1] ?? (typeof original.action === 'string' ? original.action : null);
    for (let v = 0; v < 6; v += 1) {
      const payload = structuredClone(original);
      const repository = REPOS[(n + v) % REPOS.length];
      const sender = SENDERS[(n * 3 + v) % SENDERS.length];
      if (payload.repository && typeof payload.repository === 'object') payload.repository.full_name = repository;
      if (payload.sender && typeof payload.sender === 'object') payload.sender.login = sender;
      const body = Buffer.from(JSON.stringify(payload));
      out.push({ event, action, body, repository: payload.repository ? repository : null, sender: payload.sender ? sender : null, sig: `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` });
    }
    n += 1;
  }
  return out;
}

async function seed(file, count) {
  const { openStore } = await import(`${ROOT}dist/core/store/store.js`);
  const store = openStore(file);
  try {
    const have = store.maxSeq();
    if (have >= count) {
      say(`store ${file}: ${have.toLocaleString()} deliveries already, not seeding`);
      return;
    }
    const pool = variants();
    const needle = pool.find((p) => p.sender && p.event === 'issues');
    const needleBody = Buffer.from(needle.body.toString('utf8').replaceAll(`"login":"${needle.sender}"`, `"login":"${NEEDLE}"`));
    const started = performance.now();
    const now = Date.now();
    const span = 30 * 86_400_000;
    const guids = [];
    let bytes = 0;
    for (let done = have; done < count;) {
      const batch = Math.min(1000, count - done);
      await store.enqueue(() => {
        for (let i = 0; i < batch; i += 1) {
          const n = done + i;
          const rare = n % 997 === 0;
          const p = rare ? { ...needle, body: needleBody, sender: NEEDLE } : pool[(n * 7919) % pool.length];
          const roll = (n * 2654435761) % 1000;
          const signature = roll < 40 ? 'invalid' : roll < 60 ? 'missing' : 'valid';
          const redelivery = roll >= 980 && guids.length > 0;
          const deliveryId = redelivery ? guids[guids.length - 1 - (n % Math.min(50, guids.length))] : randomUUID();
          if (!redelivery) guids.push(deliveryId);
          if (guids.length > 1000) guids.splice(0, 500);
          const headers = ['Host', '127.0.0.1:5000', 'User-Agent', 'GitHub-Hookshot/a0f4c5e', 'Content-Length', String(p.body.length), 'Accept', '*/*', 'Content-Type', 'application/json',
            'X-GitHub-Delivery', deliveryId, 'X-GitHub-Event', p.event, 'X-GitHub-Hook-ID', '512345678', 'X-GitHub-Hook-Installation-Target-Type', 'repository', 'X-GitHub-Hook-Installation-Target-ID', '1296269'];
          if (signature !== 'missing') headers.push('X-Hub-Signature-256', signature === 'valid' ? p.sig : `sha256=${'0'.repeat(64)}`);
          store.insertDelivery({
            deliveryId, event: p.event, action: p.action, rawHeaders: headers, body: p.body,
            receivedAt: new Date(now - span + Math.floor((n / count) * span)), remoteAddress: '140.82.115.12', path: '/', url: 'http://127.0.0.1:5000/',
            signature, signatureReason: signature === 'invalid' ? 'X-Hub-Signature-256 does not match: the body was signed with another secret (or changed on the way)' : signature === 'missing' ? 'no X-Hub-Signature-256 or X-Hub-Signature header' : null,
            signatureAlgorithm: signature === 'missing' ? null : 'sha256', status: signature === 'valid' ? 200 : 401,
            rejectReason: signature === 'valid' ? null : 'signature', repository: p.repository, sender: p.sender, contentType: 'application/json', hookId: 512345678,
            schema: signature !== 'valid' ? null : roll % 31 === 0 ? { status: 'invalid', violations: [{ path: '/sender/login', message: 'must be string' }] } : { status: 'valid', violations: [] },
          });
          bytes += p.body.length;
        }
      });
      done += batch;
      if (done % 20_000 === 0) say(`  seeded ${done.toLocaleString()} (${Math.round((performance.now() - started) / 1000)} s)`);
    }
    say(`seeded ${(count - have).toLocaleString()} deliveries, ${(bytes / 1e6).toFixed(0)} MB of payloads (${pool.length / 6} catalog payloads of 5–25 KB, 6 variants each) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    store.close();
  }
}

// ---------------------------------------------------------------- 2. the page

async function firstPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator('.row').first().waitFor({ timeout: 30_000 });
  // Where the time went: the page's own files (to DOMContentLoaded), and the first page of the API.
  const timing = await page.evaluate(() => ({
    shown: performance.getEntriesByName('hookctl:first-rows')[0]?.startTime ?? null,
    loaded: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? null,
    list: performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/api/deliveries?')).map((entry) => entry.responseEnd - entry.startTime)[0] ?? null,
  }));
  if (timing.shown === null) throw new Error('the page did not mark hookctl:first-rows');
  await page.locator('.live.on').waitFor({ timeout: 10_000 });
  await installSettled(page);
  return { context, page, ms: timing.shown, loaded: timing.loaded, list: timing.list };
}

/** In the page: window.__settled(check) resolves with performance.now() once rows are on screen and all pass `check` (or "no match" shows). */
function installSettled(page) {
  return page.evaluate(() => {
    window.__settled = (check) => new Promise((resolve) => {
      const step = () => {
        const rows = [...document.querySelectorAll('.row')];
        if ((rows.length > 0 && rows.every(check)) || document.querySelector('.empty-host .empty')) resolve(performance.now());
        else requestAnimationFrame(step);
      };
      step();
    });
  });
}

/** Choose a signature verdict in the select (no debounce): ms until only such rows are shown. */
function signatureFilterMs(page, verdict) {
  return page.evaluate((verdict) => {
    const select = document.querySelector('select[name="signature"]');
    const started = performance.now();
    select.value = verdict;
    select.dispatchEvent(new Event('input', { bubbles: true }));
    return window.__settled((row) => row.querySelector('.sig')?.dataset.verdict === verdict).then((at) => at - started);
  }, verdict);
}

/** Type an event name: ms from the keystroke, and from the list's request (after the 120 ms debounce), to only such rows. */
function eventFilterMs(page, event) {
  return page.evaluate((event) => {
    let requested = null;
    const fetch = window.fetch;
    window.fetch = (input, init) => {
      if (requested === null && String(input).includes(`event=${event}`)) requested = performance.now();
      return fetch(input, init);
    };
    const field = document.querySelector('input[name="event"]');
    const started = performance.now();
    field.value = event;
    // As typed (an InputEvent of inputType insertText): a pick from the suggestions (no
    // inputType, or insertReplacementText) applies at once, without the debounce.
    field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: event }));
    return new Promise((resolve) => setTimeout(resolve, 0)).then(() => window.__settled((row) => row.querySelector('.ev')?.firstChild?.textContent === event)).then((at) => {
      window.fetch = fetch;
      return { fromKey: at - started, fromRequest: at - (requested ?? started) };
    });
  }, event);
}

/** Search payload text and press Enter: ms until the first matching rows are shown. */
function searchMs(page, text) {
  return page.evaluate((text) => {
    const field = document.querySelector('#search');
    field.value = text;
    const started = performance.now();
    field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    return window.__settled((row) => row.querySelector('.sub')?.textContent.includes(text)).then((at) => at - started);
  }, text);
}

async function clearFilters(page) {
  await page.locator('.filters .btn', { hasText: 'Clear' }).click();
  await page.waitForFunction(() => !location.search && document.querySelectorAll('.row').length > 0 && !document.querySelector('.list-foot')?.textContent.startsWith('Loading'));
}

/** POST a ping to the listener; ms from its 200 until the page shows the new row. */
async function liveMs(page, listener) {
  const body = readFileSync(join(ROOT, 'payloads', 'ping.json'));
  const headers = { 'Content-Type': 'application/json', 'User-Agent': 'GitHub-Hookshot/bench00', 'X-GitHub-Event': 'ping', 'X-GitHub-Delivery': randomUUID(), 'X-Hub-Signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` };
  const before = await page.locator('.row').first().getAttribute('data-id');
  const seen = page.evaluate((before) => new Promise((resolve, reject) => {
    const until = performance.now() + 10_000;
    const check = () => {
      const first = document.querySelector('.row');
      if (first && first.dataset.id !== before) resolve(performance.timeOrigin + performance.now());
      else if (performance.now() > until) reject(new Error('no new row in 10 s'));
      else requestAnimationFrame(check);
    };
    check();
  }), before);
  seen.catch(() => {});
  const response = await fetch(listener, { method: 'POST', headers, body });
  const answered = Date.now();
  if (response.status !== 200) throw new Error(`the listener answered ${response.status}`);
  return (await seen) - answered;
}

/** POST pings to the listener one after another (20 ms apart) while `work` runs; their answer times in ms. */
async function pingDuring(listenerUrl, work) {
  const body = readFileSync(join(ROOT, 'payloads', 'ping.json'));
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  const times = [];
  let done = false;
  const pinger = (async () => {
    while (!done) {
      const started = performance.now();
      const response = await fetch(listenerUrl, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'ping', 'X-GitHub-Delivery': randomUUID(), 'X-Hub-Signature-256': signature } });
      await response.arrayBuffer();
      times.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    await work();
  } finally {
    done = true;
    await pinger;
  }
  return times;
}

/** `path` on the inspector at `inspectorUrl` (as printed), with the printed URL's access token. */
function withToken(path, inspectorUrl) {
  const url = new URL(path, inspectorUrl);
  url.searchParams.set('token', new URL(inspectorUrl).searchParams.get('token'));
  return url;
}

async function answersDuringSearch(listenerUrl, inspectorUrl) {
  const before = await pingDuring(listenerUrl, () => new Promise((resolve) => setTimeout(resolve, 2000)));
  const pageMs = [];
  const started = performance.now();
  const during = await pingDuring(listenerUrl, async () => {
    let next = null;
    do {
      const pageStarted = performance.now();
      const response = await fetch(withToken(`/api/deliveries?q=no-such-text-anywhere&limit=100${next ? `&cursor=${next}` : ''}`, inspectorUrl));
      next = (await response.json()).next;
      pageMs.push(performance.now() - pageStarted);
    } while (next && pageMs.length < 10_000);
  });
  return { before, during, pageMs, pages: pageMs.length, ms: performance.now() - started };
}

async function measurePage(browser, name, inspectorUrl, listenerUrl) {
  const results = { first: [], loaded: [], list: [], signature: [], eventFromKey: [], eventFromRequest: [], search: [], live: [] };
  for (let run = 0; run < RUNS; run += 1) {
    const { context, page, ms: first, loaded, list } = await firstPage(browser, inspectorUrl);
    results.first.push(first);
    results.loaded.push(loaded);
    results.list.push(list);
    results.live.push(await liveMs(page, listenerUrl));
    results.signature.push(await signatureFilterMs(page, run % 2 ? 'valid' : 'invalid'));
    await clearFilters(page);
    const event = await eventFilterMs(page, run % 2 ? 'pull_request' : 'issues');
    results.eventFromKey.push(event.fromKey);
    results.eventFromRequest.push(event.fromRequest);
    await clearFilters(page);
    results.search.push(await searchMs(page, NEEDLE));
    await context.close();
  }
  console.log(`\n${name}`);
  console.log(`  first page on screen:               ${ms(results.first)}   target ≤ 500 ms`);
  console.log(`    of which the page's own files:    ${ms(results.loaded)}   (navigation → DOMContentLoaded: the bundled page script and a stylesheet)`);
  console.log(`    of which GET /api/deliveries:     ${ms(results.list)}   (the first 100 rows of the store)`);
  console.log(`  filter: signature (select):          ${ms(results.signature)}   target ≤ 200 ms`);
  console.log(`  filter: event, after its request:    ${ms(results.eventFromRequest)}   target ≤ 200 ms`);
  console.log(`  filter: event, from the keystroke:   ${ms(results.eventFromKey)}   (includes the page's 120 ms typing debounce)`);
  console.log(`  filter: payload search (Enter):      ${ms(results.search)}   target ≤ 200 ms`);
  console.log(`  new delivery on screen after its 200: ${ms(results.live)}   target ≤ 250 ms`);
}

// ---------------------------------------------------------------- 3. listen's throughput

/** Read GET /api/stream as fast as it comes, counting events (no parsing, no rendering). */
function readStream(inspectorUrl) {
  return new Promise((resolve, reject) => {
    let events = 0;
    const req = httpGet(withToken('/api/stream', inspectorUrl), (res) => {
      if (res.statusCode !== 200) return reject(new Error(`/api/stream answered ${res.statusCode}`));
      res.on('data', (chunk) => { for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) if (chunk[i + 1] === 10) events += 1; });
      res.on('error', () => undefined);
      resolve({ events: () => events, close: () => req.destroy() });
    });
    req.on('error', (error) => { if (!req.destroyed) reject(error); });
  });
}

/** CPU time (user + system) a process has used, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The whole machine's CPU counters (all cores), to tell how busy it was meanwhile. */
function machineCpu() {
  const cols = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: cols[3] + cols[4], total: cols.reduce((a, b) => a + b, 0) };
}

async function throughput(browser) {
  const script = writeWrkScript(join(tmp, 'post.lua'), { bodyFile: join(ROOT, 'payloads', 'pull_request', 'opened.json'), event: 'pull_request', secret: SECRET });
  // What a page costs listen itself (serializing and streaming every delivery) is told apart
  // from what Chromium rendering every row costs the machine by a reader with no browser.
  const modes = [
    ['--no-inspect', ['--no-inspect'], null],
    ['inspector on, no page', ['--inspect-port', '0'], null],
    ['inspector on, /api/stream read (no browser)', ['--inspect-port', '0'], 'stream'],
    ['inspector on, a page open (live)', ['--inspect-port', '0'], 'page'],
  ];
  const results = new Map(modes.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 ? [...modes].reverse() : modes;
    for (const [name, flags, watcher] of order) {
      const store = join(tmp, `throughput-${round}-${results.get(name).length}.db`);
      const patterns = [/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/];
      if (flags[0] !== '--no-inspect') patterns.push(/Inspector: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})/);
      const listener = await startHookctl(['listen', '--port', '0', '--secret', SECRET, '--store', store, ...flags], { env, patterns });
      let context = null;
      let reader = null;
      try {
        if (watcher === 'page') {
          context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
          const page = await context.newPage();
          await page.goto(listener.matches[1]);
          await page.locator('.live.on').waitFor({ timeout: 10_000 });
        } else if (watcher === 'stream') {
          reader = await readStream(listener.matches[1]);
        }
        await runWrk(listener.matches[0], script, { seconds: 1, connections: 8 }); // warm-up
        const cpuBefore = cpuMs(listener.child.pid);
        const machineBefore = machineCpu();
        const r = await runWrk(listener.matches[0], script, { seconds: SECONDS, connections: 32 });
        r.cpuPerK = ((cpuMs(listener.child.pid) - cpuBefore) / r.requests) * 1000;
        const machineAfter = machineCpu();
        r.busy = 1 - (machineAfter.idle - machineBefore.idle) / (machineAfter.total - machineBefore.total);
        results.get(name).push(r);
        say(`  round ${round + 1}: ${name}: ${Math.round(r.rps)} deliveries/s, p99 ${r.p99} ms, listen CPU ${r.cpuPerK.toFixed(0)} ms per 1,000, machine ${(r.busy * 100).toFixed(0)}% busy, non-2xx ${r.non2xx}, errors ${r.errors}${reader ? `, ${reader.events()} events read` : ''}`);
      } finally {
        reader?.close();
        await context?.close();
        await listener.stop();
        for (const suffix of ['', '-wal', '-shm']) rmSync(store + suffix, { force: true });
      }
    }
  }
  const base = results.get('--no-inspect');
  console.log(`\nhookctl listen with and without the inspector — ${SECONDS} s each, wrk -t1 -c32, signed 24 KB pull_request.opened, ${ROUNDS} rounds (order alternating)`);
  console.log('| listen | deliveries/s median (range) | vs --no-inspect (per round) | p99 ms median (range) | listen CPU ms per 1,000 deliveries, median (range) | machine busy | non-2xx/errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name] of modes) {
    const list = results.get(name);
    const rps = list.map((r) => r.rps);
    const p99 = list.map((r) => r.p99);
    const ratios = list.map((r, i) => (r.rps / base[i].rps).toFixed(2));
    const cpu = list.map((r) => r.cpuPerK);
    const busy = list.map((r) => r.busy * 100);
    console.log(`| ${name} | ${Math.round(median(rps))} (${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))}) | ${ratios.join(', ')} | ${median(p99).toFixed(2)} (${Math.min(...p99).toFixed(2)}–${Math.max(...p99).toFixed(2)}) | ${Math.round(median(cpu))} (${Math.round(Math.min(...cpu))}–${Math.round(Math.max(...cpu))}) | ${Math.round(Math.min(...busy))}–${Math.round(Math.max(...busy))}% | ${list.reduce((a, r) => a + r.non2xx, 0)}/${list.reduce((a, r) => a + r.errors, 0)} |`);
  }
}

// ---------------------------------------------------------------- main

if (!existsSync(join(ROOT, 'dist', 'core', 'store', 'store.js'))) throw new Error('run npm run build first');
const storeFile = values.store ?? join(tmp, 'inspector-bench.db');
const browser = await launchChromium();
const running = [];
try {
  if (values.only !== 'throughput') await pages();
  if (values.only !== 'page') await throughput(browser);
} finally {
  await Promise.all(running.map((child) => child.stop()));
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}

async function pages() {
  await seed(storeFile, COUNT);
  say(`store: ${storeFile} (${(statSync(storeFile).size / 1e9).toFixed(2)} GB)`);
  console.log(`hookctl inspector benchmark — ${COUNT.toLocaleString()} stored deliveries, ${RUNS} runs each, headless ${browser.version()}, node ${process.version}`);

  // hookctl inspect over the store, beside a listener (no inspector of its own) writing it.
  const writer = await startHookctl(['listen', '--port', '0', '--secret', SECRET, '--no-inspect', '--store', storeFile], { env, patterns: [/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/] });
  running.push(writer);
  const inspect = await startHookctl(['inspect', '--store', storeFile, '--port', '0'], { env, patterns: [/Inspector: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})/] });
  running.push(inspect);
  await measurePage(browser, 'hookctl inspect --store (live rows from following the store; a hookctl listen --no-inspect writes it)', inspect.matches[0], writer.matches[0]);
  await inspect.stop();
  await writer.stop();
  running.length = 0;

  // hookctl listen over the store, with its own inspector.
  const listen = await startHookctl(['listen', '--port', '0', '--secret', SECRET, '--inspect-port', '0', '--store', storeFile], { env, patterns: [/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/, /Inspector: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})/] });
  running.push(listen);
  await measurePage(browser, 'hookctl listen --store (its inspector; live rows from the relay)', listen.matches[1], listen.matches[0]);
  // A search for text no payload has scans every body, a budgeted page at a time, in the
  // listener's own process: how long do its answers take meanwhile?
  const scan = await answersDuringSearch(listen.matches[0], listen.matches[1]);
  console.log(`  a search that matches nothing: ${scan.pages} budgeted pages (median ${Math.round(median(scan.pageMs))} ms each), ${(scan.ms / 1000).toFixed(1)} s to scan every payload`);
  console.log(`  listen's answers meanwhile (a ping every 20 ms): p50 ${Math.round(median(scan.during))} ms, max ${Math.round(Math.max(...scan.during))} ms; before: p50 ${Math.round(median(scan.before))} ms, max ${Math.round(Math.max(...scan.before))} ms`);
  await listen.stop();
  running.length = 0;
}
