/**
 * The request a replay sends, for `hookctl replay` and the inspector alike: the stored bytes
 * and original headers (minus hop-by-hop), or an edit's new bytes (never touching the stored
 * original); a new X-GitHub-Delivery when asked; both signatures computed anew when a secret
 * is known. What it made is returned so the attempt can be recorded with its own body
 * (replay-record.ts: plan, post and record, for both).
 */
import { randomUUID } from 'node:crypto';
import { UsageError } from '../../errors.js';
import { describeJsonError, jsonBytes, tooDeepToEdit } from '../webhook/payload.js';
import { bodyKindOf, formBody, forwardableHeaders, rawHeader } from '../webhook/headers.js';
import { signatureHeaders } from '../webhook/signing.js';
import type { AttemptKind, NewAttempt } from '../store/types.js';
import type { DeliveryResult, OutgoingDelivery } from './post.js';

export interface ReplaySource {
  rawHeaders: readonly string[];
  body: Uint8Array;
  /** Only the first part of the body was kept (a rejected delivery): bodyBytes were received. */
  truncated?: boolean;
  bodyBytes?: number;
}

/** An edit of the payload: a user's exact bytes (`--payload FILE`), or JSON text sent compact as GitHub does. */
export type PayloadEdit = { exact: Uint8Array } | { json: string };

export interface ReplayOptions {
  /** Sign anew with this secret (the original signatures cannot match an edit). */
  secret?: string;
  newDeliveryId?: boolean;
  edit?: PayloadEdit;
}

export interface ReplayPlan {
  request: OutgoingDelivery;
  /** The new X-GitHub-Delivery, when one was minted. */
  deliveryId: string | null;
  /** The body sent when it is not the stored one (an edit), else null. */
  editedBody: Buffer | null;
  resigned: boolean;
  /** Signatures were dropped: an edit without a secret to sign it. */
  unsigned: boolean;
}

/** The attempt a sent plan is recorded as (the CLI's replay and the inspector's). */
export function replayAttempt(kind: AttemptKind, plan: ReplayPlan, result: DeliveryResult): NewAttempt {
  return {
    kind, url: result.url, status: result.status, durationMs: result.durationMs, error: result.error,
    deliveryId: plan.deliveryId, body: plan.editedBody, bytes: plan.request.body.length, resigned: plan.resigned, response: result.responseSnippet ?? null,
  };
}

/** An edit the payload reader refuses (not JSON, too deep): invalid input (field `payload`); the message says where. */
class EditError extends UsageError {
  constructor(message: string) {
    super(message, [], 'payload');
  }
}

/** Why `source` cannot be replayed with `edit`, or null. A whole new body (--payload) is fine. */
export function notReplayable(source: ReplaySource, edit?: PayloadEdit): string | null {
  if (!source.truncated || (edit && 'exact' in edit)) return null;
  return `only the first ${source.body.byteLength.toLocaleString('en-US')} of its ${(source.bodyBytes ?? 0).toLocaleString('en-US')} bytes were kept (it was rejected: not signed with the listener's secret), so it cannot be replayed as received`;
}

/** The JSON text of a stored body (a form's payload field decoded), for editing. */
export function payloadText(source: ReplaySource): string | null {
  const kind = bodyKindOf(rawHeader(source.rawHeaders, 'content-type')) ?? 'json';
  const bytes = jsonBytes(kind, source.body);
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * Edited JSON text in GitHub's compact form (no spaces), for replay and the inspector's editor
 * alike. Throws EditError when it is not JSON, or nests too deep to be re-serialized; `what`
 * names it in the message.
 */
export function compactJson(text: string, what = 'the edited payload'): Buffer {
  const problem = describeJsonError(text);
  if (problem) throw new EditError(`${what} is not JSON: ${problem}`);
  const deep = tooDeepToEdit(text);
  if (deep) throw new EditError(`${what} cannot be sent: ${deep}`);
  return Buffer.from(JSON.stringify(JSON.parse(text)), 'utf8');
}

/** The new body of an edit, encoded as the original was (JSON, or a form's payload field). */
function editedBody(source: ReplaySource, edit: PayloadEdit): Buffer {
  let json: Buffer;
  if ('exact' in edit) {
    json = Buffer.from(edit.exact.buffer, edit.exact.byteOffset, edit.exact.byteLength);
    const problem = describeJsonError(json);
    if (problem) throw new EditError(`the edited payload is not JSON: ${problem}`);
  } else json = compactJson(edit.json);
  const kind = bodyKindOf(rawHeader(source.rawHeaders, 'content-type')) ?? 'json';
  return kind === 'form' ? formBody(json.toString('utf8')) : json;
}

/** The request; throws EditError for an edit that is not JSON. Check notReplayable first (replay-record.ts does). */
export function planReplay(source: ReplaySource, url: string, options: ReplayOptions = {}): ReplayPlan {
  const edited = options.edit ? editedBody(source, options.edit) : null;
  const body = edited ?? Buffer.from(source.body.buffer, source.body.byteOffset, source.body.byteLength);
  const resign = Boolean(options.secret);
  const dropSignatures = resign || edited !== null;
  const drop: string[] = [];
  if (dropSignatures) drop.push('x-hub-signature', 'x-hub-signature-256');
  if (options.newDeliveryId) drop.push('x-github-delivery');
  const headers = forwardableHeaders(source.rawHeaders, drop);
  const deliveryId = options.newDeliveryId ? randomUUID() : null;
  if (deliveryId) headers['X-GitHub-Delivery'] = deliveryId;
  if (resign) Object.assign(headers, signatureHeaders(options.secret!, body));
  return { request: { url, body, headers }, deliveryId, editedBody: edited, resigned: resign, unsigned: edited !== null && !resign };
}
