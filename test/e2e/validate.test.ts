/**
 * hookctl validate, in this process and once through the built CLI (`npm run build` first):
 * violations with their JSON paths, exit codes 0/1/2, --json, stdin, and the work one
 * validation does in a fresh process (what it reads and loads).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, sandbox, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess } from '../helpers/in-process.js';
import { traceCli } from '../helpers/trace-loads.js';

const OPENED = join(ROOT, 'payloads', 'pull_request', 'opened.json');

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => {
  box.cleanup();
});

function brokenPullRequest(): string {
  const payload = JSON.parse(readFileSync(OPENED, 'utf8'));
  delete payload.pull_request.head.sha;
  payload.pull_request.number = '12';
  const file = join(box.dir, 'broken.json');
  writeFileSync(file, JSON.stringify(payload, null, 2));
  return file;
}

describe('hookctl validate', () => {
  it('accepts a catalog sample: exit 0', async () => {
    const r = await runInProcess(['validate', OPENED, '--event', 'pull_request.opened'], { env: box.env });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${OPENED}: valid pull_request.opened payload\n`);
    expect(r.code).toBe(0);
  });

  it('reports a missing required field and a wrong type with their paths: exit 1', async () => {
    const file = brokenPullRequest();
    const r = await runInProcess(['validate', file, '--event', 'pull_request.opened'], { env: box.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${file}: 2 violations of GitHub's pull_request.opened schema`);
    expect(r.stdout).toMatch(/^ {2}\/pull_request\/head\/sha +is required but missing$/m);
    expect(r.stdout).toMatch(/^ {2}\/pull_request\/number +must be integer, got string "12"$/m);
  });

  it('--json: one document with every violation; the action comes from the payload when not given', async () => {
    const file = brokenPullRequest();
    const r = await runInProcess(['validate', file, '--event', 'pull_request', '--json'], { env: box.env });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      file,
      event: 'pull_request',
      action: 'opened',
      valid: false,
      violations: [
        { path: '/pull_request/number', message: 'must be integer, got string "12"' },
        { path: '/pull_request/head/sha', message: 'is required but missing' },
      ],
    });
  });

  it('reads stdin; events without actions need none', async () => {
    const r = await runInProcess(['validate', '--event', 'push'], { env: box.env, input: readFileSync(join(ROOT, 'payloads', 'push.json')) });
    expect(r.stdout).toBe('stdin: valid push payload\n');
    expect(r.code).toBe(0);
  });

  it('a payload whose action is missing or undocumented is invalid', async () => {
    const r = await runInProcess(['validate', '-', '--event', 'star'], { env: box.env, input: '{"starred_at":null}' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\/action +is required but missing \(one of: created, deleted\)/);
  });

  it('an action that contradicts --event is a violation; repository_dispatch actions are free-form', async () => {
    const closed = join(ROOT, 'payloads', 'pull_request', 'closed.json');
    const r = await runInProcess(['validate', closed, '--event', 'pull_request.opened'], { env: box.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\/action +is "closed", but --event says "opened"/);

    const dispatch = JSON.parse(readFileSync(join(ROOT, 'payloads', 'repository_dispatch', 'sample.collected.json'), 'utf8'));
    dispatch.action = 'deploy-production';
    const ok = await runInProcess(['validate', '-', '--event', 'repository_dispatch'], { env: box.env, input: JSON.stringify(dispatch) });
    expect(ok.stdout).toBe('stdin: valid repository_dispatch.deploy-production payload\n');
    expect(ok.code).toBe(0);
  });

  it('not JSON: exit 2 with the parse position', async () => {
    const r = await runInProcess(['validate', '-', '--event', 'push'], { env: box.env, input: '{\n  "ref": "refs/heads/main",\n}' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('stdin is not JSON: line 3, column 1');
  });

  it('unknown event or action, unreadable file: exit 2 with a hint', async () => {
    const unknownEvent = await runInProcess(['validate', OPENED, '--event', 'pull_requests.opened'], { env: box.env });
    expect(unknownEvent.code).toBe(2);
    expect(unknownEvent.stderr).toContain('unknown event "pull_requests"');
    expect(unknownEvent.stderr).toContain('Did you mean: pull_request');

    const unknownAction = await runInProcess(['validate', OPENED, '--event', 'pull_request.opend'], { env: box.env });
    expect(unknownAction.code).toBe(2);
    expect(unknownAction.stderr).toMatch(/unknown action "opend" for pull_request\nDocumented actions: .*opened/);

    const missing = await runInProcess(['validate', join(box.dir, 'nope.json'), '--event', 'push'], { env: box.env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json: no such file');
  });

  it('validating one payload in a fresh process reads only its event\'s schema and loads no schema compiler', async () => {
    // The work a validation does, counted (its time is bench/validate.sh's): one schema file
    // read, ajv-formats' format functions loaded, never ajv itself.
    const { result, modules, packages, reads } = await traceCli(['validate', OPENED, '--event', 'pull_request.opened'], box.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${OPENED}: valid pull_request.opened payload\n`);
    expect(reads.filter((file) => file.startsWith(join(ROOT, 'schemas')))).toEqual([join(ROOT, 'schemas', 'webhooks', 'pull_request.json')]);
    expect(packages).toEqual(['ajv-formats', 'commander']);
    expect(new Set(modules.filter((m) => m.includes('node_modules/ajv')).map((m) => m.replace(/^.*node_modules\//, '')))).toEqual(new Set(['ajv-formats/dist/formats.js']));
  });
});
