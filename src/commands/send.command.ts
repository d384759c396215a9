/** `hookctl send`'s declaration: its flags, help and examples; the run (send.ts) loads only when it runs. */
import { DEFAULT_TARGET } from '../core/deliver/url.js';
import { declareRun, type OptionsOf, type Parent } from './shared/command.js';
import {
  collect,
  contentTypeOption,
  duration,
  examples,
  hookIdOption,
  int,
  jsonOption,
  option,
  secretOption,
  setOption,
  verboseOption,
} from './shared/options.js';

const declaration = (program: Parent) =>
  program
    .command('send')
    .description('send a realistic, correctly signed sample delivery')
    .argument('[event]', 'event or event.action, e.g. pull_request.opened (see --list)')
    .option('-t, --to <url>', `target URL (default: the running hookctl listen, then $HOOKCTL_URL, then ${DEFAULT_TARGET})`)
    .addOption(secretOption())
    .option('--payload <file|->', 'send your own JSON (signed over its exact bytes)')
    .addOption(setOption())
    .option('--repo <owner/repo>', 'rewrite the repository everywhere it appears')
    .option('--sender <login>', 'rewrite the sender everywhere it appears')
    .addOption(contentTypeOption())
    .option('--delivery-id <guid>', 'X-GitHub-Delivery to send (default: a random GUID)')
    .addOption(hookIdOption('X-GitHub-Hook-ID to send'))
    .option('--app-id <id>', 'send as to a GitHub App\'s webhook: target type integration, target id this App ID, an installation in the payload')
    .option('-H, --header <name:value>', 'add or replace a header (repeatable)', collect)
    .option('-n, --count <n>', 'send N deliveries', int('--count', 1), 1)
    .option('-c, --concurrency <n>', 'deliveries in flight at once', int('--concurrency', 1), 8)
    .option('--validate', 'check the payload against GitHub\'s schema before sending')
    .option('--timeout <duration>', 'total deadline of each delivery, answer included (default: 10s)', duration('--timeout'))
    .option('--dry-run', 'print the exact request and send nothing')
    .addOption(option('--format <format>', 'with --dry-run: write the request as an HTTP message file (.http, for REST Client and JetBrains\' HTTP Client) or as JSON ({method, url, headers, body})').choices(['http', 'json'] as const))
    .addOption(verboseOption())
    .option('--list', 'list every event and action in the catalog')
    .addOption(jsonOption('print JSON results'))
    .addHelpText(
      'after',
      examples([
        'hookctl send pull_request.opened',
        'hookctl send push --secret "$SECRET" --to http://localhost:3000/webhooks',
        'hookctl send issues.opened --repo octo-org/api --sender monalisa --set issue.title="Crash on start"',
        'hookctl send pull_request.opened --payload delivery.json --secret "$SECRET"',
        'hookctl send push --header "X-Request-Id: 42" --dry-run',
        'hookctl send pull_request.opened --secret "$SECRET" --dry-run --format http > pr-opened.http',
        'hookctl send --list',
      ]),
    );

/** What send's run receives: inferred from the flags above. */
export type SendOptions = OptionsOf<ReturnType<typeof declaration>>;

export const declare = declareRun(declaration);
