// The inspector page's controller: wires the filter bar, the list, the detail, the dialogs,
// the live stream and the keys together. It holds what is open and what is being compared;
// each view keeps its own state and DOM, and the controller only calls their methods.
import { h, kbd } from './dom.js';
import { api } from './api.js';
import { filterBar, hasFilters, readFilters, readOpenId, writeUrl } from './filters.js';
import { DeliveryList } from './list.js';
import { DetailView } from './detail.js';
import { renderCompare } from './compare.js';
import { editDialog, replayDialog, runReplay, sendDialog } from './dialogs.js';
import { bindKeys, helpDialog } from './keys.js';
import { connectStream } from './stream.js';
import { copyText, toast } from './ui.js';
import { cycleTheme, themeLabel } from './theme.js';

export class App {
  constructor(root, info) {
    this.info = info;
    this.filters = readFilters();
    this.openId = null;
    this.marked = [];
    this.pickFor = null;
    this.live = h('span', { class: 'live', text: 'connecting…', title: 'Live updates (Server-Sent Events)' });
    this.bar = filterBar(this.filters, (filters) => this.setFilters(filters));
    this.banner = h('div', { class: 'list-banner', hidden: true });
    // The server went away (listen or inspect stopped): said across the page, not in a pill.
    this.stopped = h('div', { class: 'stopped-banner', hidden: true, attrs: { role: 'alert' } },
      h('strong', { text: 'The inspector is not answering' }),
      ' — hookctl listen or inspect has stopped (or is restarting). What you see is as it was; this page reconnects by itself when it is back.');
    this.listPane = h('section', { class: 'list-pane', attrs: { 'aria-label': 'Deliveries' } }, this.banner);
    this.detailPane = h('section', { class: 'detail-pane', attrs: { 'aria-label': 'Delivery' } });
    this.split = h('main', { class: 'split' }, this.listPane, this.detailPane);
    root.append(this.topbar(), this.stopped, this.bar.element, this.split);
    this.list = new DeliveryList(this.listPane, {
      onOpen: (id) => this.rowClicked(id),
      onMark: (id) => this.mark(id),
      emptyState: (filters) => this.listEmpty(filters),
    });
    this.detail = new DetailView(this.detailPane, this.detailActions(), info);
    this.showWelcome();
  }

  async start(firstPage = null) {
    api.catalog().then(({ catalog }) => {
      const names = new Set();
      for (const item of catalog) { names.add(item.event); names.add(item.name); }
      this.bar.setEventNames([...names].sort());
    }).catch(() => {});
    this.stream = connectStream(this.filters, {
      onEvent: (event) => this.onEvent(event),
      onState: (up) => {
        this.live.className = `live ${up ? 'on' : 'off'}`;
        this.live.textContent = up ? 'live' : 'reconnecting…';
        this.stopped.hidden = up;
      },
      // Whatever arrived while no stream was open (a reconnect, new filters) comes with the newest page.
      onOpen: (first) => { if (!first) this.list.refreshHead(); },
    });
    bindKeys(this.keyHandlers());
    setInterval(() => this.tick(), 1000);
    const openId = readOpenId();
    await this.list.reset(this.filters, firstPage);
    if (openId) {
      this.open(openId);
      this.list.reveal(openId);
    }
  }

  topbar() {
    const chips = [];
    if (this.info.listener) chips.push(h('span', { class: 'chip', title: 'hookctl listen receives here' }, 'Listening', h('code', { text: this.info.listener })));
    if (this.info.publicUrl) chips.push(h('span', { class: 'chip', title: 'public tunnel URL' }, 'Public', h('code', { text: this.info.publicUrl })));
    if (!this.info.listener) chips.push(h('span', { class: 'chip', title: this.info.store }, 'Store', h('code', { text: this.info.store })));
    this.themeButton = h('button', { class: 'btn ghost', type: 'button', title: 'Theme (t)', text: themeLabel(), onclick: () => { this.themeButton.textContent = cycleTheme(); } });
    return h('header', { class: 'topbar' },
      h('div', { class: 'brand' }, h('img', { src: '/favicon.svg', alt: '' }), 'hookctl', h('span', { class: 'sub', text: 'inspector' })),
      this.live, ...chips, h('span', { class: 'spacer' }),
      h('button', { class: 'btn', type: 'button', onclick: () => sendDialog(this.info) }, 'Send a sample', kbd('s')),
      this.themeButton,
      h('button', { class: 'btn ghost icon', type: 'button', title: 'Keyboard shortcuts (?)', text: '?', onclick: () => helpDialog() }));
  }

