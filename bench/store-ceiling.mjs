#!/usr/bin/env node
// What the store alone can keep durably on this machine, without HTTP: 24 KB pull_request
// deliveries through listen's write path (Store.insertReceived: payload read + insert, group
// commit, WAL fdatasync'ed as listen does), in batches of 16 (what 32 connections make).
// Prints deliveries/s and CPU µs per delivery; an upper bound for `hookctl listen` here.
// Needs: npm run build. Run: node bench/store-ceiling.mjs [seconds] [--dist DIR] (DIR: another
// checkout's dist/, to compare a baseline build; run both alternately).
import fs, { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { storeDelivery } from './lib.mjs';

const args = process.argv.slice(2);
const distAt = args.indexOf('--dist');
const DIST = distAt >= 0 ? pathToFileURL(`${args.splice(distAt, 2)[1]}/`).href : new URL('../dist/', import.meta.url).href;
// Time every fdatasync the writer runs (the disk's share of a delivery's wait).
const syncMs = [];
const fdatasync = fs.fdatasync;
fs.fdatasync = (fd, cb) => {
  const started = performance.now();
  fdatasync(fd, (err) => {
    syncMs.push(performance.now() - started);
    cb(err);
  });
};
syncBuiltinESMExports();
// listen's writer has its own module since it left store.ts; an older build still has it there.
const { openDeliveryWriter } = await import(`${DIST}core/store/listen-writer.js`).catch(() => import(`${DIST}core/store/store.js`));

const SECONDS = Number(args[0] ?? 5);
const body = readFileSync(new URL('../payloads/pull_request/opened.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hookctl-ceiling-'));
const writer = openDeliveryWriter(join(dir, 'ceiling.db'));
let n = 0;
const delivery = () => (n++, storeDelivery(body));
// How long the main thread is held at a time (commits, and checkpoints when they run there).
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const t0 = performance.now();
const c0 = process.cpuUsage();
// 32 deliveries in flight, each replaced as soon as it is kept: the closed loop wrk makes.
await Promise.all(Array.from({ length: 32 }, async () => {
  while (performance.now() - t0 < SECONDS * 1000) await writer.receive(delivery());
}));
const secs = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
loopDelay.disable();
writer.close();
rmSync(dir, { recursive: true, force: true });
console.log(`store alone: ${(n / secs).toFixed(0)} deliveries/s kept durably (${body.length} B each, 32 in flight), ` +
  `CPU ${((cpu.user + cpu.system) / n).toFixed(0)} µs per delivery (user ${(cpu.user / n).toFixed(0)}, system ${(cpu.system / n).toFixed(0)}), node ${process.version}`);
syncMs.sort((a, b) => a - b);
const pct = (q) => syncMs[Math.min(syncMs.length - 1, Math.floor(q * syncMs.length))].toFixed(1);
console.log(`WAL fdatasync: ${syncMs.length} (${(n / syncMs.length).toFixed(1)} deliveries each), p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms; ` +
  `busy ${((syncMs.reduce((a, b) => a + b, 0) / 1000 / secs) * 100).toFixed(0)} % of the run`);
const ms = (ns) => (ns / 1e6).toFixed(1);
console.log(`main thread held (event-loop delay): p50 ${ms(loopDelay.percentile(50))} ms, p99 ${ms(loopDelay.percentile(99))} ms, max ${ms(loopDelay.max)} ms`);
