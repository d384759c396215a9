// One delivery in full: summary, signature and drift in words, redeliveries, and tabs for the
// payload tree, headers, raw bytes and the timeline of forwards and replays.
import { h, kbd } from './dom.js';
import { KEYS } from './keys.js';
import { exportUrl, rawUrl } from './api.js';
import { absoluteTime, bytes, eventName, forwardState, relativeTime, verdict } from './format.js';
import { pointerToPath } from './paths.js';
import { renderTree } from './tree.js';
import { renderAttempt, renderTimeline } from './timeline.js';
import { badge, copyText, statusPill, verdictBadge } from './ui.js';

const TABS = [['payload', 'Payload'], ['headers', 'Headers'], ['raw', 'Raw'], ['timeline', 'Timeline']];

function parsePayload(detail) {
  if (detail.payloadText === null) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(detail.payloadText) };
  } catch {
    return { ok: false };
  }
}

function field(label, ...value) {
  return h('div', {}, h('dt', { text: label }), h('dd', {}, ...value));
}

/** A button that copies a long value shown in full beside it (nothing when there is none). */
function copyButton(value, what) {
  if (!value) return null;
  return h('button', { class: 'copy', type: 'button', title: `Copy ${what}`, attrs: { 'aria-label': `Copy ${what}` }, text: 'copy', onclick: () => copyText(value, what) });
}

/**
 * The detail pane: one delivery, a comparison or the welcome. It owns what it shows; others
 * ask (shownId, shown(id)) and tell (show, clear, showCompare…), never reach in.
 * actions: replay(id), replayTo(id), edit(id), compareWith(id), compare(a, b), remove(id), filter(name, value), open(id).
 */
export class DetailView {
  constructor(pane, actions, info) {
    this.pane = pane;
    this.actions = actions;
    this.info = info;
    this.tab = 'payload';
    this.detail = null;
  }

  /** The id of the delivery shown, or null (welcome, a comparison). */
  get shownId() {
    return this.detail?.id ?? null;
  }

  /** The detail of `id` when it is the one shown, else null. */
  shown(id) {
    return this.detail?.id === id ? this.detail : null;
  }

  /** No delivery shown: the welcome, with the first keys. */
  showWelcome() {
    this.detail = null;
    this.pane.replaceChildren(h('div', { class: 'empty' },
      h('h2', { text: 'Pick a delivery' }),
      h('p', { text: 'Every request hookctl received, exactly as it arrived: headers, payload, signature verdict, schema drift and every forward and replay.' }),
      h('div', { class: 'keys-hint' }, KEYS.slice(0, 8).flatMap(([key, what]) => [h('span', {}, kbd(key.split(' ')[0])), h('span', { text: what })]))));
  }

  /** A comparison (compare.js's element) in place of a delivery. */
  showCompare(element) {
    this.detail = null;
    this.pane.replaceChildren(element);
    this.pane.scrollTop = 0;
  }

  /** Show `detail`; `fromTop` when it was just opened (a redraw keeps the reader's place). */
  show(detail, { fromTop = false } = {}) {
    this.detail = detail;
    this.payload = parsePayload(detail);
    this.pane.replaceChildren(h('article', { class: 'detail', dataset: { id: detail.id } },
      this.head(detail), this.actionBar(detail), ...this.notices(detail), this.siblings(detail), this.summary(detail),
      this.tabBar(detail), (this.body = h('div', { class: 'tab-body' }))));
    this.showTab(this.tab);
    if (fromTop) this.pane.scrollTop = 0;
  }

  head(detail) {
    return h('div', { class: 'detail-head' }, h('div', { class: 'detail-title' },
      h('h1', {}, h('span', {}, detail.event ?? '(no event)', detail.action ? h('span', { class: 'act', text: `.${detail.action}` }) : null),
        statusPill(detail.status), verdictBadge(detail.signature),
        detail.schema?.status === 'invalid' ? badge(`schema drift · ${detail.schema.violations.length}`, 'warn') : null,
        detail.attempt > 1 ? badge(`redelivery ${detail.attempt}`, 'info') : null),
      h('div', { class: 'meta' },
        h('button', { class: 'linkish mono', title: 'Copy the local id', text: `#${detail.id}`, onclick: () => copyText(detail.id) }),
        h('span', { title: absoluteTime(detail.receivedAt) }, h('time', { class: 'rel', dataset: { ts: detail.receivedAt }, text: relativeTime(detail.receivedAt) })),
        h('span', { text: absoluteTime(detail.receivedAt) }), h('span', { text: bytes(detail.bodyBytes) }))),
      this.tools(detail));
  }

