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
import { entryName, loadIndex, loadPayloadBytes, resolve } from './catalog.js';
import { applyEdits, hasEdits, installationTarget } from './edits.js';
import { appOnly, checkEventName } from './events.js';
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
  /**
   * The installation the delivery is for: payload.installation.id (added when the payload has
   * none). With only `appId`, a payload without an installation gets the default 2311213.
   */
  installationId?: string | number;
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
  /** How the body is encoded: JSON, or a form with the JSON in its `payload` field. */
  contentType: BodyKind;
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
const DEFAULT_INSTALLATION_ID = 2311213;

/** An installation object as GitHub puts in a payload: the id and its (legacy) global node id. */
function installation(id: number): { id: number; node_id: string } {
  return { id, node_id: Buffer.from(`023:IntegrationInstallation${id}`).toString('base64') };
}

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
  if (request.installationId !== undefined && !/^\d+$/.test(String(request.installationId))) {
    throw new UsageError(`the installation id must be a number, got "${request.installationId}"`, [], 'installationId');
  }
}

/**
 * The installation an App's delivery carries: `installationId` replaces the payload's (or is
 * added); `appId` alone adds the default one when the payload has none. True when it edited.
 */
function applyInstallation(payload: JsonObject, request: SampleRequest, notes: string[]): boolean {
  const current = payload.installation;
  const has = typeof current === 'object' && current !== null && !Array.isArray(current);
  if (request.installationId !== undefined) {
    const id = Number(request.installationId);
    if (has) Object.assign(current, installation(id));
    else {
      payload.installation = installation(id);
      notes.push(`added an installation (id ${id}) to the payload`);
    }
    return true;
  }
  if (request.appId === undefined || has) return false;
  payload.installation = installation(DEFAULT_INSTALLATION_ID);
  notes.push(`--app-id: added an installation (id ${DEFAULT_INSTALLATION_ID}) to the payload, as an App's deliveries carry one`);
  return true;
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
  // --repo and --sender, then the installation, then --set (which has the last word).
  const identity = { repo: request.repo, sender: request.sender };
  const assignments = { set: request.set };
  // Edits walk and re-serialize the payload: refused past a depth (sent unedited, any depth goes).
  const editing = hasEdits(identity) || hasEdits(assignments) || request.appId !== undefined || request.installationId !== undefined;
  const deep = editing ? tooDeepToEdit(json) : null;
  if (deep) throw new UsageError(`${request.payloadSource ?? 'the payload'} cannot be edited: ${deep}`, ['Without --set, --repo, --sender or --app-id it is sent as it is, byte for byte.'], 'payload');
  let edited = false;
  const edit = (edits: { repo?: string; sender?: string; set?: string[] }) => {
    if (!hasEdits(edits)) return;
    notes.push(...applyEdits(payload, edits).notes.map((note) => `--set: ${note}`));
    edited = true;
  };
  edit(identity);
  if (applyInstallation(payload, request, notes)) edited = true;
  edit(assignments);
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
  return { event, action: typeof payload.action === 'string' ? payload.action : null, name, method: 'POST', contentType, headers, body, payload, json, notes };
}

/** One catalog entry as `hookctl send --list --json` and the library's samples() show it. */
export interface SampleInfo {
  /** What to pass to send / sample(): `pull_request.opened`, `push`, `pull_request.closed:merged`. */
  name: string;
  event: string;
  action: string | null;
  description: string;
  /** captured: from a real delivery; synthesized: built from GitHub's schema. */
  source: 'captured' | 'synthesized';
  /** Sent when only the event is given. */
  default: boolean;
  /** Only a GitHub App's webhook receives it. */
  appOnly: boolean;
}

/** Every sample in the catalog, by name. */
export function listSamples(): SampleInfo[] {
  const index = loadIndex();
  return [...index.entries]
    .sort((a, b) => entryName(a).localeCompare(entryName(b)))
    .map((e) => ({
      name: entryName(e),
      event: e.event,
      action: e.action,
      description: e.description,
      source: e.source,
      default: e.action !== null && !e.variant && index.defaultActions[e.event] === e.action,
      appOnly: appOnly(e.event),
    }));
}
