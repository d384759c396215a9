/**
 * `hookctl config [COMMAND [FLAGS…]]`: the settings COMMAND would run with and where each came
 * from (flag, env, project file:line, default), secrets masked. `--init` writes a project file
 * from the flags given. Both parse COMMAND FLAGS with the CLI's own program (its action replaced),
 * so what is shown is what the command would get, through the same preAction hook.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CommanderError, type Command, type Option } from 'commander';
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { commandPath, configFlagOf, originsOf, quietly, type Origin } from '../config/apply.js';
import { findProjectFile } from '../config/discover.js';
import { shownPath } from '../config/load.js';
import { keysFor, SECTIONS, SETTINGS, toFile } from '../config/keys.js';
import { table } from '../ui/table.js';
import type { BuildProgram, ConfigOptions } from './config.command.js';


const SCHEMA_REF = './node_modules/hookctl/schemas/hookctl-config.schema.json';


export async function run(ctx: AppContext, options: ConfigOptions, args: string[], buildProgram: BuildProgram): Promise<number> {
  const rootFlag = configFlagOf(ctx);
  if (options.init) return init(ctx, options, args, rootFlag, buildProgram);
  const found = findProjectFile(ctx.cwd, ctx.env, rootFlag);
  const shown = found ? shownPath(ctx.cwd, found.file) : undefined;
  ctx.io.out(found ? `Project file: ${shown}${found.key ? ' ("hookctl" key)' : ''}${found.via === 'flag' ? ' (--config)' : found.via === 'env' ? ' ($HOOKCTL_CONFIG)' : ''}` : 'Project file: none (no hookctl.json or package.json "hookctl" key from here up to the repository root)');
  const commands = args.length > 0 ? [args] : Object.keys(SECTIONS).map((name) => [name]);
  for (const argv of commands) {
    const command = await parseAs(ctx, argv, rootFlag, buildProgram);
    ctx.io.out(`\nhookctl ${commandPath(command)}`);
    ctx.io.out(indent(table(ctx.io.color, ['setting', 'value', 'from'], rowsFor(ctx, command))));
  }
  return 0;
}

/** COMMAND FLAGS… parsed by a fresh program whose COMMAND only hands back its parsed self. */
async function parseAs(ctx: AppContext, argv: string[], rootFlag: string | false | undefined, buildProgram: BuildProgram): Promise<Command> {
  const program = buildProgram(ctx, () => {});
  quietly(program);
  let target: Command = program;
  for (const name of argv) {
    const sub = target.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!sub) break;
    target = sub;
  }
  if (target.commands.length > 0 && target !== program) {
    throw new UsageError(`name one of hookctl ${commandPath(target)}'s commands: ${target.commands.map((c) => c.name()).join(', ')}`, [`e.g. hookctl config ${commandPath(target)} ${target.commands[0].name()}`]);
  }
  if (target === program || commandPath(target) === 'config') throw new UsageError(`no command "${argv[0]}" to show settings for`, [`Commands with settings: ${Object.keys(SECTIONS).join(', ')} (and any command with --store or --secret).`]);
  let parsed: Command | undefined;
  target.action((...a: unknown[]) => void (parsed = a.at(-1) as Command));
  const configArgs = rootFlag === false ? ['--no-config'] : typeof rootFlag === 'string' ? ['--config', rootFlag] : [];
  // Commander's complaint becomes ours (one message, exit 2), not a second "error:" line.
  program.configureOutput({ writeErr: () => {}, outputError: () => {} });
  try {
    await program.parseAsync([...argv, ...configArgs], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) throw new UsageError(`hookctl ${argv.join(' ')}: ${err.message.replace(/^error: /, '')}`);
    throw err;
  }
  if (!parsed) throw new UsageError(`hookctl ${argv.join(' ')} did not parse`);
  return parsed;
}

function optionOf(command: Command, attribute: string): Option | undefined {
  return command.options.find((o) => o.attributeName() === attribute && !o.negate) ?? command.options.find((o) => o.attributeName() === attribute);
}

