/**
 * `send --list` (built CLI) equals the catalog: every entry, with its description, source and
 * default flag, and nothing else.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entryName, loadIndex } from '../../src/core/catalog/catalog.js';
import { runCli, sandbox, type Sandbox } from '../helpers/run-cli.js';

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => {
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
});
