// The moderation queue: a clerk hides (with a public reason) or restores each waiting comment, and suspends or
// reinstates the account that wrote it. The tallies and the lists follow what clerks decide, here and elsewhere:
// the page follows the moderation acts over the live connection.
import { api } from '../lib/api.js';
import { announce, h, say, t } from '../lib/dom.js';
import { coalesced } from '../lib/schedule.js';
import { ask, connect } from '../lib/socket.js';

// The soonest the page counts again after counting: a campaign held by the hundred asks once, not a hundred times.
const RECOUNT_GAP_MS = 500;
// Each tally's list, and the items in it.
const ITEMS = { waiting: '.queued-comment', hidden: '.hidden-comment' };

// The comments this page is deciding itself: their acts, told back over the connection, are not news from elsewhere.
const deciding = new Set();
let socket = null;
// The newest event the tallies shown count: an answer that crossed a newer one on its way is not shown.
let counted = 0;

/** Says `message` where the page's messages go, and to screen-reader users. */
function tell(message) {
  say('moderation-message', message);
  announce(message);
}

/**
 * Shows tally `name` ('waiting' or 'hidden') as holding `total`, `before` of them before this page, as the page
 * says it when loaded; the range shown is the items its list holds now. An empty list hides its tally.
 */
function showTally(name, { total, before }) {
  const tally = document.querySelector(`[data-tally="${name}"]`);
  if (!tally) return;
  Object.assign(tally.dataset, { total, before });
  const shown = document.querySelectorAll(ITEMS[name]).length;
  const first = before + 1;
  const last = before + shown;
  let text = t(`${name}_tally`, { total });
  if (shown && (first > 1 || last < total)) text += ` ${t('shown_here', { first, last })}`;
  // Counted but none listed (decided here, or come since the page was loaded): never "none" beneath a count.
  if (!shown && total) text += ` ${t('not_shown')}`;
  tally.textContent = total ? text : '';
  tally.hidden = !total;
  const empty = document.querySelector(`[data-empty-of="${name}"]`);
  if (empty) empty.hidden = Boolean(total);
}

/** Changes tally `name` by `change` at once (the count from the server follows). */
function adjustTally(name, change) {
  const tally = document.querySelector(`[data-tally="${name}"]`);
  if (!tally) return;
  showTally(name, { total: Math.max(0, Number(tally.dataset.total) + change), before: Number(tally.dataset.before) });
}

/** The key each list's page starts after (null: its first page), for counting what comes before it. */
function pageKeys() {
  const key = (name) => {
    const after = document.querySelector(`[data-tally="${name}"]`)?.dataset.after;
    return after ? Number(after) : null;
  };
  return { queue_after: key('waiting'), hidden_after: key('hidden') };
}

// Follows the moderation acts (again) and shows the tallies as they stand now.
const recount = coalesced(async () => {
  const answer = await ask(socket, 'follow_moderation', pageKeys());
  if (!answer.ok || answer.last_event_id < counted) return;
  counted = answer.last_event_id;
  showTally('waiting', answer.waiting);
  showTally('hidden', answer.hidden);
  // The tallies say up to which event they count: from then on the page follows the acts as they come.
  for (const tally of document.querySelectorAll('[data-tally]')) tally.dataset.counted = counted;
}, RECOUNT_GAP_MS);

/** Shows every form of account `user` (one per queued comment) as `suspended` or not. */
function showAccount(user, suspended) {
  for (const form of document.querySelectorAll(`.account-form[data-user="${user}"]`)) {
    const { name } = form.dataset;
    form.dataset.suspended = suspended ? '1' : '0';
    form.querySelector('.account-state').textContent = suspended ? ` · ${t('account_suspended')}` : '';
    const button = form.querySelector('button[type=submit]');
    button.textContent = t(suspended ? 'reinstate_account' : 'suspend_account', { name });
    button.className = suspended ? 'secondary' : 'danger';
  }
}

