#!/usr/bin/env node
// Regenerates payloads/ (the sample catalog) from GitHub's official webhook description
// (@octokit/openapi-webhooks) and the captured examples (@octokit/webhooks-examples).
// Usage: node scripts/generate-catalog.mjs      (output is committed; never edit it by hand)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExamples, loadOpenApi, packageVersion, webhookPairs } from './lib/sources.mjs';
import { createValidator } from './lib/validator.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PAYLOADS = join(ROOT, 'payloads');

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

function main() {
  const openapi = loadOpenApi('api.github.com');
  const pairs = webhookPairs(openapi);
  const byPair = examplesByPair(loadExamples('api.github.com'), pairs);
  const errorsFor = createValidator(openapi);

  rmSync(PAYLOADS, { recursive: true, force: true });
  const entries = [];
  const stats = { captured: 0, missing: [], invalid: [] };
  for (const pair of pairs) {
    const key = pairKey(pair.event, pair.action);
    const candidates = byPair.get(key);
    if (!candidates) {
      stats.missing.push(key);
      continue;
    }
    const payload = structuredClone(chooseExample(candidates, pair.schemaName, errorsFor));
    if (pair.action !== null) payload.action = pair.action;
    if (errorsFor(pair.schemaName, payload).length > 0) stats.invalid.push(key);
    const file = pair.action === null ? `${pair.event}.json` : `${pair.event}/${pair.action}.json`;
    mkdirSync(dirname(join(PAYLOADS, file)), { recursive: true });
    writeFileSync(join(PAYLOADS, file), JSON.stringify(payload) + '\n');
    entries.push({ event: pair.event, action: pair.action, description: pair.description, source: 'captured', file });
    stats.captured++;
  }

  const actionsByEvent = new Map();
  for (const e of entries) {
    if (e.action === null) continue;
    if (!actionsByEvent.has(e.event)) actionsByEvent.set(e.event, []);
    actionsByEvent.get(e.event).push(e.action);
  }
  const defaultActions = {};
  for (const [event, actions] of [...actionsByEvent].sort(([a], [b]) => a.localeCompare(b))) {
    defaultActions[event] = defaultActionFor(event, actions);
  }
  entries.sort((a, b) => a.event.localeCompare(b.event) || (a.action ?? '').localeCompare(b.action ?? ''));
  const index = {
    sources: {
      '@octokit/openapi-webhooks': packageVersion('@octokit/openapi-webhooks'),
      '@octokit/webhooks-examples': packageVersion('@octokit/webhooks-examples'),
    },
    defaultActions,
    entries,
  };
  writeFileSync(join(PAYLOADS, 'index.json'), formatIndex(index));
  console.error(
    `payloads/: ${entries.length} entries (${stats.captured} captured) of ${pairs.length} documented pairs; ` +
      `${stats.missing.length} without a capture; ${stats.invalid.length} captures not schema-valid`,
  );
}

main();
