/**
 * A hook's delivery log on GitHub: list (newest first, cursor pages), one delivery with what
 * was sent, find by GUID or prefix, ask for a redelivery, and rebuild a logged delivery into
 * bytes and headers (GitHub returns the payload parsed, so the body is re-serialized).
 */
import { ApiError, UsageError } from '../../errors.js';
import { formBody } from '../webhook/headers.js';
import { SIGNATURE_HEADER, signatureHeaders, verify } from '../webhook/signing.js';
import type { BodyKind } from '../webhook/types.js';
import type { GithubClient } from './client.js';
import { describeWebhook, webhookPath, type HookTarget } from './targets.js';

const about = (target: HookTarget, hookId: number, what: string) => `the ${what} of ${describeWebhook(target, hookId)}`;

/** One row of GET …/hooks/{id}/deliveries. */
export interface LoggedDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at?: string | null;
}

/** GET …/deliveries/{id}: the summary plus what was sent and answered. */
export interface DeliveryDetail extends LoggedDelivery {
  url?: string;
  request: { headers: Record<string, string> | null; payload: unknown };
  response: { headers: Record<string, string> | null; payload: string | null };
}


// ---------------------------------------------------------------------------------------
// Delivery log

export interface ListDeliveriesOptions {
  /** Stop once deliveries are older than this (GitHub lists newest first). */
  since?: Date;
  limit?: number;
  perPage?: number;
}

/** The hook's recent deliveries, newest first, following the cursor links. */
export async function* listDeliveries(
  client: GithubClient,
  target: HookTarget,
  hookId: number,
  options: ListDeliveriesOptions = {},
): AsyncGenerator<LoggedDelivery, void, undefined> {
  let count = 0;
  const limit = options.limit ?? Infinity;
  if (limit <= 0) return;
  const perPage = options.perPage ?? Math.min(100, Number.isFinite(limit) ? Math.max(limit, 1) : 100);
  for await (const d of client.paginate<LoggedDelivery>(`${webhookPath(target, hookId)}/deliveries`, {
    query: { per_page: perPage },
    about: about(target, hookId, 'delivery log'),
    org: target.kind === 'org',
  })) {
    if (options.since && new Date(d.delivered_at).getTime() < options.since.getTime()) return;
    yield d;
    count += 1;
    if (count >= limit) return;
  }
}

export async function getDelivery(client: GithubClient, target: HookTarget, hookId: number, deliveryId: number): Promise<DeliveryDetail> {
  const res = await client.request<DeliveryDetail>('GET', `${webhookPath(target, hookId)}/deliveries/${deliveryId}`, {
    about: about(target, hookId, `delivery ${deliveryId}`),
    org: target.kind === 'org',
  });
  return res.data;
}

/** Ask GitHub to redeliver (answers 202). Explains GitHub's redelivery window when refused. */
export async function redeliver(client: GithubClient, target: HookTarget, hookId: number, deliveryId: number): Promise<void> {
  try {
    await client.request('POST', `${webhookPath(target, hookId)}/deliveries/${deliveryId}/attempts`, {
      about: about(target, hookId, `delivery ${deliveryId}`),
      org: target.kind === 'org',
    });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 422 || err.status === 400 || err.status === 404)) {
      throw new ApiError(err.message, err.status, [
        ...err.details,
        'GitHub only redelivers deliveries from the past 3 days; for older ones, replay the stored copy with --to URL instead.',
      ]);
    }
    throw err;
  }
}

/**
 * Find a delivery by GUID (X-GitHub-Delivery), a unique GUID prefix, or GitHub's numeric id
 * in a hook's log. The log can hold several attempts of one GUID: the newest comes first and
 * is returned. A prefix shared by several GUIDs is a UsageError listing them.
 */
export async function findDelivery(client: GithubClient, target: HookTarget, hookId: number, guidOrId: string): Promise<LoggedDelivery | undefined> {
  const wanted = guidOrId.trim().toLowerCase();
  if (!wanted) return undefined;
  const byPrefix = new Map<string, LoggedDelivery>();
  for await (const d of listDeliveries(client, target, hookId)) {
    const guid = d.guid.toLowerCase();
    if (guid === wanted || String(d.id) === wanted) return d;
    if (guid.startsWith(wanted) && !byPrefix.has(guid)) byPrefix.set(guid, d);
  }
  if (byPrefix.size > 1) {
    throw new UsageError(
      `"${guidOrId}" matches ${byPrefix.size} deliveries in the log of ${describeWebhook(target, hookId)}; give more of the GUID`,
      [...byPrefix.values()].slice(0, 10).map((d) => `  ${d.guid}  ${d.event}${d.action ? `.${d.action}` : ''}  ${d.delivered_at}`),
    );
  }
  return byPrefix.values().next().value;
}

/** A delivery from GitHub's log turned back into bytes and headers (see rebuildDelivery). */
export interface RebuiltDelivery {
  /** Compact JSON (or payload=… for form hooks) re-serialized from GitHub's parsed payload. */
  body: Buffer;
  /** Header name → value, as GitHub sent them, with signatures fixed up (see `signature`). */
  headers: Record<string, string>;
  /** node rawHeaders layout, for the store. */
  rawHeaders: string[];
  contentType: BodyKind;
  /**
   * reproduced: GitHub's original signature matches the re-serialized bytes (kept);
   * resigned: signed anew with the known secret; dropped: no secret, so the original
   * signatures (which cannot match the re-serialized bytes) were removed.
   */
  signature: 'reproduced' | 'resigned' | 'dropped';
  repository: string | null;
  sender: string | null;
}

/**
 * GitHub's API returns a delivery's payload parsed, not as the bytes it sent, so the body is
 * re-serialized (compact JSON, as GitHub sends it). When the original signature still
 * verifies with `secret` it is kept; otherwise the body is re-signed with `secret`, or the
 * signature headers are dropped when no secret is known.
 */
export function rebuildDelivery(detail: DeliveryDetail, secret?: string): RebuiltDelivery {
  const original = detail.request?.headers ?? {};
  const contentTypeHeader = Object.entries(original).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? 'application/json';
  const contentType = /x-www-form-urlencoded/i.test(contentTypeHeader) ? 'form' : 'json';
  const json = JSON.stringify(detail.request?.payload ?? null);
  const body = contentType === 'form' ? formBody(json) : Buffer.from(json, 'utf8');
  const isSignature = (name: string) => /^x-hub-signature(-256)?$/i.test(name);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(original)) if (!isSignature(name)) headers[name] = String(value);
  const sig256 = Object.entries(original).find(([k]) => k.toLowerCase() === SIGNATURE_HEADER.sha256.toLowerCase())?.[1];
  let signature: RebuiltDelivery['signature'] = 'dropped';
  if (secret && sig256 && verify(secret, body, String(sig256))) {
    for (const [name, value] of Object.entries(original)) if (isSignature(name)) headers[name] = String(value);
    signature = 'reproduced';
  } else if (secret) {
    Object.assign(headers, signatureHeaders(secret, body));
    signature = 'resigned';
  }
  const payload = (detail.request?.payload ?? {}) as { repository?: { full_name?: unknown }; sender?: { login?: unknown } };
  return {
    body,
    headers,
    rawHeaders: Object.entries(headers).flat(),
    contentType,
    signature,
    repository: typeof payload.repository?.full_name === 'string' ? payload.repository.full_name : null,
    sender: typeof payload.sender?.login === 'string' ? payload.sender.login : null,
  };
}