  listEmpty(filters) {
    if (hasFilters(filters)) {
      return h('div', { class: 'empty' }, h('h2', { text: 'No deliveries match these filters' }),
        h('button', { class: 'btn', type: 'button', text: 'Clear filters', onclick: () => this.bar.clear() }));
    }
    if (!this.info.listener) {
      // hookctl inspect: nothing receives here; a listener writing this store fills it.
      return h('div', { class: 'empty' }, h('h2', { text: 'No deliveries in this store yet' }),
        h('p', {}, 'They appear here as a listener writing ', h('code', { text: this.info.store }), ' receives them. In another terminal:'),
        h('p', {}, h('code', { text: `hookctl listen --store ${this.info.store}` })));
    }
    return h('div', { class: 'empty' }, h('h2', { text: 'Waiting for deliveries…' }),
      h('p', {}, 'Point a GitHub webhook at ', h('code', { text: this.info.publicUrl ?? this.info.listener }), ' or run'),
      h('p', {}, h('code', { text: 'hookctl send pull_request.opened' })),
      h('button', { class: 'btn primary', type: 'button', onclick: () => sendDialog(this.info) }, 'Send a sample', kbd('s')));
  }

  showWelcome() {
    this.split.classList.remove('open');
    this.detail.showWelcome();
  }

  setFilters(filters) {
    this.filters = filters;
    writeUrl(filters, this.openId);
    this.stream?.setFilters(filters);
    this.list.reset(filters);
  }

  rowClicked(id) {
    if (this.pickFor && this.pickFor !== id) {
      const first = this.pickFor;
      this.cancelPick();
      this.compare(first, id);
      return;
    }
    this.open(id);
  }

  async open(id) {
    this.openId = id;
    this.list.select(id);
    writeUrl(this.filters, id);
    try {
      const detail = await api.get(id);
      if (this.openId !== id) return;
      this.detail.show(detail, { fromTop: true });
      this.split.classList.add('open');
    } catch (error) {
      if (this.openId === id) toast(`Could not open #${id}: ${error.message}`, 'err');
    }
  }

  close() {
    if (this.pickFor || this.marked.length) return this.cancelPick();
    this.openId = null;
    writeUrl(this.filters, null);
    this.showWelcome();
  }

  mark(id) {
    this.marked = this.marked.includes(id) ? this.marked.filter((m) => m !== id) : [...this.marked, id].slice(-2);
    this.list.setMarked(this.marked);
    if (this.marked.length === 2) {
      const [a, b] = this.marked;
      this.cancelPick();
      this.compare(a, b);
    } else if (this.marked.length === 1) this.startPick(this.marked[0]);
    else this.cancelPick();
  }

  startPick(id) {
    this.pickFor = id;
    this.marked = [id];
    this.list.setMarked(this.marked);
    this.banner.hidden = false;
    this.banner.replaceChildren(h('span', {}, '⇄ Pick a delivery to compare with ', h('strong', { class: 'mono', text: `#${id}` })), h('span', { class: 'spacer' }),
      h('button', { class: 'btn ghost', type: 'button', text: 'Cancel', onclick: () => this.cancelPick() }), kbd('Esc'));
  }

  cancelPick() {
    this.pickFor = null;
    this.marked = [];
    this.list.setMarked([]);
    this.banner.hidden = true;
  }

