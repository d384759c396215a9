/**
 * The page's pure modules (no DOM): the JSON diff, JSON paths and the filters' URL and
 * matching rules, run in Node on their own.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain browser ES module without types
import { diffJson, headerObject, countKinds } from '../../src/core/inspector/assets/js/diff.js';
// @ts-expect-error plain browser ES module without types
import { pathString, pointerToPath, toPointer, ancestors } from '../../src/core/inspector/assets/js/paths.js';
// @ts-expect-error plain browser ES module without types
import { relativeTime, bytes, duration } from '../../src/core/inspector/assets/js/format.js';

describe('diffJson', () => {
  it('finds added, removed and changed values at their paths', () => {
    const before = { action: 'opened', pull_request: { number: 1, labels: [{ name: 'bug' }, { name: 'ui' }], draft: false }, gone: null };
    const after = { action: 'closed', pull_request: { number: 1, labels: [{ name: 'bug' }], draft: false, merged: true } };
    expect(diffJson(before, after)).toEqual([
      { kind: 'changed', path: ['action'], before: 'opened', after: 'closed' },
      { kind: 'removed', path: ['pull_request', 'labels', 1], before: { name: 'ui' } },
      { kind: 'added', path: ['pull_request', 'merged'], after: true },
      { kind: 'removed', path: ['gone'], before: null },
    ]);
    expect(countKinds(diffJson(before, after))).toEqual({ added: 1, removed: 2, changed: 1 });
  });

  it('reports nothing for equal documents, and a type change as one change', () => {
    expect(diffJson({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(diffJson({ a: [1] }, { a: { 0: 1 } })).toEqual([{ kind: 'changed', path: ['a'], before: [1], after: { 0: 1 } }]);
    expect(diffJson(1, '1')).toEqual([{ kind: 'changed', path: [], before: 1, after: '1' }]);
  });

  it('compares headers by name, case-insensitively, keeping repeated ones', () => {
    expect(headerObject([['X-GitHub-Event', 'push'], ['x-github-event', 'ping'], ['Accept', '*/*']])).toEqual({ 'X-GitHub-Event': 'push, ping', Accept: '*/*' });
  });
});

describe('paths', () => {
  it('spells paths the way code reads them', () => {
    expect(pathString(['pull_request', 'head', 'sha'])).toBe('pull_request.head.sha');
    expect(pathString(['labels', 0, 'name'])).toBe('labels[0].name');
    expect(pathString(['x-y', 'a b', '$ok'])).toBe('["x-y"]["a b"].$ok');
    expect(pathString([])).toBe('');
  });

  it('converts JSON Pointers both ways', () => {
    expect(toPointer(['a/b', 'c~d', 0])).toBe('/a~1b/c~0d/0');
    expect(pointerToPath('/a~1b/c~0d/0')).toBe('["a/b"]["c~d"][0]');
    expect(pointerToPath('')).toBe('(root)');
    expect(ancestors('/a/b/c')).toEqual(['', '/a', '/a/b']);
  });
});

describe('format', () => {
  it('reads times, sizes and durations at a glance', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(relativeTime('2026-01-01T11:59:58Z', now)).toBe('just now');
    expect(relativeTime('2026-01-01T11:59:30Z', now)).toBe('30s ago');
    expect(relativeTime('2026-01-01T11:00:00Z', now)).toBe('1h ago');
    expect(relativeTime('2025-12-30T12:00:00Z', now)).toBe('2d ago');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(24_262)).toBe('24 KB');
    expect(bytes(7_703)).toBe('7.5 KB');
    expect(bytes(26 * 1024 * 1024)).toBe('26.0 MB');
    expect(duration(12.4)).toBe('12 ms');
    expect(duration(1234)).toBe('1.23 s');
  });
});
