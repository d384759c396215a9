/** `hookctl config`'s declaration; the run (config.ts) loads only when it runs. */
import type { Command } from 'commander';
import type { AppContext } from '../context.js';
import type { Lazy, Load, OptionsOf, Parent } from './shared/command.js';
import { examples } from './shared/options.js';

/** cli.ts's buildProgram, handed in (cli.ts loads this module: importing it back would be a cycle). */
export type BuildProgram = (ctx: AppContext, setResult: (code: number) => void) => Command;

const declaration = (program: Parent) =>
  program
    .command('config')
    .description('the settings a command would run with and where each comes from; --init writes hookctl.json')
    .argument('[command-and-flags...]', 'a command and its flags, e.g. listen --port 3000')
    .option('--init', 'write hookctl.json (or --config FILE) from the flags given')
    .option('--force', 'with --init: replace an existing file')
    .allowUnknownOption()
    .addHelpText('after', examples(['hookctl config listen', 'hookctl config --init listen --path /webhooks --forward-to push=http://localhost:3000/push']));

/** What config's run receives: inferred from the flags above. */
export type ConfigOptions = OptionsOf<ReturnType<typeof declaration>>;

/** config parses a command's flags with the CLI's own program: cli.ts hands its buildProgram in (importing it here would be a cycle). */
export function declare(program: Parent, lazy: Lazy, buildProgram: BuildProgram, load: Load<{ run: (ctx: AppContext, options: ConfigOptions, args: string[], buildProgram: BuildProgram) => Promise<number> }>): void {
  declaration(program).action(
    lazy(async () => {
      const { run } = await load();
      return (ctx, options: ConfigOptions, args: string[]) => run(ctx, options, args, buildProgram);
    }),
  );
}
