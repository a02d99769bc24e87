// Small DOM helpers shared by the pages: element building, translated strings, announcements.

/** Builds an element: h('button', {type: 'button', onclick}, 'Label'). Text children are never parsed as HTML. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

let strings = null;

/** The page's translated string `key`, with `{name}` placeholders filled from `values`. */
export function t(key, values = {}) {
  if (strings === null) {
    const holder = document.getElementById('parley-strings');
    strings = holder ? JSON.parse(holder.textContent) : {};
  }
  const template = strings[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** Says `message` to screen-reader users (the page's polite live region). */
export function announce(message) {
  const region = document.getElementById('live-status');
  if (!region) return;
  region.textContent = '';
  // A changed text node is what assistive technology announces; clear first so repeats are heard too.
  requestAnimationFrame(() => { region.textContent = message; });
}

/** Shows `message` in the element `id` (a status or alert region of the page). */
export function say(id, message) {
  const element = document.getElementById(id);
  if (element) element.textContent = message;
}

/** Parses the JSON held in `<script type="application/json" id=...>`. */
export function pageData(id, fallback = null) {
  const holder = document.getElementById(id);
  return holder ? JSON.parse(holder.textContent) : fallback;
}
