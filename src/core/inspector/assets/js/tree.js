// The payload as a collapsible JSON tree. Children are built when a node is first opened, so a
// 25 MB payload opens at once. Clicking a key copies its path; drifted nodes are highlighted.
import { h } from './dom.js';
import { ancestors, pathString, toPointer } from './paths.js';

const CHILD_PAGE = 400;
const LONG_STRING = 1500;

/**
 * renderTree(value, { drift: Map<pointer, message>, onCopyPath(path), depth: 1 })
 * → { element, expandAll(), collapseAll() }.
 */
export function renderTree(value, options = {}) {
  const drift = options.drift ?? new Map();
  const open = new Set();
  for (const pointer of drift.keys()) for (const ancestor of ancestors(pointer)) open.add(ancestor);
  const context = { drift, open, depth: options.depth ?? 1, onCopyPath: options.onCopyPath ?? (() => {}) };
  const element = h('div', { class: 'tree', attrs: { role: 'tree' } });
  element.append(renderNode(value, [], null, 0, context));
  return {
    element,
    expandAll: () => setAll(element, true),
    collapseAll: () => setAll(element, false),
  };
}

function isContainer(value) {
  return value !== null && typeof value === 'object';
}

function preview(value) {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[ ${value.length} item${value.length === 1 ? '' : 's'} ]`;
  const count = Object.keys(value).length;
  return count === 0 ? '{}' : `{ ${count} key${count === 1 ? '' : 's'} }`;
}

function leaf(value) {
  if (value === null) return h('span', { class: 'jt-null', text: 'null' });
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    if (text.length <= LONG_STRING) return h('span', { class: 'jt-string', text });
    const span = h('span', { class: 'jt-string', text: `${text.slice(0, LONG_STRING)}…` });
    const more = h('button', { class: 'linkish', type: 'button', text: ` show all ${value.length.toLocaleString()} characters`, onclick: () => { span.textContent = text; more.remove(); } });
    return h('span', {}, span, more);
  }
  return h('span', { class: `jt-${typeof value}`, text: String(value) });
}

function renderNode(value, segments, key, depth, context) {
  const pointer = toPointer(segments);
  const container = isContainer(value);
  const node = h('div', { class: ['jt-node', context.drift.has(pointer) && 'jt-drift'], dataset: { path: pathString(segments), pointer }, attrs: { role: 'treeitem' } });
  const line = h('div', { class: 'jt-line' });
  line.style.setProperty('--depth', String(depth));
  // A container's toggle is a button the keyboard reaches; a leaf's is only room.
  const toggle = container
    ? h('button', { class: 'jt-toggle', type: 'button', text: '▸', attrs: { 'aria-label': 'expand', 'aria-expanded': 'false' } })
    : h('span', { class: 'jt-toggle leaf', attrs: { 'aria-hidden': 'true' } });
  line.append(toggle);
  if (key !== null) {
    const path = pathString(segments);
    line.append(h('button', { class: 'jt-key', type: 'button', title: `Copy the path ${path}`, text: typeof key === 'number' ? String(key) : key, onclick: () => context.onCopyPath(path) }), h('span', { class: 'jt-colon', text: ':' }));
  }
  line.append(container ? h('span', { class: 'jt-preview', text: preview(value) }) : leaf(value));
  if (context.drift.has(pointer)) line.append(h('span', { class: 'jt-drift-note', text: `⚠ ${context.drift.get(pointer)}` }));
  node.append(line);
  if (container) {
    const children = h('div', { class: 'jt-children', hidden: true, attrs: { role: 'group' } });
    node.append(children);
    node.expand = (on) => setOpen(node, toggle, children, on, value, segments, depth, context);
    toggle.addEventListener('click', () => node.expand(children.hidden));
    line.querySelector('.jt-preview').addEventListener('click', () => node.expand(children.hidden));
    if (depth < context.depth || context.open.has(pointer)) node.expand(true);
  } else {
    const found = [...context.drift.keys()].find((p) => p.startsWith(`${pointer}/`));
    if (found) line.append(h('span', { class: 'jt-drift-note', text: `⚠ ${context.drift.get(found)}` }));
  }
  return node;
}

function setOpen(node, toggle, children, on, value, segments, depth, context) {
  if (on && !node.built) {
    node.built = true;
    const entries = Array.isArray(value) ? value.map((item, i) => [i, item]) : Object.entries(value);
    appendChildren(children, entries, 0, segments, depth, context);
  }
  children.hidden = !on;
  toggle.textContent = on ? '▾' : '▸';
  toggle.setAttribute('aria-label', on ? 'collapse' : 'expand');
  toggle.setAttribute('aria-expanded', String(on));
  node.setAttribute('aria-expanded', String(on));
}

function appendChildren(children, entries, start, segments, depth, context) {
  const end = Math.min(entries.length, start + CHILD_PAGE);
  for (let i = start; i < end; i += 1) {
    const [key, child] = entries[i];
    children.append(renderNode(child, [...segments, key], key, depth + 1, context));
  }
  if (end < entries.length) {
    const more = h('button', { class: 'linkish jt-more', type: 'button', text: `show ${Math.min(CHILD_PAGE, entries.length - end)} more of ${entries.length - end}` });
    more.style.setProperty('--depth', String(depth + 1));
    more.addEventListener('click', () => { more.remove(); appendChildren(children, entries, end, segments, depth, context); });
    children.append(more);
  }
}

function setAll(element, on) {
  const walk = (node) => {
    if (!node.expand) return;
    node.expand(on || node.dataset.pointer === '');
    if (node.built) for (const child of node.querySelector(':scope > .jt-children').children) walk(child);
  };
  walk(element.firstElementChild);
}
