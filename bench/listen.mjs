#!/usr/bin/env node
// Benchmark: deliveries/s, latency, peak RSS and CPU per delivery for a bare node:http HMAC
// server, an @octokit/webhooks middleware server and `hookctl listen` (verifies, stores
// durably before answering) — by default, with --no-inspect, and with the inspector's live
// stream open — all in one run with wrk (32 connections); optionally the listen of another
// checkout (--baseline DIR: "before", e.g. main with dist/ built). Each round runs every
// server in turn (every other round in reverse order) and the table shows the median and the
// range, because these machines are noisy. Then one 25 MiB delivery into listen, and the
// forward latency (bench/forward-latency.mjs).
// Needs: npm run build (dist/), wrk. Run: node bench/listen.mjs [seconds] [--rounds N] [--baseline DIR] [--quick]
import { execFile, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { forwardLatency, printForwardLatency } from './forward-latency.mjs';
import { writeWrkScript } from './lib.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const run = promisify(execFile);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : fallback;
};
const ROUNDS = Number(option('--rounds', 2));
const BASELINE = option('--baseline', null);
// --quick: bare, octokit, before and listen only; no 25 MiB delivery, no forward latency (A/B runs).
const QUICK = args.includes('--quick') ? (args.splice(args.indexOf('--quick'), 1), true) : false;
const SECONDS = Number(args[0] ?? 8);
const CONNECTIONS = 32;
const SECRET = 'bench-secret';
const tmp = mkdtempSync(join(tmpdir(), 'hookctl-bench-'));

const bodyFile = join(ROOT, 'payloads/pull_request/opened.json');
// wrk script: every request gets a fresh X-GitHub-Delivery GUID (as GitHub sends).
const lua = join(tmp, 'post.lua');
writeWrkScript(lua, { bodyFile, event: 'pull_request', secret: SECRET });

const listenArgs = (bin, extra) => [bin, 'listen', '--port', '0', '--secret', SECRET, ...extra];
const BIN = join(ROOT, 'bin/hookctl.js');
const SERVERS = [
  { name: 'bare node:http + HMAC', args: ['bench/listen-servers.mjs', 'bare', SECRET] },
  { name: '@octokit/webhooks middleware', args: ['bench/listen-servers.mjs', 'octokit', SECRET] },
  ...(BASELINE ? [{ name: 'listen before (--baseline)', args: listenArgs(join(BASELINE, 'bin/hookctl.js'), []), listen: true, key: 'before' }] : []),
  { name: 'hookctl listen', args: listenArgs(BIN, []), listen: true, key: 'listen' },
  ...(QUICK ? [] : [
    { name: 'hookctl listen --no-inspect', args: listenArgs(BIN, ['--no-inspect']), listen: true },
    { name: 'hookctl listen, inspector stream open', args: listenArgs(BIN, ['--inspect-port', '0']), listen: true, stream: true },
  ]),
];

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU ticks (user + system) of each thread of `pid`. */
function threadTicks(pid) {
  const ticks = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks.set(tid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // the thread ended
    }
  }
  return ticks;
}

/** µs of CPU per delivery: the main thread, the busiest other thread (listen's store thread), the rest. */
function cpuPerDelivery(pid, before, after, deliveries) {
  const us = (ticks) => (ticks * 1e6) / 100 / deliveries;
  let main = 0;
  const others = [];
  for (const [tid, t] of after) {
    const spent = t - (before.get(tid) ?? 0);
    if (tid === String(pid)) main = spent;
    else others.push(spent);
  }
  others.sort((a, b) => b - a);
  return { main: us(main), busiest: us(others[0] ?? 0), rest: us(others.slice(1).reduce((a, b) => a + b, 0)) };
}

