#!/usr/bin/env node
// Forward latency: the time from posting a delivery to `hookctl listen --forward-to APP` to its
// arrival at the app, against posting the same bytes straight to the app, in the same run
// (one delivery at a time, the two kinds alternating, over loopback keep-alive connections).
// The app runs in this process, so both times come from one clock.
// Needs: npm run build. Run: node bench/forward-latency.mjs [count] [--baseline DIR]
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECRET = 'bench-secret';

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The user's app: answers 200 and tells who waits for a delivery when it arrived. */
function startApp() {
  const waiting = new Map();
  const server = createServer((req, res) => {
    const id = req.headers['x-github-delivery'];
    req.on('data', () => {});
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      waiting.get(id)?.(at);
      waiting.delete(id);
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}/`, arrival: (id) => new Promise((r) => waiting.set(id, r)), close: () => new Promise((r) => server.close(r)) }),
    ),
  );
}

function startListen(bin, appUrl, home) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'listen', '--port', '0', '--secret', SECRET, '--no-inspect', '--forward-to', appUrl, '--store', join(home, 'forward.db')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', HOOKCTL_HOME: home },
    });
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /Listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        child.stderr.off('data', onData);
        child.stdout.resume();
        child.stderr.resume();
        resolve({ child, url: `http://127.0.0.1:${m[1]}/` });
      }
    };
    child.stdout.on('data', () => {});
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`listen exited (${code}): ${out}`)));
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function post(url, body, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Run the comparison; returns { direct, via: { [name]: stats } } with p50/p99 in ms. */
export async function forwardLatency({ count = 400, baseline = null } = {}) {
  const body = readFileSync(join(ROOT, 'payloads/pull_request/opened.json'));
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  const home = mkdtempSync(join(tmpdir(), 'hookctl-forward-'));
  const app = await startApp();
  const listeners = [{ name: 'hookctl listen --forward-to', bin: join(ROOT, 'bin/hookctl.js') }];
  if (baseline) listeners.push({ name: `before (${baseline})`, bin: join(baseline, 'bin/hookctl.js') });
  const running = [];
  try {
    for (const l of listeners) running.push({ ...l, ...(await startListen(l.bin, app.url, mkdtempSync(join(home, 'l-')))), times: [], answers: [] });
    const direct = [];
    let n = 0;
    const once = async (url, into, answers = []) => {
      const id = `fwd-${++n}`;
      const arrived = app.arrival(id);
      const sent = performance.now();
      const status = await post(url, body, { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': id, 'x-hub-signature-256': signature });
      answers.push(performance.now() - sent);
      if (status !== 200) throw new Error(`HTTP ${status} from ${url}`);
      into.push((await arrived) - sent);
    };
    // Warm-up, then alternate: straight to the app, through each listener.
    for (let i = 0; i < 50; i++) for (const r of running) await once(r.url, []);
    for (let i = 0; i < count; i++) {
      await once(app.url, direct);
      for (const r of running) await once(r.url, r.times, r.answers);
    }
    const stats = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return { p50: percentile(s, 50), p99: percentile(s, 99) };
    };
    return { count, direct: stats(direct), via: Object.fromEntries(running.map((r) => [r.name, { ...stats(r.times), answer: stats(r.answers) }])) };
  } finally {
    // Each listener has exited (its store closed) before its folder goes: SIGTERM, SIGKILL after 10 s.
    await Promise.all(running.map((r) => new Promise((resolve) => {
      r.child.removeAllListeners('exit');
      if (r.child.exitCode !== null || r.child.signalCode !== null) return resolve();
      const timer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
      r.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      r.child.kill('SIGTERM');
    })));
    agent.destroy();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
}

export function printForwardLatency(r) {
  const f = (x) => x.toFixed(2);
  console.log(`\nForward latency — posted → arrived at the app, ${r.count} deliveries one at a time, loopback (target: listen adds ≤ 2 ms p50, ≤ 5 ms p99)\n`);
  console.log('| path | p50 ms | p99 ms | added p50 ms | added p99 ms | listen\'s 200 p50 / p99 ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  console.log(`| straight to the app | ${f(r.direct.p50)} | ${f(r.direct.p99)} | | | |`);
  for (const [name, s] of Object.entries(r.via)) {
    console.log(`| ${name} | ${f(s.p50)} | ${f(s.p99)} | ${f(s.p50 - r.direct.p50)} | ${f(s.p99 - r.direct.p99)} | ${f(s.answer.p50)} / ${f(s.answer.p99)} |`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--baseline');
  const baseline = at >= 0 ? args.splice(at, 2)[1] : null;
  printForwardLatency(await forwardLatency({ count: Number(args[0] ?? 400), baseline }));
}
