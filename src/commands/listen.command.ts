/** `hookctl listen`'s declaration: its flags, help and examples; the run (listen.ts) loads only when it runs. */
import { DEFAULT_PORT } from '../core/deliver/url.js';
import { declareRun, type OptionsOf, type Parent } from './shared/command.js';
import {
  apiUrlOption,
  appIdOption,
  cloudflaredOption,
  collect,
  duration,
  examples,
  jsonOption,
  port,
  privateKeyOption,
  secretOption,
  storeOption,
} from './shared/options.js';

const declaration = (program: Parent) =>
  program
    .command('listen')
    .description('receive, verify and store webhook deliveries; forward them to your app')
    .option('-p, --port <port>', `port to listen on (default: ${DEFAULT_PORT}, or the next free one when taken; send and replay find it)`, port())
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--path <path>', 'accept deliveries only on this path (default: every path)')
    .addOption(secretOption('webhook secret', { rotation: true }))
    .option('-f, --forward-to <[event=]url>', 'forward each delivery to URL (repeatable; EVENT=URL routes one event)', collect)
    .option('--forward-timeout <duration>', 'total deadline of each forward, answer included (default: 10s, GitHub\'s)', duration('--forward-timeout'))
    .option('--events <list>', 'only show and forward these events (all are still stored)')
    .addOption(storeOption())
    .option('--tunnel', 'expose the listener through a cloudflared quick tunnel')
    .option('--register <owner/repo>', 'with --tunnel: point this repository\'s webhook at the tunnel')
    .option('--keep-active', 'with --register: leave the hook active on exit, so GitHub keeps logging what it sends and the next run catches it up (3 days); an inactive hook is sent nothing')
    .option('--register-app', 'with --tunnel: borrow your GitHub App\'s webhook (pointed here, put back on exit)')
    .addOption(appIdOption())
    .addOption(privateKeyOption())
    .option('--no-catch-up', 'with --register or --register-app: do not ask GitHub to redeliver what it logged while hookctl was not listening')
    .addOption(cloudflaredOption())
    .addOption(apiUrlOption())
    .option('--inspect-port <port>', 'the inspector\'s port on 127.0.0.1 (default 4141, the next free one when taken; a port given here must be free)', port('--inspect-port'))
    .option('--no-inspect', 'do not serve the inspector')
    .addOption(jsonOption('print one JSON record per delivery (NDJSON)'))
    .addHelpText(
      'after',
      examples([
        'hookctl listen',
        'hookctl listen --port 5000 --secret "$SECRET" --forward-to http://localhost:3000/webhooks',
        'hookctl listen --forward-to push=http://localhost:3000/push --forward-to http://localhost:3000/hooks',
        'hookctl listen --json | jq .event',
        'hookctl listen --tunnel --register octo-org/octo-repo --events push,pull_request',
        'hookctl listen --tunnel --register-app --app-id 123456 --private-key ./my-app.private-key.pem',
      ]),
    );

/** What listen's run receives: inferred from the flags above. */
export type ListenFlags = OptionsOf<ReturnType<typeof declaration>>;

export const declare = declareRun(declaration);
