import { describe, expect, it } from 'vitest';
import { loadPayloadBytes, resolve } from '../../src/core/catalog/catalog.js';
import { validatePayload } from '../../src/core/schemas/validate.js';
import { applyEdits, installationTarget } from '../../src/core/catalog/edits.js';
import { parseAssignment, parsePath } from '../../src/core/catalog/set-path.js';
import { UsageError } from '../../src/errors.js';

function sample() {
  const owner = { login: 'octo-org', id: 10, url: 'https://api.github.com/users/octo-org', html_url: 'https://github.com/octo-org', repos_url: 'https://api.github.com/users/octo-org/repos', type: 'Organization' };
  const sender = { login: 'octo-org', id: 10, url: 'https://api.github.com/users/octo-org', html_url: 'https://github.com/octo-org', type: 'Organization' };
  const author = { login: 'mona', id: 20, url: 'https://api.github.com/users/mona', html_url: 'https://github.com/mona', type: 'User' };
  const repository = {
    id: 99, name: 'api', full_name: 'octo-org/api', owner,
    html_url: 'https://github.com/octo-org/api', url: 'https://api.github.com/repos/octo-org/api',
    clone_url: 'https://github.com/octo-org/api.git', ssh_url: 'git@github.com:octo-org/api.git',
    issues_url: 'https://api.github.com/repos/octo-org/api/issues{/number}', description: 'octo-org/api is great',
  };
  return {
    action: 'opened',
    issue: { number: 3, html_url: 'https://github.com/octo-org/api/issues/3', user: author, title: 'Bug', labels: [{ name: 'enhancement', color: 'a2eeef' }] },
    repository,
    organization: { login: 'octo-org', id: 10, url: 'https://api.github.com/orgs/octo-org' },
    sender,
  } as any;
}

describe('--repo', () => {
  it('renames the repository, its owner and its URLs; other people keep their identity', () => {
    const p = applyEdits(sample(), { repo: 'acme/widgets' }).payload as any;
    expect(p.repository.full_name).toBe('acme/widgets');
    expect(p.repository.name).toBe('widgets');
    expect(p.repository.owner.login).toBe('acme');
    expect(p.repository.owner.url).toBe('https://api.github.com/users/acme');
    expect(p.repository.owner.html_url).toBe('https://github.com/acme');
    expect(p.repository.owner.repos_url).toBe('https://api.github.com/users/acme/repos');
    expect(p.repository.html_url).toBe('https://github.com/acme/widgets');
    expect(p.repository.clone_url).toBe('https://github.com/acme/widgets.git');
    expect(p.repository.ssh_url).toBe('git@github.com:acme/widgets.git');
    expect(p.repository.issues_url).toBe('https://api.github.com/repos/acme/widgets/issues{/number}');
    expect(p.repository.description).toBe('octo-org/api is great');
    expect(p.issue.html_url).toBe('https://github.com/acme/widgets/issues/3');
    expect(p.organization.login).toBe('acme');
    expect(p.organization.url).toBe('https://api.github.com/orgs/acme');
    // The sender is a person, not "the repository": unchanged even though it was the owner.
    expect(p.sender.login).toBe('octo-org');
    expect(p.issue.user.login).toBe('mona');
    expect(p.repository.id).toBe(99);
  });

  it('refuses a malformed name or a payload without a repository', () => {
    expect(() => applyEdits(sample(), { repo: 'nope' })).toThrow(/OWNER\/REPO/);
    expect(() => applyEdits({ zen: 'x' } as any, { repo: 'a/b' })).toThrow(/no repository/);
  });
});

