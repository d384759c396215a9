/**
 * What core noticed that a person should be told although nothing failed (a state file entry
 * that is ignored because it is malformed). Core never prints: it notices, and the CLI
 * (cli.ts) tells the person on stderr. Each message is told once per run.
 */
let listener: ((message: string) => void) | null = null;
const told = new Set<string>();

/** Who is told (the CLI sets its warning line); null: nobody. */
export function setNoticeListener(next: ((message: string) => void) | null): void {
  listener = next;
}

export function notice(message: string): void {
  if (told.has(message)) return;
  told.add(message);
  listener?.(message);
}
