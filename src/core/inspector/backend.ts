/**
 * What the inspector's HTTP server needs from the rest of hookctl: a backend over one
 * delivery store (and, inside `listen`, over the relay's live events). The server knows
 * nothing of SQLite, the relay or the terminal; it speaks HTTP and JSON and calls this.
 * `hookctl listen` and `hookctl inspect` each build one (see relay and store); tests build fakes.
 */

export type SignatureVerdict = 'valid' | 'invalid' | 'missing' | 'unchecked';

export interface SchemaViolation {
  /** JSON Pointer into the payload ('' for the root), e.g. /pull_request/number. */
  path: string;
  message: string;
}

export interface SchemaVerdict {
  status: 'valid' | 'invalid' | 'unknown';
  violations: SchemaViolation[];
}

export interface ForwardResult {
  url: string;
  status: number | null;
  durationMs: number;
  error: string | null;
}

/** One forward or replay of a stored delivery. */
export interface AttemptRecord {
  /** Position among the delivery's attempts, 1-based, oldest first (stable: used in URLs). */
  n: number;
  kind: 'forward' | 'replay';
  url: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  /** ISO 8601. */
  at: string;
  /** The X-GitHub-Delivery sent when it differed from the stored one (new delivery id), else null. */
  deliveryId: string | null;
  /** True when the body sent was an edit (its own bytes: GET /api/deliveries/:id/raw?attempt=N); false = the stored bytes. */
  edited: boolean;
  /** True when the signatures were computed anew with the listener's secret. */
  resigned: boolean;
  /** Size of the body sent. */
  bytes: number;
  /** The first ~300 bytes of a non-2xx answer, whitespace folded; null otherwise. */
  response: string | null;
}

/**
 * A delivery record: the `--json` shape of CONTRACT "Machine output"
 * (schemas/delivery-record.schema.json), as `GET /api/deliveries` lists it.
 */
export interface DeliveryRecord {
  id: string;
  deliveryId: string | null;
  event: string | null;
  action: string | null;
  receivedAt: string;
  path: string;
  url: string | null;
  signature: SignatureVerdict;
  signatureReason: string | null;
  signatureAlgorithm: 'sha256' | 'sha1' | null;
  status: number;
  rejectReason: string | null;
  repository: string | null;
  sender: string | null;
  bytes: number;
  attempt: number;
  redelivery: boolean;
  forward: ForwardResult | null;
  forwards: ForwardResult[];
  schema: SchemaVerdict | null;
  remoteAddress: string | null;
  contentType: string | null;
  source: 'listen' | 'github';
  /** Replays so far (count), for the list's column. */
  replayCount?: number;
  /** True when only the first MiB of a rejected body was kept (see `bodySha256`). */
  truncated?: boolean;
}

/** One delivery with everything the detail view shows. */
export interface DeliveryDetail extends DeliveryRecord {
  /** Every header as received, in order: [name, value]. */
  headers: [string, string][];
  /** Every forward and replay attempt, oldest first. */
  attempts: AttemptRecord[];
  /** The payload's JSON text (a form body's `payload=` field decoded), or null when the body is not text. */
  payloadText: string | null;
  /** Full length and sha256 (hex) of the body as received (for a truncated body: of the whole original). */
  bodyBytes: number;
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
  /** Text that must occur in the payload (case-insensitive). */
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
  /** Target URL; default: where the delivery was first received. */
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
  | { type: 'removed'; id: string };

/** A request the backend refuses (unknown id, bad URL, unknown event): the server answers `status` with `{error: message}`. */
export class InspectorError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

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
  /** Live events; returns the unsubscribe function. */
  subscribe(listener: (event: InspectorEvent) => void): () => void;
}
