// How values read at a glance: times, sizes, durations, statuses, verdicts and forward states.

export function relativeTime(iso, now = Date.now()) {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ago`;
  const days = Math.floor(hours / 24);
  if (days < 30) return `${days}d ago`;
  return new Date(iso).toLocaleDateString();
}

export function absoluteTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** CSS class of a status code: s2 … s5, s0 for none. */
export function statusClass(status) {
  return status ? `s${String(status)[0]}` : 's0';
}

export function isOk(status) {
  return typeof status === 'number' && status >= 200 && status < 300;
}

// The words for verdicts and forward states come from hookctl's one table (core/store/vocabulary.ts),
// served by /api/info: main.js hands it over before anything is drawn.
let vocabulary = { signature: {}, forward: {}, notForwardedPrefix: null };

export function useVocabulary(served) {
  vocabulary = served;
}

/** CSS class of a tone: ok, err, warn, or none for a quiet word. */
const toneClass = (tone) => (tone === 'quiet' ? '' : tone);

const worded = (w, value) => (w ? { ...w, kind: toneClass(w.tone) } : { label: String(value), glyph: '?', tone: 'quiet', kind: '', words: '' });

/** A signature verdict's label, glyph, CSS class (kind) and sentence; an unknown value reads as itself. */
export function verdict(value) {
  return worded(vocabulary.signature[value], value);
}

/** Every verdict, in the table's order: [value, wording]. */
export function verdicts() {
  return Object.keys(vocabulary.signature).map((value) => [value, verdict(value)]);
}

/** A forward's state when it has no status: "not forwarded" (never attempted) or "failed". */
export function forwardState(forward) {
  const never = vocabulary.notForwardedPrefix !== null && (forward.error?.startsWith(vocabulary.notForwardedPrefix) ?? false);
  const state = never ? 'notForwarded' : 'failed';
  return worded(vocabulary.forward[state], state);
}

export function eventName(record) {
  return record.action ? `${record.event ?? '(no event)'}.${record.action}` : (record.event ?? '(no event)');
}
