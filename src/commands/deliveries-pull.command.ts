/** `hookctl deliveries pull`'s declaration; the run (deliveries-pull.ts) loads only when it runs. */
import { declareRun, type OptionsOf, type Parent, type RunOf } from './shared/command.js';
import { apiUrlOption, appIdOption, examples, hookIdOption, int, jsonOption, privateKeyOption, secretOption, storeOption } from './shared/options.js';

const declaration = (deliveries: Parent) =>
  deliveries
    .command('pull')
    .description('import a hook\'s recent deliveries from GitHub into the local store')
    .argument('[owner/repo]', 'repository (or --app)')
    .option('--app', 'your GitHub App\'s webhook instead (--app-id, --private-key)')
    .addOption(appIdOption())
    .addOption(privateKeyOption())
    .addOption(hookIdOption('the hook (default: the remembered or only hook)'))
    .option('--since <when>', 'delivered since WHEN (10m, 2h, 1d or ISO 8601)')
    .option('--limit <n>', 'at most N deliveries', int('--limit', 1), 50)
    .addOption(secretOption('re-sign imported bodies with this secret'))
    .addOption(storeOption())
    .addOption(apiUrlOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      examples(['hookctl deliveries pull octo-org/octo-repo --since 1h', 'hookctl deliveries pull --app --app-id 123456 --private-key ./my-app.private-key.pem']),
    );

/** What pull's run receives: inferred from the flags above. */
export type PullOptions = OptionsOf<ReturnType<typeof declaration>>;

export type PullRuns = { run: RunOf<typeof declaration> };

export const declare = declareRun(declaration);
