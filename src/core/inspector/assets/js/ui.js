// Small shared pieces of the page: toasts, the clipboard, badges and the status pill.
import { h } from './dom.js';
import { statusClass, verdict as wording } from './format.js';

export function toast(message, kind = '') {
  let host = document.querySelector('.toasts');
  if (!host) document.body.append((host = h('div', { class: 'toasts', attrs: { role: 'status', 'aria-live': 'polite' } })));
  const element = h('div', { class: ['toast', kind] }, message);
  host.append(element);
  setTimeout(() => element.remove(), kind === 'err' ? 6000 : 2600);
}

export async function copyText(text, what = text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h('textarea', { value: text, style: { position: 'fixed', opacity: '0' } });
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  toast(['Copied ', h('code', { text: what.length > 80 ? `${what.slice(0, 77)}…` : what })]);
}

export function statusPill(status, title) {
  return h('span', { class: ['status', statusClass(status)], text: status ?? '—', title });
}

export function verdictBadge(verdict) {
  const info = wording(verdict);
  return h('span', { class: ['badge', info.kind, 'sig'], title: `signature ${info.label}`, dataset: { verdict } }, `${info.glyph} ${info.label}`);
}

export function badge(text, kind = '', title) {
  return h('span', { class: ['badge', kind], title }, text);
}

/** A modal <dialog> with head, body and foot; returns its parts. Esc closes it (natively). */
export function modal({ title, wide = false, className = '' }) {
  const body = h('div', { class: 'dlg-body' });
  const foot = h('div', { class: 'dlg-foot' });
  const close = h('button', { class: 'btn ghost icon', text: '✕', title: 'Close (Esc)', type: 'button' });
  const dialog = h('dialog', { class: [wide && 'wide', className] }, h('div', { class: 'dlg-head' }, h('h2', { text: title }), close), body, foot);
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  return { dialog, body, foot, open: () => dialog.showModal() };
}
