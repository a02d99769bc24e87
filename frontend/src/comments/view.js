// How a thread is drawn: each comment with its author and time, the bill's words it quotes, its campaign, its
// endorsements, what became of it, the buttons this reader may use on it, and its replies under it.
import { h, t } from '../lib/dom.js';
import { shown } from './threads.js';

export class ThreadView {
  constructor(panel) {
    this.panel = panel;
  }

  /** `comment` (or a hidden comment's notice) with its replies (`byParent`, see threads) and, for a campaign's
   * entry whose signatures are open, those read so far (`signatures`: cluster id -> `{comments, next}`). */
  thread(comment, byParent, signatures = new Map()) {
    if (comment.notice) return this.hiddenNotice(comment, byParent);
    if (comment.withdrawn) return this.withdrawnPlace(comment, byParent);
    if (comment.waiting) return this.heldComment(comment, byParent);
    const { campaigns } = this.panel;
    const replies = byParent.get(comment.id) ?? [];
    const read = campaigns.readOf(comment, signatures);
    return h('li', { class: 'comment', dataset: { comment: comment.id, cluster: comment.cluster?.id } },
      this.meta(comment),
      this.quoted(comment),
      h('div', { class: 'comment-body' }, comment.body),
      campaigns.entry(comment, read !== undefined),
      h('p', { class: 'comment-meta' }, `${t('endorsements')}${t('colon')}`, h('span', { class: 'endorsement-count' }, comment.endorsements)),
      this.fate(comment),
      this.actions(comment),
      replies.length ? h('ol', { class: 'replies' }, replies.map((reply) => this.thread(reply, byParent))) : null,
      read ? campaigns.members(comment, read) : null);
  }

  /** The bill's words the comment quotes, set apart as a quotation of the bill; the comment itself is plain text. */
  quoted(comment) {
    return comment.quote ? h('figure', { class: 'comment-quote' },
      h('figcaption', { class: 'quote-label' }, this.quoteLabel(comment)),
      h('blockquote', {}, comment.quote)) : null;
  }

  /** "Quoting the bill:", or, for words quoted from an earlier version than the latest, which version (they may be
   * gone from the text now shown beside them), linked to it. */
  quoteLabel(comment) {
    const made = comment.made_on?.version;
    const latest = Math.max(0, ...this.panel.versions);
    if (!made || !latest || made === latest) return t('quoting_bill');
    return h('a', { href: `/bills/${this.panel.bill}?version=${made}` }, t('quoting_version', { version: made }));
  }

  /** Who wrote the comment, when, and when it was last changed. The name is isolated (`<bdi>`): one written
   * right to left, or holding direction controls, must not turn the date beside it around. */
  meta(comment) {
    return h('p', { class: 'comment-meta' },
      h('bdi', { class: 'comment-author' }, comment.author?.name ?? ''), ' · ', this.when(comment));
  }

  /** When the comment was posted, and last changed (one flat list: `h` flattens its children one level only). */
  when(comment) {
    const posted = h('time', { datetime: comment.created_at }, shown(comment.created_at));
    if (!comment.edited_at) return [posted];
    return [posted, ' · ', h('span', { class: 'comment-edited' }, t('edited', { time: shown(comment.edited_at) }))];
  }

  /** The reader's own comment that waits for a clerk (no one else is shown it): its words, so its author finds it
   * where it was posted, and the author's own buttons while they apply. One its author reported as not theirs
   * waits for a clerk too, but not to be published, and it is not its author's to withdraw any more. */
  heldComment(comment, byParent) {
    const replies = byParent.get(comment.id) ?? [];
    const buttons = comment.disowned ? [] : this.panel.own.buttons(comment);
    return h('li', { class: 'comment comment-held', dataset: { comment: comment.id } },
      h('p', { class: 'held-note' }, t(comment.disowned ? 'disowned_yours' : 'held_yours')),
      h('p', { class: 'comment-meta' }, this.when(comment)),
      this.quoted(comment),
      h('div', { class: 'comment-body' }, comment.body),
      buttons.length ? h('div', { class: 'comment-actions' }, buttons) : null,
      replies.length ? h('ol', { class: 'replies' }, replies.map((reply) => this.thread(reply, byParent))) : null);
  }

