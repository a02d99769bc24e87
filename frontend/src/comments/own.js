// One's own comment in the panel: changing or withdrawing it while the server allows it (until its
// `editable_until`), and "this was not me" for a comment someone else posted from the account.
import { api } from '../lib/api.js';
import { announce, h, t } from '../lib/dom.js';
import { place, submitting } from './forms.js';

// Beyond this, setTimeout fires at once (its delay is a 32-bit count of milliseconds).
const LONGEST_TIMER_MS = 2 ** 31 - 1;
// The thread is drawn again this long after an edit window shown has closed, so the buttons go once it has.
const AFTER_CLOSING_MS = 50;

/** Until when (ms since the epoch, by the server's clock) its author may change or withdraw `comment`, as the
 * list says; null when it does not say (another account's comment, or an older server). */
export function editableUntil(comment) {
  const until = Date.parse(comment.editable_until ?? '');
  return Number.isFinite(until) ? until : null;
}

/** Whether its author may change or withdraw `comment` as far as the list tells: not once Parliament has answered
 * it, on its own or as part of its campaign (the server refuses with 409 comment_answered). */
export const unanswered = (comment) => !(comment.answers ?? []).length;

/** How long the edit window of `comment` is, in whole minutes (at least one); null when the list does not say.
 * Both ends are the server's times, so the browser's clock does not enter into it. */
export function windowMinutes(comment) {
  const until = editableUntil(comment);
  const posted = Date.parse(comment.created_at ?? '');
  if (until === null || !Number.isFinite(posted)) return null;
  return Math.max(1, Math.round((until - posted) / 60000));
}

export class OwnComments {
  /** `panel`: the CommentsPanel; `clock`: the server's time as the page knows it (a ServerClock). */
  constructor(panel, clock) {
    this.panel = panel;
    this.clock = clock;
    this.tooLate = new Set(); // comments the server said can no longer be changed, whatever the clocks say
    this.windowEnd = null; // when the next of the author's edit windows shown closes, and its timer
    this.windowTimer = null;
  }

  isMine(comment) {
    const { user } = this.panel;
    return user !== null && user !== undefined && comment.author?.id === user;
  }

  /** Whether the author may still change or withdraw `comment`, as far as the page can tell: until its
   * `editable_until` by the server's clock. The server's refusal (409 edit_window_closed) has the last word. */
  changeable(comment) {
    if (this.tooLate.has(comment.id)) return false;
    const until = editableUntil(comment);
    return until === null || this.clock.now() < until;
  }

