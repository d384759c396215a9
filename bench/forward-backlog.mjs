#!/usr/bin/env node
// Memory under a hung app: `hookctl listen --forward-to APP` where APP accepts connections and
// never answers, while COUNT deliveries of SIZE MiB are posted (8 at a time). Prints the
// listener's peak RSS (VmHWM, Linux) and how the deliveries were answered. With --baseline DIR
// the same run against another build (e.g. a checkout of main after `npm run build`).
// BENCH_PROBE=1 also prints where the memory was at the peak (bench/memory-probe.mjs).
// Needs: npm run build. Run: node bench/forward-backlog.mjs [count] [size-mib] [concurrency] [--baseline DIR]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

function hungApp() {
  const held = [];
  const server = createServer((req, res) => {
    req.resume();
    // BENCH_APP=fast: an app that answers at once (what receiving alone costs).
    if (process.env.BENCH_APP === 'fast') req.on('end', () => res.end('ok'));
    else held.push(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/`,
        close: () => new Promise((r) => {
          server.closeAllConnections();
          server.close(r);
        }),
      }),
    ),
  );
}

function post(url, body, id) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': id, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(null));
    req.end(body);
  });
}

async function run(name, bin, count, sizeMib, concurrency) {
  const home = mkdtempSync(join(tmpdir(), 'hookctl-bench-backlog-'));
  const app = await hungApp();
  const child = spawn(process.execPath, [bin, 'listen', '--port', '0', ...(process.env.BENCH_APP === 'none' ? [] : ['--forward-to', app.url])], {
    cwd: ROOT,
    env: {
      ...process.env, HOOKCTL_HOME: home, NO_COLOR: '1', HOOKCTL_DEFAULT_INSPECT_PORT: '0',
      ...(process.env.BENCH_PROBE ? { PROBE_OUT: join(home, 'probe.json'), NODE_OPTIONS: `--import ${join(ROOT, 'bench/memory-probe.mjs')}` } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise((resolve, reject) => {
    const check = setInterval(() => {
      const m = /Listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
      if (m) {
        clearInterval(check);
        resolve(m[1]);
      }
    }, 20);
    child.on('exit', (code) => reject(new Error(`listen exited (${code}):\n${err}`)));
  });
  const body = Buffer.from(JSON.stringify({ action: 'opened', pad: 'x'.repeat(sizeMib * 1024 * 1024) }));
  const statuses = new Map();
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const n = next++;
      const status = await post(url, body, `bench-${n}`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  }));
  const wall = (performance.now() - started) / 1000;
  const peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
  const probe = process.env.BENCH_PROBE ? readFileSync(join(home, 'probe.json'), 'utf8') : null;
  child.kill('SIGKILL');
  await app.close();
  rmSync(home, { recursive: true, force: true });
  const answered = [...statuses].map(([s, n]) => `${n}×${s ?? 'no answer'}`).join(', ');
  console.log(`${name} (${process.version}): ${count} × ${sizeMib} MiB, ${concurrency} at a time, to a hung app in ${wall.toFixed(1)} s: peak RSS ${peak.toFixed(0)} MB; answered ${answered}`);
  if (probe) console.log(`  at the peak (MB): ${probe}`);
}

const args = process.argv.slice(2);
const at = args.indexOf('--baseline');
const baseline = at >= 0 ? args.splice(at, 2)[1] : null;
const count = Number(args[0] ?? 200);
const size = Number(args[1] ?? 1);
const concurrency = Number(args[2] ?? 8);
if (baseline) await run(`before (${baseline})`, join(baseline, 'bin/hookctl.js'), count, size, concurrency);
await run('this build', join(ROOT, 'bin/hookctl.js'), count, size, concurrency);