  /** Where a comment was hidden: the moderator's reason, the replies it drew, and for moderators a way back (a
   * hidden comment leaves the moderation queue, so its notice is where it can be restored). */
  hiddenNotice(notice, byParent) {
    const replies = byParent.get(notice.id) ?? [];
    return h('li', { class: 'comment-hidden', dataset: { comment: notice.id } },
      h('p', { class: 'hidden-note' }, notice.yours
        // The sentence goes on after the reason: a reason the clerk ended with a full stop keeps only that one.
        ? t('hidden_yours', { reason: (notice.reason ?? '').trim().replace(/[.\u3002]+$/u, '') })
        : t('hidden', { reason: notice.reason ?? '' })),
      // Its author alone sees its words again, to know which comment it was (the others see the notice).
      notice.yours ? h('blockquote', { class: 'hidden-own-body' }, notice.body) : null,
      this.panel.isModerator ? this.panel.staff.restoreButton(notice.id) : null,
      replies.length ? h('ol', { class: 'replies' }, replies.map((reply) => this.thread(reply, byParent))) : null);
  }

  /** Where a comment its author withdrew stood, so that the replies it drew stay under it: no words, no name. */
  withdrawnPlace(place, byParent) {
    const replies = byParent.get(place.id) ?? [];
    return h('li', { class: 'comment-withdrawn', dataset: { comment: place.id } },
      h('p', { class: 'withdrawn-note' }, t('withdrawn_by_author')),
      replies.length ? h('ol', { class: 'replies' }, replies.map((reply) => this.thread(reply, byParent))) : null);
  }

  /** What became of the comment ("you said, we did"): its fate and the answers it was given. */
  fate(comment) {
    const answers = comment.answers ?? [];
    if (!comment.fate && !answers.length) return null;
    return h('div', { class: 'comment-fate' },
      comment.fate ? h('p', { class: 'fate' }, h('strong', {}, `${t('fate')}${t('colon')}`), t(`fate_${comment.fate}`)) : null,
      answers.map((answer) => h('div', { class: 'comment-answer' },
        // The answer names no one (its `author` is an account id): it is the institution's answer.
        h('p', { class: 'comment-meta' }, `${t(answer.cluster_id ? 'campaign_answer' : 'answer')} · ${shown(answer.created_at)}`),
        h('div', { class: 'answer-body' }, answer.body),
        answer.amendment_id ? h('p', {}, h('a', { href: `/amendments/${answer.amendment_id}` }, t('answer_amendment'))) : null,
        answer.version ? h('p', {}, h('a', { href: `/bills/${this.panel.bill}?version=${answer.version}` }, t('answer_version', { version: answer.version }))) : null)));
  }

  /** The buttons this reader may use on `comment`, in a fixed order (the focus finds them again by their action). */
  actions(comment) {
    const { own, posting, reactions, staff } = this.panel;
    const panel = this.panel;
    const buttons = [];
    const mine = own.isMine(comment);
    if (panel.isCitizen && panel.open && !mine) buttons.push(reactions.endorseButton(comment));
    if (panel.isCitizen && panel.open && comment.reply_to === null) buttons.push(posting.replyButton(comment));
    if (mine) buttons.push(...own.buttons(comment));
    if (panel.user && !mine) buttons.push(reactions.reportButton(comment));
    if (panel.isAnswerer) buttons.push(...staff.answerButtons(comment));
    if (panel.isModerator) buttons.push(staff.hideButton(comment));
    return buttons.length ? h('div', { class: 'comment-actions' }, buttons) : null;
  }
}
