/**
 * Screenshots of the inspector (list, detail, dark) through the same script the README's
 * images come from, over the fake backend. By default they go to a temporary folder and are
 * only checked to be real PNGs; `HOOKCTL_SCREENSHOTS=DIR` keeps them in DIR. The images in
 * docs/ come from a real `hookctl listen`: `node scripts/screenshots-real.mjs docs`.
 */
import { afterEach, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromiumPath } from '../helpers/browser.js';
import { startInspector, type Inspector } from '../../src/core/inspector/server.js';
import { FakeInspectorBackend } from '../helpers/fake-inspector-backend.js';
// @ts-expect-error a plain .mjs script without types
import { takeScreenshots } from '../../scripts/inspector-screenshots.mjs';

let inspector: Inspector | null = null;
let scratch: string | null = null;

afterEach(async () => {
  await inspector?.close();
  inspector = null;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = null;
});

it('takes PNG screenshots of the list and of a delivery, light and dark', async () => {
  const backend = new FakeInspectorBackend({ count: 400, now: Date.now() - 40_000 });
  // A few recent deliveries so the list reads like a working afternoon.
  backend.addDelivery({ event: 'pull_request', action: 'opened', repository: 'acme/payments-api', sender: 'monalisa', drift: true, forwardStatus: 200 });
  backend.addDelivery({ event: 'push', action: null, repository: 'acme/web', sender: 'octocat', forwardStatus: 502 });
  backend.addDelivery({ event: 'issues', action: 'opened', repository: 'acme/web', sender: 'hubot', signature: 'invalid' });
  inspector = await startInspector({ backend, port: 0 });
  const outDir = process.env.HOOKCTL_SCREENSHOTS ? resolve(process.env.HOOKCTL_SCREENSHOTS) : (scratch = mkdtempSync(join(tmpdir(), 'hookctl-shots-')));
  const files: string[] = await takeScreenshots({ url: inspector.url, outDir, executablePath: chromiumPath() });
  expect(files.map((file) => file.slice(outDir.length + 1))).toEqual(['inspector-list.png', 'inspector-detail.png', 'inspector-dark.png']);
  for (const file of files) {
    const png = readFileSync(file);
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(png.length).toBeGreaterThan(20_000);
  }
});
