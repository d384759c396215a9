/**
 * The data folder ($HOOKCTL_HOME) is hookctl's own: before a command keeps anything there it is
 * verified private (core/files privateFolder: created 0700; someone else's or a shared folder
 * refused; one that others can write to narrowed to 0700, which is said).
 */
import type { AppContext } from '../../context.js';
import { privateFolder } from '../../core/files.js';

export function verifyDataFolder(ctx: AppContext): void {
  const home = ctx.paths.home;
  const { narrowedFrom } = privateFolder(home, 'Set HOOKCTL_HOME to a folder of your own (hookctl creates it with mode 0700), or --store FILE for the delivery store.');
  if (narrowedFrom !== null) ctx.io.warn(`${home} could be written by others (mode ${narrowedFrom.toString(8).padStart(4, '0')}); narrowed it to 0700`);
}
