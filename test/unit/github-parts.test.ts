import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { nextLink } from '../../src/core/github/client.js';
import { diffHook, hookBody, secretFingerprint } from '../../src/core/github/hooks.js';
import { parseRepo } from '../../src/core/github/targets.js';
import { forgetHook, hookStatePath, rememberHook, rememberedHook, targetKey, tunnelSecret } from '../../src/core/github/hookstate.js';
import { parseEventList } from '../../src/core/catalog/events.js';

describe('nextLink', () => {
  it('reads rel="next" in page and cursor styles', () => {
    expect(nextLink('<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"')).toBe('https://api.github.com/x?page=2');
    expect(nextLink('<https://api.github.com/x?per_page=2&cursor=v1_9>; rel="next"')).toBe('https://api.github.com/x?per_page=2&cursor=v1_9');
    expect(nextLink('<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first"')).toBeUndefined();
    expect(nextLink(undefined)).toBeUndefined();
  });
});

describe('parseRepo / parseEventList', () => {
  it('accepts OWNER/REPO and rejects the rest', () => {
    expect(parseRepo('octo-org/octo.repo')).toEqual({ kind: 'repo', owner: 'octo-org', repo: 'octo.repo' });
    for (const bad of ['octo', 'a/b/c', '/x', 'x/', '-a/b', 'a/..']) expect(() => parseRepo(bad)).toThrow(UsageError);
  });
  it('reads events lists and *, and checks every name against the catalog', () => {
    const flag = { flag: '--events' };
    expect(parseEventList('push, pull_request,push', flag)).toEqual(['push', 'pull_request']);
    expect(parseEventList('*', flag)).toBeNull();
    expect(() => parseEventList('', flag)).toThrow(UsageError);
    expect(() => parseEventList('pull-request', flag)).toThrow(/unknown event "pull-request"/);
    expect(() => parseEventList('pusj,pull_request', flag)).toThrow(/unknown event "pusj"/);
    expect(parseEventList('pull_request.opened', flag)).toEqual(['pull_request.opened']);
    expect(() => parseEventList('pull_request.opend', flag)).toThrow(/unknown action "opend" for pull_request/);
  });
});

describe('hook diff and body', () => {
  const hook = { id: 1, name: 'web', active: true, events: ['push'], config: { url: 'https://a', content_type: 'form', insecure_ssl: '0' } };
  const desired = { url: 'https://a', events: ['push'], contentType: 'json' as const, insecureSsl: true, active: false };
  it('lists each difference', () => {
    expect(diffHook(hook, desired, false)).toEqual([
      { field: 'content_type', from: 'form', to: 'json' },
      { field: 'insecure_ssl', from: '0', to: '1' },
      { field: 'active', from: 'true', to: 'false' },
    ]);
    expect(diffHook(hook, { ...desired, contentType: 'form', insecureSsl: false, active: true }, false)).toEqual([]);
  });
  it('always sends content_type, insecure_ssl, events and active', () => {
    expect(hookBody(desired, false)).toEqual({ active: false, events: ['push'], config: { url: 'https://a', content_type: 'json', insecure_ssl: '1' } });
  });
});

describe('hookstate', () => {
  let home: string;
  beforeEach(() => {
    home = join(mkdtempSync(join(tmpdir(), 'hookctl-hookstate-')), 'home');
  });
  afterEach(() => rmSync(join(home, '..'), { recursive: true, force: true }));

  it('remembers per API URL and target, case-insensitively, in a 0600 file', () => {
    const key = targetKey('https://api.github.com/', { kind: 'repo', owner: 'Octo-Org', repo: 'Repo' });
    expect(key).toBe('https://api.github.com repo:octo-org/repo');
    rememberHook(home, key, { hookId: 12, url: 'https://x', secretFingerprint: secretFingerprint('https://api.github.com', 12, 's') });
    expect(rememberedHook(home, key)?.hookId).toBe(12);
    expect(rememberedHook(home, targetKey('https://ghe.example.com/api/v3', { kind: 'repo', owner: 'octo-org', repo: 'repo' }))).toBeUndefined();
    expect(statSync(hookStatePath(home)).mode & 0o777).toBe(0o600);
    expect(readFileSync(hookStatePath(home), 'utf8')).not.toContain('"s"');
    forgetHook(home, key, 12);
    expect(rememberedHook(home, key)).toBeUndefined();
  });

  it('generates a tunnel secret once and keeps it; a given secret wins and is not stored', () => {
    const key = 'https://api.github.com repo:o/r';
    const first = tunnelSecret(home, key);
    expect(first.generated).toBe(true);
    expect(first.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(tunnelSecret(home, key).secret).toBe(first.secret);
    expect(tunnelSecret(home, key, ['mine'])).toEqual({ secret: 'mine', generated: false });
    expect(readFileSync(hookStatePath(home), 'utf8')).not.toContain('mine');
    expect(statSync(hookStatePath(home)).mode & 0o777).toBe(0o600);
  });

  it('explains a corrupt state file', () => {
    rememberHook(home, 'k', { hookId: 1 });
    rmSync(hookStatePath(home));
    writeFileSync(hookStatePath(home), 'nope');
    expect(() => rememberedHook(home, 'k')).toThrow(/not a hookctl hook state file/);
  });
});
