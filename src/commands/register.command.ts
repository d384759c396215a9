/** `hookctl register`'s declaration: its flags, help and examples; the run (register.ts) loads only when it runs. */
import { declareRun, type OptionsOf, type Parent } from './shared/command.js';
import { apiUrlOption, appIdOption, contentTypeOption, examples, jsonOption, privateKeyOption, secretOption } from './shared/options.js';

const declaration = (program: Parent) =>
  program
    .command('register')
    .description('create or update a repository or organization webhook, or set a GitHub App\'s webhook')
    .argument('[owner/repo]', 'repository (or use --org, or --app)')
    .option('--org <org>', 'an organization hook instead of a repository hook')
    .option('--app', 'your GitHub App\'s webhook (authenticates as the App: --app-id, --private-key)')
    .addOption(appIdOption())
    .addOption(privateKeyOption())
    .option('--restore', 'with --app: put back the webhook settings a `listen --register-app` that did not finish borrowed')
    .option('--url <url>', 'payload URL')
    .option('--events <list>', 'events to subscribe to: a,b,c or *')
    .addOption(secretOption())
    .addOption(contentTypeOption())
    .option('--insecure-ssl', 'skip TLS verification of the payload URL')
    .option('--inactive', 'create or leave the hook inactive')
    .option('--ping', 'ask GitHub to send a ping')
    .addOption(apiUrlOption())
    .addOption(jsonOption('print the hook as JSON'))
    .addHelpText(
      'after',
      examples([
        'hookctl register octo-org/octo-repo --url https://example.com/webhooks --events push,pull_request',
        'hookctl register --app --app-id 123456 --private-key ./my-app.private-key.pem --url https://example.com/webhooks --secret "$SECRET"',
        'hookctl register --org octo-org --url https://example.com/webhooks --events "*"',
      ]),
    );

/** `hookctl register`'s options, inferred from the flags above: a repository's or organization's hook, or (--app) a GitHub App's webhook (register-app.ts). */
export type RegisterOptions = OptionsOf<ReturnType<typeof declaration>>;

export const declare = declareRun(declaration);
