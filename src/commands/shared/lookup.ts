/** Finding one stored delivery by local id, GUID or a unique prefix, with usage errors that help. */
import { UsageError } from '../../errors.js';
import type { StoreReader } from '../../core/store/queries.js';
import type { StoredDelivery } from '../../core/store/types.js';
import { eventName } from '../../ui/format.js';
import { safe } from '../../ui/sanitize.js';

/** The delivery `ref` names; ambiguous → exit 2 listing candidates, unknown → exit 2 with a hint. */
export function resolveDelivery(store: StoreReader, ref: string): StoredDelivery {
  const found = store.resolve(ref);
  if (found.kind === 'found') return found.delivery;
  if (found.kind === 'ambiguous') {
    const shown = found.candidates.slice(0, 20);
    throw new UsageError(`"${ref}" matches ${found.candidates.length > 50 ? 'more than 50' : found.candidates.length} deliveries; give more characters`, [
      ...shown.map((d) => `  ${d.id}  ${safe(d.deliveryId ?? '(no GUID)')}  ${d.event ? safe(eventName(d.event, d.action)) : '(no event)'}  ${d.receivedAt}`),
      ...(found.candidates.length > shown.length ? [`  … and ${found.candidates.length - shown.length} more`] : []),
    ]);
  }
  throw new UsageError(`no delivery in ${store.file} matches "${ref}"`, ['See what is stored with: hookctl deliveries list']);
}
