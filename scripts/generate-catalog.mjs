#!/usr/bin/env node
// Regenerates payloads/ (the sample catalog) from GitHub's official webhook description
// (@octokit/openapi-webhooks) and the captured examples (@octokit/webhooks-examples).
// Usage: node scripts/generate-catalog.mjs           rewrite payloads/ and schemas/webhooks/
//        node scripts/generate-catalog.mjs --check   regenerate into a temp folder and fail
//                                                    if the committed output differs
// The output is committed; never edit it by hand.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExamples, loadOpenApi, packageVersion, webhookPairs } from './lib/sources.mjs';
import { createValidator } from './lib/validator.mjs';
import { createConformer } from './lib/conform.mjs';
import { createWorld } from './lib/world.mjs';
import { extractEventSchema } from './lib/extract.mjs';
import { ACTION_STATES, VARIANTS, variantFile } from './lib/variants.mjs';
import { checkAsPublished, publishedLine, repairLine } from './lib/published.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHECK = process.argv.includes('--check');
const OUT = CHECK ? mkdtempSync(join(tmpdir(), 'hookctl-catalog-')) : ROOT;
const PAYLOADS = join(OUT, 'payloads');
const SCHEMAS = join(OUT, 'schemas', 'webhooks');

/** The action `send <event>` uses when none is given: the one people test first. */
const PREFERRED_DEFAULTS = {
  pull_request: 'opened',
  issues: 'opened',
  issue_comment: 'created',
  release: 'published',
  workflow_run: 'completed',
  workflow_job: 'completed',
  check_run: 'completed',
  check_suite: 'completed',
  star: 'created',
  pull_request_review: 'submitted',
  pull_request_review_comment: 'created',
  discussion: 'created',
  discussion_comment: 'created',
  deployment_status: 'created',
  installation: 'created',
  label: 'created',
  milestone: 'created',
  repository: 'created',
  member: 'added',
  membership: 'added',
  merge_group: 'checks_requested',
  code_scanning_alert: 'created',
  dependabot_alert: 'created',
  secret_scanning_alert: 'created',
  sponsorship: 'created',
};
const FALLBACK_ORDER = ['created', 'opened', 'completed', 'published', 'submitted', 'added', 'requested', 'started'];

function pairKey(event, action) {
  return action === null ? event : `${event}.${action}`;
}

function defaultActionFor(event, actions) {
  const preferred = PREFERRED_DEFAULTS[event];
  if (preferred && actions.includes(preferred)) return preferred;
  return FALLBACK_ORDER.find((a) => actions.includes(a)) ?? actions[0];
}

/** Captured examples by official pair. repository_dispatch's action is free-form: map any to the documented one. */
function examplesByPair(examples, pairs) {
  const byPair = new Map();
  const dispatch = pairs.find((p) => p.event === 'repository_dispatch');
  for (const group of examples) {
    for (const example of group.examples) {
      let action = typeof example.action === 'string' ? example.action : null;
      if (group.name === 'repository_dispatch' && dispatch) action = dispatch.action;
      const key = pairKey(group.name, action);
      if (!byPair.has(key)) byPair.set(key, []);
      byPair.get(key).push(example);
    }
  }
  return byPair;
}

/** The best capture for a pair: fewest schema errors, then one naming a repository and sender, then the richest. */
function chooseExample(candidates, schemaName, errorsFor) {
  const scored = candidates.map((payload, i) => ({
    payload,
    errors: errorsFor(schemaName, payload).length,
    context: (payload.repository ? 1 : 0) + (payload.sender ? 1 : 0),
    size: JSON.stringify(payload).length,
    i,
  }));
  scored.sort((a, b) => a.errors - b.errors || b.context - a.context || b.size - a.size || a.i - b.i);
  return scored[0].payload;
}

/** Small and diff-friendly: one line per entry. */
function formatIndex(index) {
  const lines = index.entries.map((e) => '  ' + JSON.stringify(e));
  return (
    '{\n' +
    `"sources": ${JSON.stringify(index.sources)},\n` +
    `"defaultActions": ${JSON.stringify(index.defaultActions)},\n` +
    `"entries": [\n${lines.join(',\n')}\n]\n}\n`
  );
}

function writePayload(file, payload) {
  mkdirSync(dirname(join(PAYLOADS, file)), { recursive: true });
  writeFileSync(join(PAYLOADS, file), JSON.stringify(payload) + '\n');
}

