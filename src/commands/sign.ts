/** hookctl sign: both signature headers for a body from a file or stdin. */
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { signatureHeaders } from '../core/webhook/signing.js';
import { printJson } from '../ui/records.js';
import { readInput } from './shared/input.js';
import type { SignOptions } from './sign.command.js';

export async function run(ctx: AppContext, options: SignOptions, file = '-'): Promise<number> {
  const secret = ctx.secrets(options.secret)[0];
  if (!secret) throw new UsageError('no secret: pass --secret or set HOOKCTL_SECRET');
  const body = await readInput(ctx, file, 'body');
  const headers = signatureHeaders(secret, body);
  if (options.json) printJson(ctx.io, headers);
  else ctx.io.out(`X-Hub-Signature: ${headers['X-Hub-Signature']}\nX-Hub-Signature-256: ${headers['X-Hub-Signature-256']}`);
  return 0;
}
