/**
 * Small HTTP helpers for the inspector's server: the headers every answer carries, JSON
 * answers and errors, and a capped JSON body reader. No routing and no backend here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HookctlError, httpStatusOf, MethodNotAllowedError, TooLargeError, UnsupportedTypeError, UsageError } from '../../errors.js';
import { parseTargetUrl } from '../deliver/url.js';

/** POST bodies are capped: an edited payload may be as large as GitHub's 25 MiB, plus JSON quoting. */
const MAX_REQUEST_BYTES = 26 * 1024 * 1024;

/**
 * The page and the API are for this origin only: no CORS header is ever sent, nothing may be
 * sniffed, framed, embedded by another site or leak a Referer. Scripts only from our own files.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * The answer to an error a request ended with: its status from errors.ts's one table, `{error:
 * message}` for a typed error (with the headers its status needs), a plain 500 for anything else.
 */
export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = httpStatusOf(error);
  if (error instanceof MethodNotAllowedError) res.setHeader('Allow', error.allowed.join(', '));
  // The rest of an oversized body is not read: the connection cannot be reused.
  if (error instanceof TooLargeError) res.setHeader('Connection', 'close');
  sendJson(res, status, { error: error instanceof HookctlError && status !== 500 ? error.message : 'internal error in the inspector' });
}

/** Read a JSON request body (application/json, at most MAX_REQUEST_BYTES) and parse it. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_REQUEST_BYTES): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new UnsupportedTypeError('send the request body as application/json');
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new TooLargeError(`request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new TooLargeError(`request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError('the request body is not valid JSON');
  }
}

/** A plain object from a JSON body, or a 400. */
export function asObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('the request body must be a JSON object');
  return value as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new UsageError(`${name} must be a string`, [], name);
  return value;
}

export function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new UsageError(`${name} must be true or false`, [], name);
  return value;
}

/** A target URL typed by the user: the one URL check the CLI's --to gets too (core/deliver/url.ts), its field the body's. */
export function optionalTargetUrl(body: Record<string, unknown>, name: string): string | undefined {
  const value = optionalString(body, name);
  if (value === undefined || value.trim() === '') return undefined;
  parseTargetUrl(value, { field: name });
  return value.trim();
}
