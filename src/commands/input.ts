/** Reading a user's FILE or `-` (stdin) as exact bytes, with readable errors. */
import { readFile } from 'node:fs/promises';
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parseSince } from '../core/when.js';

export async function readInput(ctx: AppContext, file: string, what = 'input'): Promise<Buffer> {
  if (file === '-') {
    if (ctx.io.isStdinTTY) {
      throw new UsageError(`no ${what} given: pass a FILE, or pipe it on stdin`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.io.streams.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${file}: no such file`);
    if (code === 'EISDIR') throw new UsageError(`${file}: is a directory`);
    if (code === 'EACCES') throw new UsageError(`${file}: permission denied`);
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
}

/** `--since WHEN` as a Date (undefined when not given); a bad value is a usage error. */
export function sinceOption(ctx: AppContext, value: string | undefined): Date | undefined {
  if (!value) return undefined;
  try {
    return parseSince(value, ctx.now());
  } catch (err) {
    throw new UsageError(`--since: ${(err as Error).message}`);
  }
}
