/**
 * `replay --edit`: the payload in the user's editor until it is JSON. A mistake does not throw
 * the edit away: on a terminal the same file is opened again with the error written at its
 * top (lines hookctl removes again), and when the user stops there, the file is kept and its
 * path said, so the work can be sent with --payload.
 */
import type { AppContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import { describeJsonError } from '../../core/webhook/payload.js';
import { confirm, editFile } from '../../ui/prompt.js';

/** Lines hookctl puts above the payload to say what is wrong; removed before the JSON is read. */
const NOTE = '// hookctl: ';

function withoutNotes(text: string): string {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && lines[first].startsWith(NOTE)) first++;
  return lines.slice(first).join('\n');
}

/** The edited JSON text; a UsageError when unchanged, or when the user stops with a mistake left. */
export async function editPayload(ctx: AppContext, original: string, name: string, replayCommand: string): Promise<string> {
  const { io } = ctx;
  const file = await editFile(io, name);
  let keep = false;
  try {
    let text = original;
    for (;;) {
      const edited = withoutNotes(await file.edit(text));
      if (edited.trim() === original.trim()) throw new UsageError('the payload was not changed; nothing was sent (replay without --edit sends the original)');
      const problem = describeJsonError(edited);
      if (!problem) return edited;
      io.err(io.errColor.red(`✗ the edited payload is not JSON: ${problem}`));
      if (await confirm(io, 'Open the editor again to fix it?', true)) {
        text = `${NOTE}not JSON: ${problem}\n${NOTE}fix the payload below and save (these lines are removed before it is sent)\n${edited}`;
        continue;
      }
      keep = true;
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file.path, edited, { mode: 0o600 });
      throw new UsageError(`the edited payload is not JSON: ${problem}; nothing was sent`, [
        `Your edit is kept in ${file.path}: fix it there, then send it with`,
        `  ${replayCommand} --payload ${file.path}`,
      ]);
    }
  } finally {
    if (!keep) file.remove();
  }
}
