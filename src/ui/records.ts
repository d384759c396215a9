/**
 * Machine output (CONTRACT "Machine output"): one JSON document, or NDJSON for streams. The
 * delivery record itself is built from the store's field table (core/store/records.ts), so
 * `--json` and the inspector's API list the same shape.
 */
import type { IO } from './io.js';

export { toRecord, type DeliveryRecord } from '../core/store/records.js';

/** One JSON document (pretty on a TTY, compact otherwise). */
export function printJson(io: IO, value: unknown): void {
  io.out(io.isStdoutTTY ? JSON.stringify(value, null, 2) : JSON.stringify(value));
}

/** One NDJSON line. */
export function printJsonLine(io: IO, value: unknown): void {
  io.out(JSON.stringify(value));
}
