/**
 * Assembles the program: the root's own flags and help, then each command's declaration
 * (commands/NAME.command.ts, beside its run), which lazy-imports the run so a command loads only
 * what it needs. Commands return an exit code; only main exits.
 */
import { Command as CommanderCommand, CommanderError, type Command as UntypedCommand } from 'commander';
import type { Command } from '@commander-js/extra-typings';
import type { AppContext } from './context.js';
import { setNoticeListener } from './core/notices.js';
import { ExitCode, UsageError } from './errors.js';
import { safe } from './ui/sanitize.js';
import type { Lazy } from './commands/shared/command.js';
import { examples } from './commands/shared/options.js';
import { declare as listen } from './commands/listen.command.js';
import { declare as send } from './commands/send.command.js';
import { declare as replay } from './commands/replay.command.js';
import { declare as deliveries } from './commands/deliveries.command.js';
import { declare as register } from './commands/register.command.js';
import { declare as hooks } from './commands/hooks.command.js';
import { declare as tunnel } from './commands/tunnel.command.js';
import { declare as inspect } from './commands/inspect.command.js';
import { declare as verify } from './commands/verify.command.js';
import { declare as sign } from './commands/sign.command.js';
import { declare as validate } from './commands/validate.command.js';
import { declare as config } from './commands/config.command.js';

export function buildProgram(ctx: AppContext, setResult: (code: number) => void): UntypedCommand {
  // What core noticed (e.g. a state file entry it ignores) is a warning on stderr.
  setNoticeListener((message) => ctx.io.warn(safe(message)));
  // Typed by @commander-js/extra-typings, which at run time is commander itself (types only: start-up loads commander alone).
  const program = new CommanderCommand('hookctl') as unknown as Command;
  const lazy: Lazy = (load) => async (...args: unknown[]) => {
    // commander passes (...positionals, options, command); the run gets (ctx, options, ...positionals).
    args.pop();
    const options = args.pop();
    const run = (await load()) as (ctx: AppContext, options: unknown, ...positionals: unknown[]) => Promise<number | void>;
    const code = await run(ctx, options, ...args);
    setResult(typeof code === 'number' ? code : ExitCode.ok);
  };

  program
    .description('GitHub webhooks end to end: receive, verify, store, send, replay, tunnel and register.')
    .version(`hookctl ${ctx.version}`, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.streams.stdout.write(s),
      writeErr: (s) => ctx.io.streams.stderr.write(s),
      outputError: (s, write) => write(ctx.io.errColor.red(s)),
    })
    .addHelpText(
      'after',
      examples([
        'hookctl listen --port 5000 --forward-to http://localhost:3000/webhooks',
        'hookctl send pull_request.opened --secret "$SECRET"',
        'hookctl replay 3f2a --to http://localhost:3000/webhooks',
        'hookctl listen --tunnel --register octo-org/octo-repo',
      ]),
    );

  // Each run module is imported here, when its command runs (never by its declaration, which the
  // run imports its options type from).
  listen(program, lazy, () => import('./commands/listen.js'));
  send(program, lazy, () => import('./commands/send.js'));
  replay(program, lazy, () => import('./commands/replay.js'));
  deliveries(program, lazy, { read: () => import('./commands/deliveries.js'), manage: () => import('./commands/deliveries-manage.js'), pull: () => import('./commands/deliveries-pull.js') });
  register(program, lazy, () => import('./commands/register.js'));
  hooks(program, lazy, () => import('./commands/hooks.js'));
  tunnel(program, lazy, () => import('./commands/tunnel.js'));
  inspect(program, lazy, () => import('./commands/inspect.js'));
  verify(program, lazy, () => import('./commands/verify.js'));
  sign(program, lazy, () => import('./commands/sign.js'));
  validate(program, lazy, () => import('./commands/validate.js'));

  // The project file (src/config): before any command runs, it fills the options no flag or environment variable set.
  program
    .option('--config <file>', 'project file (default $HOOKCTL_CONFIG, then hookctl.json or package.json\'s "hookctl" key, from here up to the repository root)')
    .option('--no-config', 'ignore the project file')
    .hook('preAction', async (root, command) => {
      const { beforeCommand } = await import('./config/discover.js');
      await beforeCommand(ctx, root.opts(), command as unknown as UntypedCommand);
    });
  config(program, lazy, buildProgram, () => import('./commands/config.js'));

  return program as unknown as UntypedCommand;
}

export async function runCli(ctx: AppContext, argv: string[]): Promise<number> {
  let result: number = ExitCode.ok;
  const program = buildProgram(ctx, (code) => {
    result = code;
  });
  if (argv.length === 0) {
    program.outputHelp();
    return ExitCode.ok;
  }
  // What people type for the version (commander would suggest "verify" for "version").
  if (argv.length === 1 && (argv[0] === '-v' || argv[0] === 'version')) {
    throw new UsageError(`unknown ${argv[0] === 'version' ? 'command' : 'option'} "${argv[0]}"`, ['Did you mean: hookctl --version (or -V)?']);
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return ExitCode.ok;
      }
      if (err.code === 'commander.executeSubCommandAsync') return ExitCode.ok;
      return ExitCode.usage;
    }
    throw err;
  }
  return result;
}
