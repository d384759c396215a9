/**
 * sample(): a delivery exactly as GitHub would send it, from the catalog, typed by its name.
 * The sampler itself is core/catalog/sample.ts (the one `hookctl send` and the inspector use);
 * this file gives it the library's shape and types.
 */
import { buildSample, listSamples, type SampleInfo as CoreSampleInfo } from '../core/catalog/sample.js';
import type { BodyKind } from '../core/webhook/types.js';
import { UsageError } from '../errors.js';
import { withDetails } from './errors.js';
import type { SamplePayloads } from './payload-types.js';

/** Every name sample() takes: `pull_request.opened`, `pull_request` (its default action), `pull_request.closed:merged`, `push`. */
export type SampleName = keyof SamplePayloads;

/** The payload type of a sample name (from @octokit/openapi-webhooks-types). */
export type PayloadOf<N extends SampleName> = SamplePayloads[N];

/** The event of a sample name: `pull_request.closed:merged` → `pull_request`. */
export type EventOf<N extends string> = N extends `${infer E}.${string}` ? E : N extends `${infer E}:${string}` ? E : N;

export interface SampleOptions {
  /** Sign: both X-Hub-Signature headers, over the exact body bytes. */
  secret?: string;
  /**
   * Change fields, as `hookctl send --set` does: `{ 'pull_request.title': 'Fix', number: 42 }`
   * (values are JSON), or the CLI's `['pull_request.title="Fix"']`. A path that is not in the
   * payload throws, naming it; a new key of an existing object is added.
   */
  set?: Record<string, unknown> | readonly string[];
  /** OWNER/REPO: the repository, its owner and their URLs, everywhere. */
  repo?: string;
  /** A login: the sender and every object that is the same account. */
  sender?: string;
  /** As a GitHub App's webhook receives it: target type integration, target id this App ID, an installation in the payload. */
  appId?: number | string;
  /** payload.installation.id (added when the payload has none). */
  installationId?: number | string;
  /** 'json' (default) or 'form' (`payload=<urlencoded JSON>`). */
  contentType?: BodyKind;
  /** X-GitHub-Delivery (default: a fresh random GUID). */
  deliveryId?: string;
  /** X-GitHub-Hook-ID. */
  hookId?: number | string;
  /**
   * Your own payload instead of the catalog's: an object (sent as compact JSON), or exact
   * bytes or text (sent as they are unless edited). The name then gives the event.
   */
  payload?: object | string | Uint8Array;
}

/** One delivery, as GitHub would send it. */
export interface Delivery<N extends SampleName = SampleName> {
  /** X-GitHub-Delivery. */
  id: string;
  /** X-GitHub-Event. */
  event: EventOf<N>;
  /** payload.action, or null for an event without actions. */
  action: string | null;
  /** The catalog entry it was built from (`pull_request.opened` for `pull_request`), or the event for your own payload. */
  sample: string;
  method: 'POST';
  contentType: BodyKind;
  /** GitHub's headers, in GitHub's order: Content-Type, User-Agent, X-GitHub-*, and the signatures when signed. */
  headers: Record<string, string>;
  /** The exact bytes to send. */
  body: Buffer;
  /** The payload, parsed (for a form body, the JSON in its `payload` field). Change it with `set`: the body is made from it once. */
  payload: PayloadOf<N>;
  /** X-Hub-Signature-256 (`sha256=…`), when a secret was given. */
  signature: string | undefined;
  /** What an edit did beyond a plain change, and which action a bare event got. */
  notes: string[];
}

/** A catalog entry, as `hookctl send --list --json` lists it. */
export type SampleInfo = Omit<CoreSampleInfo, 'name'> & { name: SampleName };

function assignments(set: SampleOptions['set']): string[] | undefined {
  if (set === undefined) return undefined;
  if (Array.isArray(set)) return [...(set as readonly string[])];
  return Object.entries(set).map(([path, value]) => {
    const json = JSON.stringify(value);
    if (json === undefined) throw new UsageError(`set: the value of ${path} is not JSON (${typeof value})`, [], 'set');
    return `${path}=${json}`;
  });
}

function payloadBytes(payload: SampleOptions['payload']): Uint8Array | undefined {
  if (payload === undefined) return undefined;
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (payload instanceof Uint8Array) return payload;
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

/**
 * A sample delivery by name, with the CLI's overrides, signed when a secret is given.
 *
 * ```ts
 * const d = sample('pull_request.opened', { secret: 'test-secret', set: { 'pull_request.title': 'Fix' } });
 * d.payload.pull_request.number; // typed
 * ```
 * An unknown name, a bad path or an invalid option throws a UsageError (with suggestions).
 */
export function sample<N extends SampleName>(name: N, options: SampleOptions = {}): Delivery<N> {
  try {
    const built = buildSample({
      name,
      payload: payloadBytes(options.payload),
      payloadSource: 'options.payload',
      set: assignments(options.set),
      repo: options.repo,
      sender: options.sender,
      appId: options.appId,
      installationId: options.installationId,
      contentType: options.contentType,
      secret: options.secret,
      deliveryId: options.deliveryId,
      hookId: options.hookId,
    });
    return {
      id: built.headers['X-GitHub-Delivery'],
      event: built.event as EventOf<N>,
      action: built.action,
      sample: built.name,
      method: built.method,
      contentType: built.contentType,
      headers: built.headers,
      body: built.body,
      payload: built.payload as unknown as PayloadOf<N>,
      signature: built.headers['X-Hub-Signature-256'],
      notes: built.notes,
    };
  } catch (err) {
    throw withDetails(err);
  }
}

/** Every sample in the catalog (262), by name. */
export function samples(): SampleInfo[] {
  return listSamples() as SampleInfo[];
}
