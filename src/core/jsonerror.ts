/** Turn JSON.parse's error into "line L, column C: message" for a user's file. */
export function describeJsonError(text: string, err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  const m = /at position (\d+)/.exec(message);
  if (!m) return message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  const clean = message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
  return `line ${line}, column ${column}: ${clean}`;
}
