#!/usr/bin/env node
/**
 * Extracts the request and response schemas of the GitHub REST endpoints hookctl calls
 * (repository and organization webhooks: CRUD, pings, deliveries list/get/redeliver; a GitHub
 * App's webhook config and deliveries) from
 * GitHub's official OpenAPI description, with every $ref resolved, into
 * test/fixtures/github-rest/. The tests validate what the fake GitHub serves and what
 * hookctl sends against these files.
 *
 * @octokit/openapi is huge (~450 MB unpacked), so it is not a dependency: this script
 * fetches the pinned version with `npm pack` into a temp dir and deletes it afterwards.
 *
 *   node scripts/extract-github-rest.mjs
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@octokit/openapi';
const VERSION = '23.0.2';
const SPEC = 'generated/api.github.com.json';
const OUT = fileURLToPath(new URL('../test/fixtures/github-rest/', import.meta.url));

/** operationId → [method, path] for every endpoint hookctl calls. */
const OPERATIONS = {
  'repos/list-webhooks': ['get', '/repos/{owner}/{repo}/hooks'],
  'repos/create-webhook': ['post', '/repos/{owner}/{repo}/hooks'],
  'repos/get-webhook': ['get', '/repos/{owner}/{repo}/hooks/{hook_id}'],
  'repos/update-webhook': ['patch', '/repos/{owner}/{repo}/hooks/{hook_id}'],
  'repos/delete-webhook': ['delete', '/repos/{owner}/{repo}/hooks/{hook_id}'],
  'repos/ping-webhook': ['post', '/repos/{owner}/{repo}/hooks/{hook_id}/pings'],
  'repos/list-webhook-deliveries': ['get', '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries'],
  'repos/get-webhook-delivery': ['get', '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}'],
  'repos/redeliver-webhook-delivery': ['post', '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts'],
  'orgs/list-webhooks': ['get', '/orgs/{org}/hooks'],
  'orgs/create-webhook': ['post', '/orgs/{org}/hooks'],
  'orgs/get-webhook': ['get', '/orgs/{org}/hooks/{hook_id}'],
  'orgs/update-webhook': ['patch', '/orgs/{org}/hooks/{hook_id}'],
  'orgs/delete-webhook': ['delete', '/orgs/{org}/hooks/{hook_id}'],
  'orgs/ping-webhook': ['post', '/orgs/{org}/hooks/{hook_id}/pings'],
  'orgs/list-webhook-deliveries': ['get', '/orgs/{org}/hooks/{hook_id}/deliveries'],
  'orgs/get-webhook-delivery': ['get', '/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}'],
  'orgs/redeliver-webhook-delivery': ['post', '/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts'],
  'apps/get-authenticated': ['get', '/app'],
  'apps/get-webhook-config-for-app': ['get', '/app/hook/config'],
  'apps/update-webhook-config-for-app': ['patch', '/app/hook/config'],
  'apps/list-webhook-deliveries': ['get', '/app/hook/deliveries'],
  'apps/get-webhook-delivery': ['get', '/app/hook/deliveries/{delivery_id}'],
  'apps/redeliver-webhook-delivery': ['post', '/app/hook/deliveries/{delivery_id}/attempts'],
};

function fetchSpec() {
  const dir = mkdtempSync(join(tmpdir(), 'hookctl-openapi-'));
  try {
    execFileSync('npm', ['pack', `${PACKAGE}@${VERSION}`, '--silent'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack produced no tarball');
    execFileSync('tar', ['xzf', tgz, `package/${SPEC}`], { cwd: dir });
    return JSON.parse(readFileSync(join(dir, 'package', SPEC), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function resolver(spec) {
  const lookup = (ref) => {
    if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`);
    return ref
      .slice(2)
      .split('/')
      .reduce((node, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  };
  const resolve = (node, seen = []) => {
    if (Array.isArray(node)) return node.map((n) => resolve(n, seen));
    if (!node || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      if (seen.includes(node.$ref)) return {}; // a cycle: accept anything below this point
      return resolve(lookup(node.$ref), [...seen, node.$ref]);
    }
    const out = {};
    for (const [key, value] of Object.entries(node)) out[key] = resolve(value, seen);
    return out;
  };
  return resolve;
}

const spec = fetchSpec();
const resolve = resolver(spec);
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const index = {};
for (const [operationId, [method, path]] of Object.entries(OPERATIONS)) {
  const op = spec.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in ${PACKAGE}@${VERSION}`);
  if (op.operationId !== operationId) throw new Error(`${path}: expected ${operationId}, found ${op.operationId}`);
  const json = (content) => content?.['application/json'];
  const requestBody = json(resolve(op.requestBody)?.content);
  const responses = {};
  for (const [status, response] of Object.entries(op.responses)) {
    const r = resolve(response);
    const body = json(r.content);
    const example = body?.examples ? Object.values(body.examples)[0]?.value : undefined;
    responses[status] = { description: r.description, schema: body?.schema ?? null, ...(example !== undefined ? { example } : {}) };
  }
  const parameters = (op.parameters ?? []).map((p) => resolve(p)).map(({ name, in: where, required, schema }) => ({ name, in: where, required: Boolean(required), schema }));
  const file = `${operationId.replace('/', '.')}.json`;
  writeFileSync(
    join(OUT, file),
    JSON.stringify({ operationId, method: method.toUpperCase(), path, parameters, requestBody: requestBody?.schema ?? null, responses }, null, 2) + '\n',
  );
  index[operationId] = { method: method.toUpperCase(), path, file };
}
writeFileSync(
  join(OUT, 'index.json'),
  JSON.stringify({ source: `${PACKAGE}@${VERSION}/${SPEC}`, openapi: spec.openapi, apiVersion: spec.info?.version, operations: index }, null, 2) + '\n',
);
console.log(`wrote ${Object.keys(index).length} operations from ${PACKAGE}@${VERSION} to ${OUT}`);
