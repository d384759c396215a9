#!/usr/bin/env node
// Where listen's main thread spends a delivery: `hookctl listen --no-inspect` under
// `node --cpu-prof`, wrk posting the signed 24 KB pull_request.opened at 32 connections (as
// bench/listen.mjs does), then the profile summed by function (self time): the share of the
// main thread's time, idle included (idle = waiting: for the disk's fdatasync, for the CPU
// others hold, for requests). Needs: npm run build, wrk.
// Run: node bench/listen-profile.mjs [seconds] (default 8); the .cpuprofile is kept (path printed).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, ROOT, writeWrkScript } from './lib.mjs';

const SECONDS = Number(process.argv[2] ?? 8);
const SECRET = 'bench-secret';
const dir = mkdtempSync(join(tmpdir(), 'hookctl-profile-'));
const lua = writeWrkScript(join(dir, 'post.lua'), { bodyFile: join(ROOT, 'payloads/pull_request/opened.json'), event: 'pull_request', secret: SECRET });

const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, BIN, 'listen', '--no-inspect', '--port', '0', '--secret', SECRET, '--store', join(dir, 'bench.db')], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, NO_COLOR: '1', HOOKCTL_HOME: dir },
});
const port = await new Promise((resolve, reject) => {
  let out = '';
  const onData = (d) => {
    if (out === null) return;
    out += d;
    const m = /Listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (m) {
      out = null;
      resolve(m[1]);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('exit', (code) => reject(new Error(`listen exited (${code})`)));
});
const { stdout } = await promisify(execFile)('wrk', ['-t1', '-c32', `-d${SECONDS}s`, '-s', lua, `http://127.0.0.1:${port}/`]);
const result = /RESULT (.*)/.exec(stdout)[1];
child.removeAllListeners('exit');
await new Promise((resolve) => {
  child.on('exit', resolve);
  child.kill('SIGTERM');
});

// Only the profile is kept: the store (tens of MB) goes.
for (const f of readdirSync(dir)) if (f.startsWith('bench.db')) rmSync(join(dir, f), { force: true });
const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile')));
const profile = JSON.parse(readFileSync(file, 'utf8'));
const spent = new Map();
profile.samples.forEach((id, i) => spent.set(id, (spent.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const self = new Map();
let total = 0;
for (const node of profile.nodes) {
  const us = spent.get(node.id) ?? 0;
  total += us;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules)\//, '')}${url ? `:${lineNumber + 1}` : ''}`;
  self.set(key, (self.get(key) ?? 0) + us);
}
const requests = Number(/requests=(\d+)/.exec(result)[1]);
console.log(`wrk: ${result}`);
console.log(`main thread: ${(total / 1000).toFixed(0)} ms profiled, ${requests} deliveries; self time by function (share, µs per delivery):`);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / requests).toFixed(0).padStart(5)} µs  ${key}`);
}
console.log(`profile: ${file}`);
