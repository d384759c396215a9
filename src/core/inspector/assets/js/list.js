// The live delivery list: newest first, paged with the API's cursor as the user scrolls, and
// virtualized (only the rows in view, plus a few, are in the DOM, whatever the store holds).
// Rows have one fixed height, so a delivery arriving never moves what the user is reading:
// at the top it slides in; scrolled down, the view stays put and a "N new ↑" pill appears.
import { h } from './dom.js';
import { api } from './api.js';
import { apiParams } from './filters.js';
import { relativeTime } from './format.js';
import { renderRow } from './row.js';

const ROW_HEIGHT = 52;
const OVERSCAN = 8;
export const PAGE_SIZE = 100;
/** Ask for the next page when the view is this many rows from the end of what is loaded. */
const PREFETCH_ROWS = 30;

export class DeliveryList {
  /** handlers: onOpen(id), onMark(id), emptyState(filters) → element. */
  constructor(host, handlers) {
    this.handlers = handlers;
    this.filters = {};
    this.records = [];
    this.byId = new Map();
    this.elements = new Map();
    this.fresh = new Set();
    /** Live deliveries waiting for the next frame (oldest first): a burst is one insert and one render. */
    this.pending = new Map();
    this.liveFrame = null;
    /** Rows to draw anew at the next render (their delivery was updated). */
    this.stale = new Set();
    this.marked = new Set();
    this.selectedId = null;
    this.generation = 0;
    this.newCount = 0;
    // Focusable (Tab reaches it); ↑/↓ move the selection, which it names as its active option.
    this.scroll = h('div', { class: 'list-scroll', attrs: { role: 'listbox', 'aria-label': 'Deliveries', tabindex: '0' } });
    this.inner = h('div', { class: 'list-inner' });
    this.foot = h('div', { class: 'list-foot' });
    this.emptyHost = h('div', { class: 'empty-host' });
    this.rowsHost = h('div', { class: 'rows' });
    this.inner.append(this.rowsHost, this.foot, this.emptyHost);
    this.scroll.append(this.inner);
    this.pill = h('button', { class: 'btn primary new-pill', type: 'button', hidden: true, onclick: () => this.toTop() });
    host.append(this.pill, this.scroll);
    this.scroll.addEventListener('scroll', () => this.onScroll(), { passive: true });
    this.scroll.addEventListener('click', (event) => this.onClick(event));
    new ResizeObserver(() => this.render()).observe(this.scroll);
  }

  /** Start over with these filters: first page from the server (or the one already asked for). */
  reset(filters, firstPage = null) {
    this.prefetched = firstPage;
    this.generation += 1;
    this.filters = filters;
    this.records = [];
    this.byId.clear();
    this.pending.clear();
    this.stale.clear();
    for (const element of this.elements.values()) element.remove();
    this.elements.clear();
    this.next = null;
    this.done = false;
    this.loading = false;
    this.error = null;
    this.newCount = 0;
    this.scroll.scrollTop = 0;
    this.render();
    return this.load();
  }

  get(id) {
    return this.byId.get(id) ?? null;
  }

