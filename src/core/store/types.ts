/**
 * The shapes the store takes and gives. The columns behind them are listed once, in
 * fields.ts; the `--json` record is built from the same table (records.ts).
 */
import type { Algorithm, SignatureVerdict } from '../webhook/types.js';

export type { SignatureVerdict };
type SignatureAlgorithm = Algorithm;
type DeliverySource = 'listen' | 'github';

/** Result of checking a payload against GitHub's schema for its event.action. */
export interface SchemaVerdict {
  /** valid; invalid (drift: violations listed); unknown (no schema for this event.action). */
  status: 'valid' | 'invalid' | 'unknown';
  violations: { path: string; message: string }[];
}

/** What GitHub's delivery log said about an imported delivery. */
export interface GithubDeliveryInfo {
  /** GitHub's numeric delivery id (hook delivery log). */
  id: number | null;
  /** GitHub's status text, e.g. "OK", "Invalid HTTP Response: 500". */
  status: string | null;
  /** The HTTP status GitHub recorded from the target. */
  statusCode: number | null;
  redelivery: boolean;
  durationMs: number | null;
  hookId: number | null;
}

/** What a delivery to keep and a kept delivery say alike. */
interface DeliveryCore {
  /** X-GitHub-Delivery GUID, or null when the request had none. */
  deliveryId: string | null;
  event: string | null;
  action: string | null;
  remoteAddress: string | null;
  /** Request path with query, e.g. /webhooks. */
  path: string;
  /** Full URL it was received at (scheme://host:port/path), so replay can default to it. */
  url: string | null;
  signature: SignatureVerdict;
  /** Why a signature is not valid, in words a user can act on (null when valid/unchecked). */
  signatureReason: string | null;
  signatureAlgorithm: SignatureAlgorithm | null;
  /** The HTTP status listen answered (for imported: the status GitHub recorded). */
  status: number;
  /** repository.full_name (else organization.login) and sender.login when the payload had them. */
  repository: string | null;
  sender: string | null;
}

/** A delivery to keep (listen's, or one imported from GitHub's delivery log). */
export interface NewDelivery extends DeliveryCore {
  /** Every header as received, node rawHeaders layout: [name, value, name, value, …]. */
  rawHeaders: string[];
  /** The body bytes kept: exact, or the first MiB of a rejected body (see bodyBytes). */
  body: Uint8Array;
  /** Length of the whole body as received, when more than `body` was received (truncated). */
  bodyBytes?: number;
  /** sha256 (hex) of the whole body as received, kept when the body was truncated. */
  bodySha256?: string | null;
  receivedAt: Date;
  method?: string;
  /** Why the delivery was rejected (400/401…), or null. */
  rejectReason?: string | null;
  contentType?: string | null;
  schema?: SchemaVerdict | null;
  /** X-GitHub-Hook-ID, when the request carried one. */
  hookId?: number | null;
  source?: DeliverySource;
  github?: GithubDeliveryInfo | null;
}

/** A row without its body and headers (cheap to list). */
export interface DeliverySummary extends DeliveryCore {
  /** Monotonic row number (received order). */
  seq: number;
  /** Short local id (7 hex). */
  id: string;
  /** 1 for the first time a GUID was seen, 2 for its first redelivery, … */
  attempt: number;
  /** ISO 8601. */
  receivedAt: string;
  method: string;
  rejectReason: string | null;
  contentType: string | null;
  /** Bytes kept. */
  bytes: number;
  /** Bytes received (more than `bytes` when truncated). */
  bodyBytes: number;
  bodySha256: string | null;
  truncated: boolean;
  hookId: number | null;
  schema: SchemaVerdict | null;
  source: DeliverySource;
  github: GithubDeliveryInfo | null;
  /** The latest forward attempt, or null. */
  forward: AttemptRecord | null;
  /** How many replays were made of it. */
  replayCount: number;
}

export interface StoredDelivery extends DeliverySummary {
  rawHeaders: string[];
  body: Buffer;
}

/** The columns a replay needs (see Store.iterateReplayable). */
export type ReplayableDelivery = Pick<StoredDelivery, 'seq' | 'id' | 'deliveryId' | 'event' | 'action' | 'url' | 'rawHeaders' | 'body' | 'truncated' | 'bodyBytes'>;

export type AttemptKind = 'forward' | 'replay';

/**
 * A forward that was never attempted (listen's app was not keeping up, or listen stopped
 * first) is kept as a forward attempt with no status and an error that starts with this;
 * `replay --not-forwarded` finds and sends them.
 */
export const NOT_FORWARDED = 'not forwarded';

export function isNotForwarded(attempt: { status: number | null; error: string | null }): boolean {
  return attempt.status === null && (attempt.error?.startsWith(`${NOT_FORWARDED}:`) ?? false);
}

export interface NewAttempt {
  kind: AttemptKind;
  url: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  /** When it was made (default: now). */
  at?: Date;
  /** The X-GitHub-Delivery sent, when it differed from the stored one. */
  deliveryId?: string | null;
  /** The body sent, when it was not the stored one (an edit). */
  body?: Uint8Array | null;
  /** Bytes sent (default: the edited body's length, else the stored body's). */
  bytes?: number;
  /** Signatures computed anew. */
  resigned?: boolean;
  /** The start of a non-2xx answer. */
  response?: string | null;
}

export interface AttemptRecord {
  /** Position among the delivery's attempts, 1-based, oldest first. */
  n: number;
  kind: AttemptKind;
  url: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  at: string;
  deliveryId: string | null;
  edited: boolean;
  resigned: boolean;
  bytes: number;
  response: string | null;
}

/** Filters for list/iterate/count; all ANDed. `event` is "event" or "event.action". */
export interface DeliveryFilter {
  event?: string;
  since?: Date;
  until?: Date;
  repository?: string;
  sender?: string;
  /** An exact status (401) or a class ("4xx"). */
  status?: number | string;
  signature?: SignatureVerdict;
  /** Only payloads that drifted from GitHub's schema. */
  drift?: boolean;
  /** Only deliveries from this hook (X-GitHub-Hook-ID). */
  hookId?: number;
  /** list: at most N rows (newest first). iterate/count: the last N received, in received order. */
  limit?: number;
  last?: number;
  /** Only these sources (default: all). */
  source?: DeliverySource;
  /** list: only rows older than this seq (paging). */
  beforeSeq?: number;
  /** Only rows newer than this seq (following the store). */
  afterSeq?: number;
  /** Only attempts of this X-GitHub-Delivery. */
  deliveryId?: string;
  /** Only deliveries with a forward not attempted yet (no later forward to that URL). */
  notForwarded?: boolean;
  /** Only payloads containing this text, ignoring case (see filter.ts). */
  text?: string;
}

export type ResolveResult =
  | { kind: 'found'; delivery: StoredDelivery }
  | { kind: 'ambiguous'; candidates: DeliverySummary[] }
  | { kind: 'none' };
