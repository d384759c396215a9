/** `hookctl verify`'s declaration: its flags, help and examples; the run (verify.ts) loads only when it runs. */
import { declareRun, type OptionsOf, type Parent } from './shared/command.js';
import { examples, once, option, secretOption } from './shared/options.js';

const declaration = (program: Parent) =>
  program
    .command('verify')
    .description('check a signature offline and explain a mismatch')
    .argument('[file]', 'body file, or - for stdin', '-')
    .addOption(secretOption('webhook secret', { rotation: true }))
    .addOption(option('--signature <sig>', 'the X-Hub-Signature-256 (sha256=…) or X-Hub-Signature (sha1=…) value').argParser(once('--signature')).makeOptionMandatory())
    .addHelpText(
      'after',
      examples([
        'hookctl verify --secret "$SECRET" --signature "$SIGNATURE" body.json',
        'printf \'Hello, World!\' | hookctl verify --secret "It\'s a Secret to Everybody" --signature sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      ]),
    );

/** What verify's run receives: inferred from the flags above. */
export type VerifyOptions = OptionsOf<ReturnType<typeof declaration>>;

export const declare = declareRun(declaration);
