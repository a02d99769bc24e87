// What the institution does in the panel: drafters, clerks and admins answer a comment or at once every signatory
// of its campaign ("you said, we did"); clerks and admins hide a comment (with a public reason) or restore it.
import { api, apiPages } from '../lib/api.js';
import { announce, h, t } from '../lib/dom.js';
import { place, pressing, submitting } from './forms.js';

// The API's fates of a comment (docs/api-consultation.md, "Answers").
const FATES = ['taken_up', 'partly_taken_up', 'not_taken_up', 'noted'];

export class StaffTools {
  constructor(panel) {
    this.panel = panel;
    this.amendments = null; // the bill's amendments, fetched once for the answer form
  }

  /** "Give an answer", and for a campaign's comment "Answer the whole campaign". */
  answerButtons(comment) {
    const buttons = [h('button', { type: 'button', class: 'secondary', dataset: { action: 'answer' }, onclick: (event) => this.answerForm(comment, event.target) }, t('answer_comment'))];
    if (comment.cluster?.campaign) {
      buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'answer-campaign' }, onclick: (event) => this.answerForm(comment, event.target, comment.cluster) }, t('answer_campaign')));
    }
    return buttons;
  }

  hideButton(comment) {
    return h('button', { type: 'button', class: 'danger', dataset: { action: 'hide' }, onclick: (event) => this.hideForm(comment, event.target) }, t('hide'));
  }

  /** The bill's amendments an answer may name, fetched on the first answer form and kept for the page. */
  amendmentsOfBill() {
    this.amendments ??= apiPages(`/api/bills/${this.panel.bill}/amendments`, ['amendments'])
      // An answer is public: it links only amendments tabled in the House (a draft has no number yet).
      .then((data) => (data.amendments ?? []).filter((item) => item.number != null))
      .catch(() => {
        this.amendments = null; // try again with the next form
        return [];
      });
    return this.amendments;
  }

  /**
   * "You said, we did": the answer, the comment's fate and, optionally, the amendment or version it led to. Given
   * the comment's campaign `cluster`, the answer goes to every signatory of it at once.
   */
  answerForm(comment, opener, cluster = null) {
    const panel = this.panel;
    const host = opener.closest('.comment');
    const id = cluster ? `answer-campaign-${comment.id}` : `answer-${comment.id}`;
    const open = host.querySelector(`:scope > .answer-form[data-form="${id}"]`);
    if (open) {
      document.getElementById(id)?.focus();
      return;
    }
    const textarea = h('textarea', { id, rows: 3, required: true });
    const fate = h('select', { id: `${id}-fate` }, FATES.map((value) => h('option', { value }, t(`fate_${value}`))));
    const amendment = h('select', { id: `${id}-amendment` }, h('option', { value: '' }, t('none')));
    const version = h('select', { id: `${id}-version` }, h('option', { value: '' }, t('none')),
      panel.versions.map((value) => h('option', { value }, t('answer_version', { version: value }))));
    const message = h('p', { class: 'message', role: 'status' });
    // Named as the amendments page names them: a draft has no order-paper number, and its id would read as another
    // amendment's ("Amendment 2" twice); the state says which ones took nothing up.
    const named = (item) => (item.number != null
      ? `${t('amendment')} ${item.number} · ${item.citation ?? item.eid}`
      : t('draft_amendment_to', { citation: item.citation ?? item.eid }));
    this.amendmentsOfBill().then((amendments) => amendment.append(...amendments.map((item) => h('option', { value: item.id },
      `${named(item)} (${t(`state_${item.state}`)})`))));
    const form = h('form', {
      class: 'answer-form comment-form',
      dataset: { form: id },
      onsubmit: async (event) => {
        event.preventDefault();
        const payload = { body: textarea.value, fate: fate.value };
        if (amendment.value) payload.amendment_id = Number(amendment.value);
        if (version.value) payload.version = Number(version.value);
        // Once: a double click would publish the answer twice and mail the citizen (or every signatory) twice.
        const sent = await submitting(form, () => api('POST',
          cluster ? `/api/clusters/${cluster.id}/answers` : `/api/comments/${comment.id}/answers`, payload));
        if (sent.busy) return;
        if (sent.error) {
          message.textContent = t('refused', { message: sent.error.message });
          return;
        }
        form.remove();
        await panel.refreshQuietly();
        // The form is gone: the focus goes to what it produced.
        const fateShown = panel.body.querySelector(`.comment[data-comment="${comment.id}"] > .comment-fate`);
        fateShown?.setAttribute('tabindex', '-1');
        fateShown?.focus();
        announce(cluster ? t('campaign_answered', { size: cluster.size }) : t('answered', { id: comment.id }));
      },
    },
    h('label', { for: id }, cluster ? t('campaign_your_answer', { size: cluster.size }) : t('your_answer')), textarea,
    h('label', { for: `${id}-fate` }, t('fate')), fate,
    h('label', { for: `${id}-amendment` }, t('answer_amendment_optional')), amendment,
    h('label', { for: `${id}-version` }, t('answer_version_optional')), version,
    h('p', {}, h('button', { type: 'submit' }, t(cluster ? 'send_campaign_answer' : 'send_answer'))),
    message);
    place(host, form);
    textarea.focus();
  }

  hideForm(comment, opener) {
    const panel = this.panel;
    const host = opener.closest('.comment');
    if (host.querySelector(':scope > .hide-form')) return;
    const id = `hide-${comment.id}`;
    const input = h('input', { id, required: true, autocomplete: 'off' });
    const message = h('p', { class: 'message', role: 'status' });
    const form = h('form', {
      class: 'hide-form inline-form',
      onsubmit: async (event) => {
        event.preventDefault();
        // Once: a second press would only be refused, and say so beside the comment just hidden.
        const sent = await submitting(form, () => api('POST', `/api/comments/${comment.id}/moderation`,
          { action: 'hide', reason: input.value }));
        if (sent.busy) return;
        if (sent.error) {
          message.textContent = t('refused', { message: sent.error.message });
          return;
        }
        form.remove();
        announce(t('hidden_done', { id: comment.id }));
        await panel.refreshQuietly();
        panel.onChange();
      },
    }, h('label', { for: id }, t('reason')), input, h('button', { type: 'submit', class: 'danger' }, t('hide')), message);
    place(host, form);
    input.focus();
  }

  /** A hidden comment's "Restore": it leaves the moderation queue when hidden, so its notice is where it comes back. */
  restoreButton(id) {
    return h('button', { type: 'button', class: 'secondary', onclick: (event) => this.restore(id, event.target) }, t('restore'));
  }

  async restore(id, button) {
    const panel = this.panel;
    const sent = await pressing(button, () => api('POST', `/api/comments/${id}/moderation`, { action: 'restore' }));
    if (sent.busy) return;
    if (sent.error) {
      button.after(h('p', { class: 'message', role: 'status' }, t('refused', { message: sent.error.message })));
      return;
    }
    announce(t('restored_done', { id }));
    await panel.refreshQuietly();
    panel.onChange();
  }
}
