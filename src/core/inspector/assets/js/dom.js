// Building DOM from data. Everything a delivery carries is set as text (textContent or a text
// node), never parsed as markup: this module is the one place the page creates elements, and
// it refuses every property or attribute that would parse a string as markup or script.

/** Properties and attributes that take markup (or code) from a string: never set through h(). */
const MARKUP = new Set(['innerhtml', 'outerhtml', 'insertadjacenthtml', 'srcdoc', 'sethtml', 'sethtmlunsafe', 'document', 'write', 'writeln']);

function refuseMarkup(name, value, kind) {
  const lower = name.toLowerCase();
  // An attribute on… is code in a string (handlers are functions, given as props).
  if (MARKUP.has(lower) || (kind === 'attribute' && lower.startsWith('on'))) {
    throw new Error(`h() sets text, never markup: the ${kind} ${name} is refused`);
  }
  if (kind === 'property' && lower.startsWith('on') && typeof value !== 'function') {
    throw new Error(`h() takes event handlers as functions: ${name} is refused`);
  }
}

/**
 * h('div', { class: 'row', dataset: { id }, onclick }, 'text', child, [more]) → element.
 * Props: class, text, title, dataset, style (object, set through CSSOM), attrs (attributes),
 * on<event> handlers, and any other element property (type, value, href, disabled…) except
 * those that take markup (innerHTML, outerHTML, srcdoc…): those throw.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (name === 'text') element.textContent = String(value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'style') Object.assign(element.style, value);
    else if (name === 'attrs') {
      for (const [attr, attrValue] of Object.entries(value)) {
        refuseMarkup(attr, attrValue, 'attribute');
        element.setAttribute(attr, String(attrValue));
      }
    } else {
      refuseMarkup(name, value, 'property');
      if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
      else element[name] = value;
    }
  }
  append(element, children);
  return element;
}

/** Append children: strings and numbers become text nodes; null/false are skipped; arrays flatten. */
function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
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
