// A reader's reactions to others' comments: endorsing one (citizens), reporting one to the clerks (anyone signed
// in). Each is done once per account and comment (a second is refused), so the buttons say when it is done.
import { apiPatiently } from '../lib/api.js';
import { announce, h, t } from '../lib/dom.js';
import { busyIn, place } from './forms.js';

// The API's reasons for a report (docs/api-consultation.md, "Comments").
const FLAG_REASONS = ['harassment', 'hate', 'spam', 'disinformation', 'personal_data', 'off_topic', 'impersonation', 'other'];

export class Reactions {
  constructor(panel) {
    this.panel = panel;
    // Comments this reader endorsed or reported while on the page. The list says `endorsed` and `flagged` for what
    // is done, but a refresh may race the write, and a second one would be refused: the button must not invite it.
    this.endorsed = new Set();
    this.endorsing = new Set(); // endorsements on their way: their buttons stay disabled across re-renders
    this.flagged = new Set();
  }

  endorseButton(comment) {
    if (comment.endorsed || this.endorsed.has(comment.id)) {
      return h('button', { type: 'button', class: 'secondary', disabled: true, dataset: { action: 'endorse' } }, t('endorsed'));
    }
    return h('button', {
      type: 'button', class: 'secondary', disabled: this.endorsing.has(comment.id), dataset: { action: 'endorse' },
      onclick: (event) => this.endorse(comment, event.currentTarget),
    }, t('endorse'));
  }

  /** Reported already (in this visit or an earlier one): saying so is all there is to do. */
  reportButton(comment) {
    if (comment.flagged || this.flagged.has(comment.id)) return h('span', { class: 'comment-reported' }, t('reported'));
    return h('button', { type: 'button', class: 'secondary', dataset: { action: 'flag' }, onclick: (event) => this.flagForm(comment, event.target) }, t('flag'));
  }

  async endorse(comment, button) {
    const panel = this.panel;
    // One endorsement on its way at a time: a double click must not send a second, which would be refused.
    if (this.endorsing.has(comment.id) || button.disabled) return;
    const focused = document.activeElement === button;
    this.endorsing.add(comment.id);
    button.disabled = true;
    try {
      await apiPatiently('POST', `/api/comments/${comment.id}/endorsements`);
      this.endorsed.add(comment.id);
    } catch (error) {
      // 409: endorsed before (in another visit or tab); say so where the reader looks, not only to screen readers.
      if (error.status === 409) this.endorsed.add(comment.id);
      const text = t('refused', { message: error.message });
      // A live refresh may have drawn the thread again meanwhile: the button shown now is the one to mend.
      const shownNow = button.isConnected ? button : panel.actionButton(comment.id, 'endorse');
      shownNow?.closest('.comment')?.querySelector(':scope > .comment-actions')
        ?.after(h('p', { class: 'message', role: 'status' }, text));
      if (shownNow && error.status === 409) shownNow.textContent = t('endorsed');
      else if (shownNow) shownNow.disabled = false;
      announce(text);
      return;
    } finally {
      this.endorsing.delete(comment.id);
    }
    announce(t('endorsed'));
    await panel.refreshQuietly();
    // The pressed button is now "Endorsed" and disabled: keyboard users stay on its comment.
    if (focused && !panel.body.contains(document.activeElement)) panel.focusAfter(comment.id, 'endorse');
  }

  flagForm(comment, opener) {
    const host = opener.closest('.comment');
    if (host.querySelector(':scope > .flag-form')) return;
    const id = `flag-${comment.id}`;
    const select = h('select', { id }, FLAG_REASONS.map((reason) => h('option', { value: reason }, t(`flag_${reason}`))));
    // A reason alone does not say which personal data, or whom the comment impersonates: the clerks read the note.
    const note = h('input', { id: `${id}-note`, autocomplete: 'off' });
    const message = h('p', { class: 'message', role: 'status' });
    const form = h('form', {
      class: 'flag-form inline-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const button = form.querySelector('button[type=submit]');
        if (button.disabled) return;
        button.disabled = true;
        let said;
        try {
          await apiPatiently('POST', `/api/comments/${comment.id}/flags`,
            { reason: select.value, note: note.value.trim() || undefined }, busyIn(message));
          said = t('flagged');
        } catch (error) {
          button.disabled = false;
          // Reported meanwhile from another tab or device (this page's list said not yet): that is no refusal.
          if (error.code !== 'already_done') {
            message.textContent = t('refused', { message: error.message });
            return;
          }
          said = t('already_reported');
        }
        this.flagged.add(comment.id);
        const done = h('p', { class: 'message', role: 'status', tabindex: '-1' }, said);
        const shownHost = form.closest('.comment');
        form.replaceWith(done);
        shownHost?.querySelector(':scope > .comment-actions > [data-action="flag"]')
          ?.replaceWith(h('span', { class: 'comment-reported' }, t('reported')));
        done.focus();
        announce(said);
      },
    }, h('label', { for: id }, t('flag_reason')), select,
    h('label', { for: `${id}-note` }, t('flag_note')), note,
    h('button', { type: 'submit' }, t('flag')), message);
    place(host, form);
    select.focus();
  }
}
