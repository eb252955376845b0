// web/js/dom.js - a small element builder: data goes in as text, never as HTML.

/**
 * h('td', {class: 'num', 'data-testid': 'x', onclick: fn}, 'text', child, ...)
 * Attributes: `class`, `text`, `data-*`/`aria-*`/others as attributes, `on*`
 * functions as listeners, booleans as present/absent. Children: nodes or text;
 * null/undefined/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces el's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * A table in its own horizontally scrolling, focusable box (narrow screens
 * scroll the table, never the page). `columns`: [{label, class?}]; `rows`:
 * arrays of cells (node or text), or a single message when empty.
 */
export function table(label, testid, columns, rows, emptyText) {
  if (rows.length === 0) return h('p', {class: 'empty', 'data-testid': `${testid}-empty`, text: emptyText});
  return h('div', {class: 'table-scroll', role: 'region', 'aria-label': label, tabindex: 0},
    h('table', {'data-testid': testid},
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', {scope: 'col', class: c.class}, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', {'data-testid': `${testid}-row`, 'data-key': r.key},
        r.cells.map((cell, i) => h('td', {class: columns[i].class, 'data-label': columns[i].label}, cell)))))));
}

const pressWatch = new WeakSet();

/**
 * Runs redraw() (which replaces what is inside `container`) and gives focus
 * back to the element with the same data-focus-key, so a once-a-second
 * redraw does not throw a keyboard user out.
 */
export function keepFocus(container, redraw) {
  // A click is mousedown + mouseup on the same element: never swap the
  // element out in between (the next overview redraws anyway).
  if (!pressWatch.has(container)) {
    pressWatch.add(container);
    container.addEventListener('pointerdown', () => { container.dataset.pressed = '1'; });
    const release = () => { setTimeout(() => { delete container.dataset.pressed; }, 0); };
    container.addEventListener('pointerup', release);
    container.addEventListener('pointercancel', release);
    container.addEventListener('pointerleave', release);
  }
  if (container.dataset.pressed) return;
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.getAttribute('data-focus-key') : null;
  redraw();
  if (key) {
    const again = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    if (again) again.focus();
  }
}
