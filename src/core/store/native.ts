/**
 * When SQLite's native module (better-sqlite3) cannot be loaded: not built (install scripts
 * were skipped: `--ignore-scripts`, npm's allowScripts, pnpm's approve-builds; or no prebuilt
 * binary and no compiler) or built for another Node. Says so, with the command that builds it,
 * instead of blaming the store's file.
 */
import { fileURLToPath } from 'node:url';
import { StoreError } from './writer.js';

/** Where hookctl is installed (the folder holding its package.json and node_modules). */
const PACKAGE_DIR = fileURLToPath(new URL('../../../', import.meta.url));

export function nativeModuleProblem(err: unknown): StoreError | null {
  const message = err instanceof Error ? err.message : String(err);
  const missing = /Could not locate the bindings file/.test(message);
  const otherNode = /NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message);
  if (!missing && !otherNode) return null;
  const what = missing ? 'is not built' : `was built for another version of Node (this is ${process.version})`;
  return new StoreError(`SQLite's native module (better-sqlite3) ${what}, so no delivery store can be opened`, [
    `Build it: cd ${JSON.stringify(PACKAGE_DIR)} && npm rebuild better-sqlite3`,
    'That fetches a prebuilt binary for this Node, or compiles one, which needs python3, make and a C++ compiler.',
    'It is skipped when install scripts are (npm --ignore-scripts, npm\'s allowScripts, pnpm approve-builds): allow better-sqlite3\'s.',
  ]);
}
