/** validate(): a payload against GitHub's published schema for its event.action, as `hookctl validate` checks it. */
import { validateNamed, type NamedValidation, type SchemaViolation } from '../core/schemas/validate.js';
import { withDetails } from './errors.js';
import type { SampleName } from './sample.js';

export type { SchemaViolation };
export type Validation = NamedValidation;

/**
 * Check `payload` against GitHub's schema for `name`: `pull_request.opened`, or `pull_request`
 * (the action read from the payload). Resolves with `{ valid, violations: [{ path, message }] }`
 * (paths are JSON Pointers); an unknown event or action throws a UsageError. Loads only that
 * event's schema, once.
 *
 * ```ts
 * const { valid, violations } = await validate('pull_request.opened', payload);
 * ```
 */
export async function validate(name: SampleName | (string & {}), payload: unknown): Promise<Validation> {
  try {
    return await validateNamed(name, payload);
  } catch (err) {
    throw withDetails(err);
  }
}
