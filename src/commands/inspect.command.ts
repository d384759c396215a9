/** `hookctl inspect`'s declaration: its flags, help and examples; the run (inspect.ts) loads only when it runs. */
import { declareRun, type OptionsOf, type Parent } from './shared/command.js';
import { examples, port, secretOption, storeOption } from './shared/options.js';

const declaration = (program: Parent) =>
  program
    .command('inspect')
    .description('the web inspector over a store, without a receiver')
    .addOption(storeOption())
    .option('-p, --port <port>', 'port on 127.0.0.1 (default 4141, the next free one when taken; a port given here must be free)', port())
    .option('--open', 'open it in the default browser')
    .addOption(secretOption('sign replays and samples with this secret'))
    .addHelpText('after', examples(['hookctl inspect', 'hookctl inspect --store ./deliveries.db --port 4242']));

/** What inspect's run receives: inferred from the flags above. */
export type InspectOptions = OptionsOf<ReturnType<typeof declaration>>;

export const declare = declareRun(declaration);
