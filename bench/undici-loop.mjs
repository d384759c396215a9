// The baseline for send and replay: a minimal undici loop in its own process, posting the
// same bytes (a payload file, or the body) N times with C in flight to one URL.
// Usage: node bench/undici-loop.mjs URL FILE COUNT CONCURRENCY
import { readFileSync } from 'node:fs';
import { createHmac, randomUUID } from 'node:crypto';
import { Pool } from 'undici';

const [url, file, count, concurrency] = process.argv.slice(2);
const raw = readFileSync(file);
const body = raw.at(-1) === 0x0a ? raw.subarray(0, -1) : raw;
const sig = `sha256=${createHmac('sha256', 'bench-secret').update(body).digest('hex')}`;
const pool = new Pool(new URL(url).origin, { connections: Number(concurrency) });
let next = 0;
const worker = async () => {
  while (next++ < Number(count)) {
    const res = await pool.request({
      path: new URL(url).pathname,
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': sig },
    });
    await res.body.dump();
  }
};
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
await pool.close();
