// Shared helpers for the benchmarks: a bare receiver in a child process, peak-RSS sampling,
// medians. Benchmarks compare against a baseline measured in the same run.
import { execFile, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BIN = `${ROOT}bin/hookctl.js`;

/** Start bench/bare-receiver.mjs on an ephemeral port; resolves with its URL and a stop(). */
export function startBareReceiver() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}bench/bare-receiver.mjs`], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', (d) => {
      const url = d.toString().trim();
      resolve({ url, stop: () => child.kill('SIGTERM') });
    });
    child.once('error', reject);
  });
}

/** Run a command; resolves with wall ms and peak RSS (MB, sampled from /proc every 20 ms). */
export function timed(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    let peak = 0;
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const m = /VmRSS:\s+(\d+) kB/.exec(status);
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {
        /* exited */
      }
    };
    const timer = setInterval(sample, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ ms: performance.now() - started, code, peakRssMb: peak, stderr });
    });
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const fmt = (n, d = 1) => Number(n).toFixed(d);

// ---- The inspector benchmarks (bench/inspector.mjs): the built CLI, headless Chromium, wrk.

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Debian's chromium (CHROMIUM_PATH to override) through playwright-core, which never downloads one. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

/**
 * Start the built CLI (`node bin/hookctl.js ARGS`); resolves once its stderr matched every
 * pattern, with the first group of each. Output after that is drained and dropped (a bench
 * must not spend CPU on it). stop() sends SIGTERM, then SIGKILL after 20 s.
 */
export function startHookctl(args, { env = process.env, patterns, timeoutMs = 60_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let found = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hookctl ${args.join(' ')} did not start in ${timeoutMs} ms:\n${err}`));
    }, timeoutMs);
    child.stderr.on('data', (d) => {
      if (found) return;
      err += d;
      const matches = patterns.map((pattern) => pattern.exec(err));
      if (matches.every(Boolean)) {
        found = true;
        clearTimeout(timer);
        resolve({
          child,
          matches: matches.map((m) => m[1]),
          stop: () => new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
            child.once('exit', () => { clearTimeout(kill); done(); });
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`hookctl ${args.join(' ')} exited (${code}):\n${err}`));
    });
  });
}

/**
 * A wrk script POSTing `bodyFile` as a signed `event` delivery, a fresh X-GitHub-Delivery per
 * request (as GitHub sends); `done` prints one RESULT line (see runWrk).
 */
export function writeWrkScript(path, { bodyFile, event, secret }) {
  const body = readFileSync(bodyFile);
  const sig256 = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const sig1 = `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
  writeFileSync(path, `local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "GitHub-Hookshot/a0f4c5e"
wrk.headers["X-GitHub-Event"] = "${event}"
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
`);
  return path;
}

/** Run wrk (bounded by `seconds`) against a loopback URL; resolves with the RESULT numbers. */
export function runWrk(url, script, { seconds, connections = 32 }) {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`wrk only against loopback, not ${url}`);
  return new Promise((resolve, reject) => {
    execFile('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8', timeout: (seconds + 30) * 1000 }, (error, stdout) => {
      if (error) return reject(error);
      const m = /RESULT (.*)/.exec(stdout);
      if (!m) return reject(new Error(`no RESULT from wrk:\n${stdout}`));
      resolve(Object.fromEntries(m[1].split(' ').map((kv) => { const [k, v] = kv.split('='); return [k, Number(v)]; })));
    });
  });
}

/**
 * What listen's writer is given for one received 24 KB `pull_request.opened` (the store
 * benches): a fresh random GUID each, as GitHub sends (its index takes them in random order).
 */
export function storeDelivery(body) {
  return {
    deliveryId: randomUUID(), event: 'pull_request', body,
    rawHeaders: ['Host', '127.0.0.1:5000', 'User-Agent', 'GitHub-Hookshot/a0f4c5e', 'Content-Type', 'application/json',
      'X-GitHub-Event', 'pull_request', 'X-GitHub-Hook-ID', '512345678', 'X-Hub-Signature-256', `sha256=${'a'.repeat(64)}`],
    receivedAt: new Date(), remoteAddress: '127.0.0.1', method: 'POST', path: '/', url: 'http://127.0.0.1:5000/',
    contentType: 'application/json', bodyKind: 'json', signature: 'valid', signatureReason: null, signatureAlgorithm: 'sha256',
    status: 200, rejectReason: null,
  };
}
