/** hookctl verify: check a signature offline and explain a mismatch. */
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { diagnose, genericMismatch } from '../core/webhook/diagnose.js';
import { readInput } from './shared/input.js';
import type { VerifyOptions } from './verify.command.js';

export async function run(ctx: AppContext, options: VerifyOptions, file = '-'): Promise<number> {
  const secrets = ctx.secrets(options.secret);
  if (secrets.length === 0) throw new UsageError('no secret: pass --secret or set HOOKCTL_SECRET');
  const body = await readInput(ctx, file, 'body');
  const d = diagnose(secrets, body, options.signature);
  const c = ctx.io.color;
  if (d.valid) {
    const which = secrets.length > 1 ? ` with secret #${(d.secretIndex ?? 0) + 1}` : '';
    ctx.io.out(`${c.green('✓')} valid ${d.algorithm} signature${which} over ${body.length} bytes`);
    return 0;
  }
  // The generic reason says "does not match" itself; a specific one is a cause.
  const generic = d.algorithm !== undefined && d.reason === genericMismatch(d.algorithm);
  ctx.io.out(`${c.red('✗')} ${generic ? d.reason : `signature does not match: ${d.reason}`}`);
  if (d.hint) ctx.io.out(`  ${c.dim(d.hint)}`);
  return 1;
}
