/**
 * Give stored deliveries the local ids the documentation uses (aa96de5, 7b61d9b, …).
 *
 * Local ids are random 7-hex strings, so an example like `hookctl replay aa96` can only run
 * against a store whose delivery really has that id. The deliveries themselves are real
 * (received by a real `hookctl listen`); only their `id` column is rewritten here. Forward
 * and replay attempts, bodies and everything else reference the row by `seq`, never by `id`,
 * so the rename changes nothing else.
 */
import Database from 'better-sqlite3';

/** Rename deliveries found by their X-GitHub-Delivery GUID (newest attempt of each) to the given local ids. */
export function renameDeliveries(storeFile: string, idsByGuid: Record<string, string>): void {
  const db = new Database(storeFile);
  try {
    db.pragma('busy_timeout = 5000');
    const find = db.prepare('SELECT seq FROM deliveries WHERE delivery_guid = ? ORDER BY seq DESC LIMIT 1');
    const rename = db.prepare('UPDATE deliveries SET id = ? WHERE seq = ?');
    db.transaction(() => {
      for (const [guid, id] of Object.entries(idsByGuid)) {
        const row = find.get(guid) as { seq: number } | undefined;
        if (!row) throw new Error(`renameDeliveries: no delivery ${guid} in ${storeFile}`);
        rename.run(id, row.seq);
      }
    })();
  } finally {
    db.close();
  }
}

/**
 * A running listener records a delivery's forward attempts and schema verdict by its local id
 * after answering; renaming before that would lose them. Wait until they are in the store.
 */
export async function waitUntilSettled(storeFile: string, guid: string, expect: { forwards: number; schema: boolean }, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const db = new Database(storeFile, { readonly: true });
    let row: { forwards: number; schema: string | null } | undefined;
    try {
      row = db
        .prepare("SELECT d.schema AS schema, (SELECT count(*) FROM attempts a WHERE a.delivery_seq = d.seq AND a.kind = 'forward') AS forwards FROM deliveries d WHERE d.delivery_guid = ? ORDER BY d.seq DESC LIMIT 1")
        .get(guid) as typeof row;
    } finally {
      db.close();
    }
    if (row && row.forwards >= expect.forwards && (!expect.schema || row.schema !== null)) return;
    if (Date.now() > deadline) throw new Error(`waitUntilSettled: ${guid} in ${storeFile} is ${JSON.stringify(row)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
