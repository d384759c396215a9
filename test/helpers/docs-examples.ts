/**
 * The runnable examples of docs/testing.md (and the README's library example), taken from the
 * Markdown so that what a reader copies is what runs:
 * - a code block whose first line is `// file: PATH` (or `# file: PATH`) is a file of the
 *   example project, written at PATH as it is shown;
 * - an ```sh block of `npm install …` lines names the packages the project needs;
 * - any other ```sh block is run, in order, in the project folder, in one shell (an `export`
 *   carries on), followed by each Python file (`python3 FILE`).
 * Then the project's tests run (vitest), its types are checked (tsc), and a JSON reporter says
 * which tests ran, so that a test lost from a file cannot pass unnoticed.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export interface DocFile {
  path: string;
  lang: string;
  text: string;
  /** doc:line of the block, for messages. */
  where: string;
}

export interface DocExamples {
  files: DocFile[];
  /** The shell blocks to run, in order. */
  scripts: string[];
  /** Packages named by the `npm install` blocks. */
  packages: string[];
}

export function extractExamples(markdown: string, doc: string, options: { scripts: boolean }): DocExamples {
  const out: DocExamples = { files: [], scripts: [], packages: [] };
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    const body = lines.slice(start, end);
    i = end;
    const file = /^(?:\/\/|#) file: (\S+)$/.exec(body[0] ?? '');
    if (file) out.files.push({ path: file[1], lang: open[1], text: `${body.join('\n')}\n`, where: `${doc}:${start}` });
    else if (options.scripts && open[1] === 'sh') {
      if (body.every((l) => /^npm install\b/.test(l))) out.packages.push(...body.flatMap((l) => l.split(/\s+/).slice(2).filter((w) => !w.startsWith('-'))));
      else out.scripts.push(body.join('\n'));
    }
  }
  return out;
}

/** Write the example files into `dir`. */
export function writeExamples(dir: string, files: DocFile[]): void {
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
}

/** The tests a set of example files declares: `it('…'` lines per test file. */
export function declaredTests(files: DocFile[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of files) if (/\.test\.ts$/.test(f.path)) counts.set(f.path, (f.text.match(/^\s*it\(/gm) ?? []).length);
  return counts;
}

export interface ProjectRun {
  /** Test file (relative) → passed / failed counts, from vitest's JSON report. */
  results: Map<string, { passed: number; failed: number }>;
  vitestOutput: string;
}

const run = promisify(execFile);

/** In `dir` (node_modules in place): the shell blocks and Python files, then vitest and tsc. Throws with the output when one fails. */
export async function runProject(dir: string, examples: DocExamples, env: NodeJS.ProcessEnv): Promise<ProjectRun> {
  const bin = join(dir, 'node_modules', '.bin');
  const shellEnv = { ...env, PATH: `${bin}:${env.PATH}` };
  const python = examples.files.filter((f) => f.lang === 'python').map((f) => `python3 ${f.path}`);
  const script = ['set -e', ...examples.scripts, ...python].join('\n');
  await run('sh', ['-c', script], { cwd: dir, env: shellEnv }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`the docs' shell blocks failed:\n${script}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
  const report = join(dir, 'vitest-report.json');
  const vitest = await run(process.execPath, [join(bin, 'vitest'), 'run', '--reporter=json', `--outputFile=${report}`, '--reporter=default'], { cwd: dir, env: shellEnv }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`vitest failed in the example project:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
  await run(process.execPath, [join(bin, 'tsc'), '-p', '.'], { cwd: dir, env: shellEnv }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`tsc failed in the example project:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
  const json = JSON.parse(readFileSync(report, 'utf8')) as { testResults: { name: string; assertionResults: { status: string }[] }[] };
  const results = new Map<string, { passed: number; failed: number }>();
  for (const file of json.testResults) {
    const rel = file.name.slice(dir.length + 1);
    results.set(rel, { passed: file.assertionResults.filter((a) => a.status === 'passed').length, failed: file.assertionResults.filter((a) => a.status !== 'passed').length });
  }
  return { results, vitestOutput: `${vitest.stdout}${vitest.stderr}` };
}
