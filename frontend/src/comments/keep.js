// What a re-render of the thread keeps: the forms being filled in move under their comments in the new list, and
// the focus (with the caret) stays where it was or goes to the same place in the same comment.
import { place } from './forms.js';

/** Where `element` stands: its comment, its action if it is an action button, and the path of child positions
 * from that comment down to it. */
function placeOf(element) {
  const host = element.closest('.comment');
  if (!host) return null;
  const path = [];
  for (let node = element; node !== host; node = node.parentElement) path.unshift([...node.parentElement.children].indexOf(node));
  return {
    id: host.dataset.comment, action: element.dataset.action ?? null, path, tag: element.tagName,
    className: element.className, tabindex: element.getAttribute('tabindex'),
  };
}

/** The element at `where` in a freshly rendered `list`: the same action's button, else the same kind of element at
 * the same place; the comment itself when that is gone or can no longer take the focus (an endorsement done). */
function find(list, where) {
  const host = list.querySelector(`.comment[data-comment="${where.id}"]`);
  if (!host) return null;
  let node;
  if (where.action) {
    node = host.querySelector(`:scope > .comment-actions > [data-action="${where.action}"]`);
  } else {
    node = host;
    for (const index of where.path) node = node?.children[index];
    if (node && (node.tagName !== where.tag || node.className !== where.className)) node = null;
  }
  if (node && !node.disabled) return node;
  host.setAttribute('tabindex', '-1');
  return host;
}

/**
 * Remembers where the focus is in `body` before a re-render; the function returned puts it back in the new `list`:
 * on the same node when it was carried over, else on the element at the same place in the same comment (a button,
 * the answer just given).
 */
export function keepFocus(body) {
  const active = body.contains(document.activeElement) ? document.activeElement : null;
  const caret = typeof active?.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
  const where = active ? placeOf(active) : null;
  return (list) => {
    const again = active?.isConnected ? active : where && find(list, where);
    if (!again || document.activeElement === again) return;
    if (where?.tabindex !== null && where?.tabindex !== undefined) again.setAttribute('tabindex', where.tabindex);
    again.focus({ preventScroll: true });
    if (caret && again === active) active.setSelectionRange(...caret);
  };
}

/**
 * Moves the forms someone is filling in under `body`'s comments (a reply, an answer, a reason to hide) into the new
 * `list`, under the same comment. A form whose comment is now one of a campaign's signatures, read on demand, and
 * which holds text, waits under the campaign's entry; `onWaiting(cluster)` is told so that the campaign opens and
 * the next refresh puts the form back under its comment. A comment that left the list (hidden, withdrawn) takes
 * its form with it.
 */
export function carryForms(body, list, onWaiting) {
  for (const form of body.querySelectorAll('.comment > form')) {
    const host = list.querySelector(`.comment[data-comment="${form.dataset.for}"]`);
    if (host) {
      place(host, form);
      continue;
    }
    const cluster = form.dataset.cluster;
    const campaign = cluster
      && list.querySelector(`.comment[data-cluster="${cluster}"]:has(> .comment-campaign > .campaign-toggle)`);
    if (campaign && [...form.querySelectorAll('textarea, input')].some((field) => field.value)) {
      place(campaign, form);
      onWaiting(Number(cluster));
    }
  }
}