function startServer(server, home) {
  return new Promise((resolve, reject) => {
    const extra = server.listen ? ['--store', join(home, 'bench.db')] : [];
    const child = spawn(process.execPath, [...server.args, ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', HOOKCTL_HOME: home } });
    let out = '';
    let found = false;
    const onData = (d) => {
      // Once the ports are known, output is drained and dropped (the bench must not eat CPU).
      if (found) return;
      out += d.toString();
      const m = /(?:PORT |Listening on http:\/\/127\.0\.0\.1:)(\d+)/.exec(out);
      // The URL with its access token (a baseline from before the token prints none).
      const inspector = /Inspector: http:\/\/127\.0\.0\.1:(\d+)\/(?:\?token=([0-9a-f]{64}))?\s/.exec(out);
      if (m && (!server.stream || inspector)) {
        found = true;
        resolve({ child, port: Number(m[1]), inspectorPort: inspector ? Number(inspector[1]) : null, inspectorToken: inspector?.[2] ?? null });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

/** A client of the inspector's live stream: reads (and drops) every event. */
function openStream(port, token = null) {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: token ? `/api/stream?token=${token}` : '/api/stream', headers: { host: `127.0.0.1:${port}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`inspector stream: HTTP ${res.statusCode}`));
      const stream = { bytes: 0, events: 0, close: () => req.destroy() };
      res.on('data', (d) => {
        stream.bytes += d.length;
        stream.events += d.toString('latin1').split('\ndata: ').length - 1;
      });
      res.on('error', () => {});
      resolve(stream);
    });
    req.on('error', reject);
  });
}

/** Run wrk without blocking this process (it samples RSS and reads the inspector's stream meanwhile). */
async function wrk(port, connections, seconds) {
  const { stdout } = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', lua, `http://127.0.0.1:${port}/`]);
  const m = /RESULT (.*)/.exec(stdout);
  return Object.fromEntries(m[1].split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
}

function stop(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 20000).unref();
  });
}

async function measure(server) {
  const home = mkdtempSync(join(tmp, 'home-'));
  const { child, port, inspectorPort, inspectorToken } = await startServer(server, home);
  try {
    await wrk(port, 8, 1); // warm-up
    const stream = server.stream ? await openStream(inspectorPort, inspectorToken) : null;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(child.pid))), 50);
    const before = threadTicks(child.pid);
    const r = await wrk(port, CONNECTIONS, SECONDS);
    const cpu = cpuPerDelivery(child.pid, before, threadTicks(child.pid), r.requests);
    clearInterval(sampler);
    // The last events of the run are still on their way.
    if (stream) await new Promise((resolve) => setTimeout(resolve, 500));
    stream?.close();
    if (stream && stream.events < r.requests) throw new Error(`the inspector stream saw ${stream.events} events for ${r.requests} deliveries`);
    return { ...r, rssMb: Math.max(peak, rssMb(child.pid)), cpu, streamEvents: stream?.events ?? null };
  } finally {
    await stop(child);
    rmSync(home, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const runs = new Map(SERVERS.map((s) => [s, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const server of round % 2 === 0 ? SERVERS : [...SERVERS].reverse()) runs.get(server).push(await measure(server));
}

// One 25 MiB delivery into listen.
async function bigDelivery() {
  const home = mkdtempSync(join(tmp, 'home-'));
  const { child, port } = await startServer(SERVERS.find((s) => s.key === 'listen'), home);
  const size = 25 * 1024 * 1024;
  const big = Buffer.alloc(size, 0x61);
  Buffer.from('{"action":"opened","blob":"').copy(big, 0);
  Buffer.from('"}').copy(big, size - 2);
  await new Promise((r) => setTimeout(r, 500));
  const before = rssMb(child.pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(child.pid))), 20);
  const status = await new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'big-25mib', 'content-length': size };
    headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', SECRET).update(big).digest('hex')}`;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(big);
  });
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(child.pid));
  await stop(child);
  rmSync(home, { recursive: true, force: true });
  return { status, before, peak };
}
const big = QUICK ? null : await bigDelivery();
const forward = QUICK ? null : await forwardLatency({ count: 300, baseline: BASELINE });

const fmt = (n, d = 1) => n.toFixed(d);
const range = (xs, d = 0) => (xs.length > 1 ? ` (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})` : '');
const summary = new Map(
  SERVERS.map((s) => {
    const rs = runs.get(s);
    return [s, { rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), rss: Math.max(...rs.map((r) => r.rssMb)), rs }];
  }),
);
const bare = summary.get(SERVERS[0]);
const octokit = summary.get(SERVERS[1]);
console.log(`\nhookctl listen benchmark — ${readFileSync(bodyFile).length} B pull_request.opened, signed, ${CONNECTIONS} connections, ${SECONDS} s per server per round, ${ROUNDS} round(s), wrk -t1, node ${process.version}`);
console.log('deliveries/s and latency: median of the rounds (range); RSS: the highest; CPU: µs per delivery, median of the rounds\n');
console.log('| server | deliveries/s | vs bare | p50 ms | p99 ms | p99 vs bare | peak RSS MB | CPU main / busiest other / rest | non-2xx/errors |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const s of SERVERS) {
  const m = summary.get(s);
  const cpu = ['main', 'busiest', 'rest'].map((k) => fmt(median(m.rs.map((r) => r.cpu[k])), 0)).join(' / ');
  const bad = `${m.rs.reduce((n, r) => n + r.non2xx, 0)}/${m.rs.reduce((n, r) => n + r.errors, 0)}`;
  console.log(`| ${s.name} | ${fmt(m.rps, 0)}${range(m.rs.map((r) => r.rps))} | ${fmt(m.rps / bare.rps, 2)}× | ${fmt(m.p50, 2)} | ${fmt(m.p99, 2)}${range(m.rs.map((r) => r.p99), 1)} | ${fmt(m.p99 / bare.p99, 2)}× | ${fmt(m.rss)} | ${cpu} | ${bad} |`);
}
const listen = summary.get(SERVERS.find((s) => s.key === 'listen'));
const before = BASELINE ? summary.get(SERVERS.find((s) => s.key === 'before')) : null;
if (before) {
  // Paired by round (listen and before run next to each other, order alternating): the ratio
  // a noisy machine moves least.
  const pairs = listen.rs.map((r, i) => ({ rps: r.rps / before.rs[i].rps, p99: r.p99 / before.rs[i].p99, cpu: r.cpu.main / before.rs[i].cpu.main }));
  const show = (k) => `${fmt(median(pairs.map((x) => x[k])), 2)}× (rounds: ${pairs.map((x) => fmt(x[k], 2)).join(', ')})`;
  console.log(`\nlisten vs before, round by round: deliveries/s ${show('rps')}; p99 ${show('p99')}; main-thread CPU per delivery ${show('cpu')}`);
}
console.log(
  `\nhookctl listen: ${before ? `${fmt(listen.rps / before.rps, 2)}× before (target ≥ 2×); ` : ''}${fmt(listen.rps / octokit.rps, 2)}× octokit (target ≥ 0.6×); ` +
    `p99 ${fmt(listen.p99 / bare.p99, 2)}× bare's (target ≤ 5×); RSS ${fmt(listen.rss)} MB (target ≤ 150)`,
);
if (big) console.log(`25 MiB delivery: HTTP ${big.status}; RSS ${fmt(big.before)} → peak ${fmt(big.peak)} MB: growth ${fmt(big.peak - big.before)} MB = ${fmt((big.peak - big.before) / 25, 2)}× its size (target ≤ 4×)`);
if (forward) printForwardLatency(forward);
rmSync(tmp, { recursive: true, force: true });
