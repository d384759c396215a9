/**
 * `hookctl deliveries pull OWNER/REPO [--hook-id N] [--since WHEN] [--limit N]`: import a
 * hook's recent deliveries from GitHub's delivery log into the local store, skipping the
 * ones already stored. GitHub's API returns payloads parsed, so bodies are re-serialized
 * (see rebuildDelivery) and re-signed when a secret is known.
 */
import type { AppContext } from '../context.js';
import { getDelivery, listDeliveries, rebuildDelivery, type DeliveryDetail, type RebuiltDelivery } from '../core/github/delivery-log.js';
import { describeWebhook } from '../core/github/targets.js';
import type { Store } from '../core/store/store.js';
import { contentTypeOf } from '../core/webhook/headers.js';
import { eventName, formatStatus } from '../ui/format.js';
import { printJson, toRecord, type DeliveryRecord } from '../ui/records.js';
import { safe } from '../ui/sanitize.js';
import { logTarget } from './shared/app.js';
import { sinceOption } from './shared/input.js';
import { openStoreFor } from './shared/store.js';
import type { PullOptions } from './deliveries-pull.command.js';

type ImportedDelivery = Parameters<Store['insertImported']>[0];

export async function run(ctx: AppContext, options: PullOptions, repo?: string): Promise<number> {
  const { io } = ctx;
  const since = sinceOption(ctx, options.since);
  const secret = ctx.secrets(options.secret)[0];
  const { client, target, hookId } = await logTarget(ctx, options, repo, 'OWNER/REPO');
  const store = openStoreFor(ctx, options.store, { mustExist: false });
  const imported: DeliveryRecord[] = [];
  const skipped: string[] = [];
  const signatures = { reproduced: 0, resigned: 0, dropped: 0 };
  const c = io.color;
  try {
    for await (const summary of listDeliveries(client, target, hookId, { since, limit: options.limit })) {
      // GitHub lists newest first; a GUID already stored (received by listen or pulled
      // before, including its redeliveries) is skipped.
      if (store.hasDeliveryGuid(summary.guid)) {
        skipped.push(summary.guid);
        continue;
      }
      const detail = await getDelivery(client, target, hookId, summary.id);
      const rebuilt = rebuildDelivery(detail, secret);
      signatures[rebuilt.signature] += 1;
      const stored = store.insertImported(importedDelivery(detail, rebuilt, hookId));
      imported.push(toRecord(stored));
      if (!options.json) {
        io.out(
          `${c.green('+')} ${stored.id} ${c.bold(safe(eventName(detail.event, detail.action)))} ${safe(detail.guid)} ${safe(detail.delivered_at)} → ${formatStatus(c, detail.status_code)} ${c.dim(safe(detail.status))}`,
        );
      }
    }
  } finally {
    store.close();
  }
  if (options.json) printJson(io, { hookId, imported, skipped });
  io.err(`Imported ${imported.length} deliver${imported.length === 1 ? 'y' : 'ies'} from ${describeWebhook(target, hookId)}; skipped ${skipped.length} already stored.`);
  if (imported.length > 0) io.err(io.errColor.dim(signatureNote(signatures)));
  return 0;
}

/** A delivery from GitHub's log as the store keeps it: the rebuilt request, GitHub's answer and attempt, and the signature verdict the rebuilding allows. */
function importedDelivery(detail: DeliveryDetail, rebuilt: RebuiltDelivery, hookId: number): ImportedDelivery {
  let path = '/';
  try {
    if (detail.url) path = new URL(detail.url).pathname + new URL(detail.url).search;
  } catch {
    /* keep / */
  }
  return {
    deliveryId: detail.guid,
    event: detail.event,
    action: detail.action,
    rawHeaders: rebuilt.rawHeaders,
    body: rebuilt.body,
    receivedAt: new Date(detail.delivered_at),
    path,
    url: detail.url ?? null,
    status: detail.status_code,
    repository: rebuilt.repository,
    sender: rebuilt.sender,
    contentType: contentTypeOf(rebuilt.contentType),
    hookId: hookId || null,
    signature: rebuilt.signature === 'dropped' ? 'unchecked' : 'valid',
    signatureReason:
      rebuilt.signature === 'dropped' ? "imported from GitHub's delivery log: body re-serialized, original signature dropped (pass --secret to re-sign)" : null,
    signatureAlgorithm: rebuilt.signature === 'dropped' ? null : 'sha256',
    github: {
      id: detail.id,
      status: detail.status,
      statusCode: detail.status_code,
      redelivery: detail.redelivery,
      durationMs: typeof detail.duration === 'number' ? Math.round(detail.duration * 1000) : null,
      hookId: hookId || null,
    },
  };
}

/** What happened to the signatures of what was imported: kept, re-signed, or dropped. */
function signatureNote(signatures: Record<RebuiltDelivery['signature'], number>): string {
  return (
    "GitHub's API returns payloads parsed, so each body was re-serialized and may differ from the bytes GitHub signed: " +
    (signatures.dropped > 0
      ? 'original signatures were dropped (pass --secret or set HOOKCTL_SECRET to re-sign).'
      : [
          signatures.resigned > 0 ? `${signatures.resigned} re-signed with your secret` : '',
          signatures.reproduced > 0 ? `${signatures.reproduced} kept GitHub's signature (the bytes matched)` : '',
        ]
          .filter(Boolean)
          .join(', ') + '.')
  );
}
