/**
 * Where the project file is: --config FILE, else $HOOKCTL_CONFIG, else hookctl.json or
 * package.json's "hookctl" key in the current folder or the nearest folder above it, up to the
 * repository root (the folder holding .git). Only node:fs and node:path: this runs before every
 * command that has a setting the file can hold, and must cost nothing when there is no file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { FoundFile } from './found.js';

/**
 * commander's preAction hook: find the project file; only when there is one (or for `hookctl
 * config` itself) load the rest of src/config, which fills the command's options from it.
 */
export async function beforeCommand(ctx: AppContext, rootOptions: Record<string, unknown>, command: Command): Promise<void> {
  const flag = configFlag(rootOptions);
  const isConfig = command.name() === 'config' && !command.parent?.parent;
  const found = isConfig ? undefined : findProjectFile(ctx.cwd, ctx.env, flag);
  if (!found && !isConfig) return;
  const { applyProjectFile } = await import('./apply.js');
  await applyProjectFile(ctx, flag, command, found);
}

/** --config FILE (a string), --no-config (false), or neither (undefined). */
function configFlag(rootOptions: Record<string, unknown>): string | false | undefined {
  const value = rootOptions.config;
  return typeof value === 'string' ? value : value === false ? false : undefined;
}


/** `flag`: --config FILE (a string), --no-config (false), or neither (undefined). */
export function findProjectFile(cwd: string, env: NodeJS.ProcessEnv, flag: string | false | undefined): FoundFile | undefined {
  if (flag === false) return undefined;
  if (typeof flag === 'string') return named(resolve(cwd, flag), 'flag', '--config');
  if (env.HOOKCTL_CONFIG) return named(resolve(cwd, env.HOOKCTL_CONFIG), 'env', 'HOOKCTL_CONFIG');
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const own = join(dir, 'hookctl.json');
    if (existsSync(own)) return { file: own, text: readFileSync(own, 'utf8'), via: 'search' };
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const text = readFileSync(pkg, 'utf8');
      if (hasHookctlKey(text)) return { file: pkg, text, key: 'hookctl', via: 'search' };
    }
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) return undefined;
  }
}

function named(file: string, via: 'flag' | 'env', by: string): FoundFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the project file ${file} (${by}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, [
      'Name an existing hookctl.json, or write one with: hookctl config --init listen --port 3000',
    ]);
  }
  const isPackage = /(^|[\\/])package\.json$/.test(file);
  if (isPackage && !hasHookctlKey(text)) throw new UsageError(`${file} (${by}) has no "hookctl" key`, ['Add "hookctl": { … } to it, or name a hookctl.json.']);
  return { file, text, via, ...(isPackage ? { key: 'hookctl' as const } : {}) };
}

function hasHookctlKey(packageJson: string): boolean {
  if (!packageJson.includes('"hookctl"')) return false;
  try {
    const pkg = JSON.parse(packageJson) as unknown;
    return typeof pkg === 'object' && pkg !== null && !Array.isArray(pkg) && Object.hasOwn(pkg, 'hookctl');
  } catch {
    return false; // a broken package.json is npm's to report, not ours
  }
}
