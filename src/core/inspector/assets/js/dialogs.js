// The replay, edit-and-replay and send-a-sample dialogs.
import { h, kbd } from './dom.js';
import { api } from './api.js';
import { duration, eventName } from './format.js';
import { createEditor } from './editor.js';
import { modal, toast } from './ui.js';

/** Where to send: the delivery's own URL, a forward target, the listener, or any URL typed. */
function targetChooser(info, defaults) {
  const choices = [];
  const seen = new Set();
  const add = (label, url) => {
    if (!url || seen.has(url)) return;
    seen.add(url);
    choices.push([label, url]);
  };
  for (const [label, url] of defaults) add(label, url);
  for (const url of info.forwardTargets ?? []) add('Forward target', url);
  const group = `target-${Math.random().toString(36).slice(2)}`;
  const other = h('input', { class: 'field', type: 'url', placeholder: 'https://…', name: 'other-url', spellcheck: false });
  const otherRadio = h('input', { type: 'radio', name: group, value: '' });
  const element = h('div', { class: 'targets' }, h('div', { class: 'group-label', text: 'Send to' }),
    choices.map(([label, url], i) => h('label', { class: 'choice' }, h('input', { type: 'radio', name: group, value: url, checked: i === 0 }), h('span', { class: 'label', text: label }), h('code', { text: url }))),
    h('label', { class: 'choice' }, otherRadio, h('span', { class: 'label', text: 'Other URL' }), other));
  other.addEventListener('focus', () => { otherRadio.checked = true; });
  return {
    element,
    value() {
      const checked = element.querySelector('input[type=radio]:checked');
      return checked === otherRadio ? other.value.trim() : checked?.value;
    },
  };
}

function checkbox(label, checked, hint) {
  const input = h('input', { type: 'checkbox', checked });
  return { input, element: h('label', { class: 'choice' }, input, h('span', { class: 'label', text: label }), hint ? h('span', { class: 'hint', text: hint }) : null) };
}

function outcomeText(status, durationMs, error) {
  return error ? `failed: ${error}` : `${status} in ${duration(durationMs)}`;
}

function signOption(info, label) {
  return info.canSign ? checkbox(label, true, '(the secret is never shown)') : { input: { checked: false }, element: h('div', { class: 'hint', text: 'No secret is known to this inspector: sent without new signatures.' }) };
}

/** replay(id, request) runs the replay and reports; used by `r` directly, and by the dialogs. */
export async function runReplay(id, request, onAttempt) {
  try {
    const { attempt } = await api.replay(id, request);
    onAttempt(id, attempt);
    toast(`Replayed #${id} → ${outcomeText(attempt.status, attempt.durationMs, attempt.error)}`, attempt.error || !(attempt.status >= 200 && attempt.status < 300) ? 'err' : '');
    return attempt;
  } catch (error) {
    toast(`Replay of #${id} failed: ${error.message}`, 'err');
    return null;
  }
}

export function replayDialog(detail, info, onAttempt) {
  const dlg = modal({ title: `Replay #${detail.id} · ${eventName(detail)}` });
  const target = targetChooser(info, [['Where it was received', detail.url], ['Listener', info.listener]]);
  const resign = signOption(info, 'Sign anew with the listener’s secret');
  const newId = checkbox('New delivery id', false, '(a fresh X-GitHub-Delivery)');
  const send = h('button', { class: 'btn primary', type: 'button' }, '↻ Replay', kbd('↵'));
  dlg.body.append(target.element, h('div', { class: 'group-label', text: 'Options' }), resign.element, newId.element);
  dlg.foot.append(h('span', { class: 'hint', text: 'The stored bytes are sent exactly as received.' }), h('span', { class: 'spacer' }), h('button', { class: 'btn', type: 'button', text: 'Cancel', onclick: () => dlg.dialog.close() }), send);
  send.addEventListener('click', async () => {
    const to = target.value();
    send.disabled = true;
    const attempt = await runReplay(detail.id, { to: to || undefined, resign: info.canSign ? resign.input.checked : undefined, newDeliveryId: newId.input.checked }, onAttempt);
    send.disabled = false;
    if (attempt) dlg.dialog.close();
  });
  dlg.open();
  send.focus();
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function editDialog(detail, info, onAttempt) {
  const dlg = modal({ title: `Edit and replay #${detail.id} · ${eventName(detail)}`, wide: true, className: 'edit-dialog' });
  const send = h('button', { class: 'btn primary', type: 'button' }, 'Send edited', h('kbd', { text: 'Ctrl ↵' }));
  const editor = createEditor({ text: pretty(detail.payloadText ?? ''), event: detail.event ?? 'ping', action: detail.action, onState: (state) => { send.disabled = Boolean(state.syntaxError); } });
  const target = targetChooser(info, [['Where it was received', detail.url], ['Listener', info.listener]]);
  const newId = checkbox('New delivery id', false);
  dlg.body.append(editor.element, editor.status, h('div', { class: 'send-options' }, target.element, newId.element));
  dlg.foot.append(h('span', { class: 'hint', text: info.canSign ? 'Sent as new bytes, signed with the listener’s secret; the stored original is never changed.' : 'Sent as new bytes (no secret known: unsigned); the stored original is never changed.' }),
    h('span', { class: 'spacer' }), h('button', { class: 'btn', type: 'button', text: 'Cancel', onclick: () => dlg.dialog.close() }), send);
  const go = async () => {
    if (send.disabled) return;
    send.disabled = true;
    const attempt = await runReplay(detail.id, { to: target.value() || undefined, payload: editor.value(), newDeliveryId: newId.input.checked, resign: info.canSign || undefined }, onAttempt);
    send.disabled = false;
    if (attempt) dlg.dialog.close();
  };
  send.addEventListener('click', go);
  editor.area.addEventListener('keydown', (event) => { if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) go(); });
  dlg.open();
  editor.area.focus();
  editor.area.setSelectionRange(0, 0);
}