  async load() {
    if (this.loading || this.done) return;
    const generation = this.generation;
    this.loading = true;
    this.renderFoot();
    try {
      const prefetched = this.records.length === 0 && !this.next ? this.prefetched : null;
      this.prefetched = null;
      const page = await (prefetched ?? api.list(apiParams(this.filters, { limit: PAGE_SIZE, cursor: this.next })));
      if (generation !== this.generation) return;
      for (const record of page.deliveries) {
        if (this.byId.has(record.id)) continue;
        this.records.push(record);
        this.byId.set(record.id, record);
      }
      this.next = page.next;
      this.done = !page.next;
    } catch (error) {
      if (generation !== this.generation) return;
      this.error = error.message;
      this.done = true;
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.render();
      }
    }
  }

  retry() {
    this.error = null;
    this.done = false;
    this.load();
  }

  render() {
    // Rows whose delivery changed are drawn anew here, in the same frame as the rest.
    for (const id of this.stale) {
      this.elements.get(id)?.remove();
      this.elements.delete(id);
    }
    this.stale.clear();
    const total = this.records.length;
    this.inner.style.height = `${total * ROW_HEIGHT + 48}px`;
    this.foot.style.transform = `translateY(${total * ROW_HEIGHT}px)`;
    const revealAt = this.revealId ? this.records.indexOf(this.byId.get(this.revealId)) : -1;
    if (revealAt >= 0) {
      this.revealId = null;
      this.scroll.scrollTop = Math.max(0, revealAt * ROW_HEIGHT - ((this.scroll.clientHeight || 800) - ROW_HEIGHT) / 2);
    }
    const top = this.scroll.scrollTop;
    const height = this.scroll.clientHeight || 800;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(total, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const shown = new Set();
    const now = Date.now();
    let position = 0;
    let active = null;
    for (let i = first; i < last; i += 1) {
      const record = this.records[i];
      shown.add(record.id);
      let element = this.elements.get(record.id);
      if (!element) {
        element = renderRow(record, now);
        if (this.fresh.has(record.id)) element.classList.add('fresh');
        this.elements.set(record.id, element);
      }
      // DOM order follows the visual order (screen readers, find-in-page, tests).
      const here = this.rowsHost.children[position];
      if (here !== element) this.rowsHost.insertBefore(element, here ?? null);
      position += 1;
      element.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
      const selected = record.id === this.selectedId;
      element.classList.toggle('selected', selected);
      element.setAttribute('aria-selected', String(selected));
      if (selected) active = element.id;
      element.classList.toggle('marked', this.marked.has(record.id));
    }
    if (active) this.scroll.setAttribute('aria-activedescendant', active);
    else this.scroll.removeAttribute('aria-activedescendant');
    for (const [id, element] of this.elements) {
      if (shown.has(id)) continue;
      element.remove();
      this.elements.delete(id);
    }
    this.renderFoot();
    // Benchmarks read this mark: when the first rows were on screen.
    if (total && !performance.getEntriesByName('hookctl:first-rows').length) performance.mark('hookctl:first-rows');
    if (!this.loading && !this.done && last >= total - PREFETCH_ROWS) this.load();
  }

  renderFoot() {
    const total = this.records.length;
    let text = '';
    if (this.error) text = `Could not load deliveries: ${this.error}`;
    else if (this.loading) text = this.filters.q ? 'Searching older payloads…' : total ? 'Loading more…' : 'Loading deliveries…';
    else if (this.done && total) text = `${total.toLocaleString()} deliver${total === 1 ? 'y' : 'ies'} · end of list`;
    this.foot.replaceChildren(text, this.error ? h('button', { class: 'linkish', text: ' Retry', onclick: () => this.retry() }) : '');
    const empty = this.done && !this.error && total === 0;
    this.emptyHost.replaceChildren(empty ? this.handlers.emptyState(this.filters) : '');
    this.pill.hidden = this.newCount === 0;
    this.pill.textContent = `${this.newCount} new ↑`;
  }

  onScroll() {
    if (this.scroll.scrollTop < ROW_HEIGHT / 2 && this.newCount) this.newCount = 0;
    this.renderSoon();
  }

  /** Render in the next frame, once however many changes come before it. */
  renderSoon() {
    this.frame ??= requestAnimationFrame(() => {
      this.frame = null;
      this.render();
    });
  }

  toTop() {
    this.newCount = 0;
    this.scroll.scrollTo({ top: 0, behavior: 'smooth' });
    this.renderFoot();
  }

  onClick(event) {
    const row = event.target.closest('.row');
    if (!row) return;
    if (event.shiftKey || event.metaKey || event.ctrlKey) this.handlers.onMark(row.dataset.id);
    else this.handlers.onOpen(row.dataset.id);
  }

  /** A live delivery (the stream sends only those of this view): shown at the top in the next frame. */
  addLive(record) {
    if (this.byId.has(record.id) || this.pending.has(record.id)) return this.update(record);
    this.pending.set(record.id, record);
    this.liveFrame ??= requestAnimationFrame(() => this.flushLive());
  }

  /** Everything that arrived since the last frame, newest first, in one insert. */
  flushLive() {
    this.liveFrame = null;
    const records = [...this.pending.values()].reverse();
    this.pending.clear();
    this.insertNewest(records);
  }

  /** Insert records (newest first) above the current first one, keeping a scrolled view in place. */
  insertNewest(records) {
    const added = records.filter((record) => !this.byId.has(record.id));
    if (added.length === 0) return;
    const scrolled = this.scroll.scrollTop > 0;
    this.records.unshift(...added);
    for (const record of added) {
      this.byId.set(record.id, record);
      this.fresh.add(record.id);
    }
    setTimeout(() => { for (const record of added) this.fresh.delete(record.id); }, 1600);
    if (scrolled) {
      this.newCount += added.length;
      this.inner.style.height = `${this.records.length * ROW_HEIGHT + 48}px`;
      this.scroll.scrollTop += added.length * ROW_HEIGHT;
    }
    this.render();
  }

  /** After the stream (re)opened: ask for the newest page again, for what arrived while it was closed. */
  refreshHead() {
    clearTimeout(this.headTimer);
    const generation = this.generation;
    this.headTimer = setTimeout(async () => {
      const page = await api.list(apiParams(this.filters, { limit: 50 })).catch(() => null);
      if (!page || generation !== this.generation) return;
      const newest = this.records[0]?.receivedAt ?? '';
      this.insertNewest(page.deliveries.filter((record) => record.receivedAt >= newest));
    }, 120);
  }

  update(record) {
    if (this.pending.has(record.id)) return void this.pending.set(record.id, record);
    const old = this.byId.get(record.id);
    if (!old) return;
    this.records[this.records.indexOf(old)] = record;
    this.byId.set(record.id, record);
    this.stale.add(record.id);
    this.renderSoon();
  }

  remove(id) {
    this.pending.delete(id);
    const old = this.byId.get(id);
    if (!old) return;
    const index = this.records.indexOf(old);
    this.records.splice(index, 1);
    this.byId.delete(id);
    this.elements.get(id)?.remove();
    this.elements.delete(id);
    if (index * ROW_HEIGHT < this.scroll.scrollTop) this.scroll.scrollTop -= ROW_HEIGHT;
    // A prune elsewhere removes many at once: one render for all of them.
    this.renderSoon();
  }

  select(id) {
    this.selectedId = id;
    this.render();
  }

  /**
   * Scroll a row into the middle of the view (a link with ?id=): now if it is loaded, else at
   * the render after the page that holds it is (until then the list is where it was).
   */
  reveal(id) {
    this.revealId = id;
    this.render();
  }

  /** Move the selection by `delta` rows (j/k), scrolling it into view; returns the new id. */
  move(delta) {
    if (this.records.length === 0) return null;
    const current = this.selectedId ? this.records.indexOf(this.byId.get(this.selectedId)) : -1;
    const index = Math.max(0, Math.min(this.records.length - 1, current < 0 ? 0 : current + delta));
    this.selectedId = this.records[index].id;
    const top = index * ROW_HEIGHT;
    if (top < this.scroll.scrollTop) this.scroll.scrollTop = top;
    else if (top + ROW_HEIGHT > this.scroll.scrollTop + this.scroll.clientHeight) this.scroll.scrollTop = top + ROW_HEIGHT - this.scroll.clientHeight;
    this.render();
    return this.selectedId;
  }

  setMarked(ids) {
    this.marked = new Set(ids);
    this.render();
  }

  /** Relative times tick: only rows in the DOM are touched. */
  tick(now = Date.now()) {
    for (const time of this.inner.querySelectorAll('time.rel')) {
      const text = relativeTime(time.dataset.ts, now);
      if (time.textContent !== text) time.textContent = text;
    }
  }
}
