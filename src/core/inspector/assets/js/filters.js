// Filters: read from and written to the URL's query string (shareable, reload-safe), turned
// into the API's query (for the list and the live stream alike: the server decides what
// matches, never the page), and drawn as the filter bar.
import { h, debounce } from './dom.js';
import { verdicts } from './format.js';

const KEYS = ['q', 'event', 'repository', 'sender', 'status', 'signature', 'drift', 'range', 'since', 'until'];
const RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 };

export function readFilters(search = location.search) {
  const params = new URLSearchParams(search);
  const filters = {};
  for (const key of KEYS) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

/** Put the filters (and the open delivery) in the address bar without a reload. */
export function writeUrl(filters, openId) {
  const params = new URLSearchParams();
  for (const key of KEYS) if (filters[key]) params.set(key, filters[key]);
  if (openId) params.set('id', openId);
  const query = params.toString();
  const url = `${location.pathname}${query ? `?${query}` : ''}`;
  if (url !== `${location.pathname}${location.search}`) history.replaceState(null, '', url);
}

export function readOpenId() {
  return new URLSearchParams(location.search).get('id');
}

function localToIso(value) {
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** The time bounds the filters ask for, as ISO strings (a relative range counts from now). */
function bounds(filters, now = Date.now()) {
  if (filters.range && RANGES[filters.range]) return { since: new Date(now - RANGES[filters.range]).toISOString(), until: null };
  if (filters.range === 'custom') return { since: filters.since ? localToIso(filters.since) : null, until: filters.until ? localToIso(filters.until) : null };
  return { since: null, until: null };
}

export function apiParams(filters, extra = {}) {
  const params = new URLSearchParams();
  for (const key of ['event', 'repository', 'sender', 'status', 'signature', 'q']) if (filters[key]) params.set(key, filters[key]);
  if (filters.drift) params.set('drift', '1');
  const { since, until } = bounds(filters);
  if (since) params.set('since', since);
  if (until) params.set('until', until);
  for (const [key, value] of Object.entries(extra)) if (value !== null && value !== undefined) params.set(key, String(value));
  return params;
}

export function hasFilters(filters) {
  return KEYS.some((key) => filters[key]);
}

function select(name, label, options, value) {
  return h('select', { class: ['field', value && 'active'], name, title: label, attrs: { 'aria-label': label } },
    options.map(([optionValue, text]) => h('option', { value: optionValue, text, selected: optionValue === (value ?? '') })));
}

function input(name, placeholder, value, extra = {}) {
  return h('input', { class: ['field', 'short', value && 'active'], name, placeholder, value: value ?? '', type: 'text', spellcheck: false, autocomplete: 'off', attrs: { 'aria-label': placeholder }, ...extra });
}

/**
 * The filter bar; `onChange(filters)` runs after each change (text fields debounced).
 * → { element, setEventNames(names), setFilter(name, value), clear(), focusSearch() }.
 */
export function filterBar(filters, onChange) {
  const search = h('input', { class: ['field', filters.q && 'active'], id: 'search', name: 'q', type: 'search', placeholder: 'Search payloads…', value: filters.q ?? '', spellcheck: false, autocomplete: 'off', attrs: { 'aria-label': 'Search text in payloads' } });
  const eventList = h('datalist', { id: 'event-names' });
  const drift = h('input', { type: 'checkbox', name: 'drift', checked: Boolean(filters.drift) });
  const driftToggle = h('label', { class: ['toggle', filters.drift && 'active'], title: 'Only deliveries whose payload drifted from GitHub’s schema' }, drift, 'Schema drift');
  const custom = h('span', { class: 'custom-range', hidden: filters.range !== 'custom' },
    h('input', { class: 'field', type: 'datetime-local', name: 'since', value: filters.since ?? '', title: 'From' }), ' – ',
    h('input', { class: 'field', type: 'datetime-local', name: 'until', value: filters.until ?? '', title: 'To' }));
  const clear = h('button', { class: 'btn ghost', type: 'button', text: 'Clear', hidden: !hasFilters(filters) });
  const bar = h('div', { class: 'filters', role: 'search' },
    h('div', { class: 'search' }, search, h('kbd', { text: '/' })),
    input('event', 'event.action', filters.event, { attrs: { list: 'event-names', 'aria-label': 'Event' } }), eventList,
    input('repository', 'owner/repo', filters.repository),
    input('sender', 'sender', filters.sender),
    select('status', 'Status', [['', 'Any status'], ['2xx', '2xx'], ['4xx', '4xx'], ['5xx', '5xx'], ['400', '400'], ['401', '401'], ['413', '413'], ['503', '503']], filters.status),
    select('signature', 'Signature', [['', 'Any signature'], ...verdicts().map(([value, w]) => [value, w.label[0].toUpperCase() + w.label.slice(1)])], filters.signature),
    driftToggle,
    select('range', 'Time range', [['', 'Any time'], ['15m', 'Last 15 min'], ['1h', 'Last hour'], ['24h', 'Last 24 h'], ['7d', 'Last 7 days'], ['custom', 'Custom…']], filters.range),
    custom, clear);
  const read = () => {
    const next = {};
    for (const field of bar.querySelectorAll('[name]')) {
      const value = field.type === 'checkbox' ? (field.checked ? '1' : '') : field.value.trim();
      if (value) next[field.name] = value;
    }
    if (next.range !== 'custom') { delete next.since; delete next.until; }
    for (const field of bar.querySelectorAll('.field[name]')) field.classList.toggle('active', Boolean(next[field.name]));
    driftToggle.classList.toggle('active', Boolean(next.drift));
    custom.hidden = next.range !== 'custom';
    clear.hidden = !hasFilters(next);
    onChange(next);
  };
  // Typing waits for a pause: 250 ms in the payload search (each search scans payloads), 120 ms
  // in the other text fields (indexed columns, answered in tens of ms). Enter, and picking an
  // event from the suggestions, apply at once.
  const searched = debounce(read, 250);
  const typed = debounce(read, 120);
  const now = () => { searched.cancel(); typed.cancel(); read(); };
  bar.addEventListener('input', (event) => {
    const field = event.target;
    if (field === search) searched();
    else if (field.type !== 'text') read();
    else if (event.inputType === 'insertReplacementText' || event.inputType === undefined) now();
    else typed();
  });
  bar.addEventListener('keydown', (event) => { if (event.key === 'Enter' && (event.target === search || event.target.type === 'text')) now(); });
  const clearAll = () => {
    for (const field of bar.querySelectorAll('[name]')) { if (field.type === 'checkbox') field.checked = false; else field.value = ''; }
    read();
  };
  clear.addEventListener('click', clearAll);
  return {
    element: bar,
    /** Fill the event field's suggestions (catalog names). */
    setEventNames: (names) => eventList.replaceChildren(...names.map((name) => h('option', { value: name }))),
    /** Set one filter from elsewhere (e.g. a click on a repository in the detail). */
    setFilter: (name, value) => {
      const field = [...bar.querySelectorAll('[name]')].find((candidate) => candidate.name === name);
      if (field) { field.value = value; read(); }
    },
    /** Clear every filter (the empty list's button). */
    clear: clearAll,
    focusSearch: () => search.focus(),
  };
}
