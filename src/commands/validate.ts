/** hookctl validate [FILE|-] --event E[.A]: check a payload against GitHub's official schema. */
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { checkValidationName, validateNamed } from '../core/schemas/validate.js';
import { describeJsonError } from '../core/webhook/payload.js';
import { eventName } from '../ui/format.js';
import { printJson } from '../ui/records.js';
import { violationLines } from '../ui/lines.js';
import { readInput } from './shared/input.js';
import type { ValidateOptions } from './validate.command.js';


export async function run(ctx: AppContext, options: ValidateOptions, file = '-'): Promise<number> {
  const { io } = ctx;
  // The name is checked before the input is read: an unknown event is exit 2 whatever the input.
  await checkValidationName(options.event, { flag: '--event' });
  const source = file === '-' ? 'stdin' : file;
  const bytes = await readInput(ctx, file, 'payload');
  const text = bytes.toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source} is not JSON: ${describeJsonError(bytes) ?? (err as Error).message}`);
  }
  const { event, action, valid, violations } = await validateNamed(options.event, payload, { flag: '--event' });
  const name = eventName(event, action);
  if (options.json) {
    printJson(io, { file: source, event, action, valid, violations });
  } else if (valid) {
    io.out(`${source}: valid ${name} payload`);
  } else {
    const c = io.color;
    io.out(`${source}: ${violations.length} ${violations.length === 1 ? 'violation' : 'violations'} of GitHub's ${name} schema`);
    for (const line of violationLines(c, violations)) io.out(line);
  }
  return valid ? 0 : 1;
}
