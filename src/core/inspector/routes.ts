/**
 * The JSON API's routes (see the table at the top of server.ts): each turns a request into
 * one backend call and its answer into JSON. Input is checked here, the backend checks the
 * rest: both throw typed errors (errors.ts), which the server answers with their status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NotFoundError, UsageError } from '../../errors.js';
import { signatureFilter, statusFilter } from '../store/filter.js';
import { VOCABULARY } from '../store/vocabulary.js';
import type { DeliveryQuery, InspectorBackend, ReplayRequest, SendRequest, StreamQuery } from './backend.js';
import { asObject, optionalBoolean, optionalString, optionalTargetUrl, readJsonBody, sendJson } from './http.js';

interface RouteContext {
  backend: InspectorBackend;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Path segments after /api/, decoded. */
  params: string[];
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Segments after /api/; ':x' matches any one segment. */
  pattern: string[];
  handle(ctx: RouteContext): Promise<void>;
}

const FILTER_KEYS = new Set(['event', 'repository', 'sender', 'status', 'signature', 'drift', 'since', 'until', 'q']);
const QUERY_KEYS = new Set([...FILTER_KEYS, 'cursor', 'limit']);

function isoParam(value: string, name: string): string {
  if (Number.isNaN(Date.parse(value))) throw new UsageError(`${name} must be an ISO 8601 date-time, got ${JSON.stringify(value)}`, [], name);
  return value;
}

/** `GET /api/deliveries`'s query string → DeliveryQuery (empty values are no filter). */
export function parseDeliveryQuery(params: URLSearchParams, keys = QUERY_KEYS): DeliveryQuery {
  try {
    return readQuery(params, keys);
  } catch (error) {
    // The store's own checks of a filter value (the CLI's too): a 400 naming the field.
    if (error instanceof UsageError) throw new UsageError(error.message);
    throw error;
  }
}

/** `GET /api/stream`'s query string: the list's filters, no cursor or limit. */
export function parseStreamQuery(params: URLSearchParams): StreamQuery {
  return parseDeliveryQuery(params, FILTER_KEYS);
}

function readQuery(params: URLSearchParams, keys: Set<string>): DeliveryQuery {
  const query: DeliveryQuery = {};
  for (const [key, raw] of params) {
    const value = raw.trim();
    if (!keys.has(key)) throw new UsageError(`unknown parameter ${JSON.stringify(key)}`, [], key);
    if (value === '') continue;
    switch (key) {
      case 'event': case 'repository': case 'sender': case 'q': case 'cursor':
        query[key] = value;
        break;
      case 'status':
        query.status = statusFilter(value, 'status');
        break;
      case 'signature':
        query.signature = signatureFilter(value, 'signature');
        break;
      case 'drift':
        if (!/^(1|0|true|false)$/.test(value)) throw new UsageError('drift must be 1 or 0', [], 'drift');
        if (value === '1' || value === 'true') query.drift = true;
        break;
      case 'since': case 'until':
        query[key] = isoParam(value, key);
        break;
      case 'limit': {
        const limit = Number(value);
        if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new UsageError('limit must be an integer from 1 to 200', [], 'limit');
        query.limit = limit;
        break;
      }
    }
  }
  return query;
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`no delivery ${JSON.stringify(id)}`);
}

