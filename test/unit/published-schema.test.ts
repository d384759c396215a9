/**
 * GitHub's webhook description as published, against the schemas we ship: they are the same
 * except three properties of repository-advisory that no value can satisfy as published
 * ({allOf: [X], type: ["null"]}), which we read as "X or null". So every sample validates
 * against the description as published except the two repository_advisory ones, which fail
 * there whatever they hold. If GitHub fixes its description, these tests say so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { PAYLOADS_DIR } from '../../src/core/catalog/catalog.js';
import { SCHEMAS_DIR, validatePayload } from '../../src/core/schemas/validate.js';

const require = createRequire(import.meta.url);
const DESCRIPTION = require.resolve('@octokit/openapi-webhooks/generated/api.github.com.json');
const REPAIRED = ['author', 'publisher', 'private_fork'];

/** The generator's own extraction, applied to the description as published (no repair). */
async function publishedEventSchemas(): Promise<Map<string, any>> {
  const lib = (name: string) => new URL(`../../scripts/lib/${name}`, import.meta.url).href;
  const { extractEventSchema } = (await import(lib('extract.mjs'))) as { extractEventSchema: (...args: unknown[]) => any };
  const { webhookPairs } = (await import(lib('sources.mjs'))) as { webhookPairs: (openapi: unknown) => { event: string }[] };
  const openapi = JSON.parse(readFileSync(DESCRIPTION, 'utf8'));
  const version = (require('@octokit/openapi-webhooks/package.json') as { version: string }).version;
  const pairs = webhookPairs(openapi);
  const out = new Map<string, any>();
  for (const event of [...new Set(pairs.map((p) => p.event))]) out.set(event, extractEventSchema(openapi, event, pairs.filter((p) => p.event === event), version));
  return out;
}

/** JSON pointers where two JSON values differ: the deepest one whose keys or value differ. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return [path];
  if (Object.keys(a).sort().join() !== Object.keys(b).sort().join()) return [path];
  return Object.keys(a).flatMap((k) => differences((a as any)[k], (b as any)[k], `${path}/${k}`));
}

function sample(file: string): any {
  return JSON.parse(readFileSync(join(PAYLOADS_DIR, file), 'utf8'));
}

describe('the description as published and the schemas we ship', () => {
  it('differ only at repository-advisory author, publisher and private_fork, read as "X or null"', async () => {
    const published = await publishedEventSchemas();
    const shipped = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json'));
    expect(shipped.length).toBe(published.size);
    const differing: string[] = [];
    for (const file of shipped) {
      const event = file.replace(/\.json$/, '');
      const ours = JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8'));
      for (const pointer of differences(published.get(event), ours)) differing.push(`${event}${pointer}`);
    }
    expect(differing).toEqual(REPAIRED.map((p) => `repository_advisory/$defs/repository-advisory/properties/${p}`));
    const theirs = published.get('repository_advisory').$defs['repository-advisory'].properties;
    const ours = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'repository_advisory.json'), 'utf8')).$defs['repository-advisory'].properties;
    for (const [property, ref] of [['author', 'simple-user'], ['publisher', 'simple-user'], ['private_fork', 'simple-repository']]) {
      expect(theirs[property]).toEqual({ allOf: [{ $ref: `#/$defs/${ref}` }], type: ['null'] });
      expect(ours[property]).toEqual({ anyOf: [{ $ref: `#/$defs/${ref}` }, { type: 'null' }] });
    }
  });

  it('as published, no value passes there: the repository_advisory samples fail with objects and with null; as shipped, both pass', async () => {
    const published = await publishedEventSchemas();
    const doc = published.get('repository_advisory');
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addFormat('int64', true);
    for (const action of ['published', 'reported']) {
      const check = ajv.compile({ $ref: `#/$defs/${doc['x-hookctl-actions'][action]}`, $defs: doc.$defs });
      const payload = sample(`repository_advisory/${action}.json`);
      const asObjects = structuredClone(payload);
      const asNull = structuredClone(payload);
      for (const p of REPAIRED) {
        asObjects.repository_advisory[p] = p === 'private_fork' ? payload.repository : payload.sender;
        asNull.repository_advisory[p] = null;
      }
      for (const [variant, expected] of [[asObjects, 'must be null'], [asNull, 'must be object']] as const) {
        expect(check(variant), `${action}: ${expected}`).toBe(false);
        const errors = check.errors!.map((e) => `${e.instancePath} ${e.message}`);
        expect(errors.sort(), action).toEqual(REPAIRED.map((p) => `/repository_advisory/${p} ${expected}`).sort());
        expect(await validatePayload('repository_advisory', action, variant), action).toMatchObject({ valid: true });
      }
    }
  });

  it('the reported sample is a report: in triage, unpublished, no publisher or temporary fork yet', () => {
    const { repository_advisory: advisory, sender } = sample('repository_advisory/reported.json');
    expect(advisory).toMatchObject({ state: 'triage', published_at: null, publisher: null, private_fork: null, submission: { accepted: false } });
    expect(advisory.author.login).toBe(sender.login);
    const published = sample('repository_advisory/published.json').repository_advisory;
    expect(published.state).toBe('published');
    expect(published.publisher).toMatchObject({ login: expect.any(String) });
  });
});
