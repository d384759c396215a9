/**
 * Installing hookctl: what a user sees when the install is not complete. A clone before
 * `npm ci` (no dist/), and SQLite's native module that was never built (install scripts
 * skipped) or was built for another Node: a message naming the fix, never a stack trace or a
 * hint about --store.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, sandbox, type Sandbox } from '../helpers/run-cli.js';

const NO_BINDING = fileURLToPath(new URL('../helpers/no-sqlite-binding.cjs', import.meta.url));

let box: Sandbox;
beforeEach(() => (box = sandbox()));
afterEach(() => box.cleanup());

describe('a clone before npm ci', () => {
  it('bin/hookctl.js without dist/ says to run npm ci there, exit 1, no stack trace', async () => {
    const clone = mkdtempSync(join(tmpdir(), 'hookctl-clone-'));
    try {
      mkdirSync(join(clone, 'bin'));
      copyFileSync(BIN, join(clone, 'bin', 'hookctl.js'));
      const r = await runCli(['--version'], { env: box.env, nodeArgs: [], script: join(clone, 'bin', 'hookctl.js') });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`error: hookctl is not built yet in ${clone}/\nRun \`npm ci\` there first (it installs the dependencies and builds dist/).\n`);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });
});

describe('SQLite\'s native module cannot be loaded', () => {
  for (const [kind, what] of [['missing', 'is not built'], ['abi', 'was built for another version of Node']] as const) {
    it(`${kind}: listen and deliveries say the module ${what} and how to build it, exit 1`, async () => {
      for (const args of [['listen', '--port', '0', '--no-inspect'], ['deliveries', 'list']]) {
        const r = await runCli(args, { env: { ...box.env, NO_SQLITE_BINDING: kind }, nodeArgs: ['--require', NO_BINDING] });
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr).toContain(`error: SQLite's native module (better-sqlite3) ${what}`);
        expect(r.stderr).toContain(`Build it: cd ${JSON.stringify(ROOT)} && npm rebuild better-sqlite3`);
        expect(r.stderr).toContain('needs python3, make and a C++ compiler');
        expect(r.stderr).not.toMatch(/--store|at .*\.js:\d+|This is a bug/);
      }
    });
  }
});
