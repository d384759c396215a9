// The delivery's timeline: received, then every forward and replay attempt, oldest first.
import { h } from './dom.js';
import { rawUrl } from './api.js';
import { absoluteTime, bytes, duration, isOk, relativeTime } from './format.js';
import { badge, statusPill } from './ui.js';

function received(detail) {
  const ok = isOk(detail.status);
  return h('li', { class: 'tl-item' },
    h('span', { class: ['tl-dot', ok ? 'ok' : 'err'], text: '↓' }),
    h('div', { class: 'tl-body' },
      h('div', { class: 'tl-head' }, h('strong', { text: 'Received' }), statusPill(detail.status), h('span', { class: 'url', text: detail.url ?? detail.path })),
      h('div', { class: 'tl-meta' },
        h('span', { title: absoluteTime(detail.receivedAt) }, h('time', { class: 'rel', dataset: { ts: detail.receivedAt }, text: relativeTime(detail.receivedAt) })),
        detail.remoteAddress ? h('span', { text: `from ${detail.remoteAddress}` }) : null,
        h('span', { text: bytes(detail.bodyBytes ?? detail.bytes) })),
      detail.rejectReason ? h('div', { class: 'tl-error', text: detail.rejectReason }) : null));
}

export function renderAttempt(detail, attempt, fresh = false) {
  const ok = !attempt.error && isOk(attempt.status);
  const kind = attempt.kind === 'forward' ? 'Forward' : attempt.edited ? 'Edited replay' : 'Replay';
  return h('li', { class: ['tl-item', fresh && 'fresh'], dataset: { attempt: attempt.n } },
    h('span', { class: ['tl-dot', ok ? 'ok' : 'err'], text: attempt.kind === 'forward' ? '→' : '↻' }),
    h('div', { class: 'tl-body' },
      h('div', { class: 'tl-head' },
        h('strong', { text: kind }), statusPill(attempt.status, attempt.error ?? undefined),
        h('span', { class: 'url', text: attempt.url, title: attempt.url }),
        attempt.edited ? badge('edited', 'warn', 'the body sent was an edit: its own bytes') : null,
        attempt.resigned ? badge('re-signed', 'ok', 'signed anew with the listener’s secret') : null,
        attempt.deliveryId ? badge('new id', 'info', `X-GitHub-Delivery: ${attempt.deliveryId}`) : null),
      h('div', { class: 'tl-meta' },
        h('span', { title: absoluteTime(attempt.at) }, h('time', { class: 'rel', dataset: { ts: attempt.at }, text: relativeTime(attempt.at) })),
        h('span', { text: duration(attempt.durationMs) }),
        h('span', { text: bytes(attempt.bytes) }),
        attempt.deliveryId ? h('span', { class: 'mono', text: attempt.deliveryId }) : null,
        attempt.edited ? h('a', { href: rawUrl(detail.id, attempt.n), download: `${detail.id}-attempt-${attempt.n}.json`, text: 'sent body ↓' }) : null),
      attempt.error ? h('div', { class: 'tl-error', text: attempt.error }) : null,
      attempt.response ? h('pre', { class: 'tl-response', text: attempt.response }) : null));
}

export function renderTimeline(detail) {
  const list = h('ol', { class: 'timeline' }, received(detail), detail.attempts.map((attempt) => renderAttempt(detail, attempt)));
  if (detail.attempts.length === 0) {
    list.append(h('li', { class: 'tl-item' }, h('span', { class: 'tl-dot', text: '·' }),
      h('div', { class: 'tl-body hint' }, 'Not forwarded or replayed yet. Press ', h('kbd', { text: 'r' }), ' to replay it.')));
  }
  return list;
}
