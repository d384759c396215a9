#!/usr/bin/env node
// Benchmark: deliveries/s, p99 latency and RSS for (a) a bare node:http HMAC server, (b) an
// @octokit/webhooks middleware server and (c) `hookctl listen` (verifies + stores durably),
// measured in one run with wrk at concurrency 32; then one 25 MiB delivery into hookctl listen.
// Needs: npm run build (dist/), wrk (apt-get install -y wrk). Run: node bench/listen.mjs [seconds]
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECONDS = Number(process.argv[2] ?? 8);
const CONNECTIONS = 32;
const SECRET = 'bench-secret';
const tmp = mkdtempSync(join(tmpdir(), 'hookctl-bench-'));

let bodyFile = join(ROOT, 'payloads/pull_request/opened.json');
const body = readFileSync(bodyFile);
const sig256 = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
const sig1 = `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`;

// wrk script: every request gets a fresh X-GitHub-Delivery GUID (as GitHub sends).
const lua = join(tmp, 'post.lua');
writeFileSync(
  lua,
  `local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "GitHub-Hookshot/a0f4c5e"
wrk.headers["X-GitHub-Event"] = "pull_request"
wrk.headers["X-GitHub-Hook-ID"] = "512345678"
wrk.headers["X-Hub-Signature"] = "${sig1}"
wrk.headers["X-Hub-Signature-256"] = "${sig256}"
local counter = 0
request = function()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = string.format("%08x-0000-4000-8000-%012x", math.random(0, 0x7fffffff), counter)
  return wrk.format()
end
local non2xx = 0
response = function(status)
  if status ~= 200 then non2xx = non2xx + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50=%.2f p99=%.2f max=%.2f errors=%d non2xx=%d requests=%d\\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    non2xx, summary.requests))
end
`,
);

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function startServer(args, portPattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', HOOKCTL_HOME: tmp } });
    let out = '';
    let found = false;
    const onData = (d) => {
      // Once the port is known, output is drained and dropped (the bench must not eat CPU).
      if (found) return;
      out += d.toString();
      const m = portPattern.exec(out);
      if (m) {
        found = true;
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

function runWrk(port) {
  const out = execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-s', lua, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const m = /RESULT (.*)/.exec(out);
  return Object.fromEntries(m[1].split(' ').map((kv) => { const [k, v] = kv.split('='); return [k, Number(v)]; }));
}

async function measure(name, args, pattern) {
  const { child, port } = await startServer(args, pattern);
  // warm-up
  execFileSync('wrk', ['-t1', '-c8', '-d1s', '-s', lua, `http://127.0.0.1:${port}/`]);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(child.pid))), 50);
  const r = await new Promise((resolve) => setImmediate(() => resolve(runWrk(port))));
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(child.pid));
  return { name, ...r, rssMb: peak, child, port };
}

function stop(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 20000).unref();
  });
}

function post(port, bytes, headers) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { ...headers, 'content-length': bytes.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

const results = [];
const a = await measure('bare node:http + HMAC', ['bench/listen-servers.mjs', 'bare', SECRET], /PORT (\d+)/);
await stop(a.child);
results.push(a);
const b = await measure('@octokit/webhooks middleware', ['bench/listen-servers.mjs', 'octokit', SECRET], /PORT (\d+)/);
await stop(b.child);
results.push(b);
const storeFile = join(tmp, 'bench.db');
const c = await measure('hookctl listen (durable)', ['bin/hookctl.js', 'listen', '--port', '0', '--secret', SECRET, '--store', storeFile], /Listening on http:\/\/127\.0\.0\.1:(\d+)/);
results.push(c);

// One 25 MiB delivery into the same listener.
const size = 25 * 1024 * 1024;
const head = Buffer.from('{"action":"opened","blob":"');
const tail = Buffer.from('"}');
const big = Buffer.alloc(size, 0x61);
head.copy(big, 0);
tail.copy(big, size - tail.length);
await new Promise((r) => setTimeout(r, 500));
const before = rssMb(c.child.pid);
let bigPeak = before;
const sampler = setInterval(() => (bigPeak = Math.max(bigPeak, rssMb(c.child.pid))), 20);
const bigStatus = await post(c.port, big, {
  'content-type': 'application/json',
  'x-github-event': 'pull_request',
  'x-github-delivery': 'big-25mib',
  'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(big).digest('hex')}`,
});
await new Promise((r) => setTimeout(r, 300));
clearInterval(sampler);
bigPeak = Math.max(bigPeak, rssMb(c.child.pid));
await stop(c.child);

const bare = results[0];
const fmt = (n, d = 1) => n.toFixed(d);
console.log(`\nhookctl listen benchmark — ${body.length} B pull_request.opened, signed, ${CONNECTIONS} connections, ${SECONDS} s each, wrk -t1, node ${process.version}\n`);
console.log('| server | deliveries/s | vs bare | p50 ms | p99 ms | p99 vs bare | peak RSS MB | non-2xx/errors |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(`| ${r.name} | ${fmt(r.rps, 0)} | ${fmt(r.rps / bare.rps, 2)}× | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.p99 / bare.p99, 2)}× | ${fmt(r.rssMb)} | ${r.non2xx}/${r.errors} |`);
}
console.log(`\nhookctl vs octokit: ${fmt(c.rps / b.rps, 2)}× (target ≥ 1.0×); vs bare: ${fmt(c.rps / bare.rps, 2)}× (target ≥ 0.8×); p99 vs bare: ${fmt(c.p99 / bare.p99, 2)}× (target ≤ 1.5×); RSS ${fmt(c.rssMb)} MB (target ≤ 150)`);
console.log(`25 MiB delivery: HTTP ${bigStatus}; RSS ${fmt(before)} → peak ${fmt(bigPeak)} MB: growth ${fmt(bigPeak - before)} MB = ${fmt((bigPeak - before) / 25, 2)}× its size (target ≤ 4×)`);
rmSync(tmp, { recursive: true, force: true });
