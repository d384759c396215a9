/**
 * Every example of docs/testing.md (and the README's library example) runs, as a reader would
 * run it: the files written into a fresh project folder, its shell blocks run there (`npx
 * hookctl …`, then the Python file that reads what they wrote), its tests run by vitest and its
 * types checked by tsc, against `hookctl` built from this checkout (`npm run build` first). The
 * project's node_modules links this repository's, with `hookctl` pointing at the checkout (so
 * `import … from 'hookctl'` goes through package.json's exports, as for a user). The slow twin,
 * test/e2e/package.test.ts, installs the packed tarball instead.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../../src/core/webhook/signing.js';
import { declaredTests, extractExamples, runProject, writeExamples, type DocExamples, type ProjectRun } from '../helpers/docs-examples.js';
import { header, readHttpFile, readJsonFile } from '../helpers/request-files.js';
import { ROOT } from '../helpers/run-cli.js';

const docs = extractExamples(readFileSync(join(ROOT, 'docs/testing.md'), 'utf8'), 'docs/testing.md', { scripts: true });
const readme = extractExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'README.md', { scripts: false });
const examples: DocExamples = { ...docs, files: [...docs.files, ...readme.files] };

let dir: string;
let project: ProjectRun;

/** node_modules: a link to each of this repository's packages and bins, and hookctl → the checkout. */
function linkNodeModules(target: string): void {
  const modules = join(target, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) if (name !== '.bin') symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  for (const name of readdirSync(join(ROOT, 'node_modules', '.bin'))) symlinkSync(join(ROOT, 'node_modules', '.bin', name), join(modules, '.bin', name));
  symlinkSync(ROOT, join(modules, 'hookctl'));
  symlinkSync(join(ROOT, 'bin', 'hookctl.js'), join(modules, '.bin', 'hookctl'));
}

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'hookctl-docs-')));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'docs-examples', private: true, type: 'module' }, null, 2)}\n`);
  linkNodeModules(dir);
  writeExamples(dir, examples.files);
  project = await runProject(dir, examples, { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', npm_config_update_notifier: 'false' });
}, 420_000); // a nested vitest and tsc: ~20 s of CPU alone; 180 s ran out with two suites side by side on 2 cores
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/testing.md runs as written', () => {
  it('has the examples it promises: Express, Hono, Probot and Fastify apps with their tests, the README\'s, a tsconfig, a Python reader', () => {
    expect(examples.files.map((f) => f.path).sort()).toEqual([
      'checks/checks.test.ts',
      'express/app.test.ts',
      'express/app.ts',
      'fastify/app.test.ts',
      'fastify/app.ts',
      'hono/app.test.ts',
      'hono/app.ts',
      'probot/app.test.ts',
      'probot/app.ts',
      'readme/webhooks.test.ts',
      'test_pr_opened.py',
      'tsconfig.json',
    ]);
  });

  it('every test in every example file ran and passed under vitest (and tsc found no type error)', () => {
    const declared = declaredTests(examples.files);
    expect([...project.results.keys()].sort(), project.vitestOutput).toEqual([...declared.keys()].sort());
    for (const [file, count] of declared) expect(project.results.get(file), `${file}\n${project.vitestOutput}`).toEqual({ passed: count, failed: 0 });
  });

  it('the install line names packages this repository has, so the examples ran against the versions it tests', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const named = new Set(examples.packages);
    expect(named.has('hookctl')).toBe(true);
    named.delete('hookctl');
    expect([...named]).toEqual(expect.arrayContaining(['vitest', 'typescript', '@octokit/webhooks', 'express', 'supertest', 'hono', 'fastify', 'probot']));
    for (const name of named) expect(Object.keys(pkg.devDependencies), name).toContain(name);
  });

  it('the request files the shell block wrote hold a signed pull_request.opened, and the Python reader accepted the JSON one', () => {
    const [http] = readHttpFile(readFileSync(join(dir, 'pr-opened.http'), 'utf8'), { client: 'rest-client' });
    expect(http.url).toBe('http://localhost:3000/api/github/webhooks');
    expect(verify('test-secret', http.body, header(http, 'X-Hub-Signature-256')!)).toBe(true);
    const json = readJsonFile(readFileSync(join(dir, 'pr-opened.json'), 'utf8'));
    expect(JSON.parse(json.body.toString()).action).toBe('opened');
    expect(verify('test-secret', json.body, header(json, 'X-Hub-Signature-256')!)).toBe(true);
    // The Python file ran in the shell (set -e): a failed assert there fails beforeAll.
    expect(examples.files.some((f) => f.lang === 'python')).toBe(true);
  });
});