describe('--sender', () => {
  it('renames the sender and every object that is the same account, with URLs', () => {
    const p = sample();
    p.issue.user = { ...p.sender };
    applyEdits(p, { sender: 'alice' });
    expect(p.sender.login).toBe('alice');
    expect(p.sender.url).toBe('https://api.github.com/users/alice');
    expect(p.sender.html_url).toBe('https://github.com/alice');
    expect(p.issue.user.login).toBe('alice');
  });
  it('--repo then --sender compose', () => {
    const p = applyEdits(sample(), { repo: 'acme/widgets', sender: 'alice' }).payload as any;
    expect(p.repository.owner.login).toBe('acme');
    expect(p.sender.login).toBe('alice');
  });
  it('a bot sender: its login percent-encoded in URLs, its profile the App page, type Bot; and back', () => {
    const p = sample();
    applyEdits(p, { sender: 'github-actions[bot]' });
    expect(p.sender).toMatchObject({ login: 'github-actions[bot]', type: 'Bot', url: 'https://api.github.com/users/github-actions%5Bbot%5D', html_url: 'https://github.com/apps/github-actions' });
    applyEdits(p, { sender: 'alice' });
    expect(p.sender).toMatchObject({ login: 'alice', type: 'User', url: 'https://api.github.com/users/alice', html_url: 'https://github.com/alice' });
  });
  it('a bot sender keeps a catalog sample valid against GitHub\'s schema', async () => {
    const entry = resolve('issues.opened');
    if (!entry.ok) throw new Error('issues.opened is not in the catalog');
    const { payload } = applyEdits(JSON.parse(loadPayloadBytes(entry.entry).toString('utf8')), { sender: 'dependabot[bot]' });
    expect((await validatePayload('issues', 'opened', payload)).violations).toEqual([]);
  });
  it('refuses something that is not a login', () => {
    expect(() => applyEdits(sample(), { sender: 'not a login' })).toThrow(/GitHub login/);
  });
});

describe('--set', () => {
  it('parses dot paths with indices and JSON-typed values', () => {
    expect(parsePath('a.b[0].c')).toEqual(['a', 'b', 0, 'c']);
    expect(parsePath('a.b.0.c')).toEqual(['a', 'b', 0, 'c']);
    expect(parseAssignment('x=true').value).toBe(true);
    expect(parseAssignment('x=42').value).toBe(42);
    expect(parseAssignment('x=null').value).toBe(null);
    expect(parseAssignment('x="42"').value).toBe('42');
    expect(parseAssignment('x=Fix it').value).toBe('Fix it');
    expect(parseAssignment('x={"a":[1]}').value).toEqual({ a: [1] });
    expect(parseAssignment('x=a=b').value).toBe('a=b');
    expect(() => parseAssignment('novalue')).toThrow(/PATH=VALUE/);
  });
  it('sets existing fields and appends to an array at its length, saying what was new', () => {
    const { payload, notes } = applyEdits(sample(), { set: ['issue.title=New', 'issue.labels[0].name=bug'] }) as any;
    expect(payload.issue.title).toBe('New');
    expect(payload.issue.labels).toEqual([{ name: 'bug', color: 'a2eeef' }]);
    expect(notes).toEqual([]);
    const appended = applyEdits(payload, { set: ['issue.labels[1]={"name":"ui"}'] });
    expect(payload.issue.labels).toEqual([{ name: 'bug', color: 'a2eeef' }, { name: 'ui' }]);
    expect(appended.notes).toEqual(['appended issue.labels[1] (not in the payload)']);
  });
});