  async compare(a, b) {
    try {
      const [left, right] = await Promise.all([api.get(a), api.get(b)]);
      this.openId = null;
      this.detail.showCompare(renderCompare(left, right, { open: (id) => this.open(id), close: () => this.close() }));
      this.split.classList.add('open');
    } catch (error) {
      toast(`Could not compare: ${error.message}`, 'err');
    }
  }

  /** An attempt for a delivery; `reveal` when this page asked for it (shows the timeline). */
  onAttempt(id, attempt, reveal = false) {
    if (this.detail.shownId === id) this.detail.addAttempt(attempt, reveal);
  }

  onEvent(event) {
    if (event.type === 'delivery') this.list.addLive(event.delivery);
    else if (event.type === 'updated') {
      this.list.update(event.delivery);
      if (this.detail.changed(event.delivery)) this.refreshDetail(event.delivery.id);
    } else if (event.type === 'attempt') this.onAttempt(event.id, event.attempt);
    else if (event.type === 'removed') {
      this.list.remove(event.id);
      if (this.detail.shownId === event.id) { toast(`#${event.id} was deleted`); this.close(); }
    } else if (event.type === 'reset') {
      // The store changed more than can be told one by one (another file, a big prune): read it again.
      this.list.reset(this.filters);
    }
  }

  async refreshDetail(id) {
    const detail = await api.get(id).catch(() => null);
    if (detail && this.detail.shownId === id) this.detail.show(detail);
  }

  detailActions() {
    const withDetail = async (id, fn) => fn(this.detail.shown(id) ?? await api.get(id));
    return {
      replay: (id) => runReplay(id, {}, (i, a) => this.onAttempt(i, a, true)),
      replayTo: (id) => withDetail(id, (d) => replayDialog(d, this.info, (i, a) => this.onAttempt(i, a, true))),
      edit: (id) => withDetail(id, (d) => editDialog(d, this.info, (i, a) => this.onAttempt(i, a, true))),
      compareWith: (id) => this.startPick(id),
      compare: (a, b) => this.compare(a, b),
      copyCurl: async (id) => copyText(await api.exportText(id, 'curl'), 'the curl command'),
      remove: async (id) => {
        if (!confirm(`Delete delivery #${id} from the store? This cannot be undone.`)) return;
        try { await api.remove(id); this.list.remove(id); if (this.detail.shownId === id) this.close(); toast(`Deleted #${id}`); } catch (error) { toast(error.message, 'err'); }
      },
      filter: (name, value) => this.bar.setFilter(name, value),
      open: (id) => this.open(id),
      close: () => this.close(),
    };
  }

  keyHandlers() {
    const selected = () => this.list.selectedId;
    const actions = this.detailActions();
    const moveBy = (delta) => {
      const id = this.list.move(delta);
      if (id && this.openId) { clearTimeout(this.moveTimer); this.moveTimer = setTimeout(() => this.open(id), 60); }
    };
    return {
      next: () => moveBy(1),
      previous: () => moveBy(-1),
      open: () => selected() && this.open(selected()),
      close: () => this.close(),
      search: () => this.bar.focusSearch(),
      replay: () => selected() && actions.replay(selected()),
      replayTo: () => selected() && actions.replayTo(selected()),
      edit: () => selected() && actions.edit(selected()),
      compare: () => selected() && this.startPick(selected()),
      send: () => sendDialog(this.info),
      top: () => { this.list.toTop(); this.list.move(-Infinity); },
      theme: () => { this.themeButton.textContent = cycleTheme(); },
      help: () => helpDialog(),
      tab1: () => this.detail.showTab('payload'),
      tab2: () => this.detail.showTab('headers'),
      tab3: () => this.detail.showTab('raw'),
      tab4: () => this.detail.showTab('timeline'),
    };
  }

  tick() {
    const now = Date.now();
    this.list.tick(now);
    this.detail.tick(now);
  }
}
