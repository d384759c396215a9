// A JSON editor for "edit and replay" and "send a sample": a monospace textarea with line
// numbers, checked as you type (debounced) against GitHub's schema by POST /api/validate.
import { h, debounce } from './dom.js';
import { api } from './api.js';
import { pointerToPath } from './paths.js';

/** createEditor({ text, event, action, onState(state) }) → { element, status, value(), setText(), setEvent() }. */
export function createEditor({ text, event, action, onState = () => {} }) {
  const gutter = h('div', { class: 'gutter', attrs: { 'aria-hidden': 'true' } });
  const area = h('textarea', { value: text, spellcheck: false, autocomplete: 'off', wrap: 'off', attrs: { 'aria-label': 'Payload JSON', autocapitalize: 'off' } });
  const status = h('div', { class: 'validation', attrs: { 'aria-live': 'polite' } });
  const element = h('div', { class: 'editor' }, gutter, area);
  const target = { event, action };
  let lines = 0;
  let badLine = null;
  let sequence = 0;

  const drawGutter = () => {
    const count = area.value.split('\n').length;
    if (count === lines && gutter.dataset.bad === String(badLine)) return;
    lines = count;
    gutter.dataset.bad = String(badLine);
    const numbers = [];
    for (let i = 1; i <= count; i += 1) numbers.push(i === badLine ? h('span', { class: 'bad', text: String(i) }) : String(i), '\n');
    gutter.replaceChildren(...numbers);
  };

  const show = (state) => {
    badLine = state.syntaxError?.line ?? null;
    drawGutter();
    status.replaceChildren(...describe(state, target));
    onState(state);
  };

  const check = async () => {
    const mine = ++sequence;
    try {
      const outcome = await api.validate(target.event, target.action, area.value);
      if (mine === sequence) show(outcome);
    } catch (error) {
      if (mine === sequence) status.replaceChildren(h('span', { class: 'v-warn', text: `Could not check: ${error.message}` }));
    }
  };
  const later = debounce(check, 250);

  area.addEventListener('input', () => {
    drawGutter();
    status.dataset.pending = '1';
    onState({ pending: true });
    later();
  });
  area.addEventListener('scroll', () => { gutter.scrollTop = area.scrollTop; });
  area.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    event.preventDefault();
    area.setRangeText('  ', area.selectionStart, area.selectionEnd, 'end');
    area.dispatchEvent(new Event('input'));
  });
  drawGutter();
  check();
  return {
    element, status, area,
    value: () => area.value,
    setText(next) { area.value = next; lines = 0; drawGutter(); check(); },
    setEvent(nextEvent, nextAction) { target.event = nextEvent; target.action = nextAction; check(); },
  };
}

function describe(state, target) {
  const name = target.action ? `${target.event}.${target.action}` : target.event;
  if (state.syntaxError) {
    const { line, column, message } = state.syntaxError;
    return [h('span', { class: 'v-err', dataset: { state: 'syntax' }, text: `✕ Not valid JSON — line ${line}, column ${column}: ${message}` })];
  }
  if (!state.schemaFound) return [h('span', { class: 'v-warn', dataset: { state: 'noschema' }, text: `✓ Valid JSON · GitHub describes no schema for ${name}` })];
  if (state.violations.length === 0) return [h('span', { class: 'v-ok', dataset: { state: 'ok' }, text: `✓ Valid JSON · matches GitHub’s schema for ${name}` })];
  return [
    h('span', { class: 'v-warn', dataset: { state: 'schema' }, text: `⚠ ${state.violations.length} difference${state.violations.length === 1 ? '' : 's'} from GitHub’s schema for ${name} (it can still be sent)` }),
    h('ul', {}, state.violations.slice(0, 50).map((v) => h('li', { text: `${pointerToPath(v.path)}: ${v.message}` }))),
  ];
}
