// Placing the editor's blocks without taking the focus from the one being typed in. Moving a node out of the
// document and back (which is what inserting it elsewhere does) blurs whatever inside it had the focus, and the
// keystrokes that follow go to the page's body: nothing that holds the focus is ever moved.

/** Makes `wanted` the children of `container`, in order; the block holding the focus stays, the others go around it. */
export function arrange(container, wanted) {
  const current = [...container.children];
  if (current.length === wanted.length && current.every((child, i) => child === wanted[i])) return;
  const active = document.activeElement;
  const focused = active && active !== document.body ? wanted.find((block) => block.contains(active)) : null;
  if (!focused || focused.parentNode !== container) {
    container.replaceChildren(...wanted);
    return;
  }
  const at = wanted.indexOf(focused);
  const keep = new Set(wanted);
  for (const child of current) if (!keep.has(child)) child.remove();
  focused.before(...wanted.slice(0, at));
  focused.after(...wanted.slice(at + 1));
}

// What can hold the focus in a block's header: its buttons, and its heading (focused by script, see editor.js).
const FOCUSABLE = 'button, [tabindex]';

/** Puts `fresh` in the place of `old`; what of `old` had the focus hands it to its counterpart in `fresh`. */
export function replaceKeepingFocus(old, fresh) {
  const focused = [...old.querySelectorAll(FOCUSABLE)].indexOf(document.activeElement);
  old.replaceWith(fresh);
  if (focused >= 0) fresh.querySelectorAll(FOCUSABLE)[focused]?.focus();
}

/**
 * The item nearest to `items[index]` for which `stays(item)` holds: the first one after it, else the last one
 * before it (where the focus goes when the item at `index` leaves); null when none stays.
 */
export function nearest(items, index, stays) {
  const after = items.slice(index + 1).find(stays);
  return after ?? items.slice(0, Math.max(index, 0)).reverse().find(stays) ?? null;
}
