// What was typed in a provision that another drafter deleted before the server saved it. The server never had it
// and the sync no longer holds it, so the page keeps it: read-only, with a button that copies it, until the drafter
// dismisses it.
import { h, t } from '../lib/dom.js';

const kept = new Map(); // wid -> {entry, area}
let serial = 0;

/** Puts `text` on the clipboard, or, where the page may not, selects it for the drafter to copy. */
async function copyText(area, status) {
  try {
    await navigator.clipboard.writeText(area.value);
    status.textContent = t('copied');
  } catch {
    // No clipboard for this page (an origin that is not secure, a permission refused).
    area.focus();
    area.select();
    status.textContent = t('copy_failed');
  }
}

/**
 * Shows `text`, typed in provision `wid` called `label`, at the end of `holder`; the box of that provision is
 * brought up to date when it is there already (keystrokes that reached its editor after it was gone).
 * `onDismiss(wid)` is called once the drafter has dismissed it. True when the box is new.
 */
export function keep(holder, { wid, label, text, onDismiss = () => {} }) {
  const known = kept.get(wid);
  if (known) {
    known.area.value = text;
    return false;
  }
  serial += 1;
  const title = `kept-title-${serial}`;
  const area = h('textarea', { readonly: true, rows: 4, 'aria-labelledby': title });
  area.value = text;
  const status = h('span', { class: 'meta', role: 'status' });
  const copy = h('button', { type: 'button', 'data-action': 'copy' }, t('copy'));
  const dismiss = h('button', { type: 'button', class: 'secondary', 'data-action': 'dismiss' }, t('dismiss'));
  const entry = h('div', { class: 'message stacked kept-text', role: 'group', 'aria-labelledby': title },
    h('p', {}, h('strong', { id: title }, t('kept_title', { label })), ' ', t('kept_explain')),
    h('p', {}, area),
    h('p', {}, copy, ' ', dismiss, ' ', status));
  copy.addEventListener('click', () => copyText(area, status));
  dismiss.addEventListener('click', () => {
    kept.delete(wid);
    entry.remove();
    onDismiss(wid);
  });
  kept.set(wid, { entry, area });
  holder.append(entry);
  return true;
}

/** Whether the page keeps text of provision `wid`. */
export const keeps = (wid) => kept.has(wid);

/** Moves the focus to the text kept of provision `wid`; false when there is none. */
export function focusKept(wid) {
  // The kept text itself, read-only: the drafter was typing, and the next keystrokes would press a button (a space
  // pressed Copy and replaced what the clipboard held).
  const area = kept.get(wid)?.area;
  if (!area) return false;
  area.focus();
  return true;
}
