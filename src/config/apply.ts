/**
 * The one place the project file meets the commands: before a command runs (commander's
 * preAction hook), every option the file can set and that neither a flag ('cli') nor the
 * environment set is filled from the file, with the source 'config'. Commands see the same
 * option objects flags produce and never read the file. Precedence, for every command alike:
 * flag > environment > project file > built-in default.
 */
import type { Command } from 'commander';
import type { AppContext } from '../context.js';
import type { FoundFile } from './found.js';
import { loadProjectFile } from './load.js';
import { keysFor, SETTINGS, SHARED, toOption } from './keys.js';

/** Where an option's value came from, for `hookctl config`. */
export type Origin = { kind: 'flag' } | { kind: 'env'; name: string } | { kind: 'file'; where: string; note?: string } | { kind: 'default' };

const origins = new WeakMap<Command, Map<string, Origin>>();

export function originsOf(command: Command): Map<string, Origin> {
  return origins.get(command) ?? new Map();
}

/** "listen", "deliveries list": the command's path below the program. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

const quiet = new WeakSet<Command>();

/** No warnings from this program's runs (`hookctl config` shows the same facts in its table). */
export function quietly(program: Command): void {
  quiet.add(program);
}

const configFlags = new WeakMap<AppContext, string | false | undefined>();

/** The --config FILE / --no-config the program was run with (for `hookctl config`, which passes them on). */
export function configFlagOf(ctx: AppContext): string | false | undefined {
  return configFlags.get(ctx);
}

/** Called by discover.ts's hook when there is a project file (`found`), and for `hookctl config`. */
export async function applyProjectFile(ctx: AppContext, flag: string | false | undefined, command: Command, found: FoundFile | undefined): Promise<void> {
  const path = commandPath(command);
  configFlags.set(ctx, flag);
  if (path === 'config' || !found) return; // config reads the file for the command it is asked about
  const { section, keys } = keysFor(path);
  const present = keys.filter((key) => command.options.some((o) => o.attributeName() === SETTINGS[key].option));
  if (present.length === 0) return;
  const seen = new Map<string, Origin>();
  origins.set(command, seen);
  const project = await loadProjectFile(found, ctx.cwd);
  ctx.projectFile = project.shown;
  for (const key of present) {
    const { option, kind, env } = SETTINGS[key];
    const source = command.getOptionValueSource(option);
    if (source === 'cli') {
      seen.set(option, { kind: 'flag' });
      continue;
    }
    const fromEnv = env?.find((name) => ctx.env[name]);
    if (fromEnv || source === 'env') {
      seen.set(option, { kind: 'env', name: fromEnv ?? '' });
      continue;
    }
    const own = section ? (project.settings[section] as Record<string, unknown> | undefined)?.[key] : undefined;
    const pointer = own !== undefined ? `/${section}/${key}` : `/${key}`;
    const value = own ?? (SHARED.includes(key) ? project.settings[key] : undefined);
    if (value === undefined) continue;
    if (kind === 'secretEnv') {
      const secret = ctx.env[value as string];
      if (!secret) {
        let root = command;
        while (root.parent) root = root.parent;
        if (!quiet.has(root)) ctx.io.warn(`${project.where(pointer)} names $${String(value)} for the webhook secret, and it is not set: no secret`);
        seen.set(option, { kind: 'file', where: project.where(pointer), note: `$${String(value)}, not set` });
        continue;
      }
      command.setOptionValueWithSource(option, [secret], 'config');
      seen.set(option, { kind: 'file', where: project.where(pointer), note: `$${String(value)}` });
      continue;
    }
    command.setOptionValueWithSource(option, toOption(kind, value, project.dir), 'config');
    seen.set(option, { kind: 'file', where: project.where(pointer) });
  }
}