async function raw({ backend, res, url, params }: RouteContext): Promise<void> {
  const attemptParam = url.searchParams.get('attempt');
  let attempt: number | undefined;
  if (attemptParam !== null) {
    attempt = Number(attemptParam);
    if (!Number.isInteger(attempt) || attempt < 1) throw new UsageError('attempt must be a positive integer', [], 'attempt');
  }
  const found = await backend.raw(params[1], attempt);
  if (!found) throw attempt === undefined ? notFound(params[1]) : new NotFoundError(`delivery ${params[1]} has no attempt ${attempt} with its own body`);
  const name = attempt === undefined ? `${params[1]}.json` : `${params[1]}-attempt-${attempt}.json`;
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`,
    'Content-Length': String(found.body.length),
    'Cache-Control': 'no-store',
    ...(found.contentType ? { 'X-Original-Content-Type': found.contentType.replace(/[^\x20-\x7e]/g, '?') } : {}),
  });
  res.end(found.body);
}

async function exportDelivery({ backend, res, url, params }: RouteContext): Promise<void> {
  const format = url.searchParams.get('format');
  if (format !== 'curl' && format !== 'fixture') throw new UsageError('format must be curl or fixture', [], 'format');
  const text = await backend.exportDelivery(params[1], format);
  if (text === null) throw notFound(params[1]);
  const body = Buffer.from(text, 'utf8');
  const headers: Record<string, string> = {
    'Content-Type': format === 'curl' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
  };
  if (url.searchParams.get('download') === '1') {
    const name = format === 'curl' ? `${params[1]}.sh` : `${params[1]}.fixture.json`;
    headers['Content-Disposition'] = `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`;
  }
  res.writeHead(200, headers);
  res.end(body);
}

async function replay({ backend, req, res, params }: RouteContext): Promise<void> {
  const body = asObject(await readJsonBody(req));
  const request: ReplayRequest = {};
  const to = optionalTargetUrl(body, 'to');
  if (to !== undefined) request.to = to;
  const resign = optionalBoolean(body, 'resign');
  if (resign !== undefined) request.resign = resign;
  const newDeliveryId = optionalBoolean(body, 'newDeliveryId');
  if (newDeliveryId !== undefined) request.newDeliveryId = newDeliveryId;
  const payload = optionalString(body, 'payload');
  if (payload !== undefined) request.payload = payload;
  sendJson(res, 200, await backend.replay(params[1], request));
}

async function validate({ backend, req, res }: RouteContext): Promise<void> {
  const body = asObject(await readJsonBody(req));
  const event = optionalString(body, 'event');
  if (!event) throw new UsageError('event is required', [], 'event');
  const action = optionalString(body, 'action') ?? null;
  const payload = optionalString(body, 'payload');
  if (payload === undefined) throw new UsageError('payload (the JSON text) is required', [], 'payload');
  sendJson(res, 200, await backend.validate(event, action, payload));
}

async function send({ backend, req, res }: RouteContext): Promise<void> {
  const body = asObject(await readJsonBody(req));
  const name = optionalString(body, 'name');
  if (!name) throw new UsageError('name (a catalog event or event.action) is required', [], 'name');
  const request: SendRequest = { name };
  const payload = optionalString(body, 'payload');
  if (payload !== undefined) request.payload = payload;
  const to = optionalTargetUrl(body, 'to');
  if (to !== undefined) request.to = to;
  const sign = optionalBoolean(body, 'sign');
  if (sign !== undefined) request.sign = sign;
  sendJson(res, 200, await backend.send(request));
}

const ROUTES: Route[] = [
  // The page words verdicts and forward states from the table the terminal uses.
  { method: 'GET', pattern: ['info'], handle: async ({ backend, res }) => sendJson(res, 200, { ...backend.info(), vocabulary: VOCABULARY }) },
  { method: 'GET', pattern: ['deliveries'], handle: async ({ backend, res, url }) => sendJson(res, 200, await backend.list(parseDeliveryQuery(url.searchParams))) },
  {
    method: 'GET', pattern: ['deliveries', ':id'], handle: async ({ backend, res, params }) => {
      const detail = await backend.get(params[1]);
      if (!detail) throw notFound(params[1]);
      sendJson(res, 200, detail);
    },
  },
  { method: 'GET', pattern: ['deliveries', ':id', 'raw'], handle: raw },
  { method: 'GET', pattern: ['deliveries', ':id', 'export'], handle: exportDelivery },
  { method: 'POST', pattern: ['deliveries', ':id', 'replay'], handle: replay },
  {
    method: 'DELETE', pattern: ['deliveries', ':id'], handle: async ({ backend, res, params }) => {
      if (!(await backend.remove(params[1]))) throw notFound(params[1]);
      sendJson(res, 200, { removed: params[1] });
    },
  },
  { method: 'POST', pattern: ['validate'], handle: validate },
  { method: 'GET', pattern: ['catalog'], handle: async ({ backend, res }) => sendJson(res, 200, { catalog: await backend.catalog() }) },
  {
    method: 'GET', pattern: ['catalog', ':name'], handle: async ({ backend, res, params }) => {
      const sample = await backend.sample(params[1]);
      if (!sample) throw new NotFoundError(`no sample ${JSON.stringify(params[1])} in the catalog`);
      sendJson(res, 200, sample);
    },
  },
  { method: 'POST', pattern: ['send'], handle: send },
];

/** The route for these segments: a match, or the methods the path allows (for 405), or null. */
export function findRoute(method: string, segments: string[]): { route: Route } | { allowed: string[] } | null {
  const matches = ROUTES.filter((route) => route.pattern.length === segments.length && route.pattern.every((part, i) => part.startsWith(':') || part === segments[i]));
  if (matches.length === 0) return null;
  const wanted = method === 'HEAD' ? 'GET' : method;
  const route = matches.find((candidate) => candidate.method === wanted);
  return route ? { route } : { allowed: matches.map((candidate) => candidate.method) };
}
