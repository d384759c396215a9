// `hookctl replay --all` of N stored deliveries against a minimal undici loop (its own process)
// posting the same bytes from memory to the same bare receiver, in the same run. Also peak RSS for N/10 and N
// rows: rows are streamed from SQLite, so memory should stay flat as N grows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BIN, ROOT, fmt, median, startBareReceiver, timed } from './lib.mjs';

const N = Number(process.env.COUNT ?? 10_000);
const CONCURRENCY = 16;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const { openStore } = await import(`${ROOT}dist/core/store/store.js`);

const raw = readFileSync(`${ROOT}payloads/issues/opened.json`);
const body = raw.at(-1) === 0x0a ? raw.subarray(0, -1) : raw;
const dir = mkdtempSync(join(tmpdir(), 'hookctl-bench-'));

async function fill(file, n) {
  const store = openStore(file);
  const sig = `sha256=${createHmac('sha256', 'bench-secret').update(body).digest('hex')}`;
  const rows = [];
  for (let i = 0; i < n; i++) {
    const guid = randomUUID();
    rows.push({ guid, headers: ['Content-Type', 'application/json', 'User-Agent', 'GitHub-Hookshot/a0f4c5e', 'X-GitHub-Event', 'issues', 'X-GitHub-Delivery', guid, 'X-Hub-Signature-256', sig] });
  }
  // One transaction per 1,000 rows, so filling is quick.
  for (let i = 0; i < n; i += 1000) {
    await Promise.all(rows.slice(i, i + 1000).map((r) =>
      store.enqueue(() =>
        store.insertDelivery({
          deliveryId: r.guid, event: 'issues', action: 'opened', rawHeaders: r.headers, body, receivedAt: new Date(), remoteAddress: '127.0.0.1',
          path: '/', url: null, signature: 'valid', signatureReason: null, signatureAlgorithm: 'sha256', status: 200, repository: 'o/r', sender: 's',
        }),
      ),
    ));
  }
  store.close();
  return rows;
}

const receiver = await startBareReceiver();
try {
  const small = join(dir, 'small.db');
  const big = join(dir, 'big.db');
  await fill(small, N / 10);
  await fill(big, N);
  const base = [];
  const cli = [];
  let peakBig = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const baseline = await timed(process.execPath, [`${ROOT}bench/undici-loop.mjs`, receiver.url, `${ROOT}payloads/issues/opened.json`, String(N), String(CONCURRENCY)]);
    if (baseline.code !== 0) throw new Error(`baseline failed: ${baseline.stderr}`);
    base.push(baseline.ms);
    const r = await timed(process.execPath, [BIN, 'replay', '--all', '--store', big, '--to', receiver.url, '--concurrency', String(CONCURRENCY)]);
    if (r.code !== 0) throw new Error(`hookctl replay failed: ${r.stderr}`);
    cli.push(r.ms);
    peakBig = Math.max(peakBig, r.peakRssMb);
  }
  const rSmall = await timed(process.execPath, [BIN, 'replay', '--all', '--store', small, '--to', receiver.url, '--concurrency', String(CONCURRENCY)]);
  const b = median(base);
  const c = median(cli);
  console.log(`${N} stored issues.opened deliveries (${body.length} bytes each), concurrency ${CONCURRENCY}, median of ${ROUNDS}`);
  console.log(`minimal undici loop from memory (own process): ${fmt(b, 0)} ms (${fmt((N / b) * 1000, 0)}/s)`);
  console.log(`hookctl replay --all (whole process, attempts recorded): ${fmt(c, 0)} ms (${fmt((N / c) * 1000, 0)}/s)`);
  console.log(`time ratio hookctl/baseline: ${fmt(c / b, 2)} (target ≤ ${fmt(1 / 0.7, 2)})`);
  console.log(`peak RSS: ${fmt(rSmall.peakRssMb)} MB for ${N / 10} rows, ${fmt(peakBig)} MB for ${N} rows`);
} finally {
  receiver.stop();
  rmSync(dir, { recursive: true, force: true });
}
