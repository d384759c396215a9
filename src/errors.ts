/**
 * Typed errors. main.ts is the one place that maps them to exit codes; everything else
 * throws them with a message a user can act on.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  auth: 4,
  interrupted: 130,
} as const;

export class HookctlError extends Error {
  readonly exitCode: number = ExitCode.failed;
  /** Extra lines printed after the message (hints, candidates). */
  readonly details: string[];
  constructor(message: string, details: string[] = []) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/**
 * Invalid input: a bad flag or argument, an unknown event, a request field the inspector cannot
 * take, a missing argument where no prompt is possible. `field` names the flag or field to blame
 * when one is. Exit 2; the inspector answers 400.
 */
export class UsageError extends HookctlError {
  override readonly exitCode: number = ExitCode.usage;
  readonly field: string | undefined;
  constructor(message: string, details: string[] = [], field?: string) {
    super(message, details);
    this.field = field;
  }
}

/** No token, or GitHub said 401. Exit 4. */
export class AuthError extends HookctlError {
  override readonly exitCode: number = ExitCode.auth;
}

/** GitHub answered with an error we cannot recover from. Exit 1. */
export class ApiError extends HookctlError {
  readonly status: number | undefined;
  constructor(message: string, status?: number, details: string[] = []) {
    super(message, details);
    this.status = status;
  }
}

/** A target (receiver, app, tunnel) failed or could not be reached. Exit 1. */
export class TargetError extends HookctlError {}

/**
 * Something hookctl was running on went away and could not be brought back: the tunnel died
 * (cloudflared failed to restart five times in a row). Exit 1, like a failed target; a server
 * would answer 503.
 */
export class UnavailableError extends HookctlError {}

/** The user stopped a running command at once (a second Ctrl+C). Exit 130, said plainly. */
export class InterruptedError extends HookctlError {
  override readonly exitCode: number = ExitCode.interrupted;
}

/** The user cancelled (Ctrl+C at a prompt). Exit 130. */
export class CancelledError extends HookctlError {
  override readonly exitCode: number = ExitCode.interrupted;
  constructor(message = 'cancelled') {
    super(message);
  }
}

export function isHookctlError(err: unknown): err is HookctlError {
  return err instanceof HookctlError;
}