function setUpAccountForms() {
  for (const form of document.querySelectorAll('.account-form')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const { user, name } = form.dataset;
      const suspended = form.dataset.suspended === '1';
      const input = form.querySelector('[name=reason]');
      const message = form.querySelector('.message');
      const reason = input.value.trim();
      // The API needs a reason to suspend (it is recorded); reinstating may go without one.
      if (!suspended && !reason) {
        message.textContent = t('suspension_reason_required');
        input.focus();
        return;
      }
      try {
        await api(suspended ? 'DELETE' : 'POST', `/api/users/${user}/suspension`, { reason: reason || undefined });
        showAccount(user, !suspended);
        input.value = '';
        message.textContent = t(suspended ? 'reinstated_account' : 'suspended_account', { name });
      } catch (error) {
        message.textContent = t('refused', { message: error.message });
      }
    });
  }
}

/**
 * Takes a decided `item` out of the queue. The focus, which was on the item's button, goes to the next item's
 * reason (or the previous one's, for the last item); when none is left, the queue says so where it stood, as the
 * page does when loaded with nothing queued, and that message takes the focus: never the page's body, from where a
 * keyboard or screen-reader user would start again at the top.
 */
function leave(item, moveFocus = true) {
  const next = item.nextElementSibling ?? item.previousElementSibling;
  const queue = item.parentElement;
  item.remove();
  if (next) {
    if (moveFocus) next.querySelector('input')?.focus();
    return;
  }
  // Each list says in its own words that it is empty (the queue, the comments hidden lately).
  const name = item.matches(ITEMS.hidden) ? 'hidden' : 'waiting';
  const empty = h('p', { class: 'queue-empty', tabindex: '-1', 'data-empty-of': name },
    queue.dataset.empty || t('queue_empty'));
  queue.replaceWith(empty);
  if (moveFocus) empty.focus();
}

/**
 * An item decided elsewhere (by another clerk, or in another window) leaves its list, with a word of why; the
 * focus moves only if it was in that item, where the clerk may have been writing a reason.
 */
function decidedElsewhere(notice) {
  if (deciding.has(notice.comment)) return;
  const item = document.querySelector(`li[data-comment="${notice.comment}"]`);
  if (!item) return;
  leave(item, item.contains(document.activeElement));
  tell(t(notice.type === 'comment.hidden' ? 'hidden_elsewhere' : 'restored_elsewhere', { id: notice.comment }));
}

function follow() {
  socket = connect();
  socket.on('connect', recount);
  socket.on('moderation', (notice) => {
    if (notice.type === 'comment.hidden' || notice.type === 'comment.restored') decidedElsewhere(notice);
    else if (notice.type === 'account.suspended' || notice.type === 'account.reinstated') {
      showAccount(notice.user, notice.type === 'account.suspended');
    }
    recount();
  });
}

export async function start() {
  setUpAccountForms();
  for (const form of document.querySelectorAll('.moderation-form')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const item = form.closest('[data-comment]');
      const id = Number(item.dataset.comment);
      const action = event.submitter?.value ?? 'hide';
      const reason = form.querySelector('[name=reason]').value.trim();
      if (action === 'hide' && !reason) {
        say('moderation-message', t('reason_required'));
        form.querySelector('[name=reason]').focus();
        return;
      }
      const queued = item.matches(ITEMS.waiting);
      deciding.add(id);
      try {
        await api('POST', `/api/comments/${id}/moderation`, { action, reason: reason || undefined });
        tell(t(action === 'hide' ? 'hidden_done' : 'restored_done', { id }));
        leave(item);
        // A queued comment leaves the queue, for the hidden ones when hidden; a hidden one restored leaves those.
        adjustTally(queued ? 'waiting' : 'hidden', -1);
        if (action === 'hide') adjustTally('hidden', 1);
        if (socket) recount();
      } catch (error) {
        say('moderation-message', t('refused', { message: error.message }));
      } finally {
        deciding.delete(id);
      }
    });
  }
  follow();
}
