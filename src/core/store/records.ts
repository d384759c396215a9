/**
 * The delivery record: the `--json` shape of CONTRACT "Machine output"
 * (schemas/delivery-record.schema.json), also what the inspector's API lists. Built from the
 * field table (fields.ts), plus the keys derived from attempts.
 */
import { RECORD_KEYS, type RecordKey } from './fields.js';
import type { AttemptRecord, DeliverySummary, GithubDeliveryInfo } from './types.js';

interface ForwardResult {
  url: string;
  status: number | null;
  durationMs: number;
  error: string | null;
}

export type DeliveryRecord = Pick<DeliverySummary, RecordKey> & {
  redelivery: boolean;
  forward: ForwardResult | null;
  forwards: ForwardResult[];
  github?: GithubDeliveryInfo;
  replays?: AttemptRecord[];
};

const forwardResult = (a: AttemptRecord): ForwardResult => ({ url: a.url, status: a.status, durationMs: a.durationMs, error: a.error });

/** The record of a row; `attempts` (when known) fills `forwards` and `replays`. */
export function toRecord(d: DeliverySummary, attempts?: AttemptRecord[]): DeliveryRecord {
  const record: Record<string, unknown> = {};
  for (const key of RECORD_KEYS) record[key] = d[key];
  const forwards = attempts ? attempts.filter((a) => a.kind === 'forward').map(forwardResult) : d.forward ? [forwardResult(d.forward)] : [];
  record.redelivery = d.attempt > 1;
  record.forward = forwards.length ? forwards[forwards.length - 1] : null;
  record.forwards = forwards;
  if (d.github) record.github = d.github;
  if (attempts) record.replays = attempts.filter((a) => a.kind === 'replay');
  return record as DeliveryRecord;
}
