/** Reading a user's FILE or `-` (stdin) as exact bytes, and `--since WHEN`, with readable errors. */
import type { AppContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import { FileError, readRegularFile } from '../../core/files.js';
import { MAX_BODY_BYTES } from '../../core/webhook/types.js';

/**
 * The exact bytes of FILE (a regular file) or of stdin (`-`), at most `limit` (a webhook body's
 * 25 MiB): a FIFO, a device or anything bigger is a usage error that says what it is.
 */
export async function readInput(ctx: AppContext, file: string, what = 'input', limit = MAX_BODY_BYTES): Promise<Buffer> {
  if (file === '-') {
    if (ctx.io.isStdinTTY) {
      throw new UsageError(`no ${what} given: pass a FILE, or pipe it on stdin`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.io.streams.stdin) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += bytes.length;
      if (size > limit) throw new UsageError(`the ${what} on stdin is over ${limit / 1024 / 1024} MiB, the most a webhook body can be`);
      chunks.push(bytes);
    }
    return Buffer.concat(chunks);
  }
  try {
    return (await readRegularFile(file, { limit, what: `the ${what}` })).bytes;
  } catch (err) {
    if (err instanceof FileError) {
      throw new UsageError(err.message, /FIFO/.test(err.message) ? ['To read from a pipe, give - instead of a file and pipe it into hookctl.'] : []);
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${file}: no such file`);
    if (code === 'EISDIR') throw new UsageError(`${file}: is a directory`);
    if (code === 'EACCES') throw new UsageError(`${file}: permission denied`);
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
}

/** `--since WHEN` as a Date (undefined when not given); a bad value is a usage error. */
export function sinceOption(ctx: AppContext, value: string | undefined, flag = '--since'): Date | undefined {
  if (!value) return undefined;
  try {
    return parseSince(value, ctx.now());
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/** Parse `--since` values: a duration back from now (30s, 10m, 2h, 7d, 1w) or an ISO 8601 date. */
function parseSince(value: string, now: Date = new Date()): Date {
  const m = /^(\d+)\s*(s|m|h|d|w)$/i.exec(value.trim());
  if (m) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86_400e3, w: 604_800e3 }[m[2].toLowerCase() as 's' | 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(m[1]) * unit);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new TypeError(`cannot read "${value}" as a time: use a duration like 10m, 2h, 1d or an ISO 8601 date`);
}
