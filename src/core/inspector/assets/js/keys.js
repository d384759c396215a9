// Keyboard: j/k move, Enter opens, Esc closes, / searches, r replays, ? shows the keys.
// The single-character shortcuts can be turned off (WCAG 2.1.4: a speech-input user's words
// must not trigger them); the arrows, Enter and Esc always work. Remembered in localStorage.
import { h, kbd } from './dom.js';
import { modal } from './ui.js';

export const KEYS = [
  ['j / ↓', 'next delivery'],
  ['k / ↑', 'previous delivery'],
  ['Enter', 'open the selected delivery'],
  ['Esc', 'close the detail, a dialog or the comparison'],
  ['/', 'search payloads'],
  ['r', 'replay the selected delivery to the listener, else to where it was received'],
  ['R', 'replay to… (choose target and options)'],
  ['e', 'edit and replay'],
  ['c', 'compare with… (then pick another delivery)'],
  ['1 – 4', 'payload, headers, raw, timeline'],
  ['s', 'send a sample delivery'],
  ['g', 'go to the newest delivery'],
  ['t', 'switch theme (system → light → dark)'],
  ['?', 'this help'],
];

const SHORTCUTS_KEY = 'hookctl-shortcuts';

/** Are the single-character shortcuts on? (The default.) */
function shortcutsOn() {
  try {
    return localStorage.getItem(SHORTCUTS_KEY) !== 'off';
  } catch {
    return true;
  }
}

function setShortcuts(on) {
  try {
    if (on) localStorage.removeItem(SHORTCUTS_KEY);
    else localStorage.setItem(SHORTCUTS_KEY, 'off');
  } catch {
    // storage refused: on for this page only
  }
}

export function helpDialog() {
  const dlg = modal({ title: 'Keyboard shortcuts', className: 'help-dialog' });
  const toggle = h('input', { type: 'checkbox', id: 'shortcuts-on', checked: shortcutsOn(), onchange: () => setShortcuts(toggle.checked) });
  dlg.body.append(h('p', { class: 'shortcuts-switch' }, toggle, h('label', { htmlFor: 'shortcuts-on', text: ' Single-key shortcuts (letters, digits, / and ?); ↑ ↓ Enter Esc always work' })));
  dlg.body.append(h('div', { class: 'keys' }, KEYS.flatMap(([key, what]) => [h('span', {}, key.split(' ').map((part) => (part === '/' && key !== '/' ? ' / ' : part === '–' ? ' – ' : kbd(part)))), h('span', { text: what })])),
    h('p', { class: 'hint', text: 'Shift-click two rows to compare them. Click a key in the payload tree to copy its path.' }));
  dlg.open();
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** bind(handlers): handlers.<name>() for each action; keys are ignored while typing or in a dialog. */
export function bindKeys(handlers) {
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector('dialog[open]')) return;
    if (typing(event.target)) {
      if (event.key === 'Escape') event.target.blur();
      if (event.key === 'Enter' && event.target.id === 'search') event.target.blur();
      return;
    }
    const action = {
      j: 'next', ArrowDown: 'next', k: 'previous', ArrowUp: 'previous', Enter: 'open', Escape: 'close', '/': 'search',
      r: 'replay', R: 'replayTo', e: 'edit', c: 'compare', s: 'send', g: 'top', t: 'theme', '?': 'help',
      1: 'tab1', 2: 'tab2', 3: 'tab3', 4: 'tab4',
    }[event.key];
    if (!action || !handlers[action]) return;
    if (event.key.length === 1 && !shortcutsOn()) return;
    // Enter on a focused button or link presses it, as everywhere.
    if (action === 'open' && event.target.closest?.('button, a')) return;
    event.preventDefault();
    handlers[action]();
  });
}
