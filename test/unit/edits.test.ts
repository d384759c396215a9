import { describe, expect, it } from 'vitest';
import { applyEdits, installationTarget, parseAssignment, parsePath } from '../../src/core/catalog/edits.js';

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
    issue: { number: 3, html_url: 'https://github.com/octo-org/api/issues/3', user: author, title: 'Bug' },
    repository,
    organization: { login: 'octo-org', id: 10, url: 'https://api.github.com/orgs/octo-org' },
    sender,
  } as any;
}

describe('--repo', () => {
  it('renames the repository, its owner and its URLs; other people keep their identity', () => {
    const p = applyEdits(sample(), { repo: 'acme/widgets' }) as any;
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
    const p = applyEdits(sample(), { repo: 'acme/widgets', sender: 'alice' }) as any;
    expect(p.repository.owner.login).toBe('acme');
    expect(p.sender.login).toBe('alice');
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
  it('sets existing and new fields, creating containers', () => {
    const p = applyEdits(sample(), { set: ['issue.title=New', 'issue.labels[0].name=bug', 'extra.deep.flag=false'] }) as any;
    expect(p.issue.title).toBe('New');
    expect(p.issue.labels).toEqual([{ name: 'bug' }]);
    expect(p.extra.deep.flag).toBe(false);
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
