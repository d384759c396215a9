/**
 * The library is light (CONTRACT: importing it loads no SQLite, commander, inquirer or chalk):
 * a fresh node process imports `hookctl` by its package name (package.json's exports → dist/,
 * so `npm run build` first) under the preloaded tracer of test/helpers/trace-loads.mjs, uses
 * it, and reports every module it loaded.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { ROOT } from '../helpers/run-cli.js';
import { packagesOf } from '../helpers/trace-loads.js';

let capture: CaptureServer;
let dir: string;
beforeEach(async () => {
  capture = await startCaptureServer();
  dir = mkdtempSync(join(tmpdir(), 'hookctl-lib-load-'));
});
afterEach(async () => {
  await capture.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Run `code` (an ES module that imports 'hookctl') traced; the npm packages it loaded and what it printed. */
async function traced(code: string): Promise<{ packages: string[]; stdout: string }> {
  const loads = join(dir, 'loads.json');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', join(ROOT, 'test/helpers/trace-loads.mjs'), '--input-type=module', '-e', code], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOOKCTL_TRACE_LOADS: loads, TARGET: capture.url },
  });
  return { packages: packagesOf(JSON.parse(readFileSync(loads, 'utf8')) as string[]), stdout };
}

describe('importing the library loads no npm package', () => {
  it('import, sample, sign and verify, the adapters and deliver load none: no SQLite, commander, inquirer, chalk or undici', async () => {
    const { packages, stdout } = await traced(`
      import { sample, verify, toRequest, toInject, forReceive, deliver } from 'hookctl';
      const d = sample('pull_request.opened', { secret: 's', set: { 'pull_request.title': 'Fix' } });
      const req = toRequest(d, '/webhooks');
      toInject(d); forReceive(d);
      const res = await deliver(process.env.TARGET, d);
      console.log(JSON.stringify({ verified: verify('s', d.body, d.signature), status: res.status, bytes: (await req.arrayBuffer()).byteLength }));
    `);
    expect(JSON.parse(stdout)).toEqual({ verified: true, status: 200, bytes: capture.requests[0].body.length });
    expect(packages).toEqual([]);
  });

  it('validate() loads only ajv-formats (its format checks), when it is called', async () => {
    const { packages, stdout } = await traced(`
      import { sample, validate } from 'hookctl';
      const { valid } = await validate('push', sample('push').payload);
      console.log(JSON.stringify({ valid }));
    `);
    expect(JSON.parse(stdout)).toEqual({ valid: true });
    expect(packages).toEqual(['ajv-formats']);
  });
});
