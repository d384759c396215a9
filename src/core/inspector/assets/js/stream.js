// Live events from GET /api/stream (Server-Sent Events). EventSource reconnects by itself;
// after a reconnect the page asks for what it may have missed.
export function connectStream({ onEvent, onState, onReconnect }) {
  let everOpen = false;
  const source = new EventSource('/api/stream');
  source.addEventListener('open', () => {
    onState(true);
    if (everOpen) onReconnect();
    everOpen = true;
  });
  source.addEventListener('error', () => onState(false));
  for (const type of ['delivery', 'updated', 'attempt', 'removed']) {
    source.addEventListener(type, (message) => {
      try {
        onEvent(JSON.parse(message.data));
      } catch {
        // A malformed frame is ignored; the next one still counts.
      }
    });
  }
  return () => source.close();
}
