#!/usr/bin/env node
// `npm test`: build, typecheck, lint, the generated-data check and every test, in about two
// minutes on 2 cores. Only the tests need the build (they run the built CLI), so typecheck,
// lint and the check start at once beside the build; vitest starts when the build is done. The
// machine is CPU-bound, so this fills the moments vitest waits on its children. The side
// steps' output is printed when each ends (with its time), vitest's as it runs. The exit code
// is non-zero when any step failed. Extra arguments go to vitest (`npm test -- test/unit`).
import { spawn } from 'node:child_process';

const vitestArgs = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const started = performance.now();

/** Run `npm run SCRIPT` (or a command); resolves with its exit code, its output kept unless `live`. */
function step(name, command, args, { live = false } = {}) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : undefined) } });
    const out = [];
    child.stdout?.on('data', (d) => out.push(d));
    child.stderr?.on('data', (d) => out.push(d));
    child.on('error', (err) => out.push(Buffer.from(`${err.message}\n`)));
    child.on('close', (code, signal) => {
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      const status = code === 0 ? 'ok' : `FAILED (${signal ?? `exit ${code}`})`;
      if (!live) process.stdout.write(`\n── ${name}: ${status} in ${seconds}s\n${Buffer.concat(out).toString()}`);
      resolve({ name, code: code ?? 1, seconds, status });
    });
  });
}

// HOOKCTL_TEST_CHECKS=0 runs the build and the tests only: CI sets it for its second and third
// Node, where type-checking, linting and the generated-data check would repeat the first
// Node's verdict word for word (none of them depends on the Node that runs them).
const checks = process.env.HOOKCTL_TEST_CHECKS !== '0';
const side = checks
  ? [
      step('typecheck', npm, ['run', '--silent', 'typecheck']),
      step('lint', npm, ['run', '--silent', 'lint']),
      step('check:generated', npm, ['run', '--silent', 'check:generated']),
    ]
  : [Promise.resolve({ name: 'checks', code: 0, seconds: '0', status: 'skipped (HOOKCTL_TEST_CHECKS=0: run once, on the first Node)' })];
// The build only emits (`build:emit`, tsc --noCheck): typecheck checks the same sources (and the
// tests) beside it, so checking them twice would only delay the tests (build 8.9 → 7.1 s of CPU,
// on the tests' critical path). Where checks are off, the first Node's typecheck stands for it.
const build = await step('build', npm, ['run', '--silent', 'build:emit']);
const tests = build.code === 0 ? await step('vitest', 'npx', ['vitest', 'run', ...vitestArgs], { live: true }) : { name: 'vitest', code: 1, seconds: '0', status: 'not run (the build failed)' };
const results = [build, ...(await Promise.all(side)), tests];
process.stdout.write(`\n── npm test in ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
for (const r of results) process.stdout.write(`   ${r.name.padEnd(16)} ${r.status}${r.code === 0 && r.status === 'ok' ? ` in ${r.seconds}s` : ''}\n`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
