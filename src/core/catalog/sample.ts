/**
 * A sample delivery, exactly as GitHub would send it: the catalog's payload (or the caller's
 * own bytes) with the edits applied, its body (JSON or form), and GitHub's headers, signed when
 * a secret is given. The one sampler: `hookctl send`, the inspector's "Send a sample" and the
 * library all build their deliveries here. Never sends, never prints: what a person should
 * be told comes back in `notes`.
 */
import { randomUUID } from 'node:crypto';
import { UsageError } from '../../errors.js';
import { formBody, githubHeaders } from '../webhook/headers.js';
import { describeJsonError, tooDeepToEdit } from '../webhook/payload.js';
import type { BodyKind } from '../webhook/types.js';
import { entryName, loadPayloadBytes, resolve } from './catalog.js';
import { applyEdits, hasEdits, installationTarget } from './edits.js';
import { checkEventName } from './events.js';
import type { JsonObject } from './json.js';

export interface SampleRequest {
  /** `pull_request.opened`, `pull_request` (its default action), `pull_request.closed:merged`; with `payload`, the event. */
  name: string;
  /** The caller's own payload bytes instead of the catalog's, sent as they are unless edited. */
  payload?: Uint8Array;
  /** What `payload` is called in messages ("delivery.json", "stdin"). */
  payloadSource?: string;
  /** PATH=VALUE assignments (`pull_request.title="Fix"`), applied last. */
  set?: string[];
  /** OWNER/REPO: the repository, its owner and their URLs everywhere. */
  repo?: string;
  /** A login: the sender and every object that is the same account. */
  sender?: string;
  /** As a GitHub App's webhook receives it: target type integration, target id this App ID, an installation in the payload. */
  appId?: string | number;
  /** The installation id added for an App delivery when the payload has none (default 2311213). */
  installationId?: number;
  contentType?: BodyKind;
  /** Signs both X-Hub-Signature headers when given. */
  secret?: string;
  /** X-GitHub-Delivery (default: a random GUID). */
  deliveryId?: string;
  /** X-GitHub-Hook-ID. */
  hookId?: string | number;
}

export interface Sample {
  event: string;
  action: string | null;
  /** The catalog entry's name (`pull_request.closed:merged`), or the event for the caller's own payload. */
  name: string;
  method: 'POST';
  /** GitHub's headers, in GitHub's order. */
  headers: Record<string, string>;
  /** The exact bytes to send. */
  body: Buffer;
  /** The payload as an object (for a form body, the JSON inside `payload=`). */
  payload: JsonObject;
  /** The payload's JSON bytes (the body itself unless it is a form). */
  json: Buffer;
  /** What a person should know: the action chosen for a bare event, what an edit added. */
  notes: string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_INSTALLATION = { id: 2311213, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMjMxMTIxMw==' };

/** The catalog entry (or the caller's event) and the payload's bytes, before edits. */
function source(request: SampleRequest, notes: string[]): { event: string; name: string; json: Buffer } {
  if (request.payload) {
    // The event of a name (`pull_request`, `pull_request.opened`, `pull_request.closed:merged`).
    const { event } = checkEventName(request.name.split(':')[0], { flag: 'event' });
    return { event, name: event, json: Buffer.from(request.payload) };
  }
  const found = resolve(request.name);
  if (!found.ok) {
    const what = found.reason === 'unknown-action' ? `unknown action in "${request.name}"` : `unknown event "${request.name}"`;
    throw new UsageError(what, [`Did you mean: ${found.suggestions.slice(0, 3).join(', ')}?`, 'See every event with `hookctl send --list`.'], 'event');
  }
  const { entry, defaulted } = found;
  if (defaulted && entry.action) notes.push(`${entry.event} has actions; sending ${entryName(entry)} (pass ${entry.event}.<action> for another)`);
  return { event: entry.event, name: entryName(entry), json: loadPayloadBytes(entry) };
}

function checkRequest(request: SampleRequest): void {
  if (request.deliveryId !== undefined && !GUID.test(request.deliveryId)) {
    throw new UsageError(`--delivery-id must be a GUID like ${randomUUID()}, got "${request.deliveryId}"`, [], 'deliveryId');
  }
  if (request.hookId !== undefined && !/^\d+$/.test(String(request.hookId))) throw new UsageError(`--hook-id must be a number, got "${request.hookId}"`, [], 'hookId');
  if (request.appId !== undefined && !/^\d+$/.test(String(request.appId))) throw new UsageError(`--app-id must be a number, got "${request.appId}"`, [], 'appId');
}

/** Build one sample delivery; invalid input (an unknown name, a bad --set path, a payload that is not a JSON object) throws a UsageError. */
export function buildSample(request: SampleRequest): Sample {
  checkRequest(request);
  const notes: string[] = [];
  const { event, name, json: original } = source(request, notes);
  let json = original;
  // Parsed always: repository.id goes in the headers, and a bad payload is invalid input.
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch (err) {
    throw new UsageError(`${request.payloadSource ?? 'payload'} is not JSON: ${describeJsonError(json) ?? (err as Error).message}`, [], 'payload');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('a webhook payload must be a JSON object', [], 'payload');
  const payload = parsed as JsonObject;
  const edits = { repo: request.repo, sender: request.sender, set: request.set };
  // Edits walk and re-serialize the payload: refused past a depth (sent unedited, any depth goes).
  const deep = hasEdits(edits) || request.appId !== undefined ? tooDeepToEdit(json) : null;
  if (deep) throw new UsageError(`${request.payloadSource ?? 'the payload'} cannot be edited: ${deep}`, ['Without --set, --repo, --sender or --app-id it is sent as it is, byte for byte.'], 'payload');
  let edited = false;
  if (hasEdits(edits)) {
    try {
      notes.push(...applyEdits(payload, edits).notes.map((note) => `--set: ${note}`));
    } catch (err) {
      throw new UsageError((err as Error).message, [], 'set');
    }
    edited = true;
  }
  if (request.appId !== undefined && !(payload.installation && typeof payload.installation === 'object')) {
    const id = request.installationId ?? DEFAULT_INSTALLATION.id;
    payload.installation = id === DEFAULT_INSTALLATION.id ? { ...DEFAULT_INSTALLATION } : { id };
    notes.push(`--app-id: added an installation (id ${id}) to the payload, as an App's deliveries carry one`);
    edited = true;
  }
  // Edited: GitHub's compact form. Unedited: the exact bytes, never re-serialized.
  if (edited) json = Buffer.from(JSON.stringify(payload), 'utf8');
  const contentType = request.contentType ?? 'json';
  const body = contentType === 'form' ? formBody(json.toString('utf8')) : json;
  // An App's webhook: target type integration, target id the App ID.
  const target = request.appId !== undefined ? { type: 'integration', id: request.appId } : installationTarget(payload);
  const headers = githubHeaders({
    event,
    body,
    contentType,
    deliveryId: request.deliveryId,
    hookId: request.hookId,
    targetType: target?.type,
    targetId: target?.id,
    secret: request.secret,
  });
  return { event, action: typeof payload.action === 'string' ? payload.action : null, name, method: 'POST', headers, body, payload, json, notes };
}
