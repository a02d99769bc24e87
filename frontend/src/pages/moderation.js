// The moderation queue: a clerk hides (with a public reason) or restores each waiting comment, and suspends or
// reinstates the account that wrote it. The tallies and the lists follow what clerks decide, here and elsewhere,
// and what reaches the queue while the page is open: the page follows the moderation acts over the live connection,
// which names the comments they touched (never their words), and draws those comments as the server draws them
// (/moderation/rows), each in the list it is in now.
import { api } from '../lib/api.js';
import { announce, h, say, t } from '../lib/dom.js';
import { coalesced } from '../lib/schedule.js';
import { ask, connect } from '../lib/socket.js';

// The soonest the page counts again after counting: a campaign held by the hundred asks once, not a hundred times.
const RECOUNT_GAP_MS = 500;
// Each tally's list, and the items in it; the hidden comments are listed the latest first.
const ITEMS = { waiting: '.queued-comment', hidden: '.hidden-comment' };
const LISTS = { waiting: '.moderation-queue', hidden: '.hidden-comments' };
const DESCENDING = { waiting: false, hidden: true };
// The most comments one ask of /moderation/rows names (the server's limit).
const ROWS_PER_ASK = 200;

// The comments this page is deciding itself: their acts, told back over the connection, are not news from elsewhere.
const deciding = new Set();
let socket = null;
// The newest event the tallies shown count: an answer that crossed a newer one on its way is not shown.
let counted = 0;
// The comments the live connection named since the page last asked what to draw of them.
const named = new Set();
// How many asks for rows have started, and for each comment the first ask whose answer may draw it: one that
// started before the page took the comment out itself (decided here, or elsewhere) may show it as it was.
let asks = 0;
const drawnFrom = new Map();

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

