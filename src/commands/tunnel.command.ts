/** `hookctl tunnel`'s declaration: its flags, help and examples; the run (tunnel.ts) loads only when it runs. */
import { DEFAULT_PORT } from '../core/deliver/url.js';
import { declareRun, type OptionsOf, type Parent } from './shared/command.js';
import { apiUrlOption, cloudflaredOption, examples, port, secretOption } from './shared/options.js';

const declaration = (program: Parent) =>
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
    );

/** What tunnel's run receives: inferred from the flags above. */
export type TunnelFlags = OptionsOf<ReturnType<typeof declaration>>;

export const declare = declareRun(declaration);
