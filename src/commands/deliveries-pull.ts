// Placeholder until this command lands; replaced by its implementation.
import type { AppContext } from '../context.js';
import { HookctlError } from '../errors.js';

export async function run(_ctx: AppContext, _options: unknown, ..._args: unknown[]): Promise<number> {
  throw new HookctlError('deliveries pull is not implemented yet');
}
