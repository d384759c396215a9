/**
 * deliver(): POST a delivery to a running server, the way `hookctl send` does (core/deliver/post.ts:
 * the same bytes and headers on the wire), and return what it answered.
 */
import { TargetError } from '../errors.js';
import { DELIVERY_TIMEOUT_MS, post } from '../core/deliver/post.js';
import { parseTargetUrl } from '../core/deliver/url.js';
import type { Delivery } from './sample.js';

export interface DeliverOptions {
  /** The whole exchange (connect, send, answer) must end within this (default 10 s, GitHub's own timeout). */
  timeoutMs?: number;
  /** Read at most this much of the answer's body (default 1 MiB); `truncated` says when there was more. */
  maxResponseBytes?: number;
  /** Headers to add or replace (the delivery's own are sent as they are). */
  headers?: Record<string, string>;
}

export interface DeliverResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The answer's body, up to maxResponseBytes. */
  body: Buffer;
  truncated: boolean;
  durationMs: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * POST the delivery's exact bytes and headers to `url`; resolves with the answer, whatever its
 * status. Throws a TargetError when no answer came back (nothing listening, the deadline
 * passed), a UsageError for a URL hookctl cannot send to.
 *
 * ```ts
 * const res = await deliver('http://127.0.0.1:3000/webhooks', sample('push', { secret }));
 * expect(res.status).toBe(200);
 * ```
 */
export async function deliver(url: string | URL, delivery: Pick<Delivery, 'headers' | 'body'>, options: DeliverOptions = {}): Promise<DeliverResponse> {
  const target = String(url);
  parseTargetUrl(target);
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const result = await post(
    { url: target, body: delivery.body, headers: { ...delivery.headers, ...options.headers } },
    { timeoutMs, deadlineMs: timeoutMs, keepResponse: { maxBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES } },
  );
  if (result.status === null || !result.response) throw new TargetError(result.error ?? `no answer from ${target}`);
  return { status: result.status, headers: result.response.headers, body: result.response.body, truncated: result.response.truncated, durationMs: result.durationMs };
}
