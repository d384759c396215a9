/**
 * Heavy things load lazily (ARCHITECTURE): which packages each command actually loads, seen
 * by a preloaded tracer (ESM resolve hook + CommonJS require cache) in the built CLI.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from '../helpers/run-cli.js';
import { traceCli } from '../helpers/trace-loads.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { newDelivery } from '../helpers/deliveries.js';
import { openStore } from '../../src/core/store/store.js';

let box: Sandbox;
let capture: CaptureServer;
beforeEach(async () => {
  box = sandbox();
  capture = await startCaptureServer();
});
afterEach(async () => {
  await capture.close();
  box.cleanup();
});

/** The npm packages a command loaded (e.g. ["commander", "undici"]). */
async function packagesLoaded(args: string[]): Promise<string[]> {
  const { result, packages } = await traceCli(args, box.env);
  expect(result.code, result.stderr).toBe(0);
  return packages;
}

describe('start-up loads only what a command needs', () => {
  it('--version loads no package at all', async () => {
    expect(await packagesLoaded(['--version'])).toEqual([]);
  });

  it('one send loads commander only: no undici, SQLite, ajv or prompts', async () => {
    expect(await packagesLoaded(['send', 'pull_request.opened', '--to', capture.url])).toEqual(['commander']);
  });

  it('a project file is checked with ajv, loaded only then: without one, send loads commander only (above)', async () => {
    const file = join(box.dir, 'hookctl.json');
    writeFileSync(file, JSON.stringify({ send: { to: capture.url } }));
    expect(await packagesLoaded(['send', 'pull_request.opened', '--config', file])).toEqual(['ajv', 'commander', 'fast-deep-equal', 'fast-uri', 'json-schema-traverse']);
    expect(capture.requests).toHaveLength(1);
  });

  it('a pooled send (--count) loads undici, so the tracer sees CommonJS loads too', async () => {
    expect(await packagesLoaded(['send', 'push', '--count', '2', '--to', capture.url])).toEqual(['commander', 'undici']);
  });

  it('sign and verify load commander only', async () => {
    const body = join(box.dir, 'body.txt');
    writeFileSync(body, 'Hello, World!');
    expect(await packagesLoaded(['sign', '--secret', 's', body])).toEqual(['commander']);
    const sig = 'sha256=7ee2c20a221df98f0b36bff1d48b4af9cb60d679325537ad7a6ba94f358b5a12';
    expect(await packagesLoaded(['verify', '--secret', 's', '--signature', sig, body])).toEqual(['commander']);
  });

  it('replaying one delivery loads no undici (it goes out like send); a batch of two does', async () => {
    const file = join(box.dir, 'store.db');
    const store = openStore(file);
    const ids = [store.insertDelivery(newDelivery()).id, store.insertDelivery(newDelivery({ deliveryId: '6c1a0f00-0000-4000-8000-000000000002' })).id];
    store.close();
    const withSqlite = ['better-sqlite3', 'bindings', 'commander', 'file-uri-to-path'];
    expect(await packagesLoaded(['replay', ids[0], '--to', capture.url, '--store', file])).toEqual(withSqlite);
    expect(await packagesLoaded(['replay', ...ids, '--to', capture.url, '--store', file])).toEqual([...withSqlite, 'undici']);
    expect(capture.requests).toHaveLength(3);
  });
});
