// The moderation queue: a clerk hides (with a public reason) or restores each waiting comment, and suspends or
// reinstates the account that wrote it.
import { api } from '../lib/api.js';
import { announce, h, say, t } from '../lib/dom.js';

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
function leave(item) {
  const next = item.nextElementSibling ?? item.previousElementSibling;
  const queue = item.parentElement;
  item.remove();
  if (next) {
    next.querySelector('input')?.focus();
    return;
  }
  // Each list says in its own words that it is empty (the queue, the comments hidden lately).
  const empty = h('p', { class: 'queue-empty', tabindex: '-1' }, queue.dataset.empty || t('queue_empty'));
  queue.replaceWith(empty);
  empty.focus();
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
      try {
        await api('POST', `/api/comments/${id}/moderation`, { action, reason: reason || undefined });
        const done = t(action === 'hide' ? 'hidden_done' : 'restored_done', { id });
        say('moderation-message', done);
        announce(done);
        leave(item);
      } catch (error) {
        say('moderation-message', t('refused', { message: error.message }));
      }
    });
  }
}
