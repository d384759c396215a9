/** Run the built CLI under trace-loads.mjs: which packages (and files) one command loads. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli, type CliResult } from './run-cli.js';

export interface Traced {
  result: CliResult;
  /** Every module URL or path the process loaded. */
  modules: string[];
  /** npm packages among them, e.g. ["commander", "undici"]. */
  packages: string[];
  /** Files read whole (readFileSync, fs/promises readFile), in order. */
  reads: string[];
}

export async function traceCli(args: string[], env: NodeJS.ProcessEnv): Promise<Traced> {
  const dir = mkdtempSync(join(tmpdir(), 'hookctl-trace-'));
  try {
    const loads = join(dir, 'loads.json');
    const readsFile = join(dir, 'reads.json');
    const result = await runCli(args, { env: { ...env, HOOKCTL_TRACE_LOADS: loads, HOOKCTL_TRACE_READS: readsFile }, nodeArgs: ['--import', join(ROOT, 'test/helpers/trace-loads.mjs')] });
    const modules = JSON.parse(readFileSync(loads, 'utf8')) as string[];
    const reads = JSON.parse(readFileSync(readsFile, 'utf8')) as string[];
    return { result, modules, packages: packagesOf(modules), reads };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The npm packages among loaded module paths (scoped ones as @scope/name), sorted. */
export function packagesOf(modules: string[]): string[] {
  return [
    ...new Set(
      modules
        .filter((m) => m.includes('node_modules/'))
        .map((m) => m.split('node_modules/').pop()!.split('/'))
        .map((parts) => (parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0])),
    ),
  ].sort();
}
