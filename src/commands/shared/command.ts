/**
 * The shape every command's declaration (commands/NAME.command.ts) shares: it declares its flags
 * on the program with @commander-js/extra-typings' types, so the options its run receives are
 * inferred from the declaration, and attaches a lazy action that imports the run only when the
 * command runs. Types, and `declareRun`: the one way a single-run command attaches its run.
 */
import type { Command, CommandUnknownOpts, OptionValues } from '@commander-js/extra-typings';
import type { AppContext } from '../../context.js';

/** The root program (or a command group such as `deliveries`) a declaration adds its command to. */
export type Parent = Command<[], OptionValues>;

/** A command's run: its parsed options, then its positionals, as the declaration infers them. */
type Run<Args extends unknown[], Opts> = (ctx: AppContext, options: Opts, ...args: Args) => Promise<number | void>;

/**
 * cli.ts's lazy action: loads the run when the command runs. Commander passes
 * (...positionals, options, command); the run gets (ctx, options, ...positionals). Handing it
 * to `.action()` checks that the run accepts exactly what the declaration parses.
 */
export type Lazy = <Args extends unknown[], Opts>(load: () => Promise<Run<Args, Opts>>) => (...args: [...Args, Opts, CommandUnknownOpts]) => Promise<void>;

/** The positionals a declared command parses. */
type ArgsOf<C> = C extends Command<infer Args, any, any> ? Args : never;

/** The run a declaration calls for: `RunOf<typeof declaration>`. */
export type RunOf<D extends (...args: any[]) => unknown> = Run<ArgsOf<ReturnType<D>>, OptionsOf<ReturnType<D>>>;

/**
 * Loads a command's run module. cli.ts writes the `import()`, not the declaration: the run
 * imports its options type from the declaration, so the declaration importing the run would
 * tie the two modules in a circle.
 */
export type Load<Module> = () => Promise<Module>;

/** The options a declared command parses (its `.opts()`). */
export type OptionsOf<C> = C extends Command<any[], infer Opts, any> ? Opts : never;

/**
 * A command with one run: `export const declare = declareRun(declaration)`. The declaration adds
 * the command; the run, loaded by cli.ts only when it runs, gets what the declaration parses.
 */
export function declareRun<D extends (program: Parent) => Command<any[], any, any>>(declaration: D) {
  return (program: Parent, lazy: Lazy, load: Load<{ run: RunOf<D> }>): void => {
    (declaration(program) as Command<ArgsOf<ReturnType<D>>, OptionsOf<ReturnType<D>>>).action(lazy(async () => (await load()).run));
  };
}
