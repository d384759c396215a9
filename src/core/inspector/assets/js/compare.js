// Two deliveries side by side: what changed in the payload and the headers, at JSON paths.
import { h } from './dom.js';
import { countKinds, diffJson, headerObject } from './diff.js';
import { absoluteTime, eventName, relativeTime } from './format.js';
import { pathString } from './paths.js';
import { badge, copyText, statusPill, verdictBadge } from './ui.js';

const MAX_VALUE = 400;

function show(value) {
  if (value === undefined) return '';
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

function parse(detail) {
  try {
    return detail.payloadText === null ? null : JSON.parse(detail.payloadText);
  } catch {
    return detail.payloadText;
  }
}

function side(label, detail, open) {
  return h('div', { class: 'card compare-side' },
    h('div', { class: 'who', text: label }),
    h('div', { class: 'line' }, h('button', { class: 'linkish mono', text: `#${detail.id}`, onclick: () => open(detail.id) }), h('strong', { text: eventName(detail) }), statusPill(detail.status), verdictBadge(detail.signature)),
    h('div', { class: 'hint', text: `${absoluteTime(detail.receivedAt)} · ${relativeTime(detail.receivedAt)}${detail.attempt > 1 ? ` · redelivery ${detail.attempt}` : ''}` }));
}

function changeList(changes, emptyText, name = (path) => pathString(path)) {
  if (changes.length === 0) return h('div', { class: 'card hint', style: { padding: '12px 14px' }, text: emptyText });
  const kinds = { added: ['added', 'ok'], removed: ['removed', 'err'], changed: ['changed', 'warn'] };
  return h('ul', { class: 'diff-list card' }, changes.map((change) => {
    const path = name(change.path) || '(root)';
    return h('li', { class: 'diff-item', dataset: { kind: change.kind, path } },
      badge(...kinds[change.kind]),
      h('span', { class: 'diff-path', text: path, title: 'Click to copy the path', onclick: () => copyText(path) }),
      h('div', { class: 'diff-values' },
        change.kind !== 'added' ? h('span', { class: 'before', text: `− ${show(change.before)}` }) : null,
        change.kind !== 'removed' ? h('span', { class: 'after', text: `+ ${show(change.after)}` }) : null));
  }));
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The compare view of two details (older first as "A"). open(id) opens one of them. */
export function renderCompare(a, b, { open, close }) {
  const [left, right] = a.receivedAt <= b.receivedAt ? [a, b] : [b, a];
  const payloadChanges = diffJson(parse(left), parse(right));
  const ignored = new Set(['content-length', 'x-hub-signature', 'x-hub-signature-256']);
  const headerChanges = diffJson(headerObject(left.headers), headerObject(right.headers)).filter((c) => !ignored.has(String(c.path[0]).toLowerCase()));
  // Counted over every change listed below, payload and headers alike.
  const counts = countKinds([...payloadChanges, ...headerChanges]);
  return h('article', { class: 'detail compare', dataset: { compare: `${left.id},${right.id}` } },
    h('div', { class: 'detail-head' }, h('div', { class: 'detail-title' }, h('h1', { text: 'Compare deliveries' })),
      h('button', { class: 'btn', type: 'button', onclick: close }, 'Close', h('kbd', { text: 'Esc' }))),
    h('div', { class: 'compare-head' }, side('A · older', left, open), h('span', { class: 'hint', text: '⇄' }), side('B · newer', right, open)),
    h('div', { class: 'diff-summary' },
      payloadChanges.length === 0 ? badge('identical payloads', 'ok') : null,
      counts.added ? badge(`+${counts.added} added`, 'ok') : null,
      counts.removed ? badge(`−${counts.removed} removed`, 'err') : null,
      counts.changed ? badge(`~${counts.changed} changed`, 'warn') : null,
      left.bodySha256 === right.bodySha256 ? badge('same bytes (sha256)', 'info') : null),
    h('h3', { class: 'section', text: `Payload · ${plural(payloadChanges.length, 'change')}` }),
    changeList(payloadChanges, 'The two payloads are the same JSON.'),
    h('h3', { class: 'section', text: `Headers (lengths and signatures left out) · ${plural(headerChanges.length, 'change')}` }),
    changeList(headerChanges, 'The same headers.', (path) => String(path[0])));
}
