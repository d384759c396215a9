/**
 * Done when a fresh project outside this repository installs the packed package and its tests
 * pass, types included. This is that project, made the way a user would (`npm run build` first):
 *
 *   npm pack --ignore-scripts --pack-destination $TMP          # dist/ as built, no rebuild
 *   cd $TMP && cat package.json                                # "hookctl": "file:./hookctl-0.1.0.tgz"
 *                                                              # + the packages docs/testing.md installs,
 *                                                              #   at the versions this repository tests
 *   npm install --prefer-offline --ignore-scripts --no-audit --no-fund
 *   # docs/testing.md's files written as shown, then its shell blocks (npx hookctl … > pr-opened.http,
 *   # python3 test_pr_opened.py), then:
 *   npx vitest run && npx tsc -p .
 *
 * One `npm install` (about 15 s with npm's cache warm; the packages come from the registry
 * through it). `--ignore-scripts` skips better-sqlite3's native build, which the library and
 * `send` never load: that they work without it is part of what this shows. The whole file
 * takes about 30 s.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredTests, extractExamples, runProject, writeExamples, type DocExamples, type ProjectRun } from '../helpers/docs-examples.js';
import { ROOT } from '../helpers/run-cli.js';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const docs = extractExamples(readFileSync(join(ROOT, 'docs/testing.md'), 'utf8'), 'docs/testing.md', { scripts: true });
const readme = extractExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'README.md', { scripts: false });
const examples: DocExamples = { ...docs, files: [...docs.files, ...readme.files] };
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

let dir: string;
let packed: { filename: string; files: { path: string }[] };
let project: ProjectRun;
// The user's environment as a shell in a fresh project would see it: the machine's own settings
// (PATH, HOME, the CA bundle npm needs to reach its registry: NODE_EXTRA_CA_CERTS, proxies), not
// this run's (vitest's workers, hookctl's test knobs, the npm script that started it).
const env: NodeJS.ProcessEnv = { NO_COLOR: '1', npm_config_update_notifier: 'false' };
for (const [key, value] of Object.entries(process.env)) {
  if (!/^(VITEST|TINYPOOL|HOOKCTL_|npm_|NODE_OPTIONS$|NODE_ENV$|FORCE_COLOR$)/i.test(key)) env[key] ??= value;
}

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'hookctl-fresh-')));
  const pack = await run(npm, ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], { cwd: ROOT, env });
  [packed] = JSON.parse(pack.stdout) as (typeof packed)[];
  const devDependencies: Record<string, string> = { hookctl: `file:./${packed.filename}` };
  for (const name of new Set(examples.packages)) if (name !== 'hookctl') devDependencies[name] = rootPackage.devDependencies[name];
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'fresh-project', private: true, type: 'module', devDependencies }, null, 2)}\n`);
  await run(npm, ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, env }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`npm install failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
  writeExamples(dir, examples.files);
  project = await runProject(dir, examples, env);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a fresh project installs the packed package', () => {
  it('the tarball holds the CLI, the library with its declarations, the catalog and the schemas, and no sources or tests', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'bin/hookctl.js', 'dist/main.js', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/payload-types.d.ts', 'payloads/index.json', 'schemas/webhooks/pull_request.json']));
    expect(paths.filter((p) => /^(src|test|bench|scripts|docs)\//.test(p))).toEqual([]);
    expect(packed.filename).toBe(`hookctl-${rootPackage.version}.tgz`);
  });

  it('resolves `hookctl` to the installed package, with its types-only dependency for the payload types', () => {
    expect(realpathSync(join(dir, 'node_modules/hookctl'))).toBe(join(dir, 'node_modules/hookctl'));
    expect(JSON.parse(readFileSync(join(dir, 'node_modules/hookctl/package.json'), 'utf8'))).toMatchObject({ exports: { '.': { types: './dist/lib/index.d.ts' } } });
    expect(existsSync(join(dir, 'node_modules/@octokit/openapi-webhooks-types/types.d.ts'))).toBe(true);
  });

  it('every example test passes there under vitest, and tsc checks them against the published declarations', () => {
    const declared = declaredTests(examples.files);
    expect([...project.results.keys()].sort(), project.vitestOutput).toEqual([...declared.keys()].sort());
    for (const [file, count] of declared) expect(project.results.get(file), `${file}\n${project.vitestOutput}`).toEqual({ passed: count, failed: 0 });
  });

  it('the installed CLI wrote the request files (npx hookctl), and the Python reader accepted the JSON one', () => {
    expect(readFileSync(join(dir, 'pr-opened.http'), 'utf8')).toMatch(/^### pull_request\.opened \S+\nPOST http:\/\/localhost:3000\/api\/github\/webhooks HTTP\/1\.1\n/);
    expect(JSON.parse(readFileSync(join(dir, 'pr-opened.json'), 'utf8'))).toMatchObject({ method: 'POST', headers: { 'X-GitHub-Event': 'pull_request' } });
  });

  it('the type test of test/types/library.types.ts holds against the published declarations too', async () => {
    // The same @ts-expect-error lines, importing from the installed package instead of src/.
    const source = readFileSync(join(ROOT, 'test/types/library.types.ts'), 'utf8').replace("'../../src/lib/index.js'", "'hookctl'");
    expect(source).toContain("from 'hookctl'");
    writeFileSync(join(dir, 'library.types.ts'), source);
    await run(process.execPath, [join(dir, 'node_modules/.bin/tsc'), '-p', '.'], { cwd: dir, env }).catch((err: { stdout?: string }) => {
      throw new Error(`tsc failed on the type test:\n${err.stdout ?? ''}`);
    });
  });
});
