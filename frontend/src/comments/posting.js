// Posting in the panel: the provision's comment form (kept across re-renders, so what is being typed stays), a
// reply's form, and the post itself.
import { apiPatiently } from '../lib/api.js';
import { announce, h, t } from '../lib/dom.js';
import { busyIn, place } from './forms.js';

// Marks that open and close a quotation, as people type them around words they quote.
const OPENING_MARKS = '"\'“‘„‚«‹';
const CLOSING_MARKS = '"\'”’“‘»›';

/**
 * The quote as the API wants it: the words typed, without the spaces around them nor the quotation marks someone
 * put around them ("…", “…”, « … », '…'), which the provision's text does not hold. Marks that do not surround
 * the whole quote (`"a" and "b"`) stay.
 */
export function cleanQuote(typed) {
  let quote = (typed ?? '').trim();
  while (quote.length >= 2 && OPENING_MARKS.includes(quote[0]) && CLOSING_MARKS.includes(quote.at(-1))) {
    const inner = quote.slice(1, -1);
    if (inner.includes(quote[0]) || inner.includes(quote.at(-1))) break;
    quote = inner.trim();
  }
  return quote;
}

export class Posting {
  constructor(panel) {
    this.panel = panel;
    this.mainForm = null; // the comment form of the provision shown, kept across re-renders
    this.notice = ''; // what became of the last post, shown in the comment form across re-renders
  }

  /** The provision's comment form: the same one across re-renders, so that what is being typed stays. */
  form() {
    const { eid, open } = this.panel;
    const kept = this.mainForm;
    const typing = Boolean(kept?.querySelector('textarea')?.value);
    // Kept when the consultation closed while a comment was being typed: posting it says why it is refused.
    if (kept?.dataset.eid === eid && (kept.dataset.open === String(open) || typing)) return kept;
    this.mainForm = this.newForm();
    this.mainForm.dataset.eid = eid;
    this.mainForm.dataset.open = String(open);
    return this.mainForm;
  }

  newForm() {
    const panel = this.panel;
    if (!panel.open) return h('p', { class: 'meta' }, t('consultation_closed'));
    // Signed in with another role, a link to the sign-in page would only show the same page again.
    if (panel.role && !panel.isCitizen) return h('p', { class: 'meta' }, t('citizens_comment'));
    // After signing in, the reader comes back to this provision (the reader page scrolls to `eid`).
    const back = `${location.pathname}?eid=${encodeURIComponent(panel.eid)}`;
    if (!panel.isCitizen) return h('p', { class: 'meta' }, h('a', { href: `/login?next=${encodeURIComponent(back)}` }, t('sign_in_to_comment')));
    const id = `comment-text-${panel.eid}`;
    const textarea = h('textarea', { id, name: 'body', rows: 4, required: true });
    const hint = `${id}-quote-hint`;
    const quote = h('input', { id: `${id}-quote`, name: 'quote', autocomplete: 'off', 'aria-describedby': hint });
    // The outcome of the last post stays shown across re-renders (a live event may re-render right after it).
    const message = h('p', { class: 'message', role: 'status' }, this.notice ?? '');
    return h('form', {
      class: 'comment-form',
      onsubmit: async (event) => {
        event.preventDefault();
        await this.post({ eid: panel.eid, body: textarea.value, quote: cleanQuote(quote.value) || undefined }, message, event.target);
      },
    },
    h('label', { for: id }, t('your_comment')), textarea,
    h('label', { for: `${id}-quote` }, t('quote')),
    h('p', { id: hint, class: 'field-hint' }, t('quote_hint')), quote,
    h('p', {}, h('button', { type: 'submit' }, t('post'))),
    message);
  }

  /** The comment form stops saying what became of the last post: that comment has changed since. */
  forget() {
    this.notice = '';
    const message = this.mainForm?.querySelector(':scope > p.message');
    if (message) message.textContent = '';
  }

  /** The button that opens a reply's form under `comment`. */
  replyButton(comment) {
    return h('button', { type: 'button', class: 'secondary', dataset: { action: 'reply' }, onclick: (event) => this.replyForm(comment, event.target) }, t('reply'));
  }

  replyForm(comment, opener) {
    const host = opener.closest('.comment');
    if (host.querySelector(':scope > .comment-form')) return;
    const id = `reply-${comment.id}`;
    const textarea = h('textarea', { id, rows: 3, required: true });
    const message = h('p', { class: 'message', role: 'status' });
    const form = h('form', {
      class: 'comment-form',
      onsubmit: async (event) => {
        event.preventDefault();
        await this.post({ eid: comment.eid, body: textarea.value, reply_to: comment.id }, message, event.target);
      },
    }, h('label', { for: id }, t('reply')), textarea, h('p', {}, h('button', { type: 'submit' }, t('send_reply'))), message);
    place(host, form);
    textarea.focus();
  }

  async post(payload, message, form) {
    const panel = this.panel;
    const button = form.querySelector('button[type=submit]');
    if (button.disabled) return; // already on its way
    // What sent it (the button, or a field where Enter was pressed): disabling the button, or taking the reply's
    // form away, drops the focus on the page's body, so it is put somewhere useful once the thread shows the post.
    const sender = document.activeElement;
    button.disabled = true;
    let posted;
    try {
      posted = await apiPatiently('POST', `/api/bills/${panel.bill}/comments`, payload, busyIn(message));
    } catch (error) {
      message.textContent = t('refused', { message: error.message });
      if (error.code === 'email_not_verified') message.append(' ', confirmAgainLink());
    } finally {
      button.disabled = false;
    }
    if (!posted) {
      // Refused: the form stays as it was, and so does the focus (the text can be changed and sent again).
      if (document.activeElement === document.body && sender?.isConnected) sender.focus();
      return;
    }
    const note = posted.state === 'held' ? t('held') : t('posted');
    this.notice = note;
    panel.clearStatus(); // what it said was about an earlier change
    // Done with: a reply's form goes, the comment form empties (unless more was typed while it was on its way)
    // and says what became of the comment.
    if (form === this.mainForm) {
      const text = form.querySelector('textarea');
      if (text.value === payload.body) form.reset();
      form.querySelector('p.message').textContent = note;
    } else {
      form.remove();
    }
    announce(note);
    panel.onChange();
    await panel.refreshQuietly(); // posted all the same if the list cannot be read: it catches up at the next refresh
    const lost = !document.activeElement || document.activeElement === document.body;
    if (lost || (document.activeElement === sender && form.contains(sender))) this.focusPosted(posted, payload, form);
  }

  /**
   * After a post, the focus goes to the comment just posted (focusable by script only, so Tab does not stop on
   * every comment): a screen reader reads it out, and its own buttons (edit, withdraw) come next; one held for a
   * clerk is shown to its author as waiting. A comment the thread does not show (the list could not be read)
   * leaves it where the reader was: on the comment form's button, or on the Reply button whose form is gone.
   */
  focusPosted(posted, payload, form) {
    const panel = this.panel;
    const shown = panel.body.querySelector(`.comment[data-comment="${posted.id}"]`);
    if (shown) {
      shown.setAttribute('tabindex', '-1');
      shown.focus();
      return;
    }
    const back = form.isConnected ? form.querySelector('button[type=submit]') : panel.actionButton(payload.reply_to, 'reply');
    if (back && !back.disabled) back.focus();
  }
}

/** Where a citizen whose address is not confirmed yet asks for another confirmation mail, and comes back here. */
function confirmAgainLink() {
  const back = `${window.location.pathname}${window.location.search}`;
  return h('a', { href: `/verify/again?next=${encodeURIComponent(back)}` }, t('confirm_again'));
}
