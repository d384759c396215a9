/**
 * `send --list` (built CLI) equals the catalog: every entry, with its description, source and
 * default flag, and nothing else; a named variant is listed and sent like any entry.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entryName, loadIndex } from '../../src/core/catalog/catalog.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { runCli, sandbox, type Sandbox } from '../helpers/run-cli.js';

let box: Sandbox;
let capture: CaptureServer | undefined;
beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  await capture?.close();
  capture = undefined;
  box.cleanup();
});

describe('send --list and the catalog', () => {
  const index = loadIndex();

  it('--json lists exactly the catalog entries with description, source and default', async () => {
    const r = await runCli(['send', '--list', '--json'], { env: box.env });
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout) as { name: string; event: string; action: string | null; description: string; source: string; default?: boolean }[];
    expect(listed.map((l) => l.name).sort()).toEqual(index.entries.map(entryName).sort());
    for (const entry of index.entries) {
      const item = listed.find((l) => l.name === entryName(entry))!;
      expect(item).toMatchObject({ event: entry.event, action: entry.action, description: entry.description, source: entry.source });
      expect(Boolean(item.default), item.name).toBe(entry.action !== null && index.defaultActions[entry.event] === entry.action);
    }
  });

  it('the human list has one row per entry', async () => {
    const r = await runCli(['send', '--list'], { env: box.env });
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((line) => /^[a-z][a-z0-9_]*(\.\S+)?\s/.test(line));
    expect(rows).toHaveLength(index.entries.length);
    expect(r.stdout).toMatch(/^pull_request\.opened \*\s+captured\s+A pull request was created\.?$/m);
  });

  it('lists pull_request.closed:merged, and sends it as pull_request with action closed, merged, valid for pull_request.closed', async () => {
    const human = await runCli(['send', '--list'], { env: box.env });
    expect(human.stdout).toMatch(/^pull_request\.closed\s+captured\s+A pull request was closed\.?$/m);
    expect(human.stdout).toMatch(/^pull_request\.closed:merged\s+synthesized\s+A pull request was merged \(closed with merged: true\)\.$/m);
    const json = JSON.parse((await runCli(['send', '--list', '--json'], { env: box.env })).stdout) as { name: string }[];
    expect(json.find((l) => l.name === 'pull_request.closed:merged')).toMatchObject({ event: 'pull_request', action: 'closed', source: 'synthesized', default: false });

    capture = await startCaptureServer();
    const r = await runCli(['send', 'pull_request.closed:merged', '--to', capture.url, '--secret', 's3cret', '--validate'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("pull_request.closed matches GitHub's schema");
    expect(capture.requests).toHaveLength(1);
    const req = capture.requests[0];
    expect(req.headers['x-github-event']).toBe('pull_request');
    const payload = JSON.parse(req.body.toString('utf8'));
    expect(payload.action).toBe('closed');
    expect(payload.pull_request).toMatchObject({ state: 'closed', merged: true, merged_by: { login: payload.sender.login } });

    const typo = await runCli(['send', 'pull_request.merged', '--to', capture.url], { env: box.env });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean: pull_request.closed:merged');
  });
});
