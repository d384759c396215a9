/** `hookctl replay`'s declaration: its flags, help and examples; the run (replay.ts) loads only when it runs. */
import { declareRun, type OptionsOf, type Parent } from './shared/command.js';
import {
  apiUrlOption,
  appIdOption,
  duration,
  examples,
  hookIdOption,
  int,
  jsonOption,
  privateKeyOption,
  secretOption,
  setOption,
  storeOption,
  verboseOption,
} from './shared/options.js';

const declaration = (program: Parent) =>
  program
    .command('replay')
    .description('replay stored deliveries byte for byte')
    .argument('[ids...]', 'delivery GUIDs, local ids, or unique prefixes of either')
    .option('-t, --to <url>', 'target URL (default: the running hookctl listen, then $HOOKCTL_URL, then where the delivery was first received)')
    .addOption(secretOption('re-sign for the target with this secret'))
    .option('--new-delivery-id', 'send a fresh X-GitHub-Delivery GUID (printed, and kept with the attempt)')
    .addOption(setOption())
    .option('--payload <file|->', 'send this JSON instead of the stored payload (signed anew; the original is kept)')
    .option('--edit', 'edit the payload in $VISUAL/$EDITOR first (on a terminal; a JSON mistake reopens it)')
    .option('--dry-run', 'print the exact requests and send nothing (a batch: how many, and the first 3)')
    .option('--all', 'replay every stored delivery')
    .option('--event <event>', 'replay deliveries of this event (event or event.action)')
    .option('--since <when>', 'replay deliveries received since WHEN (10m, 2h, 1d or ISO 8601)')
    .option('--last <n>', 'replay the last N deliveries', int('--last', 1))
    .option('--not-forwarded', 'deliveries whose forward listen never attempted (its app was not keeping up, or it stopped first): each goes to its forward target and counts as that forward')
    .option('-c, --concurrency <n>', 'deliveries in flight at once', int('--concurrency', 1), 4)
    .option('--timeout <duration>', 'total deadline of each delivery, answer included (default: 10s)', duration('--timeout'))
    .addOption(storeOption())
    .option('--from-github [owner/repo]', 'fetch the delivery from GitHub\'s delivery log (a repository\'s hook, or with --app the App\'s)')
    .option('--app', 'with --from-github: your GitHub App\'s webhook log (--app-id, --private-key)')
    .addOption(appIdOption())
    .addOption(privateKeyOption())
    .addOption(hookIdOption('with --from-github: the hook (default: the remembered or only hook)'))
    .option('--redeliver', 'with --from-github: ask GitHub to redeliver it')
    .addOption(apiUrlOption())
    .addOption(verboseOption())
    .addOption(jsonOption('print one JSON record per attempt (NDJSON)'))
    .addHelpText(
      'after',
      examples([
        'hookctl replay 3f2a',
        'hookctl replay 3f2a --set pull_request.title="Retitled" --secret "$SECRET"',
        'hookctl replay 3f2a --to http://localhost:3000/webhooks --secret "$SECRET"',
        'hookctl replay --event pull_request --since 1h',
        'hookctl replay --not-forwarded --since 1h',
        'hookctl replay --all --dry-run',
        'hookctl replay 6c1a0f00-c9a1-11ef-8d6e-5b1f2d3e4a01 --from-github octo-org/octo-repo --redeliver',
      ]),
    );

/** What replay's run receives: inferred from the flags above. */
export type ReplayFlags = OptionsOf<ReturnType<typeof declaration>>;

export const declare = declareRun(declaration);
