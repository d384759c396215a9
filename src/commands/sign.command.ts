/** `hookctl sign`'s declaration: its flags, help and examples; the run (sign.ts) loads only when it runs. */
import { declareRun, type OptionsOf, type Parent } from './shared/command.js';
import { examples, jsonOption, secretOption } from './shared/options.js';

const declaration = (program: Parent) =>
  program
    .command('sign')
    .description('print both signature headers for a body')
    .argument('[file]', 'body file, or - for stdin', '-')
    .addOption(secretOption())
    .addOption(jsonOption())
    .addHelpText('after', examples(['hookctl sign --secret "$SECRET" body.json', 'printf %s "$BODY" | hookctl sign']));

/** What sign's run receives: inferred from the flags above. */
export type SignOptions = OptionsOf<ReturnType<typeof declaration>>;

export const declare = declareRun(declaration);
