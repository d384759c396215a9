/** `hookctl hooks list|delete|ping`'s declarations; the runs (hooks.ts) load only when one runs. */
import type { Lazy, OptionsOf, Parent, Load, RunOf } from './shared/command.js';
import { apiUrlOption, examples, jsonOption, parseHookId, yesOption } from './shared/options.js';

const listDeclaration = (hooks: Parent) =>
  hooks
    .command('list')
    .argument('<owner/repo>', 'repository')
    .description('list a repository\'s webhooks')
    .addOption(apiUrlOption())
    .addOption(jsonOption())
    .addHelpText('after', examples(['hookctl hooks list octo-org/octo-repo', "hookctl hooks list octo-org/octo-repo --json | jq -r '.[].config.url'"]));

const deleteDeclaration = (hooks: Parent) =>
  hooks
    .command('delete')
    .argument('<owner/repo>', 'repository')
    .argument('<hook-id>', 'hook id', (value: string) => parseHookId(value))
    .description('delete a webhook')
    .addOption(yesOption())
    .addOption(apiUrlOption())
    .addHelpText('after', examples(['hookctl hooks delete octo-org/octo-repo 498012345', 'hookctl hooks delete octo-org/octo-repo 498012345 --yes   # without asking first']));

const pingDeclaration = (hooks: Parent) =>
  hooks
    .command('ping')
    .argument('<owner/repo>', 'repository')
    .argument('<hook-id>', 'hook id', (value: string) => parseHookId(value))
    .description('ask GitHub to ping a webhook')
    .addOption(apiUrlOption())
    .addHelpText('after', examples(['hookctl hooks ping octo-org/octo-repo 498012345']));

/** What each run of hooks.ts receives: inferred from the flags above. */
export type HooksListOptions = OptionsOf<ReturnType<typeof listDeclaration>>;
export type HooksDeleteOptions = OptionsOf<ReturnType<typeof deleteDeclaration>>;
export type HooksPingOptions = OptionsOf<ReturnType<typeof pingDeclaration>>;

export function declare(program: Parent, lazy: Lazy, load: Load<{ list: RunOf<typeof listDeclaration>; remove: RunOf<typeof deleteDeclaration>; ping: RunOf<typeof pingDeclaration> }>): void {
  const hooks = program.command('hooks').description('list, delete and ping repository webhooks');
  listDeclaration(hooks).action(lazy(async () => (await load()).list));
  deleteDeclaration(hooks).action(lazy(async () => (await load()).remove));
  pingDeclaration(hooks).action(lazy(async () => (await load()).ping));
}