export async function sendDialog(info) {
  const dlg = modal({ title: 'Send a sample delivery', wide: true, className: 'send-dialog' });
  const send = h('button', { class: 'btn primary', type: 'button', disabled: true }, 'Send', h('kbd', { text: 'Ctrl ↵' }));
  const result = h('div', { class: 'send-result' });
  const search = h('input', { class: 'field', type: 'search', placeholder: 'Search events…', spellcheck: false, attrs: { 'aria-label': 'Search the catalog' } });
  const list = h('ul', { attrs: { 'aria-label': 'Catalog events' } });
  const editorHost = h('div', {}, h('div', { class: 'hint', text: 'Pick an event on the left.' }));
  const target = targetChooser(info, [['Listener', info.listener]]);
  const sign = signOption(info, 'Sign with the listener’s secret');
  dlg.body.append(h('div', { class: 'send-grid' }, h('div', { class: 'catalog' }, search, list), editorHost), h('div', { class: 'send-options' }, target.element, sign.element), result);
  dlg.foot.append(h('span', { class: 'hint', text: 'Headers as GitHub sends them; a fresh X-GitHub-Delivery each time.' }), h('span', { class: 'spacer' }), h('button', { class: 'btn', type: 'button', text: 'Close', onclick: () => dlg.dialog.close() }), send);
  dlg.open();
  search.focus();
  const { catalog } = await api.catalog();
  let chosen = null;
  let editor = null;
  const pick = async (item) => {
    chosen = item;
    for (const li of list.children) {
      li.classList.toggle('on', li.dataset.name === item.name);
      li.firstElementChild.setAttribute('aria-pressed', String(li.dataset.name === item.name));
    }
    const sample = await api.sample(item.name);
    if (chosen !== item) return;
    editor = createEditor({ text: sample.payload, event: sample.event, action: sample.action, onState: (state) => { send.disabled = Boolean(state.syntaxError); } });
    editorHost.replaceChildren(h('div', { class: 'hint', style: { marginBottom: '6px' } }, h('strong', { text: item.name }), ` — ${item.description}`), editor.element, editor.status);
    send.disabled = false;
  };
  const draw = () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const shown = catalog.filter((item) => words.every((word) => item.name.toLowerCase().includes(word) || item.description.toLowerCase().includes(word))).slice(0, 300);
    // Each event a button: the keyboard reaches it with Tab and picks it with Enter or Space.
    list.replaceChildren(...shown.map((item) => h('li', { dataset: { name: item.name }, title: item.description, class: chosen?.name === item.name ? 'on' : '', onclick: () => pick(item) },
      h('button', { type: 'button', text: item.name, attrs: { 'aria-pressed': String(chosen?.name === item.name) } }))));
  };
  search.addEventListener('input', draw);
  search.addEventListener('keydown', (event) => { if (event.key === 'Enter' && list.firstElementChild) list.firstElementChild.click(); });
  draw();
  const go = async () => {
    if (!chosen || !editor || send.disabled) return;
    send.disabled = true;
    try {
      const outcome = await api.send({ name: chosen.name, payload: editor.value(), to: target.value() || undefined, sign: info.canSign ? sign.input.checked : undefined });
      const ok = !outcome.error && outcome.status >= 200 && outcome.status < 300;
      result.replaceChildren(h('div', { class: ['result', ok ? 'ok' : 'err'], text: `Sent ${chosen.name} to ${outcome.url} → ${outcome.error ?? outcome.status} in ${duration(outcome.durationMs)} · ${outcome.deliveryId}${outcome.response ? ` · ${outcome.response}` : ''}` }));
    } catch (error) {
      result.replaceChildren(h('div', { class: 'result err', text: `Not sent: ${error.message}` }));
    } finally {
      send.disabled = false;
    }
  };
  send.addEventListener('click', go);
  dlg.dialog.addEventListener('keydown', (event) => { if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) go(); });
}
