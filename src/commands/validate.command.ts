/** `hookctl validate`'s declaration: its flags, help and examples; the run (validate.ts) loads only when it runs. */
import { declareRun, type OptionsOf, type Parent } from './shared/command.js';
import { examples, jsonOption } from './shared/options.js';

const declaration = (program: Parent) =>
  program
    .command('validate')
    .description('validate a payload against GitHub\'s official schema for an event')
    .argument('[file]', 'payload file, or - for stdin', '-')
    .requiredOption('-e, --event <event[.action]>', 'event, e.g. pull_request.opened (action read from the payload when omitted)')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      examples([
        'hookctl validate delivery.json --event pull_request.opened',
        'hookctl validate delivery.json --event pull_request        # action read from the payload',
        'hookctl deliveries show 3f2a --raw | hookctl validate --event pull_request --json',
      ]),
    );

/** What validate's run receives: inferred from the flags above. */
export type ValidateOptions = OptionsOf<ReturnType<typeof declaration>>;

export const declare = declareRun(declaration);
