/**
 * What the inspector's HTTP server needs from the rest of hookctl: a backend over one
 * delivery store (and, inside `listen`, over the relay's live events). The server knows
 * nothing of SQLite, the relay or the terminal; it speaks HTTP and JSON and calls this.
 * `hookctl listen` and `hookctl inspect` each build one (see relay and store); tests build fakes.
 */

import type { DeliveryRecord } from '../store/records.js';
import type { AttemptRecord } from '../store/types.js';

// The records are the store's own (the same shape `--json` prints): one definition.
export type { DeliveryRecord } from '../store/records.js';
export type { AttemptRecord, SignatureVerdict } from '../store/types.js';
import type { SchemaViolation } from '../schemas/validate.js';
import type { SignatureVerdict } from '../store/types.js';

/** One delivery with everything the detail view shows. */
export interface DeliveryDetail extends DeliveryRecord {
  /** Every header as received, in order: [name, value]. */
  headers: [string, string][];
  /** Every forward and replay attempt, oldest first. */
  attempts: AttemptRecord[];
  /** The payload's JSON text (a form body's `payload=` field decoded), or null when the body is not text. */
  payloadText: string | null;
  /** sha256 (hex) of the body as received (for a truncated body: of the whole original). */
  bodySha256: string;
  /** Other attempts (redeliveries) of the same X-GitHub-Delivery: their local ids, oldest first. */
  siblings: string[];
}

/** Filters of `GET /api/deliveries`; every field optional, all ANDed. */
export interface DeliveryQuery {
  /** "event" or "event.action". */
  event?: string;
  repository?: string;
  sender?: string;
  /** HTTP status listen answered, e.g. 401, or a class: "2xx", "4xx". */
  status?: string;
  signature?: SignatureVerdict;
  /** true: only deliveries whose payload drifted from GitHub's schema. */
  drift?: boolean;
  /** ISO 8601 bounds on receivedAt. */
  since?: string;
  until?: string;
  /** Text that must occur in the payload, ignoring case: both lowercased by Unicode's default mapping (core/store/filter.ts). */
  q?: string;
  /** Opaque cursor from a previous page's `next`. */
  cursor?: string;
  /** Page size (default 50, at most 200). */
  limit?: number;
}

export interface DeliveryPage {
  /** Newest first. */
  deliveries: DeliveryRecord[];
  /** Cursor of the next (older) page, or null. */
  next: string | null;
}

export interface ReplayRequest {
  /** Target URL; default as `hookctl replay`'s: the listener (the delivery's own path kept), else where it was first received, else the default target. */
  to?: string;
  /** Sign anew with the listener's secret (never shown). Default true when a secret is known. */
  resign?: boolean;
  /** Send a fresh X-GitHub-Delivery GUID. */
  newDeliveryId?: boolean;
  /** Edited payload JSON text: new bytes (compact as typed), re-signed; the stored original is never changed. */
  payload?: string;
}

export interface ReplayOutcome {
  attempt: AttemptRecord;
}

export interface ValidationOutcome {
  /** Set when the text is not JSON: where it breaks (1-based). */
  syntaxError: { line: number; column: number; message: string } | null;
  /** False when GitHub's description has no schema for this event.action. */
  schemaFound: boolean;
  violations: SchemaViolation[];
}

export interface CatalogItem {
  /** "pull_request.opened" */
  name: string;
  event: string;
  action: string | null;
  description: string;
}

export interface SendRequest {
  /** A catalog name (event or event.action). */
  name: string;
  /** Edited payload JSON text; default: the catalog sample. */
  payload?: string;
  /** Target URL; default: the listener. */
  to?: string;
  /** Sign with the listener's secret (default true when one is known). */
  sign?: boolean;
}

export interface SendOutcome {
  url: string;
  deliveryId: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  response: string | null;
}

export interface InspectorInfo {
  version: string;
  /** The store file. */
  store: string;
  /** The listener's local URL when running inside `listen`, else null. */
  listener: string | null;
  /** The public (tunnel) payload URL, when tunnelling. */
  publicUrl: string | null;
  /** --forward-to targets. */
  forwardTargets: string[];
  /** True when a secret is known (replay/send can sign). The secret itself is never exposed. */
  canSign: boolean;
}

/** Live events (Server-Sent Events on GET /api/stream). */
export type InspectorEvent =
  | { type: 'delivery'; delivery: DeliveryRecord }
  | { type: 'updated'; delivery: DeliveryRecord }
  | { type: 'attempt'; id: string; attempt: AttemptRecord }
  | { type: 'removed'; id: string }
  /** What was told before no longer holds (another store file, or more changes than can be told one by one): load the list again. */
  | { type: 'reset' };

/** The filters a live subscription is opened with (those of the list; no cursor, no limit). */
export type StreamQuery = Omit<DeliveryQuery, 'cursor' | 'limit'>;

/**
 * The backend refuses a request by throwing a typed error (errors.ts: UsageError, NotFoundError,
 * ConflictError, UnavailableError…); the server answers it with the status errors.ts maps it to.
 */
export interface InspectorBackend {
  info(): InspectorInfo;
  list(query: DeliveryQuery): Promise<DeliveryPage>;
  /** null when no such id. */
  get(id: string): Promise<DeliveryDetail | null>;
  /** The exact bytes as stored; `attempt` = an attempt's own (edited) body. null when unknown. */
  raw(id: string, attempt?: number): Promise<{ body: Buffer; contentType: string | null } | null>;
  /** `hookctl deliveries export` output: a curl command or a fixture (JSON text). */
  exportDelivery(id: string, format: 'curl' | 'fixture'): Promise<string | null>;
  replay(id: string, request: ReplayRequest): Promise<ReplayOutcome>;
  /** Delete a stored delivery; false when unknown. */
  remove(id: string): Promise<boolean>;
  /** Check JSON text against GitHub's schema for event.action ("as you type"). */
  validate(event: string, action: string | null, payloadText: string): Promise<ValidationOutcome>;
  catalog(): Promise<CatalogItem[]>;
  /** A catalog sample's JSON text; null for an unknown name. */
  sample(name: string): Promise<{ event: string; action: string | null; payload: string } | null>;
  send(request: SendRequest): Promise<SendOutcome>;
  /**
   * Live events; returns the unsubscribe function. With a query, `delivery` and `updated`
   * events come only for deliveries the list would show under it (the backend decides).
   */
  subscribe(listener: (event: InspectorEvent) => void, query?: StreamQuery): () => void;
}
