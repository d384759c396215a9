// `hookctl send --count 2000 --concurrency 32` against a minimal undici loop posting the same
// bytes and headers to the same bare receiver, in the same run (alternating, median of 3).
// Both are whole processes (node start-up and module loading included on both sides).
import { readFileSync } from 'node:fs';
import { BIN, ROOT, fmt, median, startBareReceiver, timed } from './lib.mjs';

const COUNT = Number(process.env.COUNT ?? 2000);
const CONCURRENCY = 32;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const body = readFileSync(`${ROOT}payloads/pull_request/opened.json`);
const bytes = body.at(-1) === 0x0a ? body.subarray(0, -1) : body;

const receiver = await startBareReceiver();
try {
  const base = [];
  const cli = [];
  for (let i = 0; i < ROUNDS; i++) {
    const baseline = await timed(process.execPath, [`${ROOT}bench/undici-loop.mjs`, receiver.url, `${ROOT}payloads/pull_request/opened.json`, String(COUNT), String(CONCURRENCY)]);
    if (baseline.code !== 0) throw new Error(`baseline failed: ${baseline.stderr}`);
    base.push(baseline.ms);
    const r = await timed(process.execPath, [BIN, 'send', 'pull_request.opened', '--to', receiver.url, '--secret', 'bench-secret', '--count', String(COUNT), '--concurrency', String(CONCURRENCY)]);
    if (r.code !== 0) throw new Error(`hookctl send failed: ${r.stderr}`);
    cli.push(r.ms);
  }
  const b = median(base);
  const c = median(cli);
  console.log(`payload: pull_request.opened, ${bytes.length} bytes; ${COUNT} deliveries, concurrency ${CONCURRENCY}, median of ${ROUNDS}`);
  console.log(`minimal undici loop (own process): ${fmt(b, 0)} ms  ${fmt((COUNT / b) * 1000, 0)} deliveries/s`);
  console.log(`hookctl send --count (own process): ${fmt(c, 0)} ms  ${fmt((COUNT / c) * 1000, 0)} deliveries/s`);
  console.log(`ratio hookctl/baseline deliveries/s: ${fmt(b / c, 2)}× (target ≥ 0.8×)`);
} finally {
  receiver.stop();
}
