/**
 * The library's payload types are generated data (scripts/generate-lib-types.mjs, from the
 * catalog and its schemas) and come from the types package of the very description the catalog
 * was built from: both are checked here.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';

const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

describe('src/lib/payload-types.ts', () => {
  it('is what scripts/generate-lib-types.mjs makes of the committed catalog', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/generate-lib-types.mjs'), '--check']);
    expect(stdout).toBe('src/lib/payload-types.ts is up to date\n');
  });

  it('names every sample and every event alone', () => {
    const text = readFileSync(join(ROOT, 'src/lib/payload-types.ts'), 'utf8');
    const names = [...text.matchAll(/^ {2}'?([^':]+(?::[a-z]+)?)'?: Schemas\['webhook-[a-z0-9-]+'\];$/gm)].map((m) => m[1]);
    const index = json('payloads/index.json') as { entries: { event: string; action: string | null; variant?: string }[] };
    const expected = new Set(index.entries.flatMap((e) => [e.event, `${e.action ? `${e.event}.${e.action}` : e.event}${e.variant ? `:${e.variant}` : ''}`]));
    expect(new Set(names)).toEqual(expected);
  });

  it('depends on @octokit/openapi-webhooks-types (types only) of the version the catalog was generated from', () => {
    const version = json('payloads/index.json').sources['@octokit/openapi-webhooks'];
    const pkg = json('package.json');
    expect(pkg.dependencies['@octokit/openapi-webhooks-types']).toBe(version);
    expect(json('node_modules/@octokit/openapi-webhooks-types/package.json')).toMatchObject({ version, main: '' });
  });
});
