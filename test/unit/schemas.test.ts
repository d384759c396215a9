/**
 * src/core/schemas/validate.ts: violations with their JSON paths, lazy per-event loading, and the same
 * verdict as ajv (the reference implementation) on samples and on broken variants of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { PAYLOADS_DIR } from '../../src/core/catalog/catalog.js';
import { SCHEMAS_DIR, documentedActions, validatePayload } from '../../src/core/schemas/validate.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function sample(file: string): { [k: string]: Json } {
  return JSON.parse(readFileSync(join(PAYLOADS_DIR, file), 'utf8')) as { [k: string]: Json };
}

describe('validatePayload', () => {
  it('accepts a catalog sample', async () => {
    const result = await validatePayload('pull_request', 'opened', sample('pull_request/opened.json'));
    expect(result).toEqual({ schemaFound: true, valid: true, violations: [] });
  });

  it('reports a missing required field and a wrong type with their JSON paths', async () => {
    const payload = sample('pull_request/opened.json') as any;
    delete payload.pull_request.head.sha;
    payload.pull_request.number = '12';
    const result = await validatePayload('pull_request', 'opened', payload);
    expect(result.schemaFound).toBe(true);
    expect(result.valid).toBe(false);
    expect(result.violations).toEqual(
      expect.arrayContaining([
        { path: '/pull_request/head/sha', message: 'is required but missing' },
        { path: '/pull_request/number', message: 'must be integer, got string "12"' },
      ]),
    );
    expect(result.violations).toHaveLength(2);
  });

  it('explains enum, format, nullable-object and array-item violations', async () => {
    const payload = sample('pull_request/opened.json') as any;
    payload.pull_request.state = 'opened';
    payload.pull_request.created_at = 'yesterday';
    payload.pull_request.milestone = 'v1';
    payload.pull_request.labels = [{ id: 1 }];
    const { violations } = await validatePayload('pull_request', 'opened', payload);
    const byPath = Object.fromEntries(violations.map((v) => [v.path, v.message]));
    expect(byPath['/pull_request/state']).toMatch(/must be one of "open", "closed"; got "opened"/);
    expect(byPath['/pull_request/created_at']).toBe('must be a valid date-time, got "yesterday"');
    expect(byPath['/pull_request/milestone']).toBe('must be null or object, got string "v1"');
    expect(byPath['/pull_request/labels/0/name']).toBe('is required but missing');
  });

  it('escapes keys in paths (JSON Pointer)', async () => {
    const payload = sample('issues/opened.json') as any;
    payload.issue.reactions['+1'] = 'many';
    const { violations } = await validatePayload('issues', 'opened', payload);
    expect(violations).toContainEqual({ path: '/issue/reactions/+1', message: 'must be integer, got string "many"' });
  });

  it('says when there is no schema: unknown event, unknown action, odd names', async () => {
    expect(await validatePayload('no_such_event', null, {})).toEqual({ schemaFound: false, valid: true, violations: [] });
    expect(await validatePayload('pull_request', 'exploded', {})).toEqual({ schemaFound: false, valid: true, violations: [] });
    expect(await validatePayload('../package', null, {})).toEqual({ schemaFound: false, valid: true, violations: [] });
    expect(await validatePayload('pull_request', null, {})).toMatchObject({ schemaFound: false });
  });

  it('validates events without actions, even when the payload carries one', async () => {
    expect((await validatePayload('push', null, sample('push.json'))).valid).toBe(true);
    const ping = sample('ping.json');
    expect((await validatePayload('ping', null, ping)).valid).toBe(true);
    expect((await validatePayload('ping', null, { ...ping, hook_id: 'x' })).violations[0]).toEqual({ path: '/hook_id', message: 'must be integer, got string "x"' });
  });

  it('an event with one documented action has one schema for every action (repository_dispatch)', async () => {
    const dispatch = { ...sample('repository_dispatch/sample.collected.json'), action: 'deploy-production' };
    expect(await validatePayload('repository_dispatch', 'deploy-production', dispatch)).toEqual({ schemaFound: true, valid: true, violations: [] });
    const revoked = sample('github_app_authorization/revoked.json');
    const other = await validatePayload('github_app_authorization', 'granted', { ...revoked, action: 'granted' });
    expect(other.violations).toEqual([{ path: '/action', message: 'must be one of "revoked"; got "granted"' }]);
  });

  it('lists documented actions per event', async () => {
    expect(await documentedActions('push')).toEqual(['']);
    expect(await documentedActions('star')).toEqual(expect.arrayContaining(['created', 'deleted']));
    expect(await documentedActions('nope')).toBeUndefined();
  });

  it('rejects non-objects at the root', async () => {
    expect((await validatePayload('push', null, [])).violations).toEqual([{ path: '', message: 'must be object, got array' }]);
    expect((await validatePayload('push', null, 'x')).violations).toEqual([{ path: '', message: 'must be object, got string "x"' }]);
  });
});

// ---------------------------------------------------------------------------------------
// Same verdict as ajv on the same schema files.

/** Deterministic broken variants: each removes one field or gives it a wrong type. */
function variants(payload: { [k: string]: Json }, limit: number): { [k: string]: Json }[] {
  const paths: (string | number)[][] = [];
  const walk = (node: Json, path: (string | number)[]) => {
    if (path.length > 0) paths.push(path);
    if (Array.isArray(node)) node.slice(0, 2).forEach((v, i) => walk(v, [...path, i]));
    else if (node && typeof node === 'object') for (const k of Object.keys(node)) walk(node[k], [...path, k]);
  };
  walk(payload, []);
  const step = Math.max(1, Math.floor(paths.length / limit));
  const out: { [k: string]: Json }[] = [];
  for (let i = 0; i < paths.length; i += step) {
    const path = paths[i];
    for (const mode of ['delete', 'retype'] as const) {
      const copy = structuredClone(payload);
      let parent: any = copy;
      for (const seg of path.slice(0, -1)) parent = parent[seg];
      const last = path[path.length - 1];
      const old = parent[last] as Json;
      if (mode === 'delete') {
        if (Array.isArray(parent)) parent.splice(last as number, 1);
        else delete parent[last];
      } else {
        parent[last] = typeof old === 'string' ? 42 : typeof old === 'number' ? 'forty-two' : old === null ? 42 : typeof old === 'boolean' ? 'yes' : Array.isArray(old) ? {} : 'object';
      }
      out.push(copy);
    }
  }
  return out;
}

