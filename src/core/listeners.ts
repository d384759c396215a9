/**
 * Running listeners, as `listen` records them so `send` and `replay` find one without --to:
 * one small JSON file per listener in $HOOKCTL_HOME/listeners/ (folder 0700, files 0600, like
 * the other state files), written when it listens and removed when it stops. A file whose
 * process is gone (a SIGKILL, a crash) is stale: ignored, and removed by whoever reads it.
 * Owns only these files: never binds, prints or prompts.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ListenerRecord {
  /** Where to send: a URL a client on this machine can open (loopback when listening on every interface). */
  url: string;
  /** --path, or null when every path is accepted. */
  path: string | null;
  pid: number;
  port: number;
  host: string;
  store: string;
  /** ISO 8601. */
  startedAt: string;
}

const LISTENERS_DIR = 'listeners';

function dir(home: string): string {
  return join(home, LISTENERS_DIR);
}

/** True while a process with this pid exists (EPERM: it exists, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Record a listener; returns the function that removes the record (idempotent). */
export function recordListener(home: string, record: ListenerRecord): () => void {
  const folder = dir(home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  // pid and port: two listeners in one process (tests, the library) each have their own.
  const file = join(folder, `${record.pid}-${record.port}.json`);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(record) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    rmSync(file, { force: true });
  };
}

function parse(text: string): ListenerRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<ListenerRecord>;
    if (typeof r.url === 'string' && Number.isInteger(r.pid) && Number.isInteger(r.port) && typeof r.startedAt === 'string') {
      return { url: r.url, path: typeof r.path === 'string' ? r.path : null, pid: r.pid!, port: r.port!, host: String(r.host ?? ''), store: String(r.store ?? ''), startedAt: r.startedAt };
    }
  } catch {
    /* not ours, or half written: ignored */
  }
  return undefined;
}

/** The listeners running now, newest first; stale records are removed on the way. */
export function runningListeners(home: string): ListenerRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir(home));
  } catch {
    return [];
  }
  const found: ListenerRecord[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const file = join(dir(home), name);
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const record = parse(text);
    if (record && alive(record.pid)) found.push(record);
    else if (record) rmSync(file, { force: true });
  }
  return found.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : b.port - a.port));
}
