/**
 * Helpers for listen/deliveries tests: post a (signed) delivery with exact bytes, and a
 * user's app built on @octokit/webhooks that verifies signatures itself.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhooks, createNodeMiddleware } from '@octokit/webhooks';
import { signatureHeaders } from '../../src/core/webhook/signing.js';

export interface PostResult {
  status: number;
  body: string;
}

export interface DeliveryInit {
  event?: string | null;
  deliveryId?: string | null;
  secret?: string;
  contentType?: string;
  headers?: Record<string, string>;
  path?: string;
}

/** POST exact bytes over node:http (one connection per request, no pooling surprises). */
export function postRaw(url: string, body: Buffer | string, headers: Record<string, string>): Promise<PostResult> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-length': String(bytes.length), ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

/** A GitHub-shaped delivery: event, GUID, JSON content type, both signatures when a secret is given. */
export function postDelivery(baseUrl: string, body: Buffer | string, init: DeliveryInit = {}): Promise<PostResult> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const headers: Record<string, string> = {
    'Content-Type': init.contentType ?? 'application/json',
    'User-Agent': 'GitHub-Hookshot/a0f4c5e',
  };
  if (init.event !== null) headers['X-GitHub-Event'] = init.event ?? 'issues';
  if (init.deliveryId !== null) headers['X-GitHub-Delivery'] = init.deliveryId ?? crypto.randomUUID();
  if (init.secret) Object.assign(headers, signatureHeaders(init.secret, bytes));
  Object.assign(headers, init.headers ?? {});
  const url = new URL(init.path ?? '/', baseUrl).toString();
  return postRaw(url, bytes, headers);
}

export interface OctokitApp {
  url: string;
  received: { id: string; name: string; payload: any }[];
  close(): Promise<void>;
}

/** A user's app: @octokit/webhooks node middleware at /api/github/webhooks, verifying with `secret`. */
export async function startOctokitApp(secret: string): Promise<OctokitApp> {
  const webhooks = new Webhooks({ secret });
  const received: { id: string; name: string; payload: any }[] = [];
  webhooks.onAny((event) => {
    received.push({ id: event.id, name: event.name, payload: event.payload });
  });
  const middleware = createNodeMiddleware(webhooks, { log: { debug() {}, info() {}, warn() {}, error() {} } });
  const server: Server = createServer((req, res) => {
    void middleware(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/github/webhooks`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A compact issues.opened-like payload. */
export function samplePayload(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    action: 'opened',
    issue: { number: 1, title: 'Crash on start' },
    repository: { id: 1296269, full_name: 'octo-org/octo-repo' },
    sender: { login: 'monalisa' },
    ...extra,
  });
}