/** Keywords src/core/schemas/validate.ts checks, and the annotations it may ignore. */
const IMPLEMENTED = new Set(['$ref', 'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'allOf', 'anyOf', 'oneOf', 'minimum', 'maximum', 'maxLength', 'minLength', 'maxItems', 'minItems', 'format', 'pattern', '$defs']);
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'x-hookctl-actions']);
const SUBSCHEMA_MAPS = new Set(['properties', '$defs', 'patternProperties', 'dependentSchemas']);
const SUBSCHEMAS = new Set(['items', 'additionalProperties', 'not', 'contains', 'if', 'then', 'else', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems']);
const SUBSCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);

describe('the schema checker covers every keyword GitHub\'s schemas use', () => {
  it('fails when a schema in schemas/webhooks uses a keyword validate.ts does not implement', () => {
    const unknown = new Map<string, string>();
    const walk = (schema: unknown, file: string) => {
      if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return;
      for (const [key, value] of Object.entries(schema)) {
        if (!IMPLEMENTED.has(key) && !ANNOTATIONS.has(key)) unknown.set(key, file);
        if (SUBSCHEMA_MAPS.has(key)) for (const sub of Object.values(value as object)) walk(sub, file);
        else if (SUBSCHEMAS.has(key)) walk(value, file);
        else if (SUBSCHEMA_LISTS.has(key)) for (const sub of value as unknown[]) walk(sub, file);
      }
    };
    const files = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(75);
    for (const file of files) walk(JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')), file);
    expect(Object.fromEntries(unknown)).toEqual({});
  });
});

/** What a (sub)schema asks of a payload, as names: keywords and the kinds of their values. */
function featuresOf(schema: unknown, defs: Record<string, unknown>, out = new Set<string>(), seen = new Set<unknown>()): Set<string> {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema) || seen.has(schema)) return out;
  seen.add(schema);
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (ANNOTATIONS.has(key)) continue;
    out.add(key);
    if (key === '$ref') featuresOf(defs[String(value).replace('#/$defs/', '')], defs, out, seen);
    if (key === 'type') out.add(`type:${([] as unknown[]).concat(value).sort().join('|')}`);
    if (key === 'format') out.add(`format:${String(value)}`);
    if (key === 'additionalProperties') out.add(`additionalProperties:${typeof value}`);
    if (key === 'enum' && (value as unknown[]).includes(null)) out.add('enum:null');
    if (SUBSCHEMA_MAPS.has(key) && key !== '$defs') for (const sub of Object.values(value as object)) featuresOf(sub, defs, out, seen);
    else if (SUBSCHEMAS.has(key)) featuresOf(value, defs, out, seen);
    else if (SUBSCHEMA_LISTS.has(key)) {
      out.add(`${key}:${(value as unknown[]).length > 1 ? 'many' : 'one'}`);
      for (const sub of value as unknown[]) featuresOf(sub, defs, out, seen);
    }
  }
  return out;
}

