/** The errors the library throws: core's typed errors, with their hints in the message. */
import { HookctlError } from '../errors.js';

export { HookctlError, TargetError, UsageError } from '../errors.js';

/**
 * A library user sees an error's message (a test runner prints it), not the CLI's extra
 * lines: fold the hints ("Did you mean: pull_request?") into the message. Same error object.
 */
export function withDetails(err: unknown): unknown {
  if (err instanceof HookctlError && err.details.length > 0 && !err.message.includes(err.details[0])) {
    err.message = [err.message, ...err.details].join('\n');
  }
  return err;
}
