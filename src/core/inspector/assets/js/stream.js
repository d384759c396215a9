// Live events from GET /api/stream (Server-Sent Events), opened with the list's filters: the
// server sends only the deliveries they match. A change of filters opens a new stream.
// EventSource reconnects by itself; after any (re)connect the page asks for what it may have
// missed meanwhile.
import { apiParams } from './filters.js';

const TYPES = ['delivery', 'updated', 'attempt', 'removed', 'reset'];

/** → { setFilters(filters), close() }; onOpen(first) runs each time a stream opens. */
export function connectStream(filters, { onEvent, onState, onOpen }) {
  let source = null;
  let opened = false;
  const open = (current) => {
    source?.close();
    const params = apiParams(current).toString();
    const next = new EventSource(`/api/stream${params ? `?${params}` : ''}`);
    source = next;
    next.addEventListener('open', () => {
      if (source !== next) return;
      onState(true);
      onOpen(!opened);
      opened = true;
    });
    next.addEventListener('error', () => { if (source === next) onState(false); });
    for (const type of TYPES) {
      next.addEventListener(type, (message) => {
        if (source !== next) return;
        try {
          onEvent(JSON.parse(message.data));
        } catch {
          // A malformed frame is ignored; the next one still counts.
        }
      });
    }
  };
  open(filters);
  return {
    setFilters: (current) => open(current),
    close: () => source?.close(),
  };
}