/** Suspends or reinstates the account of `form` (one per queued comment), with the reason written in it. */
async function decideAccount(form) {
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

/** Ignores what asks for rows started until now say of comment `id`: the page changed it since they started. */
function drawnOnlyFromNow(id) {
  drawnFrom.set(id, asks + 1);
}

/**
 * An item decided elsewhere (by another clerk, or in another window) leaves its list, with a word of why; the
 * focus moves only if it was in that item, where the clerk may have been writing a reason.
 */
function decidedElsewhere(notice) {
  if (deciding.has(notice.comment)) return;
  const item = document.querySelector(`li[data-comment="${notice.comment}"]`);
  if (!item) return;
  drawnOnlyFromNow(notice.comment);
  leave(item, item.contains(document.activeElement));
  tell(t(notice.type === 'comment.hidden' ? 'hidden_elsewhere' : 'restored_elsewhere', { id: notice.comment }));
}

/** Whether comment `id` belongs on the page of list `name` shown: between the keys it starts after and ends at. */
function onThisPage(name, id) {
  const { after, until } = document.querySelector(`[data-tally="${name}"]`)?.dataset ?? {};
  const [beyondStart, beforeEnd] = DESCENDING[name] ? [(key) => id < key, (key) => id >= key]
    : [(key) => id > key, (key) => id <= key];
  return (!after || beyondStart(Number(after))) && (!until || beforeEnd(Number(until)));
}

/** The element of `fresh` that stands where `element` stands in the item it replaces: the same field or button. */
function twinOf(fresh, element) {
  if (element.id) return fresh.querySelector(`#${CSS.escape(element.id)}`);
  const form = element.closest('form');
  if (!form || element.tagName !== 'BUTTON') return null;
  return fresh.querySelector(`.${CSS.escape(form.classList[0])} button[value="${CSS.escape(element.value)}"]`)
    ?? fresh.querySelector(`.${CSS.escape(form.classList[0])} button[type=submit]`);
}

/** Shows `fresh` in place of `item` (the same comment, drawn again): the reasons being written and the focus stay. */
function redraw(item, fresh) {
  for (const input of item.querySelectorAll('input')) {
    const twin = twinOf(fresh, input);
    if (twin) twin.value = input.value;
  }
  const active = item.contains(document.activeElement) ? document.activeElement : null;
  const caret = typeof active?.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
  item.replaceWith(fresh);
  const again = active && twinOf(fresh, active);
  again?.focus();
  if (caret && again) again.setSelectionRange(...caret);
}

/**
 * Puts `fresh`, an item of list `name` drawn by the server, in its place on the page: in place of the same
 * comment's item, or in the list's order if the page shown reaches that far. A list emptied meanwhile (or empty
 * when loaded) comes back, as `answer` draws it, where the page said it was empty. Whether it is new here.
 */
function place(name, fresh, answer) {
  const id = Number(fresh.dataset.comment);
  const item = document.querySelector(`${ITEMS[name]}[data-comment="${id}"]`);
  if (item) {
    redraw(item, fresh);
    return false;
  }
  if (!onThisPage(name, id)) return false;
  let list = document.querySelector(LISTS[name]);
  if (!list) {
    const empty = document.querySelector(`[data-empty-of="${name}"]`);
    const focused = empty === document.activeElement;
    list = answer.querySelector(LISTS[name]).cloneNode(false);
    list.append(fresh);
    empty.replaceWith(list);
    // The focus was on the word that the list was empty: it goes to what now fills it, not to the page's top.
    if (focused) fresh.querySelector('input')?.focus();
    return true;
  }
  const next = [...list.children].find((other) => (DESCENDING[name] ? Number(other.dataset.comment) < id
    : Number(other.dataset.comment) > id));
  list.insertBefore(fresh, next ?? null);
  return true;
}

/** Asks the server how to draw comments `ids` now: the `.moderation-rows` it answers, both lists in it. */
async function rowsOf(ids) {
  const response = await fetch(`/moderation/rows?comments=${ids.join(',')}`,
    { credentials: 'same-origin', headers: { Accept: 'text/html' } });
  if (!response.ok) throw new Error(response.statusText);
  // Drawn by the server's templates, which escape what people wrote as they do for the page itself.
  const template = document.createElement('template');
  template.innerHTML = await response.text();
  return template.content.querySelector('.moderation-rows');
}

/**
 * Draws what became of comments `ids` (named by the live connection): each where it is now, in the queue or with
 * the hidden ones, and out of a list it left. Says which comments came to wait for a clerk, and which left a list
 * for other reasons than a decision (a decision's notice said so already).
 */
async function drawComments(ids, ask) {
  const answer = await rowsOf(ids);
  const arrived = [];
  for (const id of ids) {
    // A comment being decided here is drawn once decided (see `decide`); its item must stay as it is till then.
    if (deciding.has(id) || (drawnFrom.get(id) ?? 0) > ask) continue;
    for (const name of Object.keys(ITEMS)) {
      const fresh = answer.querySelector(`${ITEMS[name]}[data-comment="${id}"]`);
      const item = document.querySelector(`${ITEMS[name]}[data-comment="${id}"]`);
      if (fresh) {
        if (place(name, fresh, answer) && name === 'waiting') arrived.push(id);
      } else if (item) {
        leave(item, item.contains(document.activeElement));
        tell(t('left_meanwhile', { id }));
      }
    }
  }
  if (arrived.length === 1) tell(t('arrived', { id: arrived[0] }));
  else if (arrived.length > 1) tell(t('arrived_several', { count: arrived.length }));
}

// Draws the comments named since the last run, a few hundred an ask: a campaign held by the hundred asks once.
const draw = coalesced(async () => {
  const ids = [...named];
  named.clear();
  for (let start = 0; start < ids.length; start += ROWS_PER_ASK) {
    asks += 1;
    await drawComments(ids.slice(start, start + ROWS_PER_ASK), asks);
  }
  // The tallies say which of their items the lists show: those just drawn too.
  for (const name of Object.keys(ITEMS)) adjustTally(name, 0);
}, RECOUNT_GAP_MS);

/** Draws comment `id` again, as it is now, once the live connection has named it. */
function drawAgain(id) {
  named.add(id);
  draw();
}

function follow() {
  socket = connect();
  socket.on('connect', recount);
  socket.on('moderation', (notice) => {
    if (notice.type === 'comment.hidden' || notice.type === 'comment.restored') decidedElsewhere(notice);
    else if (notice.type === 'account.suspended' || notice.type === 'account.reinstated') {
      showAccount(notice.user, notice.type === 'account.suspended');
    }
    // A comment this page is deciding is drawn again once decided (see `decide`).
    if (notice.comment && !deciding.has(notice.comment)) drawAgain(notice.comment);
    recount();
  });
}

/** Hides or restores the comment of `form` as its `submitter` asks, with the reason written in it. */
async function decide(form, submitter) {
  const item = form.closest('[data-comment]');
  const id = Number(item.dataset.comment);
  const action = submitter?.value ?? 'hide';
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
    drawnOnlyFromNow(id);
    leave(item);
    // A queued comment leaves the queue, for the hidden ones when hidden; a hidden one restored leaves those.
    adjustTally(queued ? 'waiting' : 'hidden', -1);
    if (action === 'hide') adjustTally('hidden', 1);
    if (socket) {
      recount();
      // A comment hidden here joins the hidden ones, drawn as the server draws them.
      drawAgain(id);
    }
  } catch (error) {
    say('moderation-message', t('refused', { message: error.message }));
  } finally {
    deciding.delete(id);
  }
}

export async function start() {
  // Listened for on the page, not on each form: the items drawn since it was loaded have the same forms.
  document.addEventListener('submit', (event) => {
    const form = event.target.closest('.moderation-form, .account-form');
    if (!form) return;
    event.preventDefault();
    if (form.matches('.account-form')) decideAccount(form);
    else decide(form, event.submitter);
  });
  follow();
}
