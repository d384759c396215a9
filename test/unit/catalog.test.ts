/**
 * The generated catalog (payloads/) against its sources: one entry per documented
 * event.action pair of GitHub's official webhook description, index ↔ files, compact JSON,
 * every sample valid against its official schema, captured vs synthesized told truthfully.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAYLOADS_DIR, entryName, loadIndex, loadPayloadBytes, resolve } from '../../src/core/catalog/catalog.js';
import { validatePayload } from '../../src/core/schemas/validate.js';

const require = createRequire(import.meta.url);

interface OpenApi {
  webhooks: Record<string, { post: { operationId: string; requestBody: { content: { 'application/json': { schema: { $ref: string } } } } } }>;
  components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }>; oneOf?: { properties?: Record<string, { enum?: string[] }> }[] }> };
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

const openapi = readJson<OpenApi>(require.resolve('@octokit/openapi-webhooks/generated/api.github.com.json'));
const examples = readJson<{ name: string; examples: { action?: string }[] }[]>(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'));

/** Documented pairs, derived here independently of the generator. */
function documentedPairs(): string[] {
  return Object.values(openapi.webhooks).map(({ post }) => {
    const [eventPart, actionPart] = post.operationId.split('/');
    const event = eventPart.replace(/-/g, '_');
    if (actionPart === undefined) return event;
    const schema = openapi.components.schemas[post.requestBody.content['application/json'].schema.$ref.split('/').pop()!];
    const en = [schema, ...(schema.oneOf ?? [])].map((s) => s.properties?.action?.enum).find((e) => e?.length === 1);
    return `${event}.${en ? en[0] : actionPart}`;
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const index = loadIndex();

describe('payload catalog', () => {
  it('has exactly one entry per documented event.action pair, and nothing else but named variants of them', () => {
    const documented = documentedPairs();
    expect(documented.length).toBe(261);
    const names = index.entries.map(entryName);
    expect(new Set(names).size).toBe(names.length);
    const plain = index.entries.filter((e) => !e.variant);
    expect(plain.map(entryName).sort()).toEqual([...new Set(documented)].sort());
    const variants = index.entries.filter((e) => e.variant);
    expect(variants.map(entryName)).toEqual(['pull_request.closed:merged']);
    for (const v of variants) expect(plain.some((e) => e.event === v.event && e.action === v.action), entryName(v)).toBe(true);
  });

  it('index and files match: every entry has its file, no orphan files', () => {
    const indexed = index.entries.map((e) => e.file).sort();
    const onDisk = filesUnder(PAYLOADS_DIR)
      .map((f) => relative(PAYLOADS_DIR, f))
      .filter((f) => f !== 'index.json')
      .sort();
    expect(onDisk).toEqual(indexed);
    for (const e of index.entries) {
      expect(e.file).toBe(e.action === null ? `${e.event}.json` : `${e.event}/${e.action}${e.variant ? `-${e.variant}` : ''}.json`);
    }
  });

  it('stores compact JSON, as GitHub sends it, whose action matches the entry', () => {
    for (const e of index.entries) {
      const bytes = loadPayloadBytes(e).toString('utf8');
      const payload = JSON.parse(bytes) as { action?: string };
      expect(JSON.stringify(payload), e.file).toBe(bytes);
      if (e.action !== null) expect(payload.action, e.file).toBe(e.action);
    }
  });

  it('every sample validates against the official schema of its pair', async () => {
    const failures: string[] = [];
    for (const e of index.entries) {
      const result = await validatePayload(e.event, e.action, JSON.parse(loadPayloadBytes(e).toString('utf8')));
      if (!result.schemaFound || !result.valid) failures.push(`${entryName(e)}: ${JSON.stringify(result.violations.slice(0, 3))}`);
    }
    expect(failures).toEqual([]);
  });

  it('says truthfully which samples are captured and which synthesized', () => {
    const capturedPairs = new Set(
      examples.flatMap((group) =>
        group.examples.map((ex) => (group.name === 'repository_dispatch' ? 'repository_dispatch' : `${group.name}${ex.action ? `.${ex.action}` : ''}`)),
      ),
    );
    for (const e of index.entries) {
      // A variant is built from its pair's sample: synthesized, whatever the pair's source.
      const key = e.event === 'repository_dispatch' ? e.event : entryName(e);
      expect(e.source, entryName(e)).toBe(capturedPairs.has(key) ? 'captured' : 'synthesized');
    }
    expect(index.entries.filter((e) => e.source === 'captured').length).toBeGreaterThanOrEqual(160);
  });

  it('records the package versions it came from and one-line descriptions', () => {
    expect(index.sources['@octokit/openapi-webhooks']).toBe(readJson<{ version: string }>(require.resolve('@octokit/openapi-webhooks/package.json')).version);
    expect(index.sources['@octokit/webhooks-examples']).toBe(readJson<{ version: string }>(require.resolve('@octokit/webhooks-examples/package.json')).version);
    for (const e of index.entries) {
      expect(e.description.length, entryName(e)).toBeGreaterThan(5);
      expect(e.description, entryName(e)).not.toMatch(/\n/);
    }
  });

  it('has the README events and sensible default actions', () => {
    const names = new Set(index.entries.map(entryName));
    for (const name of ['push', 'pull_request.opened', 'pull_request.closed', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.labeled', 'issues.opened', 'issue_comment.created', 'pull_request_review.submitted', 'release.published', 'workflow_run.completed', 'check_run.completed', 'check_suite.completed', 'star.created', 'create', 'delete', 'ping']) {
      expect(names.has(name), name).toBe(true);
    }
    const expected = { pull_request: 'opened', issues: 'opened', issue_comment: 'created', release: 'published', workflow_run: 'completed', check_run: 'completed', check_suite: 'completed', star: 'created', pull_request_review: 'submitted' };
    for (const [event, action] of Object.entries(expected)) {
      const r = resolve(event, index);
      expect(r.ok && r.entry.action, event).toBe(action);
    }
    // Every event with actions has a default that exists.
    for (const [event, action] of Object.entries(index.defaultActions)) expect(names.has(`${event}.${action}`), event).toBe(true);
    const withActions = new Set(index.entries.filter((e) => e.action !== null).map((e) => e.event));
    expect(Object.keys(index.defaultActions).sort()).toEqual([...withActions].sort());
  });

  it('synthesizes in one consistent world: repository, owner and sender agree with their URLs', () => {
    for (const e of index.entries.filter((x) => x.source === 'synthesized')) {
      const p = JSON.parse(loadPayloadBytes(e).toString('utf8')) as { repository?: { full_name: string; name: string; owner: { login: string }; html_url: string; url: string }; sender?: { login: string; html_url: string } };
      if (p.repository) {
        expect(p.repository.full_name, entryName(e)).toBe(`${p.repository.owner.login}/${p.repository.name}`);
        expect(p.repository.html_url).toBe(`https://github.com/${p.repository.full_name}`);
        expect(p.repository.url).toBe(`https://api.github.com/repos/${p.repository.full_name}`);
      }
      if (p.sender) expect(p.sender.html_url, entryName(e)).toBe(`https://github.com/${p.sender.login}`);
      // No schema-faker noise: URLs point at GitHub (or at the advisory databases captures cite).
      const hosts = (JSON.stringify(p).match(/"https?:\/\/[^"/]+/g) ?? []).map((u) => u.replace(/^"https?:\/\//, '').toLowerCase());
      for (const host of hosts) expect(host, entryName(e)).toMatch(/^(([a-z0-9-]+\.)*github\.com|[a-z0-9-]+\.githubusercontent\.com|[a-z0-9-]+\.github\.io|octo-enterprise\.com|nvd\.nist\.gov|security\.snyk\.io)$/);
    }
  });

  it('pull_request.closed:merged is the closed sample, merged: every merge field set and consistent, nothing else changed', () => {
    const merged = resolve('pull_request.closed:merged', index);
    expect(merged.ok && merged.entry).toMatchObject({ event: 'pull_request', action: 'closed', variant: 'merged', source: 'synthesized' });
    const closed = resolve('pull_request.closed', index);
    if (!merged.ok || !closed.ok) throw new Error('not in the catalog');
    expect(closed.entry.variant).toBeUndefined();
    const m = JSON.parse(loadPayloadBytes(merged.entry).toString('utf8'));
    const c = JSON.parse(loadPayloadBytes(closed.entry).toString('utf8'));
    expect(m.action).toBe('closed');
    expect(c.pull_request).toMatchObject({ merged: false, merged_by: null, merged_at: null });
    const pr = m.pull_request;
    expect(pr).toMatchObject({ state: 'closed', merged: true, draft: false, mergeable: null, rebaseable: null, mergeable_state: 'unknown', auto_merge: null });
    expect(pr.merged_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(pr.closed_at).toBe(pr.merged_at);
    expect(pr.updated_at).toBe(pr.merged_at);
    expect(pr.merged_by).toEqual(m.sender);
    expect(pr.merge_commit_sha).toMatch(/^[0-9a-f]{40}$/);
    expect(pr.merge_commit_sha).not.toBe(c.pull_request.merge_commit_sha);
    expect(pr.merge_commit_sha).not.toBe(pr.head.sha);
    expect(m.repository.pushed_at >= pr.merged_at).toBe(true);
    // Everything else is the closed sample's.
    const MERGE_FIELDS = ['merged', 'merged_at', 'merged_by', 'merge_commit_sha', 'mergeable', 'rebaseable', 'mergeable_state', 'updated_at', 'closed_at', 'draft', 'auto_merge'];
    const same = (x: any) => {
      const rest = Object.fromEntries(Object.entries(x.pull_request).filter(([k]) => !MERGE_FIELDS.includes(k)));
      return { ...x, pull_request: rest, repository: { ...x.repository, pushed_at: undefined } };
    };
    expect(same(m)).toEqual(same(c));
  });

  it('resolves variants by name only: the event alone still means its default action, and a variant\'s name is suggested for it', () => {
    const opened = resolve('pull_request', index);
    expect(opened.ok && entryName(opened.entry)).toBe('pull_request.opened');
    const asAction = resolve('pull_request.merged', index);
    expect(!asAction.ok && asAction.suggestions[0]).toBe('pull_request.closed:merged');
    const typo = resolve('pull_request.closed:merge', index);
    expect(!typo.ok && typo.suggestions.slice(0, 3)).toContain('pull_request.closed:merged');
  });
});
