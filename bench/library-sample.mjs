// The library's sample() in a warm process: what one signed delivery costs a test suite.
// pull_request.opened (24 KB) signed, edited with set, and as the form body, against the floor
// of the same work done by hand in the same run: read the file, JSON.parse it, two HMACs and a
// GUID (what any sampler must do at least). Median of ROUNDS rounds of N calls each, after a
// warm-up; rounds alternate so noise falls on both sides. Run `npm run build` first.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ROOT, fmt, median } from './lib.mjs';

const { sample } = await import(`${ROOT}dist/lib/index.js`);
const N = Number(process.env.N ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const FILE = `${ROOT}payloads/pull_request/opened.json`;

function floor() {
  const body = readFileSync(FILE);
  const payload = JSON.parse(body.toString('utf8'));
  const sha1 = createHmac('sha1', 'bench-secret').update(body).digest('hex');
  const sha256 = createHmac('sha256', 'bench-secret').update(body).digest('hex');
  return [payload, sha1, sha256, randomUUID()];
}

const cases = {
  'floor (read + JSON.parse + 2 HMACs + GUID)': floor,
  "sample('pull_request.opened', { secret })": () => sample('pull_request.opened', { secret: 'bench-secret' }),
  "sample(…, { secret, set: { 'pull_request.title': 'Fix' } })": () => sample('pull_request.opened', { secret: 'bench-secret', set: { 'pull_request.title': 'Fix' } }),
  "sample(…, { secret, contentType: 'form' })": () => sample('pull_request.opened', { secret: 'bench-secret', contentType: 'form' }),
};

/** Microseconds per call over N calls. */
function perCall(fn) {
  let sink;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) sink = fn();
  const us = ((performance.now() - t0) * 1000) / N;
  if (!sink) throw new Error('nothing built');
  return us;
}

for (const fn of Object.values(cases)) perCall(fn); // warm-up: JIT, the catalog index, the page cache
const results = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let r = 0; r < ROUNDS; r++) for (const [name, fn] of Object.entries(cases)) results[name].push(perCall(fn));

const bytes = sample('pull_request.opened').body.length;
console.log(`pull_request.opened: ${bytes} bytes; ${N} calls × ${ROUNDS} rounds, median µs per call (node ${process.version})`);
const base = median(results[Object.keys(cases)[0]]);
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs);
  console.log(`${name.padEnd(62)} ${fmt(m, 1).padStart(7)} µs  ${fmt(m / base, 2)}× floor`);
}
