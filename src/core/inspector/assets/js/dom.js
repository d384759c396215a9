// Building DOM from data. Everything a delivery carries is set as text (textContent or a text
// node), never parsed as markup: this module is the one place the page creates elements.

/**
 * h('div', { class: 'row', dataset: { id }, onclick }, 'text', child, [more]) → element.
 * Props: class, text, title, dataset, style (object, set through CSSOM), attrs (attributes),
 * on<event> handlers, and any other element property (type, value, href, disabled…).
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (name === 'text') element.textContent = String(value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'style') Object.assign(element.style, value);
    else if (name === 'attrs') for (const [attr, attrValue] of Object.entries(value)) element.setAttribute(attr, String(attrValue));
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element[name] = value;
  }
  append(element, children);
  return element;
}

/** Append children: strings and numbers become text nodes; null/false are skipped; arrays flatten. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** Call fn at most once per `ms` of quiet. */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/** A keyboard hint: <kbd>j</kbd>. */
export function kbd(key) {
  return h('kbd', { text: key });
}
