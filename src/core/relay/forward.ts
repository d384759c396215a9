/**
 * Where listen forwards a delivery (--forward-to [EVENT=]URL routes) and the fan-out itself:
 * the exact bytes and original headers (minus hop-by-hop) to every target, over one pool.
 */
import { UsageError } from '../../errors.js';
import { parseEventList } from '../catalog/events.js';
import type { DeliveryResult } from '../deliver/post.js';
import { parseTargetUrl } from '../deliver/url.js';
import { forwardableHeaders } from '../webhook/headers.js';

export interface ForwardRoute {
  /** Events (event or event.action) this route takes; null = every event not routed elsewhere. */
  events: string[] | null;
  url: string;
}

/** `EVENT=URL` or `URL`; EVENT may be a comma list, event.action, or `*`. Names are checked. */
export function parseForwardRoutes(values: string[]): ForwardRoute[] {
  return values.map((value) => {
    const m = /^([A-Za-z0-9_.,*-]+)=(.+)$/.exec(value);
    const [events, url] = m && !/^https?:/i.test(value) ? [parseEventList(m[1], { flag: '--forward-to' }), m[2]] : [null, value];
    try {
      parseTargetUrl(url);
    } catch (err) {
      throw new UsageError(`--forward-to: ${(err as Error).message}`, ['Use --forward-to http://localhost:3000/webhooks or --forward-to push=http://localhost:3000/push']);
    }
    return { events, url };
  });
}

/** Where a delivery goes: the routes naming its event (or event.action), else the catch-alls. */
export function routesFor(routes: readonly ForwardRoute[], event: string, action: string | null): string[] {
  const names = action ? [event, `${event}.${action}`] : [event];
  const named = routes.filter((r) => r.events?.some((e) => names.includes(e)));
  return (named.length ? named : routes.filter((r) => r.events === null)).map((r) => r.url);
}

type Deliver = typeof import('../deliver/post.js');

/** Forwards over one keep-alive pool, created on the first forward. */
export class Forwarder {
  private deliver: Deliver | undefined;
  private dispatcher: import('undici').Dispatcher | undefined;

  constructor(readonly routes: readonly ForwardRoute[]) {}

  /** POST the delivery to every target of its route; one result per target, in route order. */
  async forward(d: { event: string; action: string | null; rawHeaders: readonly string[]; body: Uint8Array }): Promise<DeliveryResult[]> {
    const targets = routesFor(this.routes, d.event, d.action);
    if (targets.length === 0) return [];
    const deliver = (this.deliver ??= await import('../deliver/post.js'));
    this.dispatcher ??= deliver.createDispatcher(32);
    const headers = forwardableHeaders(d.rawHeaders);
    return Promise.all(targets.map((url) => deliver.post({ url, body: d.body, headers }, { dispatcher: this.dispatcher })));
  }

  async close(): Promise<void> {
    await (this.dispatcher as { close?: () => Promise<void> } | undefined)?.close?.().catch(() => undefined);
  }
}
