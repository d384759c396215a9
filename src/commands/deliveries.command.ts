/**
 * `hookctl deliveries list|show|export`'s declarations, and the `deliveries` group that holds
 * them with rm/prune (deliveries-manage.command.ts) and pull (deliveries-pull.command.ts). The
 * runs (deliveries.ts) load only when one runs.
 */
import type { Lazy, OptionsOf, Parent, Load, RunOf } from './shared/command.js';
import { examples, int, jsonOption, option, storeOption } from './shared/options.js';
import { declare as declareManage, type ManageRuns } from './deliveries-manage.command.js';
import { declare as declarePull, type PullRuns } from './deliveries-pull.command.js';

// list takes no arguments: the catch-all only turns a stray word into a useful error, so help leaves it out.
const listDeclaration = (deliveries: Parent) =>
  deliveries
    .command('list', { isDefault: true })
    .description('list stored deliveries, newest first')
    .argument('[unexpected...]')
    .usage('[options]')
    .option('--event <event>', 'only this event (event or event.action)')
    .option('--since <when>', 'received since WHEN (10m, 2h, 1d or ISO 8601)')
    .option('--status <code>', 'only what listen answered with this status (401) or class (4xx)')
    .option('--signature <verdict>', 'only this signature verdict: valid, invalid, missing, unchecked')
    .option('--limit <n>', 'at most N rows', int('--limit', 1), 30)
    .option('-f, --follow', 'then print new deliveries as they arrive (Ctrl+C to stop)')
    .addOption(storeOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      examples([
        'hookctl deliveries list --event pull_request --since 1h',
        'hookctl deliveries list --status 4xx --signature invalid',
        'hookctl deliveries list --follow',
      ]),
    );

const showDeclaration = (deliveries: Parent) =>
  deliveries
    .command('show')
    .description('show one delivery: headers, verdicts, forward and replay attempts, payload')
    .argument('<id>', 'delivery GUID, local id, or a unique prefix')
    .option('--raw', 'write the exact body bytes to stdout')
    .option('--no-payload', 'leave the payload out')
    .addOption(storeOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      examples(['hookctl deliveries show 7b61', 'hookctl deliveries show 7b61 --raw > payload.json', "hookctl deliveries show 7b61 --json | jq '.headers'"]),
    );

const exportDeclaration = (deliveries: Parent) =>
  deliveries
    .command('export')
    .description('export a delivery as a curl command, a test fixture, or a request file (.http or JSON)')
    .argument('<id>', 'delivery GUID, local id, or a unique prefix')
    .addOption(option('--format <format>', 'output format').choices(['curl', 'fixture', 'http', 'json'] as const).default('curl' as const))
    .option('-t, --to <url>', 'with --format curl, http or json: send it here instead of where it was received')
    .addOption(storeOption())
    .addHelpText(
      'after',
      examples([
        'hookctl deliveries export 0b1d --format curl',
        'hookctl deliveries export 0b1d --format curl --to http://localhost:3000/webhooks | sh',
        'hookctl deliveries export 7b61 --format fixture > issues.opened.json',
        'hookctl deliveries export 7b61 --format http --to http://localhost:3000/webhooks > issues.opened.http',
      ]),
    );

/** What each run of deliveries.ts receives: inferred from the flags above. */
export type ListOptions = OptionsOf<ReturnType<typeof listDeclaration>>;
export type ShowOptions = OptionsOf<ReturnType<typeof showDeclaration>>;
export type ExportOptions = OptionsOf<ReturnType<typeof exportDeclaration>>;

/** The run modules of `deliveries` and its subcommands, as cli.ts loads them. */
export interface DeliveriesLoads {
  read: Load<{ list: RunOf<typeof listDeclaration>; show: RunOf<typeof showDeclaration>; exportDelivery: RunOf<typeof exportDeclaration> }>;
  manage: Load<ManageRuns>;
  pull: Load<PullRuns>;
}

export function declare(program: Parent, lazy: Lazy, load: DeliveriesLoads): void {
  const deliveries = program
    .command('deliveries')
    .description('inspect stored deliveries')
    .configureHelp({ subcommandTerm: (cmd) => `${cmd.name()}${cmd.options.length ? ' [options]' : ''}${cmd.registeredArguments.filter((a) => a.name() !== 'unexpected').map((a) => ` ${a.required ? '<' : '['}${a.name()}${a.variadic ? '...' : ''}${a.required ? '>' : ']'}`).join('')}` });
  listDeclaration(deliveries).action(lazy(async () => (await load.read()).list));
  showDeclaration(deliveries).action(lazy(async () => (await load.read()).show));
  exportDeclaration(deliveries).action(lazy(async () => (await load.read()).exportDelivery));
  declareManage(deliveries, lazy, load.manage);
  declarePull(deliveries, lazy, load.pull);
}