  /** The author's own buttons: change and withdraw while the edit window is open and Parliament has not answered
   * (changing also needs the consultation open), and "this was not me" for a comment someone else posted from the
   * account. */
  buttons(comment) {
    const buttons = [];
    if (this.changeable(comment) && unanswered(comment)) {
      if (this.panel.open) {
        buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'edit' }, onclick: (event) => this.editForm(comment, event.target) }, t('edit')));
      }
      buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'withdraw' }, onclick: (event) => this.withdrawForm(comment, event.target) }, t('withdraw')));
      const until = editableUntil(comment);
      if (until !== null) this.watch(until);
    }
    buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'not-mine' }, onclick: (event) => this.notMineForm(comment, event.target) }, t('not_mine')));
    return buttons;
  }

  /** Draws the thread again when an edit window shown closes at `end` (ms, server's clock), so its buttons go. */
  watch(end) {
    const now = this.clock.now();
    if (this.windowEnd !== null && this.windowEnd > now && this.windowEnd <= end) return;
    if (end - now > LONGEST_TIMER_MS) return;
    clearTimeout(this.windowTimer);
    this.windowEnd = end;
    // A delay, so the same on either clock: the browser's timer fires when the server's clock reaches `end`.
    this.windowTimer = setTimeout(() => {
      this.windowEnd = null;
      this.panel.refreshSoon();
    }, Math.max(0, end - now) + AFTER_CLOSING_MS);
  }

  /** The panel closed: no thread to draw again. */
  stopWatching() {
    clearTimeout(this.windowTimer);
    this.windowEnd = null;
  }

  /** A refusal of the API in the reader's words; the edit window's own, since the server's sentence is English. */
  refusal(error, comment) {
    const minutes = windowMinutes(comment);
    if (error.code === 'edit_window_closed' && minutes !== null) return t('edit_too_late', { minutes });
    return t('refused', { message: error.message });
  }

  /** The server says `comment` can no longer be changed: its change and withdraw buttons go. */
  closeWindow(comment, host) {
    this.tooLate.add(comment.id);
    for (const button of host?.querySelectorAll(':scope > .comment-actions > [data-action="edit"], :scope > .comment-actions > [data-action="withdraw"]') ?? []) {
      button.remove();
    }
  }

  /** Says why `error` refused a change or withdrawal of `comment` in `message`; a closed window takes its buttons,
   * and an answer given meanwhile is shown (the thread drawn again offers no change or withdrawal). */
  refused(error, comment, message, form) {
    message.textContent = this.refusal(error, comment);
    if (error.code === 'edit_window_closed') this.closeWindow(comment, form.closest('.comment'));
    if (error.code === 'comment_answered') this.panel.refreshSoon();
    announce(message.textContent);
  }

  /** Changes one's own comment in place (the API's PATCH): the text as it is now, ready to be changed. */
  editForm(comment, opener) {
    const host = opener.closest('.comment');
    const open = host.querySelector(':scope > .edit-form');
    if (open) {
      open.querySelector('textarea').focus();
      return;
    }
    const id = `edit-${comment.id}`;
    const textarea = h('textarea', { id, rows: 4, required: true });
    textarea.value = comment.body;
    const message = h('p', { class: 'message', role: 'status' });
    const form = h('form', {
      class: 'edit-form comment-form',
      onsubmit: async (event) => {
        event.preventDefault();
        await this.saveEdit(comment, textarea, message, form);
      },
    },
    h('label', { for: id }, t('edit_label')), textarea,
    h('p', { class: 'form-buttons' },
      h('button', { type: 'submit' }, t('save_edit')),
      h('button', { type: 'button', class: 'secondary', onclick: () => this.panel.dismiss(form, comment.id, 'edit') }, t('cancel'))),
    message);
    place(host, form);
    textarea.focus();
  }

  async saveEdit(comment, textarea, message, form) {
    const panel = this.panel;
    const sent = await submitting(form, () => api('PATCH', `/api/comments/${comment.id}`, { body: textarea.value }));
    if (sent.busy) return;
    if (sent.error) {
      this.refused(sent.error, comment, message, form);
      return;
    }
    const edited = sent.value;
    form.remove();
    // An edit the lexicon holds takes the comment out of public view until a clerk has read it.
    const held = edited?.state === 'held';
    if (held) panel.onChange();
    // Said once the thread shows what it says (the comment changed, or gone from it).
    await panel.refreshQuietly();
    panel.say(held ? t('edit_held') : t('edit_saved'));
    panel.focusAfter(comment.id, 'edit');
  }

  /** Withdrawing one's own comment, once the author confirms: it cannot be undone. */
  withdrawForm(comment, opener) {
    const panel = this.panel;
    const host = opener.closest('.comment');
    const open = host.querySelector(':scope > .withdraw-form');
    if (open) {
      open.querySelector('button').focus();
      return;
    }
    const message = h('p', { class: 'message', role: 'status' });
    const keep = h('button', { type: 'button', class: 'secondary', onclick: () => panel.dismiss(form, comment.id, 'withdraw') }, t('withdraw_no'));
    const form = h('form', {
      class: 'withdraw-form inline-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const sent = await submitting(form, () => api('DELETE', `/api/comments/${comment.id}`));
        if (sent.busy) return;
        if (sent.error) {
          this.refused(sent.error, comment, message, form);
          return;
        }
        form.remove();
        panel.onChange();
        await panel.refreshQuietly();
        panel.say(t('withdrawn_done'));
        panel.focusAfter(comment.id, 'withdraw');
      },
    },
    h('p', {}, t('withdraw_confirm')),
    h('button', { type: 'submit', class: 'danger' }, t('withdraw_yes')), keep,
    message);
    place(host, form);
    // The harmless choice first: a second press of Enter keeps the comment.
    keep.focus();
  }

  /** "This was not me": the account holder says someone else posted this from their account. */
  notMineForm(comment, opener) {
    const panel = this.panel;
    const host = opener.closest('.comment');
    const open = host.querySelector(':scope > .not-mine-form');
    if (open) {
      open.querySelector('textarea').focus();
      return;
    }
    const id = `not-mine-${comment.id}`;
    const note = h('textarea', { id, rows: 2 });
    const message = h('p', { class: 'message', role: 'status' });
    const form = h('form', {
      class: 'not-mine-form comment-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const sent = await submitting(form, () => api('POST', `/api/comments/${comment.id}/not-mine`,
          { note: note.value.trim() || undefined }));
        if (sent.busy) return;
        if (sent.error) {
          message.textContent = t('refused', { message: sent.error.message });
          announce(message.textContent);
          return;
        }
        form.remove();
        panel.onChange();
        await panel.refreshQuietly();
        // Someone else could post from the account: a new password keeps them out.
        panel.say(`${t('not_mine_done')} `, h('a', { href: '/account/password' }, t('change_password')));
        // The comment stays in its author's thread, reported and without buttons: what to read next, and the way
        // to a new password, is the message.
        panel.status.focus();
      },
    },
    h('p', {}, t('not_mine_explain')),
    h('label', { for: id }, t('not_mine_note')), note,
    h('p', { class: 'form-buttons' },
      h('button', { type: 'submit', class: 'danger' }, t('not_mine_send')),
      h('button', { type: 'button', class: 'secondary', onclick: () => panel.dismiss(form, comment.id, 'not-mine') }, t('cancel'))),
    message);
    place(host, form);
    note.focus();
  }
}