  tools(detail) {
    const a = this.actions;
    return h('div', { class: 'head-tools' },
      h('button', { class: 'btn ghost', type: 'button', title: 'Copy a curl command that sends these exact bytes and headers', onclick: () => a.copyCurl(detail.id) }, 'Copy curl'),
      h('a', { class: 'btn ghost', href: exportUrl(detail.id, 'fixture'), download: `${detail.id}.fixture.json`, title: 'Download as a test fixture' }, 'Fixture ↓'),
      h('a', { class: 'btn ghost', href: rawUrl(detail.id), download: `${detail.id}.json`, title: 'The exact bytes received' }, 'Raw ↓'),
      h('button', { class: 'btn ghost danger', type: 'button', title: 'Delete from the store', onclick: () => a.remove(detail.id) }, 'Delete'),
      // Back to the list (on a narrow screen the detail takes the whole width).
      h('button', { class: 'btn ghost close', type: 'button', title: 'Close (Esc)', attrs: { 'aria-label': 'Close this delivery' }, onclick: () => a.close() }, '✕'));
  }

  actionBar(detail) {
    const a = this.actions;
    return h('div', { class: 'actions' },
      h('button', { class: 'btn primary', type: 'button', title: 'Replay to the listener (its own path kept), else to where it was received', onclick: () => a.replay(detail.id) }, '↻ Replay', kbd('r')),
      h('button', { class: 'btn', type: 'button', onclick: () => a.replayTo(detail.id) }, 'Replay to…', kbd('R')),
      h('button', { class: 'btn', type: 'button', disabled: !this.payload.ok, onclick: () => a.edit(detail.id) }, '✎ Edit & replay', kbd('e')),
      h('button', { class: 'btn', type: 'button', title: 'Compare with another delivery', onclick: () => a.compareWith(detail.id) }, '⇄ Compare with…', kbd('c')));
  }

  notices(detail) {
    const notices = [];
    if (detail.signature !== 'valid' && detail.signature !== 'unchecked') {
      notices.push(h('div', { class: 'notice err', dataset: { notice: 'signature' } }, h('span', { class: 'icon', text: verdict(detail.signature).glyph }), h('div', {},
        h('strong', { text: `Signature ${verdict(detail.signature).label}` }),
        detail.signatureReason ?? verdict(detail.signature).words,
        detail.rejectReason ? h('div', { class: 'hint', text: `listen answered ${detail.status}: ${detail.rejectReason}` }) : null)));
    } else if (detail.rejectReason) {
      notices.push(h('div', { class: 'notice err' }, h('span', { class: 'icon', text: '✕' }), h('div', {}, h('strong', { text: `Rejected with ${detail.status}` }), detail.rejectReason)));
    }
    if (detail.schema?.status === 'invalid') {
      notices.push(h('div', { class: 'notice warn', dataset: { notice: 'drift' } }, h('span', { class: 'icon', text: '⚠' }), h('div', {},
        h('strong', { text: 'The payload drifted from GitHub’s schema' }),
        h('ul', {}, detail.schema.violations.map((v) => h('li', {},
          h('button', { class: 'linkish mono', text: pointerToPath(v.path), title: 'Copy the path', onclick: () => copyText(pointerToPath(v.path)) }), ` ${v.message}`))))));
    }
    if (detail.truncated) notices.push(h('div', { class: 'notice warn' }, h('span', { class: 'icon', text: '⚠' }), h('div', {}, `Only the first MiB of this rejected body was kept (whole body: ${bytes(detail.bodyBytes)}, sha256 ${detail.bodySha256}).`)));
    return notices;
  }

  siblings(detail) {
    if (!detail.siblings?.length) return null;
    const all = [...detail.siblings];
    all.splice(Math.min(detail.attempt - 1, all.length), 0, detail.id);
    const original = detail.siblings[0];
    return h('div', { class: 'notice warn', dataset: { notice: 'siblings' } }, h('span', { class: 'icon', text: '↻' }), h('div', {},
      h('strong', { text: `GitHub delivered this ${detail.siblings.length + 1} times (same X-GitHub-Delivery)` }),
      h('div', { class: 'line' }, all.map((id) => (id === detail.id
        ? h('span', { class: 'badge accent mono', text: `#${id} (this)` })
        : h('button', { class: 'linkish mono', text: `#${id}`, onclick: () => this.actions.open(id) }))),
      detail.attempt > 1 ? h('button', { class: 'btn', type: 'button', style: { marginLeft: '8px' }, onclick: () => this.actions.compare(original, detail.id) }, '⇄ Compare with the original') : null)));
  }

  summary(detail) {
    const filterLink = (name, value) => (value ? h('button', { class: 'linkish', text: value, title: `Show only ${name} ${value}`, onclick: () => this.actions.filter(name, value) }) : '—');
    const forward = detail.forward;
    return h('dl', { class: 'summary card' },
      field('Delivery', h('span', { class: 'mono', text: detail.deliveryId ?? '—' }), copyButton(detail.deliveryId, 'the X-GitHub-Delivery')),
      field('Event', filterLink('event', eventName(detail))),
      field('Repository', filterLink('repository', detail.repository)),
      field('Sender', filterLink('sender', detail.sender)),
      field('Listen answered', `${detail.status}`, detail.rejectReason ? ` · ${detail.rejectReason}` : ''),
      field('Signature', `${verdict(detail.signature).label}${detail.signatureAlgorithm ? ` (${detail.signatureAlgorithm})` : ''}`),
      field('Forward', forward ? h('span', { title: forward.error ?? forward.url, text: `${forward.status ?? forwardState(forward).label} · ${forward.url}` }) : '—', forward ? copyButton(forward.url, 'the forward URL') : null),
      field('Received at', h('span', { class: 'mono', text: detail.url ?? detail.path, title: detail.url ?? detail.path })),
      field('Size', bytes(detail.bodyBytes)),
      field('Content type', detail.contentType ?? '—'),
      field('sha256', h('span', { class: 'mono', text: detail.bodySha256 }), copyButton(detail.bodySha256, 'the sha256')),
      field('From', detail.remoteAddress ?? '—', detail.source === 'github' ? ' · pulled from GitHub' : ''));
  }