describe('--set refuses paths that are not in the payload', () => {
  /** The message of the UsageError (about --set) an edit throws, and proof that nothing was changed. */
  function refusal(set: string, payload: any = sample()): string {
    const before = JSON.stringify(payload);
    let message = '';
    try {
      applyEdits(payload, { set: [set] });
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect(err).toMatchObject({ field: 'set' });
      message = (err as Error).message;
    }
    expect(JSON.stringify(payload), set).toBe(before);
    return message;
  }

  it('an index past the end of an array: no padding with nulls', () => {
    const p = { ...sample(), commits: [{ id: 'abc' }] };
    expect(refusal('commits[99].id=x', p)).toBe('--set commits[99].id: commits[99] is not in the payload (commits has 1 item), and only the last part of a path may be new');
    expect(refusal('commits[5]={"id":"x"}', p)).toBe('--set commits[5]: commits has 1 item; an index may be at most 1 (which appends), 5 would leave a gap');
    expect(refusal('commits[1].id=x', p)).toBe("--set commits[1].id: commits[1] is not in the payload (commits has 1 item), and only the last part of a path may be new; to append one, give it whole: --set 'commits[1]={…}'");
  });

  it('a path whose first missing part is not the last: nothing is built', () => {
    expect(refusal('nonexistent.deep.path=1')).toBe('--set nonexistent.deep.path: nonexistent is not in the payload, and only the last part of a path may be new');
    expect(refusal('issue.nope.x=1')).toMatch(/^--set issue\.nope\.x: issue\.nope is not in the payload/);
    expect(refusal('isue.title=x')).toBe('--set isue.title: isue is not in the payload, and only the last part of a path may be new; did you mean issue?');
  });

  it('descending into a string, number, boolean or null', () => {
    expect(refusal('repository.owner.login.x=1')).toBe(
      '--set repository.owner.login.x: repository.owner.login is a string ("octo-org"), not an object or array; set repository.owner.login itself to replace it',
    );
    expect(refusal('issue.number.x=1')).toMatch(/issue\.number is a number \(3\)/);
    expect(refusal('repository.owner.site_admin.x=1', { ...sample(), repository: { ...sample().repository, owner: { site_admin: false } } })).toMatch(/is a boolean \(false\)/);
    expect(refusal('issue.milestone.title=v1', { ...sample(), issue: { ...sample().issue, milestone: null } })).toMatch(/issue\.milestone is null, not an object or array/);
  });

  it('a key on an array, an index on an object', () => {
    expect(refusal('issue.labels.name=bug')).toBe('--set issue.labels.name: issue.labels is an array of 1 item, not an object; give an index, e.g. issue.labels[0].name');
    expect(refusal('issue.labels.name.x=bug')).toMatch(/give an index, e\.g\. issue\.labels\[0\]\.name\.x/);
    expect(refusal('issue[0]=x')).toBe('--set issue[0]: issue is an object, not an array');
    expect(refusal('issue[0].title=x')).toBe('--set issue[0].title: issue is an object, not an array');
  });

  it('a new last key of an existing object is added, and said', () => {
    const { payload, notes } = applyEdits(sample(), { set: ['issue.state_reason=completed', 'installation={"id":1}'] }) as any;
    expect(payload.issue.state_reason).toBe('completed');
    expect(payload.installation).toEqual({ id: 1 });
    expect(notes).toEqual(['added issue.state_reason (not in the payload)', 'added installation (not in the payload)']);
  });

  it('a leaf of another JSON type is allowed and said; null to a value and back is not drift', () => {
    const { payload, notes } = applyEdits(sample(), { set: ['issue.title=42', 'issue.number="3"', 'issue.labels=null', 'issue.user={"login":"x"}'] }) as any;
    expect(payload.issue.title).toBe(42);
    expect(payload.issue.number).toBe('3');
    expect(notes).toEqual([
      'issue.title was a string ("Bug"), now a number (42); for a string, quote it: --set \'issue.title="42"\'',
      'issue.number was a number (3), now a string ("3")',
    ]);
    const back = applyEdits(payload, { set: ['issue.labels=[]', 'issue.title="Bug"'] });
    expect(back.notes).toEqual(['issue.title was a number (42), now a string ("Bug")']);
    const long = applyEdits(sample(), { set: ['issue.title=' + 'x'.repeat(60), 'issue.title=1'] });
    expect(long.notes[0]).toBe(`issue.title was a string ("${'x'.repeat(39)}…"), now a number (1); for a string, quote it: --set 'issue.title="1"'`);
  });
});

describe('--set pull_request.merged=true', () => {
  it('says the merge fields still describe a close without merge, and names the merged sample', () => {
    const closed = { action: 'closed', pull_request: { number: 2, merged: false, merged_by: null, merged_at: null } };
    expect(applyEdits(closed, { set: ['pull_request.merged=true'] }).notes).toEqual([
      'pull_request.merged_by, merged_at and merge_commit_sha still describe a close without merge; the pull_request.closed:merged sample is a consistent merge',
    ]);
    const consistent = { action: 'closed', pull_request: { number: 2, merged: false, merged_by: { login: 'a' } } };
    expect(applyEdits(consistent, { set: ['pull_request.merged=true'] }).notes).toEqual([]);
  });
});

describe('installationTarget', () => {
  it('is the repository, else the organization, else the app', () => {
    expect(installationTarget(sample())).toEqual({ type: 'repository', id: 99 });
    expect(installationTarget({ organization: { id: 5 } })).toEqual({ type: 'organization', id: 5 });
    expect(installationTarget({ installation: { app_id: 7, account: { id: 1 } } })).toEqual({ type: 'integration', id: 7 });
    expect(installationTarget({})).toBeUndefined();
  });
});