function rowsFor(ctx: AppContext, command: Command): string[][] {
  const origins = originsOf(command);
  const { keys } = keysFor(commandPath(command));
  const attributes = keys.map((k) => SETTINGS[k].option).filter((a) => optionOf(command, a));
  for (const o of command.options) {
    const a = o.attributeName();
    if (command.getOptionValueSource(a) === 'cli' && !attributes.includes(a)) attributes.push(a);
  }
  return attributes.map((attribute) => {
    const option = optionOf(command, attribute)!;
    const value = command.getOptionValue(attribute) as unknown;
    const origin = origins.get(attribute) ?? originWithoutFile(ctx, command, attribute);
    const flag = option.negate ? option.long!.replace(/^--no-/, '--') : option.long!;
    return [flag, shownValue(ctx, attribute, value, origin), shownOrigin(origin)];
  });
}

/** Where a value came from when no project file was read: the flag, a variable that sets it, or the default. */
function originWithoutFile(ctx: AppContext, command: Command, attribute: string): Origin {
  if (command.getOptionValueSource(attribute) === 'cli') return { kind: 'flag' };
  const name = Object.values(SETTINGS).find((s) => s.option === attribute)?.env?.find((n) => ctx.env[n]);
  return name ? { kind: 'env', name } : { kind: 'default' };
}

function shownValue(ctx: AppContext, attribute: string, value: unknown, origin: Origin): string {
  if (attribute === 'secret') {
    if (origin.kind === 'file') return origin.note?.endsWith('not set') ? `(none: ${origin.note!.replace(', not set', '')} is not set)` : `******** (from ${origin.note})`;
    if (origin.kind === 'env') return `******** (from $${origin.name})`;
    return value === undefined ? '(none)' : '********';
  }
  if (origin.kind === 'env') return origin.name ? (ctx.env[origin.name] ?? '') : String(value);
  if (value !== undefined) return Array.isArray(value) ? value.join(' ') : String(value);
  const fallback: Record<string, () => string> = {
    port: () => `${ctx.defaults.port} (the next free one when taken)`,
    inspectPort: () => `${ctx.defaults.inspectPort} (the next free one when taken)`,
    store: () => ctx.paths.store,
    apiUrl: () => 'https://api.github.com',
    to: () => ctx.defaults.target,
  };
  return fallback[attribute]?.() ?? '-';
}

function shownOrigin(origin: Origin): string {
  if (origin.kind === 'env') return origin.name ? `env ${origin.name}` : 'env';
  if (origin.kind === 'file') return origin.where;
  return origin.kind;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

/** `config --init COMMAND FLAGS…`: hookctl.json (or --config FILE) holding what the flags said, never a secret. */
async function init(ctx: AppContext, options: ConfigOptions, args: string[], rootFlag: string | false | undefined, buildProgram: BuildProgram): Promise<number> {
  const file = resolve(ctx.cwd, typeof rootFlag === 'string' ? rootFlag : 'hookctl.json');
  const shown = shownPath(ctx.cwd, file);
  if (existsSync(file) && !options.force) throw new UsageError(`${shown} already exists`, ['Edit it, or add --force to replace it.']);
  const settings: Record<string, unknown> = {};
  const out: Record<string, unknown> = { $schema: SCHEMA_REF };
  if (args.length > 0) {
    const command = await parseAs(ctx, args, false, buildProgram);
    const path = commandPath(command);
    const { section, keys } = keysFor(path);
    const left: string[] = [];
    for (const o of command.options) {
      const attribute = o.attributeName();
      if (command.getOptionValueSource(attribute) !== 'cli') continue;
      if (attribute === 'secret') {
        throw new UsageError('the project file never holds a secret (it is committed with your app)', [
          'Drop --secret, keep the secret in an environment variable, and name the variable in the file: "secretEnv": "MY_APP_WEBHOOK_SECRET".',
        ]);
      }
      const key = keys.find((k) => SETTINGS[k].option === attribute);
      if (key === undefined) {
        left.push(o.long ?? attribute);
        continue;
      }
      settings[key] = toFile(SETTINGS[key].kind, command.getOptionValue(attribute));
    }
    if (left.length > 0) ctx.io.warn(`not kept in the project file (give ${left.length === 1 ? 'it' : 'them'} on the command line): ${left.join(', ')}`);
    if (section) out[section] = settings;
    else Object.assign(out, settings);
  } else out.listen = {};
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`, { flag: options.force ? 'w' : 'wx' });
  ctx.io.err(`Wrote ${shown}. See what a command gets from it with: hookctl config ${args[0] ?? 'listen'}`);
  return 0;
}
