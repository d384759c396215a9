// One row of the delivery list: fixed height, two lines, everything at a glance.
import { h } from './dom.js';
import { bytes, duration, forwardState, isOk, relativeTime } from './format.js';
import { badge, statusPill, verdictBadge } from './ui.js';

function forwardCell(record) {
  const forward = record.forward;
  if (!forward) return h('span', { class: 'fwd', text: '' });
  if (forward.error || !isOk(forward.status)) {
    const state = forward.status === null ? forwardState(forward) : null;
    return h('span', { class: ['fwd', state?.kind ?? 'err'], title: `forward to ${forward.url}: ${forward.error ?? forward.status}` }, `→ ${forward.status ?? state.label}`);
  }
  return h('span', { class: 'fwd ok', title: `forwarded to ${forward.url}` }, `→ ${forward.status} · ${duration(forward.durationMs)}`);
}

export function renderRow(record, now = Date.now()) {
  const eventLine = h('div', { class: 'line' },
    h('span', { class: 'ev' }, record.event ?? '(no event)', record.action ? h('span', { class: 'act', text: `.${record.action}` }) : null),
    record.attempt > 1 ? badge(`↻ ${record.attempt}`, 'info', `redelivery: attempt ${record.attempt} of this X-GitHub-Delivery`) : null,
    record.replayCount ? badge(`⟳ ${record.replayCount}`, 'accent', `${record.replayCount} replay${record.replayCount > 1 ? 's' : ''}`) : null,
    record.schema?.status === 'invalid' ? badge('drift', 'warn', 'the payload drifted from GitHub’s schema') : null);
  // The id the terminal prints (`hookctl replay a6ca934`).
  const who = h('div', { class: 'sub' },
    h('span', { class: 'rid', text: record.id, title: `hookctl replay ${record.id}` }), h('span', { class: 'sep', text: '·' }),
    record.repository ?? '—', h('span', { class: 'sep', text: '·' }), record.sender ?? '—');
  return h('div', { class: 'row', id: `row-${record.id}`, dataset: { id: record.id }, attrs: { role: 'option' } },
    statusPill(record.status, record.rejectReason ?? `listen answered ${record.status}`),
    h('div', { class: 'row-main' }, eventLine, who),
    h('div', { class: 'row-side' },
      h('div', { class: 'line' }, verdictBadge(record.signature), h('time', { class: 'rel', dataset: { ts: record.receivedAt }, title: new Date(record.receivedAt).toLocaleString(), text: relativeTime(record.receivedAt, now) })),
      h('div', { class: 'line' }, forwardCell(record), h('span', { class: 'size', text: bytes(record.bytes) }))));
}
