/** `hookctl deliveries rm|prune`'s declarations; the runs (deliveries-manage.ts) load only when one runs. */
import type { Lazy, OptionsOf, Parent, Load, RunOf } from './shared/command.js';
import { examples, int, storeOption, yesOption } from './shared/options.js';

const rmDeclaration = (deliveries: Parent) =>
  deliveries
    .command('rm')
    .description('delete stored deliveries (a full GUID deletes every attempt of it)')
    .argument('<ids...>', 'delivery GUIDs, local ids, or unique prefixes')
    .addOption(yesOption('do not ask first (required when there is no terminal to ask on)'))
    .addOption(storeOption())
    .addHelpText(
      'after',
      examples(['hookctl deliveries rm b5da --yes', 'hookctl deliveries rm 5a18b196-4c29-42fd-83f4-e75cb9c40b56 --yes   # every attempt of that delivery']),
    );

const pruneDeclaration = (deliveries: Parent) =>
  deliveries
    .command('prune')
    .description('delete old deliveries and give the space back')
    .option('--older-than <age>', 'received longer ago than this (30d, 12h, or an ISO 8601 date)')
    .option('--keep <n>', 'keep the newest N (with --older-than: keep them even when older)', int('--keep'))
    .addOption(yesOption('do not ask first (required when there is no terminal to ask on)'))
    .addOption(storeOption())
    .addHelpText('after', examples(['hookctl deliveries prune --older-than 30d --yes', 'hookctl deliveries prune --keep 1000 --yes']));

/** What each run of deliveries-manage.ts receives: inferred from the flags above. */
export type RmOptions = OptionsOf<ReturnType<typeof rmDeclaration>>;
export type PruneOptions = OptionsOf<ReturnType<typeof pruneDeclaration>>;

export type ManageRuns = { rm: RunOf<typeof rmDeclaration>; prune: RunOf<typeof pruneDeclaration> };

export function declare(deliveries: Parent, lazy: Lazy, load: Load<ManageRuns>): void {
  rmDeclaration(deliveries).action(lazy(async () => (await load()).rm));
  pruneDeclaration(deliveries).action(lazy(async () => (await load()).prune));
}