function main() {
  const openapi = loadOpenApi('api.github.com');
  const pairs = webhookPairs(openapi);
  const byPair = examplesByPair(loadExamples('api.github.com'), pairs);
  const validator = createValidator(openapi);
  const world = createWorld([...byPair.values()].flat());
  const conform = createConformer({ openapi, world, fitErrors: (ptr, value) => validator.errorsAt(ptr, value).length });
  const stats = { captured: 0, repaired: 0, synthesized: 0, invalid: [] };

  const samples = new Map();
  const captured = buildCaptured({ pairs, byPair, world, conform, errorsFor: validator.errorsFor, samples, stats });
  buildSynthesized({ openapi, pairs, captured, world, conform, samples, stats });

  rmSync(PAYLOADS, { recursive: true, force: true });
  const { entries, written } = writeSamples(pairs, samples, validator.errorsFor, stats);
  writeFileSync(join(PAYLOADS, 'index.json'), formatIndex(indexOf(entries)));
  console.error(
    `payloads/: ${entries.length} entries for ${pairs.length} documented pairs: ${stats.captured} captured ` +
      `(${stats.repaired} repaired), ${stats.synthesized} synthesized, ${VARIANTS.length} named ${VARIANTS.length === 1 ? 'variant' : 'variants'} ` +
      `(${VARIANTS.map((v) => `${pairKey(v.event, v.action)}:${v.variant}`).join(', ')}); ${stats.invalid.length} not schema-valid`,
  );
  for (const { key, errors } of stats.invalid) console.error(`  ${key}: ${errors.join('; ')}`);
  if (openapi.repairs.length > 0) console.error(repairLine(openapi));
  const published = checkAsPublished(openapi, written);
  console.error(publishedLine(written.length, published.failing));
  for (const { key, errors } of published.unexpected) console.error(`  ${key} (as published): ${errors.join('; ')}`);
  if (stats.invalid.length > 0 || published.unexpected.length > 0) process.exitCode = 1;
  writeSchemas(openapi, pairs);
}

function inWorldOf(world) {
  return (payload) => payload.repository === undefined || payload.repository?.id === world.repository.id;
}

/**
 * 1. Captured pairs, repaired where today's schema requires more. Captures from the world's
 *    repository go first so their sub-objects become the donors for synthesis.
 */
function buildCaptured({ pairs, byPair, world, conform, errorsFor, samples, stats }) {
  const captured = pairs.filter((p) => byPair.has(pairKey(p.event, p.action)));
  const chosen = new Map(captured.map((p) => [p, structuredClone(chooseExample(byPair.get(pairKey(p.event, p.action)), p.schemaName, errorsFor))]));
  const inWorld = inWorldOf(world);
  captured.sort((a, b) => Number(inWorld(chosen.get(b))) - Number(inWorld(chosen.get(a))));
  for (const pair of captured) {
    let payload = chosen.get(pair);
    if (pair.action !== null) payload.action = pair.action;
    const before = errorsFor(pair.schemaName, payload).length;
    payload = conform(pair.schemaName, payload, { event: pair.event, action: pair.action, fresh: false, recordDonors: inWorld(payload) });
    if (before > 0) stats.repaired++;
    samples.set(pair, { payload, source: 'captured' });
    stats.captured++;
  }
  return captured;
}

/**
 * 2. Pairs without a capture: start from a captured sibling of the same event when there is
 *    one (same objects, other action), else build from the schema in the world.
 */
function buildSynthesized({ openapi, pairs, captured, world, conform, samples, stats }) {
  const inWorld = inWorldOf(world);
  for (const pair of pairs) {
    if (samples.has(pair)) continue;
    const schema = openapi.components.schemas[pair.schemaName];
    const known = new Set((schema.oneOf ?? [schema]).flatMap((v) => Object.keys(v.properties ?? {})));
    const siblings = captured.filter((p) => p.event === pair.event).map((p) => samples.get(p).payload);
    siblings.sort((a, b) => Number(inWorld(b)) - Number(inWorld(a)) || overlap(b, known) - overlap(a, known));
    let payload;
    if (siblings.length > 0) {
      payload = structuredClone(siblings[0]);
      for (const key of Object.keys(payload)) if (!known.has(key) || key === 'changes') delete payload[key];
      // Some captures name a repository inconsistently (full_name ≠ owner/name): use the world's.
      const repo = payload.repository;
      if (repo && repo.full_name !== `${repo.owner?.login}/${repo.name}`) payload.repository = structuredClone(world.repository);
      if (pair.action !== null) payload.action = pair.action;
      payload = conform(pair.schemaName, payload, { event: pair.event, action: pair.action, fresh: false });
    } else {
      payload = conform(pair.schemaName, undefined, { event: pair.event, action: pair.action, fresh: true });
    }
    payload = ACTION_STATES[pairKey(pair.event, pair.action)]?.(payload) ?? payload;
    samples.set(pair, { payload, source: 'synthesized' });
    stats.synthesized++;
  }
}

