/** hookctl validate [FILE|-] --event E[.A]: check a payload against GitHub's official schema. */
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { documentedActions, validatePayload, type SchemaViolation } from '../core/schemas/validate.js';
import { describeJsonError } from '../core/webhook/payload.js';
import { eventName } from '../ui/format.js';
import { printJson } from '../ui/records.js';
import { violationLines } from '../ui/lines.js';
import { readInput } from './shared/input.js';

export interface ValidateOptions {
  event: string;
  json?: boolean;
}

export async function run(ctx: AppContext, options: ValidateOptions, file = '-'): Promise<number> {
  const { io } = ctx;
  // Split at the first dot only: repository_dispatch's action is free-form ("sample.collected").
  const dot = options.event.indexOf('.');
  const event = dot === -1 ? options.event : options.event.slice(0, dot);
  const givenAction = dot === -1 ? null : options.event.slice(dot + 1);

  const actions = await documentedActions(event);
  if (!actions) {
    const { closestMatches, loadIndex } = await import('../core/catalog/catalog.js');
    const events = [...new Set(loadIndex().entries.map((e) => e.event))];
    throw new UsageError(`unknown event "${event}": GitHub's webhook description has no such event`, [
      `Did you mean: ${closestMatches(event, events, 3).join(', ')}?`,
      'See every event with `hookctl send --list`.',
    ]);
  }
  const hasActions = !(actions.length === 1 && actions[0] === '');
  // With a single documented action (repository_dispatch: free-form), the schema judges the action.
  const oneSchema = actions.length === 1;
  if (givenAction !== null && !actions.includes(givenAction) && !(hasActions && oneSchema)) {
    throw new UsageError(
      hasActions ? `unknown action "${givenAction}" for ${event}` : `${event} has no actions; use --event ${event}`,
      hasActions ? [`Documented actions: ${actions.join(', ')}`] : [],
    );
  }

  const source = file === '-' ? 'stdin' : file;
  const bytes = await readInput(ctx, file, 'payload');
  const text = bytes.toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source} is not JSON: ${describeJsonError(bytes) ?? (err as Error).message}`);
  }

  // Without an action on the command line, the payload says which one it is.
  let action: string | null = givenAction;
  let violations: SchemaViolation[] = [];
  let valid: boolean;
  if (action === null && hasActions) {
    const fromPayload = isObject(payload) ? payload.action : undefined;
    if (typeof fromPayload === 'string' && (actions.includes(fromPayload) || oneSchema)) action = fromPayload;
    else if (oneSchema) action = actions[0];
    else {
      violations.push({
        path: '/action',
        message: fromPayload === undefined ? `is required but missing (one of: ${actions.join(', ')})` : `must be one of ${actions.join(', ')}; got ${JSON.stringify(fromPayload)}`,
      });
    }
  }
  const payloadAction = isObject(payload) ? payload.action : undefined;
  if (givenAction !== null && hasActions && typeof payloadAction === 'string' && payloadAction !== givenAction) {
    violations.push({ path: '/action', message: `is ${JSON.stringify(payloadAction)}, but --event says ${JSON.stringify(givenAction)}` });
  }
  if (violations.length === 0) {
    const result = await validatePayload(event, action, payload);
    violations = result.violations;
    valid = result.valid;
  } else {
    valid = false;
  }

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
