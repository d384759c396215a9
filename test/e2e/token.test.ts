/**
 * Where the GitHub token comes from: GITHUB_TOKEN, GH_TOKEN, `gh auth token`, a hidden prompt
 * in a real pseudo-terminal, or exit 4 without a TTY. Also the events checkbox in a pty. The
 * pseudo-terminal and exit-4 tests run the built CLI (`npm run build` first); the others run
 * the command in this process.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, sandbox, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess } from '../helpers/in-process.js';
import { makeHook, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { inPty } from '../helpers/pty.js';

const HOOKS = '/repos/octo-org/octo-repo/hooks';

let gh: FakeGithub;
let box: Sandbox;
let emptyBin: string;

beforeEach(async () => {
  gh = await startFakeGithub();
  box = sandbox({ GITHUB_API_URL: gh.url });
  // A PATH without gh: only an empty folder (node is spawned by absolute path).
  emptyBin = join(box.dir, 'empty-bin');
  mkdirSync(emptyBin);
  box.env.PATH = emptyBin;
});
afterEach(async () => {
  await gh.finish();
  box.cleanup();
});

const bearer = () => gh.requests.map((r) => r.headers.authorization);

describe('token sources', () => {
  it('GITHUB_TOKEN wins over GH_TOKEN', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [] });
    const r = await runInProcess(['hooks', 'list', 'octo-org/octo-repo'], { env: { ...box.env, GITHUB_TOKEN: 'tok-github', GH_TOKEN: 'tok-gh' } });
    expect(r.code).toBe(0);
    expect(bearer()).toEqual(['Bearer tok-github']);
    gh.assertDone();
  });

  it('GH_TOKEN', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [] });
    const r = await runInProcess(['hooks', 'list', 'octo-org/octo-repo'], { env: { ...box.env, GH_TOKEN: 'tok-gh' } });
    expect(r.code).toBe(0);
    expect(bearer()).toEqual(['Bearer tok-gh']);
    gh.assertDone();
  });

  it('`gh auth token` from a gh first on PATH, for the API host', async () => {
    const bin = join(box.dir, 'gh-bin');
    mkdirSync(bin);
    const argsFile = join(box.dir, 'gh-args');
    writeFileSync(join(bin, 'gh'), `#!/bin/sh\necho "$@" > '${argsFile}'\necho tok-from-gh\n`);
    chmodSync(join(bin, 'gh'), 0o755);
    gh.stub({ method: 'GET', path: HOOKS }, { body: [] });
    const r = await runInProcess(['hooks', 'list', 'octo-org/octo-repo'], { env: { ...box.env, PATH: `${bin}:/bin:/usr/bin` } });
    expect(r.code).toBe(0);
    expect(bearer()).toEqual(['Bearer tok-from-gh']);
    expect(readFileSync(argsFile, 'utf8').trim()).toBe(`auth token --hostname ${new URL(gh.url).host}`);
    expect(r.stdout + r.stderr).not.toContain('tok-from-gh');
    gh.assertDone();
  });

  it('a logged-out gh is skipped; no token and no TTY → exit 4 naming the scopes', async () => {
    const bin = join(box.dir, 'gh-bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'gh'), '#!/bin/sh\necho "no oauth token found for github.com" >&2\nexit 1\n');
    chmodSync(join(bin, 'gh'), 0o755);
    const r = await runCli(['register', 'octo-org/octo-repo', '--url', 'https://x.example.com/'], { env: { ...box.env, PATH: `${bin}:/bin:/usr/bin` } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('error: no GitHub token: set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`');
    expect(r.stderr).toContain('admin:repo_hook');
    expect(r.stderr).toContain('"Webhooks" (read and write)');
    gh.assertDone();
  });

  it('--org names admin:org_hook', async () => {
    const r = await runInProcess(['register', '--org', 'octo-org', '--url', 'https://x.example.com/', '--events', 'push'], { env: box.env });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('admin:org_hook');
    gh.assertDone();
  });
});

describe('prompts in a pseudo-terminal', () => {
  it('asks for the token with hidden input when there is no other source', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 31, url: 'https://a.example.com/' })] });
    const r = await inPty(['hooks', 'list', 'octo-org/octo-repo'], [['GitHub token for', 'tok-typed-secretly\r']], box.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.transcript).toContain('GitHub token for');
    // What the token needs is said before it is asked for.
    expect(r.transcript).toMatch(/admin:repo_hook[\s\S]*GitHub token for/);
    expect(r.transcript).toMatch(/31\s+https:\/\/a\.example\.com\//);
    expect(r.transcript).not.toContain('tok-typed-secretly');
    expect(bearer()).toEqual(['Bearer tok-typed-secretly']);
    gh.assertDone();
  });

  it('offers the events checkbox with the common events preselected', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [] });
    gh.stub({ method: 'POST', path: HOOKS }, { status: 201, body: makeHook({ id: 40, events: ['push', 'pull_request', 'issues', 'issue_comment'] }) });
    // Enter accepts the preselection.
    const r = await inPty(['register', 'octo-org/octo-repo', '--url', 'https://x.example.com/'], [['Events to subscribe to', '\r']], { ...box.env, GITHUB_TOKEN: 'tok' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.transcript).toContain('created webhook 40');
    expect(gh.requestsTo('POST', HOOKS)[0].body.events).toEqual(['push', 'pull_request', 'issues', 'issue_comment']);
    gh.assertDone();
  });

  it('shows the difference on a TTY and asks before updating; "n" leaves the hook alone', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 41, url: 'https://x.example.com/', events: ['push'], contentType: 'form' })] });
    const r = await inPty(['register', 'octo-org/octo-repo', '--url', 'https://x.example.com/', '--events', 'push'], [['Update it\\?', 'n\r']], { ...box.env, GITHUB_TOKEN: 'tok' });
    // The user's choice, said plainly: not an error.
    expect(r.code).toBe(0);
    expect(r.transcript).toContain('content_type: form → json');
    expect(r.transcript).toContain('Left webhook 41 of octo-org/octo-repo as it was.');
    expect(r.transcript).not.toContain('error:');
    gh.assertDone();
  });
});