/**
 * 3. Write every pair's sample, then the named variants (pull_request.closed:merged) built from
 *    their pair's sample, each checked against its pair's schema.
 */
function writeSamples(pairs, samples, errorsFor, stats) {
  const entries = [];
  const written = [];
  const write = (key, pair, payload, entry) => {
    written.push({ key, pair, payload });
    const errors = errorsFor(pair.schemaName, payload);
    if (errors.length > 0) stats.invalid.push({ key, errors: errors.slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`) });
    writePayload(entry.file, payload);
    entries.push(entry);
  };
  for (const pair of pairs) {
    const { payload, source } = samples.get(pair);
    const file = pair.action === null ? `${pair.event}.json` : `${pair.event}/${pair.action}.json`;
    write(pairKey(pair.event, pair.action), pair, payload, { event: pair.event, action: pair.action, description: pair.description, source, file });
  }
  for (const v of VARIANTS) {
    const pair = pairs.find((p) => p.event === v.event && p.action === v.action);
    const payload = v.build(structuredClone(samples.get(pair).payload));
    const entry = { event: v.event, action: v.action, variant: v.variant, description: v.description, source: 'synthesized', file: variantFile(v) };
    write(`${pairKey(v.event, v.action)}:${v.variant}`, pair, payload, entry);
  }
  return { entries, written };
}

/** index.json: sources, each event's default action (never a variant), entries sorted. */
function indexOf(entries) {
  const actionsByEvent = new Map();
  for (const e of entries) {
    if (e.action === null || e.variant) continue;
    if (!actionsByEvent.has(e.event)) actionsByEvent.set(e.event, []);
    actionsByEvent.get(e.event).push(e.action);
  }
  const defaultActions = {};
  for (const [event, actions] of [...actionsByEvent].sort(([a], [b]) => a.localeCompare(b))) {
    defaultActions[event] = defaultActionFor(event, actions);
  }
  entries.sort((a, b) => a.event.localeCompare(b.event) || (a.action ?? '').localeCompare(b.action ?? '') || (a.variant ?? '').localeCompare(b.variant ?? ''));
  return {
    sources: {
      '@octokit/openapi-webhooks': packageVersion('@octokit/openapi-webhooks'),
      '@octokit/webhooks-examples': packageVersion('@octokit/webhooks-examples'),
    },
    defaultActions,
    entries,
  };
}

/** schemas/webhooks/<event>.json: compact, one per event (read by src/core/schemas/validate.ts). */
function writeSchemas(openapi, pairs) {
  rmSync(SCHEMAS, { recursive: true, force: true });
  mkdirSync(SCHEMAS, { recursive: true });
  const version = packageVersion('@octokit/openapi-webhooks');
  const events = [...new Set(pairs.map((p) => p.event))].sort();
  let bytes = 0;
  for (const event of events) {
    const text = JSON.stringify(extractEventSchema(openapi, event, pairs.filter((p) => p.event === event), version)) + '\n';
    writeFileSync(join(SCHEMAS, `${event}.json`), text);
    bytes += text.length;
  }
  console.error(`schemas/webhooks/: ${events.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
}

function overlap(payload, known) {
  return Object.keys(payload).filter((k) => known.has(k)).length;
}

function filesUnder(dir, base = dir) {
  if (!statSync(dir, { throwIfNoEntry: false })) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, base) : [path.slice(base.length + 1)];
  });
}

/** --check: compare the fresh output with the committed one. */
function compareWithCommitted() {
  const drift = [];
  for (const sub of ['payloads', join('schemas', 'webhooks')]) {
    const fresh = new Set(filesUnder(join(OUT, sub)));
    const committed = new Set(filesUnder(join(ROOT, sub)));
    for (const f of new Set([...fresh, ...committed])) {
      if (!fresh.has(f)) drift.push(`${sub}/${f}: not generated any more`);
      else if (!committed.has(f)) drift.push(`${sub}/${f}: missing`);
      else if (!readFileSync(join(OUT, sub, f)).equals(readFileSync(join(ROOT, sub, f)))) drift.push(`${sub}/${f}: differs`);
    }
  }
  rmSync(OUT, { recursive: true, force: true });
  if (drift.length > 0) {
    console.error(`${drift.length} generated files differ from the committed ones; run node scripts/generate-catalog.mjs`);
    for (const line of drift.slice(0, 20)) console.error(`  ${line}`);
    process.exitCode = 1;
  } else console.error('payloads/ and schemas/webhooks/ are up to date');
}

main();
if (CHECK) compareWithCommitted();
