/**
 * The store's tables and their migrations. `PRAGMA user_version` says how many have run; each
 * runs once, inside the write lock, so two processes opening one file migrate it once.
 */
import type Database from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: deliveries + attempts
  `
  CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    delivery_guid TEXT,
    attempt INTEGER NOT NULL,
    event TEXT,
    action TEXT,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    bytes INTEGER NOT NULL,
    content_type TEXT,
    received_at TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    remote_address TEXT,
    method TEXT NOT NULL DEFAULT 'POST',
    path TEXT NOT NULL,
    url TEXT,
    signature TEXT NOT NULL,
    signature_reason TEXT,
    signature_algorithm TEXT,
    status INTEGER NOT NULL,
    reject_reason TEXT,
    repository TEXT,
    sender TEXT,
    schema_status TEXT,
    schema_violations TEXT,
    source TEXT NOT NULL DEFAULT 'listen',
    github TEXT
  );
  CREATE INDEX deliveries_guid ON deliveries(delivery_guid);
  CREATE INDEX deliveries_event ON deliveries(event, action, seq);
  CREATE INDEX deliveries_received ON deliveries(received_ms);
  CREATE TABLE attempts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_seq INTEGER NOT NULL REFERENCES deliveries(seq) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    status INTEGER,
    duration_ms INTEGER NOT NULL,
    error TEXT,
    at TEXT NOT NULL
  );
  CREATE INDEX attempts_delivery ON attempts(delivery_seq, seq);
  `,
  // 2: bodies in a table of their own (listing and filtering never step over them); what a
  // truncated rejected body was; the hook a delivery came from; the schema verdict as one
  // JSON column; attempts that carry their own (edited) body, new GUID and answer.
  `
  CREATE TABLE bodies (seq INTEGER PRIMARY KEY REFERENCES deliveries(seq) ON DELETE CASCADE, body BLOB NOT NULL);
  INSERT INTO bodies (seq, body) SELECT seq, body FROM deliveries;
  ALTER TABLE deliveries DROP COLUMN body;
  ALTER TABLE deliveries ADD COLUMN body_bytes INTEGER;
  UPDATE deliveries SET body_bytes = bytes;
  ALTER TABLE deliveries ADD COLUMN body_sha256 TEXT;
  ALTER TABLE deliveries ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE deliveries ADD COLUMN hook_id INTEGER;
  UPDATE deliveries SET hook_id = (
    SELECT CAST(v.value AS INTEGER) FROM json_each(deliveries.headers) k JOIN json_each(deliveries.headers) v ON v.key = k.key + 1
    WHERE k.key % 2 = 0 AND lower(k.value) = 'x-github-hook-id' LIMIT 1);
  ALTER TABLE deliveries ADD COLUMN schema TEXT;
  UPDATE deliveries SET schema = json_object('status', schema_status, 'violations', json(COALESCE(schema_violations, '[]')))
    WHERE schema_status IS NOT NULL;
  ALTER TABLE deliveries DROP COLUMN schema_status;
  ALTER TABLE deliveries DROP COLUMN schema_violations;
  CREATE INDEX deliveries_hook ON deliveries(hook_id, received_ms);
  ALTER TABLE attempts ADD COLUMN delivery_guid TEXT;
  ALTER TABLE attempts ADD COLUMN body BLOB;
  ALTER TABLE attempts ADD COLUMN resigned INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE attempts ADD COLUMN bytes INTEGER;
  ALTER TABLE attempts ADD COLUMN response TEXT;
  UPDATE attempts SET bytes = (SELECT d.bytes FROM deliveries d WHERE d.seq = attempts.delivery_seq);
  `,
  // 3: who wrote what (a random id per opened store), so a follower of the store tells only
  // what other processes did; and a change log of what follows no row number: deliveries
  // removed and schema verdicts recorded after their row, trimmed to a bound (follow.ts).
  `
  ALTER TABLE deliveries ADD COLUMN writer TEXT;
  ALTER TABLE attempts ADD COLUMN writer TEXT;
  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    writer TEXT
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Bring the file up to SCHEMA_VERSION; refuse a file written by a newer hookctl. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`it was written by a newer hookctl (store version ${version}); upgrade hookctl`);
  }
  // A new file gives freed pages back (deliveries rm/prune) without a full VACUUM. It must be
  // set before the first table exists.
  if (version === 0) db.pragma('auto_vacuum = INCREMENTAL');
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      // Another process may have migrated meanwhile: re-check inside the write lock.
      const now = db.pragma('user_version', { simple: true }) as number;
      if (now > v) return;
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