describe('validate.ts agrees with ajv on a set of samples that uses every feature of the schemas', () => {
  // Compiling a schema with ajv is what costs (~100 ms each); checking is cheap. So the pairs
  // compared are chosen, each run, to cover every keyword and kind of value (type lists,
  // formats, enums with null, one- or many-branch allOf/anyOf/oneOf…) any sample's schema uses,
  // greedily, and each is compared on many broken variants. Every sample is still validated.
  const index = JSON.parse(readFileSync(join(PAYLOADS_DIR, 'index.json'), 'utf8')) as {
    entries: { event: string; action: string | null; file: string }[];
  };
  const docs = new Map<string, { $defs: Record<string, object>; 'x-hookctl-actions': Record<string, string> }>();
  const doc = (event: string) => {
    if (!docs.has(event)) docs.set(event, JSON.parse(readFileSync(join(SCHEMAS_DIR, `${event}.json`), 'utf8')));
    return docs.get(event)!;
  };
  const candidates = index.entries
    .filter((e) => !e.file.includes('.collected.'))
    .map((e) => {
      const d = doc(e.event);
      const def = d['x-hookctl-actions'][e.action ?? ''];
      return { ...e, def, features: featuresOf(d.$defs[def], d.$defs) };
    })
    .filter((c) => c.def !== undefined);
  const everyFeature = new Set(candidates.flatMap((c) => [...c.features]));
  const chosen: typeof candidates = [];
  const left = new Set(everyFeature);
  while (left.size > 0) {
    let best = candidates[0];
    let gain = -1;
    for (const c of candidates) {
      const g = [...c.features].filter((f) => left.has(f)).length;
      if (g > gain) [best, gain] = [c, g];
    }
    chosen.push(best);
    for (const f of best.features) left.delete(f);
  }

  it('every catalog sample is valid for its schema', async () => {
    const invalid: string[] = [];
    for (const e of index.entries) if (!(await validatePayload(e.event, e.action, sample(e.file))).valid) invalid.push(e.file);
    expect(invalid).toEqual([]);
  });

  it('the chosen pairs cover every feature any sample\'s schema uses', () => {
    expect(everyFeature.size).toBeGreaterThan(40);
    expect(everyFeature).toEqual(new Set(chosen.flatMap((c) => [...c.features])));
    expect(chosen.length).toBeLessThan(candidates.length / 4);
  });

  it.each(chosen.map((c) => [c.event, c.action, c.file, c.def] as const))('%s.%s: valid sample and broken variants (%s)', async (event, action, file, def) => {
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats.default(ajv);
    ajv.addFormat('int64', true);
    // The pair's schema with the event file's $defs (compiling the whole file's root takes seconds).
    const check = ajv.compile({ $ref: `#/$defs/${def}`, $defs: doc(event).$defs });
    const payload = sample(file);
    expect(check(payload)).toBe(true);
    let disagreements = 0;
    let invalid = 0;
    for (const variant of variants(payload, 60)) {
      const ours = await validatePayload(event, action, variant);
      const theirs = check(variant);
      if (!theirs) invalid++;
      if (ours.valid !== theirs) disagreements++;
    }
    expect(disagreements).toBe(0);
    expect(invalid).toBeGreaterThan(0); // the variants do break things
  });
});
