/**
 * A word after `deliveries [list]` that is no subcommand: an event name is a filter the user
 * meant (`deliveries list push` → `--event push`); anything else is a mistyped subcommand.
 */
import { UsageError } from '../../errors.js';
import { closestMatches } from '../../core/catalog/catalog.js';
import { checkEventName } from '../../core/catalog/events.js';

function isEventName(word: string): boolean {
  try {
    checkEventName(word, { flag: 'event' });
    return true;
  } catch {
    return false;
  }
}

export function unexpectedWord(word: string, subcommands: string[]): UsageError {
  if (isEventName(word)) {
    return new UsageError(`"${word}" is an event, not a command: filter by it with --event`, [`Did you mean: hookctl deliveries list --event ${word}?`]);
  }
  return new UsageError(`unknown command "deliveries ${word}"`, [`Did you mean: ${closestMatches(word, subcommands, 3).map((s) => `deliveries ${s}`).join(', ')}?`, 'See hookctl deliveries --help.']);
}