  tabBar(detail) {
    const count = { headers: detail.headers.length, timeline: detail.attempts.length + 1 };
    this.tabs = h('div', { class: 'tabs', attrs: { role: 'tablist' } }, TABS.map(([name, label]) => h('button', {
      class: 'tab', type: 'button', dataset: { tab: name }, attrs: { role: 'tab' }, onclick: () => this.showTab(name),
    }, label, count[name] ? h('span', { class: 'badge', text: String(count[name]) }) : null)));
    return this.tabs;
  }

  showTab(name) {
    if (!this.detail) return;
    this.tab = name;
    for (const tab of this.tabs.children) tab.classList.toggle('on', tab.dataset.tab === name);
    const detail = this.detail;
    if (name === 'payload') this.body.replaceChildren(this.payloadTab(detail));
    else if (name === 'headers') this.body.replaceChildren(h('table', { class: 'kv card' }, h('tbody', {}, detail.headers.map(([k, v]) => h('tr', {}, h('td', { text: k }), h('td', { text: v }))))));
    else if (name === 'raw') this.body.replaceChildren(this.rawTab(detail));
    else this.body.replaceChildren((this.timeline = renderTimeline(detail)));
  }

  payloadTab(detail) {
    if (!this.payload.ok) return h('div', { class: 'notice warn' }, h('span', { class: 'icon', text: '⚠' }), h('div', {}, 'This body is not JSON: see the Raw tab.'));
    const drift = new Map((detail.schema?.violations ?? []).map((v) => [v.path, v.message]));
    const tree = renderTree(this.payload.value, { drift, onCopyPath: (path) => copyText(path) });
    return h('div', {},
      h('div', { class: 'panel-tools' }, h('span', { text: 'Click a key to copy its path.' }), h('span', { class: 'spacer' }),
        h('button', { class: 'btn ghost', type: 'button', text: 'Expand all', onclick: () => tree.expandAll() }),
        h('button', { class: 'btn ghost', type: 'button', text: 'Collapse', onclick: () => tree.collapseAll() }),
        h('button', { class: 'btn ghost', type: 'button', text: 'Copy JSON', onclick: () => copyText(detail.payloadText, 'the payload') })),
      h('div', { class: 'card' }, tree.element));
  }

  rawTab(detail) {
    return h('div', {},
      h('div', { class: 'panel-tools' }, h('span', { text: `${bytes(detail.bodyBytes)} exactly as received · sha256 ${detail.bodySha256.slice(0, 16)}…` }), h('span', { class: 'spacer' }),
        h('a', { class: 'btn', href: rawUrl(detail.id), download: `${detail.id}.json` }, 'Download exact bytes')),
      h('pre', { class: 'raw card', text: detail.payloadText ?? `(${bytes(detail.bodyBytes)} of non-text body: download to see it)` }));
  }

  /**
   * An attempt for the delivery on screen: counted, and appended when the timeline is shown.
   * `reveal` (a replay asked for in this page) brings the timeline forward.
   */
  addAttempt(attempt, reveal = false) {
    if (!this.detail) return;
    const known = this.detail.attempts.some((a) => a.n === attempt.n);
    if (!known) {
      this.detail.attempts.push(attempt);
      const count = this.tabs.querySelector('[data-tab="timeline"] .badge');
      if (count) count.textContent = String(this.detail.attempts.length + 1);
      if (this.tab === 'timeline') {
        this.timeline.querySelector('.tl-body.hint')?.closest('.tl-item')?.remove();
        this.timeline.append(renderAttempt(this.detail, attempt, true));
      }
    }
    if (!reveal) return;
    if (this.tab !== 'timeline') this.showTab('timeline');
    const item = this.timeline.querySelector(`[data-attempt="${attempt.n}"]`);
    item?.classList.add('fresh');
    item?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  /** A delivery changed in the store (a forward answered, a verdict settled): redraw if it shows. */
  changed(record) {
    if (!this.detail || this.detail.id !== record.id) return false;
    const shown = (d) => JSON.stringify([d.status, d.signature, d.forward, d.schema, d.rejectReason]);
    return shown(this.detail) !== shown(record);
  }

  /** Relative times tick (the delivery's and its timeline's). */
  tick(now = Date.now()) {
    for (const time of this.pane.querySelectorAll('time.rel')) {
      const text = relativeTime(time.dataset.ts, now);
      if (time.textContent !== text) time.textContent = text;
    }
  }
}
