/**
 * A delivery in the shapes tests hand to an app: a WHATWG Request (fetch handlers: Hono, Next.js
 * route handlers, Workers, Deno), inject options (Fastify, light-my-request), and the event
 * objects @octokit/webhooks and Probot take. Supertest needs no adapter:
 * `request(app).post(path).set(d.headers).send(d.body)`. Adapters only reshape: the bytes and
 * headers are the delivery's own.
 */
import { UsageError } from '../errors.js';
import type { Delivery, EventOf, PayloadOf, SampleName } from './sample.js';

/** What the adapters need of a delivery (a sample(), or your own with the same fields). */
type Sendable = Pick<Delivery, 'method' | 'headers' | 'body'>;

/**
 * The delivery as a fetch Request, for a fetch handler (`app.request(req)` in Hono, `app.fetch(req)`,
 * a Next.js route handler's `POST(req)`). A path (`/webhooks`) is taken on http://localhost.
 */
export function toRequest(delivery: Sendable, url: string | URL = '/'): Request {
  return new Request(new URL(url, 'http://localhost/'), { method: delivery.method, headers: delivery.headers, body: delivery.body });
}

/** Options for Fastify's `app.inject()` and light-my-request's `inject()`. */
export interface InjectRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  payload: Buffer;
}

/** The delivery as `inject()` options (Fastify, light-my-request), to `url` (a path). */
export function toInject(delivery: Sendable, url = '/'): InjectRequest {
  return { method: 'POST', url, headers: { ...delivery.headers }, payload: delivery.body };
}

/** What `webhooks.receive()` (@octokit/webhooks) and `probot.receive()` take: no signature, the parsed payload. */
export interface ReceivedEvent<N extends SampleName = SampleName> {
  id: string;
  name: EventOf<N>;
  payload: PayloadOf<N>;
}

/** The delivery as the event `webhooks.receive()` and `probot.receive()` take (they check no signature). */
export function forReceive<N extends SampleName>(delivery: Delivery<N>): ReceivedEvent<N> {
  return { id: delivery.id, name: delivery.event, payload: delivery.payload };
}

/** What `webhooks.verifyAndReceive()` takes: the raw body as text and its X-Hub-Signature-256. */
export interface SignedEvent<N extends SampleName = SampleName> {
  id: string;
  name: EventOf<N>;
  payload: string;
  signature: string;
}

/**
 * The delivery as `webhooks.verifyAndReceive()` takes it (@octokit/webhooks, and
 * `probot.webhooks`): it verifies the signature, then parses the body. The delivery must be
 * signed and JSON (@octokit/webhooks reads no form bodies).
 */
export function forVerifyAndReceive<N extends SampleName>(delivery: Delivery<N>): SignedEvent<N> {
  if (!delivery.signature) throw new UsageError('this delivery is not signed: sample(name, { secret }) signs it', [], 'secret');
  if (delivery.contentType !== 'json') throw new UsageError('@octokit/webhooks takes JSON deliveries; this one is a form body (contentType: "form")', [], 'contentType');
  return { id: delivery.id, name: delivery.event, payload: delivery.body.toString('utf8'), signature: delivery.signature };
}
