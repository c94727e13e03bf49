// Building the page without innerHTML: every text from the server goes in as a text node.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' && 'value' in el) el.value = value;
    else if (key === 'checked' || key === 'selected' || key === 'disabled' || key === 'hidden') el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// h('button', {class: 'primary', onclick: fn}, 'Claim')
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

// The same for SVG elements.
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

// Replaces the content of el.
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

// True when a key press belongs to a field being typed in (shortcuts stay out of its way).
export function typingIn(target) {
  if (!target || !target.closest) return false;
  return Boolean(target.closest('input, textarea, select, [contenteditable="true"]'));
}

// Moves the focus `delta` places among `elements` (lists navigated with the arrow keys:
// from nowhere, down starts at the first and up at the last; ±1e9 for Home and End).
// Returns true, the key being used.
export function moveFocus(elements, delta) {
  if (!elements.length) return true;
  const i = elements.indexOf(document.activeElement);
  const next = i < 0 ? (delta > 0 ? 0 : elements.length - 1) : Math.min(elements.length - 1, Math.max(0, i + delta));
  elements[next].focus();
  return true;
}
