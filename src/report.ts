/**
 * What happens to an error a command threw: typed errors (errors.ts) print their message and
 * details and give their exit code (errors.ts's one table of them); anything else is a bug, said as one. main.ts calls it;
 * the in-process test helper too, so tests see exactly what a user sees.
 */
import { ExitCode, exitCodeOf, InterruptedError, isHookctlError } from './errors.js';
import type { IO } from './ui/io.js';

export function reportError(io: IO, err: unknown): number {
  if (err instanceof InterruptedError) {
    // The terminal echoed ^C where the cursor was: start a line of our own.
    if (io.isStderrTTY) io.err('');
    io.err(err.message);
    return exitCodeOf(err);
  }
  if (isHookctlError(err)) {
    io.err(`${io.errColor.red('error:')} ${err.message}`);
    for (const line of err.details) io.err(line);
    return exitCodeOf(err);
  }
  const e = err as { name?: string; code?: string; message?: string; stack?: string };
  // A closed pipe (hookctl ... | head) is not an error.
  if (e?.code === 'EPIPE') return ExitCode.ok;
  if (e?.name === 'ExitPromptError' || e?.name === 'AbortPromptError') {
    io.err('cancelled');
    return ExitCode.interrupted;
  }
  io.err(`${io.errColor.red('error:')} ${e?.message ?? String(err)}`);
  if (io.env.HOOKCTL_DEBUG) io.err(e?.stack ?? '');
  else io.err(io.errColor.dim('This is a bug in hookctl; run again with HOOKCTL_DEBUG=1 for details.'));
  return ExitCode.failed;
}
