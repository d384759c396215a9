/**
 * Registers every command with commander and lazy-imports each command module, so a
 * command loads only what it needs. Commands return an exit code; only main exits.
 */
import { Command, CommanderError, Option } from 'commander';
import type { AppContext } from './context.js';
import { DEFAULT_PORT, DEFAULT_TARGET } from './core/deliver/url.js';
import { setNoticeListener } from './core/notices.js';
import { ExitCode, UsageError } from './errors.js';
import { safe } from './ui/sanitize.js';
import {
  apiUrlOption,
  cloudflaredOption,
  collect,
  contentTypeOption,
  duration,
  examples,
  int,
  jsonOption,
  once,
  port,
  secretOption,
  setOption,
  appIdOption,
  privateKeyOption,
  storeOption,
  verboseOption,
  yesOption,
} from './commands/shared/options.js';

type Runner = (ctx: AppContext, ...args: any[]) => Promise<number | void>;

export function buildProgram(ctx: AppContext, setResult: (code: number) => void): Command {
  // What core noticed (e.g. a state file entry it ignores) is a warning on stderr.
  setNoticeListener((message) => ctx.io.warn(safe(message)));
  const program = new Command('hookctl');
  const lazy =
    (load: () => Promise<Runner>) =>
    async (...args: unknown[]) => {
      // commander passes (...positionals, options, command); we pass (ctx, options, ...positionals).
      const command = args.pop() as Command;
      const options = args.pop() as Record<string, unknown>;
      void command;
      const run = await load();
      const code = await run(ctx, options, ...args);
      setResult(typeof code === 'number' ? code : ExitCode.ok);
    };

  program
    .description('GitHub webhooks end to end: receive, verify, store, send, replay, tunnel and register.')
    .version(`hookctl ${ctx.version}`, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.streams.stdout.write(s),
      writeErr: (s) => ctx.io.streams.stderr.write(s),
      outputError: (s, write) => write(ctx.io.errColor.red(s)),
    })
    .addHelpText(
      'after',
      examples([
        'hookctl listen --port 5000 --forward-to http://localhost:3000/webhooks',
        'hookctl send pull_request.opened --secret "$SECRET"',
        'hookctl replay 3f2a --to http://localhost:3000/webhooks',
        'hookctl listen --tunnel --register octo-org/octo-repo',
      ]),
    );

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
    )
    .action(lazy(async () => { const { run } = await import('./commands/listen.js'); return run; }));

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
    .option('--hook-id <id>', 'X-GitHub-Hook-ID to send')
    .option('--app-id <id>', 'send as to a GitHub App\'s webhook: target type integration, target id this App ID, an installation in the payload')
    .option('-H, --header <name:value>', 'add or replace a header (repeatable)', collect)
    .option('-n, --count <n>', 'send N deliveries', int('--count', 1), 1)
    .option('-c, --concurrency <n>', 'deliveries in flight at once', int('--concurrency', 1), 8)
    .option('--validate', 'check the payload against GitHub\'s schema before sending')
    .option('--timeout <duration>', 'total deadline of each delivery, answer included (default: 10s)', duration('--timeout'))
    .option('--dry-run', 'print the exact request and send nothing')
    .addOption(new Option('--format <format>', 'with --dry-run: write the request as an HTTP message file (.http, for REST Client and JetBrains\' HTTP Client) or as JSON ({method, url, headers, body})').choices(['http', 'json']))
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
    )
    .action(lazy(async () => { const { run } = await import('./commands/send.js'); return run; }));

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
    .option('--hook-id <id>', 'with --from-github: the hook (default: the remembered or only hook)')
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
    )
    .action(lazy(async () => { const { run } = await import('./commands/replay.js'); return run; }));

  // list takes no arguments: the catch-all only turns a stray word into a useful error, so help leaves it out.
  const deliveries = program
    .command('deliveries')
    .description('inspect stored deliveries')
    .configureHelp({ subcommandTerm: (cmd) => `${cmd.name()}${cmd.options.length ? ' [options]' : ''}${cmd.registeredArguments.filter((a) => a.name() !== 'unexpected').map((a) => ` ${a.required ? '<' : '['}${a.name()}${a.variadic ? '...' : ''}${a.required ? '>' : ']'}`).join('')}` });
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
    )
    .action(lazy(async () => { const { list } = await import('./commands/deliveries.js'); return list; }));
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
    )
    .action(lazy(async () => { const { show } = await import('./commands/deliveries.js'); return show; }));
  deliveries
    .command('export')
    .description('export a delivery as a curl command, a test fixture, or a request file (.http or JSON)')
    .argument('<id>', 'delivery GUID, local id, or a unique prefix')
    .addOption(new Option('--format <format>', 'output format').choices(['curl', 'fixture', 'http', 'json']).default('curl'))
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
    )
    .action(lazy(async () => { const { exportDelivery } = await import('./commands/deliveries.js'); return exportDelivery; }));
  deliveries
    .command('rm')
    .description('delete stored deliveries (a full GUID deletes every attempt of it)')
    .argument('<ids...>', 'delivery GUIDs, local ids, or unique prefixes')
    .addOption(yesOption('do not ask first (required when there is no terminal to ask on)'))
    .addOption(storeOption())
    .addHelpText(
      'after',
      examples(['hookctl deliveries rm b5da --yes', 'hookctl deliveries rm 5a18b196-4c29-42fd-83f4-e75cb9c40b56 --yes   # every attempt of that delivery']),
    )
    .action(lazy(async () => { const { rm } = await import('./commands/deliveries-manage.js'); return rm; }));
  deliveries
    .command('prune')
    .description('delete old deliveries and give the space back')
    .option('--older-than <age>', 'received longer ago than this (30d, 12h, or an ISO 8601 date)')
    .option('--keep <n>', 'keep the newest N (with --older-than: keep them even when older)', int('--keep'))
    .addOption(yesOption('do not ask first (required when there is no terminal to ask on)'))
    .addOption(storeOption())
    .addHelpText('after', examples(['hookctl deliveries prune --older-than 30d --yes', 'hookctl deliveries prune --keep 1000 --yes']))
    .action(lazy(async () => { const { prune } = await import('./commands/deliveries-manage.js'); return prune; }));
  deliveries
    .command('pull')
    .description('import a hook\'s recent deliveries from GitHub into the local store')
    .argument('[owner/repo]', 'repository (or --app)')
    .option('--app', 'your GitHub App\'s webhook instead (--app-id, --private-key)')
    .addOption(appIdOption())
    .addOption(privateKeyOption())
    .option('--hook-id <id>', 'the hook (default: the remembered or only hook)')
    .option('--since <when>', 'delivered since WHEN (10m, 2h, 1d or ISO 8601)')
    .option('--limit <n>', 'at most N deliveries', int('--limit', 1), 50)
    .addOption(secretOption('re-sign imported bodies with this secret'))
    .addOption(storeOption())
    .addOption(apiUrlOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      examples(['hookctl deliveries pull octo-org/octo-repo --since 1h', 'hookctl deliveries pull --app --app-id 123456 --private-key ./my-app.private-key.pem']),
    )
    .action(lazy(async () => { const { run } = await import('./commands/deliveries-pull.js'); return run; }));

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
    )
    .action(lazy(async () => { const { run } = await import('./commands/register.js'); return run; }));

  const hooks = program.command('hooks').description('list, delete and ping repository webhooks');
  hooks
    .command('list')
    .argument('<owner/repo>', 'repository')
    .description('list a repository\'s webhooks')
    .addOption(apiUrlOption())
    .addOption(jsonOption())
    .addHelpText('after', examples(['hookctl hooks list octo-org/octo-repo', "hookctl hooks list octo-org/octo-repo --json | jq -r '.[].config.url'"]))
    .action(lazy(async () => { const { list } = await import('./commands/hooks.js'); return list; }));
  hooks
    .command('delete')
    .argument('<owner/repo>', 'repository')
    .argument('<hook-id>', 'hook id')
    .description('delete a webhook')
    .addOption(yesOption())
    .addOption(apiUrlOption())
    .addHelpText('after', examples(['hookctl hooks delete octo-org/octo-repo 498012345', 'hookctl hooks delete octo-org/octo-repo 498012345 --yes   # without asking first']))
    .action(lazy(async () => { const { remove } = await import('./commands/hooks.js'); return remove; }));
  hooks
    .command('ping')
    .argument('<owner/repo>', 'repository')
    .argument('<hook-id>', 'hook id')
    .description('ask GitHub to ping a webhook')
    .addOption(apiUrlOption())
    .addHelpText('after', examples(['hookctl hooks ping octo-org/octo-repo 498012345']))
    .action(lazy(async () => { const { ping } = await import('./commands/hooks.js'); return ping; }));

  program
    .command('tunnel')
    .description('expose a local server through a cloudflared quick tunnel')
    .option('-p, --port <port>', `local port to expose (default: ${DEFAULT_PORT})`, port())
    .option('--path <path>', 'path appended to the tunnel URL for the payload URL')
    .option('--register <owner/repo>', 'point this repository\'s webhook at the tunnel')
    .option('--events <list>', 'with --register: events to subscribe to')
    .addOption(secretOption('with --register: webhook secret'))
    .option('--keep-active', 'with --register: leave the hook active on exit')
    .addOption(cloudflaredOption())
    .addOption(apiUrlOption())
    .addHelpText(
      'after',
      examples([
        'hookctl tunnel --port 3000 --path /webhooks',
        'hookctl tunnel --port 3000 --path /webhooks --register octo-org/octo-repo --secret "$SECRET"',
      ]),
    )
    .action(lazy(async () => { const { run } = await import('./commands/tunnel.js'); return run; }));

  program
    .command('inspect')
    .description('the web inspector over a store, without a receiver')
    .addOption(storeOption())
    .option('-p, --port <port>', 'port on 127.0.0.1 (default 4141, the next free one when taken; a port given here must be free)', port())
    .option('--open', 'open it in the default browser')
    .addOption(secretOption('sign replays and samples with this secret'))
    .addHelpText('after', examples(['hookctl inspect', 'hookctl inspect --store ./deliveries.db --port 4242']))
    .action(lazy(async () => { const { run } = await import('./commands/inspect.js'); return run; }));

  program
    .command('verify')
    .description('check a signature offline and explain a mismatch')
    .argument('[file]', 'body file, or - for stdin', '-')
    .addOption(secretOption('webhook secret', { rotation: true }))
    .addOption(new Option('--signature <sig>', 'the X-Hub-Signature-256 (sha256=…) or X-Hub-Signature (sha1=…) value').argParser(once('--signature')).makeOptionMandatory())
    .addHelpText(
      'after',
      examples([
        'hookctl verify --secret "$SECRET" --signature "$SIGNATURE" body.json',
        'printf \'Hello, World!\' | hookctl verify --secret "It\'s a Secret to Everybody" --signature sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      ]),
    )
    .action(lazy(async () => { const { run } = await import('./commands/verify.js'); return run; }));

  program
    .command('sign')
    .description('print both signature headers for a body')
    .argument('[file]', 'body file, or - for stdin', '-')
    .addOption(secretOption())
    .addOption(jsonOption())
    .addHelpText('after', examples(['hookctl sign --secret "$SECRET" body.json', 'printf %s "$BODY" | hookctl sign']))
    .action(lazy(async () => { const { run } = await import('./commands/sign.js'); return run; }));

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
    )
    .action(lazy(async () => { const { run } = await import('./commands/validate.js'); return run; }));

  // The project file (src/config): before any command runs, it fills the options no flag or environment variable set.
  program
    .option('--config <file>', 'project file (default $HOOKCTL_CONFIG, then hookctl.json or package.json\'s "hookctl" key, from here up to the repository root)')
    .option('--no-config', 'ignore the project file')
    .hook('preAction', async (root, command) => {
      const { beforeCommand } = await import('./config/discover.js');
      await beforeCommand(ctx, root.opts(), command);
    });
  program
    .command('config')
    .description('the settings a command would run with and where each comes from; --init writes hookctl.json')
    .argument('[command-and-flags...]', 'a command and its flags, e.g. listen --port 3000')
    .option('--init', 'write hookctl.json (or --config FILE) from the flags given')
    .option('--force', 'with --init: replace an existing file')
    .allowUnknownOption()
    .addHelpText('after', examples(['hookctl config listen', 'hookctl config --init listen --path /webhooks --forward-to push=http://localhost:3000/push']))
    .action(lazy(async () => {
      const { run } = await import('./commands/config.js');
      return (c: AppContext, options: Parameters<typeof run>[1], args: string[] = []) => run(c, options, args, buildProgram);
    }));

  return program;
}

export async function runCli(ctx: AppContext, argv: string[]): Promise<number> {
  let result: number = ExitCode.ok;
  const program = buildProgram(ctx, (code) => {
    result = code;
  });
  if (argv.length === 0) {
    program.outputHelp();
    return ExitCode.ok;
  }
  // What people type for the version (commander would suggest "verify" for "version").
  if (argv.length === 1 && (argv[0] === '-v' || argv[0] === 'version')) {
    throw new UsageError(`unknown ${argv[0] === 'version' ? 'command' : 'option'} "${argv[0]}"`, ['Did you mean: hookctl --version (or -V)?']);
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return ExitCode.ok;
      }
      if (err.code === 'commander.executeSubCommandAsync') return ExitCode.ok;
      return ExitCode.usage;
    }
    throw err;
  }
  return result;
}
