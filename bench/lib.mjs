// Shared helpers for the benchmarks: a bare receiver in a child process, peak-RSS sampling,
// medians. Benchmarks compare against a baseline measured in the same run.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
