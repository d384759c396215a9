/**
 * Typed errors, and the two tables that say what each one means: its exit code (the CLI:
 * report.ts, called by main.ts and the in-process test helper) and its HTTP status (the
 * inspector's server). Everything else throws them with a message a user can act on and never
 * decides a code or a status itself.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  auth: 4,
  interrupted: 130,
} as const;

export class HookctlError extends Error {
  /** Extra lines printed after the message (hints, candidates). */
  readonly details: string[];
  constructor(message: string, details: string[] = []) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }

  /** The exit code the CLI ends with for this error (from EXIT_CODES). */
  get exitCode(): number {
    return exitCodeOf(this);
  }
}

/**
 * Invalid input: a bad flag or argument, an unknown event, a request field the inspector cannot
 * take, a missing argument where no prompt is possible. `field` names the flag or field to blame
 * when one is.
 */
export class UsageError extends HookctlError {
  readonly field: string | undefined;
  constructor(message: string, details: string[] = [], field?: string) {
    super(message, details);
    this.field = field;
  }
}

/** What the input names does not exist (a stored delivery, an attempt, a sample, an API route). Invalid input. */
export class NotFoundError extends UsageError {}

/** A request with a method the inspector does not take there; `allowed` are those it does. */
export class MethodNotAllowedError extends UsageError {
  constructor(
    message: string,
    readonly allowed: string[],
  ) {
    super(message);
  }
}

/** A request body over the size the inspector takes. */
export class TooLargeError extends UsageError {}

/** A request body in a type the inspector does not take (it wants application/json). */
export class UnsupportedTypeError extends UsageError {}

/** No token, or GitHub said 401; the inspector's API asked without its token. */
export class AuthError extends HookctlError {}

/** A request refused for where it comes from (another site, a foreign Host), whatever it carries. */
export class ForbiddenError extends HookctlError {}

/** GitHub answered with an error we cannot recover from. */
export class ApiError extends HookctlError {
  readonly status: number | undefined;
  constructor(message: string, status?: number, details: string[] = []) {
    super(message, details);
    this.status = status;
  }
}

/** A target (receiver, app, tunnel) failed or could not be reached. */
export class TargetError extends HookctlError {}

/** What was asked cannot be done with the thing as it is (a delivery kept only in part cannot be replayed as received). */
export class ConflictError extends HookctlError {}

/**
 * Something hookctl was running on went away and could not be brought back: the tunnel died
 * (cloudflared failed to restart five times in a row), the store could not be written.
 */
export class UnavailableError extends HookctlError {}

/** The user stopped a running command at once (a second Ctrl+C), said plainly. */
export class InterruptedError extends HookctlError {}

/** The user cancelled (Ctrl+C at a prompt). */
export class CancelledError extends HookctlError {
  constructor(message = 'cancelled') {
    super(message);
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Exit codes (the contract's "Exit codes"): the first row the error is an instance of. */
const EXIT_CODES: readonly (readonly [ErrorClass, number])[] = [
  [UsageError, ExitCode.usage], // NotFound, MethodNotAllowed, TooLarge, UnsupportedType too
  [AuthError, ExitCode.auth],
  [InterruptedError, ExitCode.interrupted],
  [CancelledError, ExitCode.interrupted],
  [HookctlError, ExitCode.failed], // Api, Target, Conflict, Unavailable, Forbidden, the store's
];

/** The inspector's HTTP statuses: the first row the error is an instance of; anything else is 500. */
const HTTP_STATUSES: readonly (readonly [ErrorClass, number])[] = [
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [TooLargeError, 413],
  [UnsupportedTypeError, 415],
  [UsageError, 400],
  [AuthError, 401],
  [ForbiddenError, 403],
  [ConflictError, 409],
  [UnavailableError, 503],
];

function lookUp(table: readonly (readonly [ErrorClass, number])[], err: unknown): number | undefined {
  return table.find(([type]) => err instanceof type)?.[1];
}

/** The exit code for a typed error (1 for any other HookctlError). */
export function exitCodeOf(err: HookctlError): number {
  return lookUp(EXIT_CODES, err) ?? ExitCode.failed;
}

/** The HTTP status the inspector answers a thrown error with: 500 for anything untyped (a bug). */
export function httpStatusOf(err: unknown): number {
  return lookUp(HTTP_STATUSES, err) ?? 500;
}

export function isHookctlError(err: unknown): err is HookctlError {
  return err instanceof HookctlError;
}
