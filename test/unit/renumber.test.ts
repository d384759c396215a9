/**
 * --set <object>.number=N moves the URLs built from the old number (src/core/catalog/renumber.ts),
 * on the catalog's own samples: nothing in the payload still names the old number of that
 * object, everything else is untouched, and the notes say what moved.
 */
import { describe, expect, it } from 'vitest';
import { loadPayloadBytes, resolve } from '../../src/core/catalog/catalog.js';
import { applyEdits } from '../../src/core/catalog/edits.js';

function sample(name: string): any {
  const r = resolve(name);
  if (!r.ok) throw new Error(name);
  return JSON.parse(loadPayloadBytes(r.entry).toString('utf8'));
}

/** Every string of the payload, with its path. */
function strings(node: unknown, path = ''): [string, string][] {
  if (typeof node === 'string') return [[path, node]];
  if (Array.isArray(node)) return node.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  return [];
}

/** Paths whose string changed between two payloads. */
function changed(before: unknown, after: unknown): string[] {
  const old = new Map(strings(before));
  return strings(after)
    .filter(([path, value]) => old.get(path) !== value)
    .map(([path]) => path);
}

describe('--set <object>.number moves the URLs built from it', () => {
  it('issue_comment: the issue, and the comment that points at it', () => {
    const before = sample('issue_comment.created');
    const old = before.issue.number as number;
    const { payload, notes } = applyEdits(structuredClone(before), { set: ['issue.number=42'] });
    const p = payload as any;
    expect(p.issue.number).toBe(42);
    const repo = `Codertocat/Hello-World`;
    expect(p.issue.html_url).toBe(`https://github.com/${repo}/issues/42`);
    expect(p.issue.url).toBe(`https://api.github.com/repos/${repo}/issues/42`);
    expect(p.issue.comments_url).toBe(`https://api.github.com/repos/${repo}/issues/42/comments`);
    expect(p.issue.labels_url).toBe(`https://api.github.com/repos/${repo}/issues/42/labels{/name}`);
    expect(p.comment.issue_url).toBe(`https://api.github.com/repos/${repo}/issues/42`);
    expect(p.comment.html_url).toMatch(new RegExp(`^https://github\\.com/${repo}/issues/42#issuecomment-\\d+$`));
    // Nothing names issue #old any more; nothing but the issue's links (and the comment's) changed.
    for (const [path, value] of strings(p)) expect(value, path).not.toMatch(new RegExp(`/issues/${old}(?=$|[/?#.])`));
    for (const path of changed(before, p)) expect(path).toMatch(/^(issue\.(url|html_url|\w+_url|reactions\.url)|comment\.(issue_url|html_url))$/);
    expect(notes).toEqual([`moved ${changed(before, p).length} URLs with issue.number: /issues/${old} → /issues/42 (including comment.html_url, comment.issue_url)`]);
  });

  it('pull_request: top-level number and pull_request.number are one number; _links, diff and patch URLs follow', () => {
    for (const set of ['number=42', 'pull_request.number=42']) {
      const before = sample('pull_request.opened');
      const old = before.number as number;
      const { payload, notes } = applyEdits(structuredClone(before), { set: [set] });
      const p = payload as any;
      expect([p.number, p.pull_request.number], set).toEqual([42, 42]);
      const web = 'https://github.com/Codertocat/Hello-World';
      const api = 'https://api.github.com/repos/Codertocat/Hello-World';
      expect(p.pull_request).toMatchObject({
        html_url: `${web}/pull/42`,
        diff_url: `${web}/pull/42.diff`,
        patch_url: `${web}/pull/42.patch`,
        url: `${api}/pulls/42`,
        issue_url: `${api}/issues/42`,
        commits_url: `${api}/pulls/42/commits`,
        review_comments_url: `${api}/pulls/42/comments`,
        comments_url: `${api}/issues/42/comments`,
      });
      expect(p.pull_request._links.self.href).toBe(`${api}/pulls/42`);
      expect(p.pull_request._links.html.href).toBe(`${web}/pull/42`);
      expect(p.pull_request._links.issue.href).toBe(`${api}/issues/42`);
      // Templates and other objects' URLs stay as they were.
      expect(p.pull_request.review_comment_url).toBe(before.pull_request.review_comment_url);
      expect(p.pull_request.head).toEqual(before.pull_request.head);
      expect(p.repository).toEqual(before.repository);
      for (const [path, value] of strings(p)) expect(value, path).not.toMatch(new RegExp(`/(pull|pulls|issues)/${old}(?=$|[/?#.])`));
      expect(notes[0], set).toBe(set === 'number=42' ? `pull_request.number ${old} → 42 too (the same pull request)` : `number ${old} → 42 too (the same pull request)`);
      expect(notes[1], set).toMatch(new RegExp(`^moved \\d+ URLs with pull_request.number: /pulls/${old} → /pulls/42, /pull/${old} → /pull/42, /issues/${old} → /issues/42$`));
      expect(notes).toHaveLength(2);
    }
  });

  it('a review points at its pull request: its pull_request_url and _links follow', () => {
    const { payload, notes } = applyEdits(sample('pull_request_review.submitted'), { set: ['pull_request.number=42'] });
    const p = payload as any;
    expect(p.review.pull_request_url).toMatch(/\/pulls\/42$/);
    expect(p.review._links.pull_request.href).toMatch(/\/pulls\/42$/);
    expect(p.review.html_url).toMatch(/\/pull\/42#pullrequestreview-\d+$/);
    expect(notes.at(-1)).toMatch(/\(including review\.html_url, review\.pull_request_url, review\._links\.html\.href, review\._links\.pull_request\.href\)$/);
  });

  it('discussions, milestones and alerts too', () => {
    const d = applyEdits(sample('discussion.created'), { set: ['discussion.number=42'] }).payload as any;
    expect(d.discussion.html_url).toMatch(/\/discussions\/42$/);
    const m = applyEdits(sample('milestone.created'), { set: ['milestone.number=42'] }).payload as any;
    expect([m.milestone.url, m.milestone.html_url, m.milestone.labels_url]).toEqual([
      expect.stringMatching(/\/milestones\/42$/),
      expect.stringMatching(/\/milestone\/42$/),
      expect.stringMatching(/\/milestones\/42\/labels$/),
    ]);
    const a = applyEdits(sample('secret_scanning_alert.created'), { set: ['alert.number=42'] }).payload as any;
    expect([a.alert.url, a.alert.html_url, a.alert.locations_url]).toEqual([
      expect.stringMatching(/\/secret-scanning\/alerts\/42$/),
      expect.stringMatching(/\/security\/secret-scanning\/42$/),
      expect.stringMatching(/\/secret-scanning\/alerts\/42\/locations$/),
    ]);
  });

  it('says which links it could not move, and moves nothing for a number of another type', () => {
    const payload = {
      issue: {
        number: 7,
        url: 'https://api.github.com/repos/o/r/issues/7',
        tracker_url: 'https://tracker.example.com/tickets/7',
        title: 'Issue 7',
      },
    };
    const { notes } = applyEdits(payload, { set: ['issue.number=8'] });
    expect(payload.issue).toEqual({ number: 8, url: 'https://api.github.com/repos/o/r/issues/8', tracker_url: 'https://tracker.example.com/tickets/7', title: 'Issue 7' });
    expect(notes).toEqual([
      'moved 1 URL with issue.number: /issues/7 → /issues/8',
      'left issue.tracker_url as it was: /7 there is not a known link of issue; --set it if needed',
    ]);
    const asString = applyEdits(payload, { set: ['issue.number="9"'] });
    expect(payload.issue.url).toBe('https://api.github.com/repos/o/r/issues/8');
    expect(asString.notes).toEqual(['issue.number was a number (8), now a string ("9")']);
  });
});
