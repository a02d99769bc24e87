// The comment sidebar of the reader: threads on one provision, posting, replies, endorsements, reports,
// a clerk's hide button, and the answer ("you said, we did") drafters and clerks give a comment, or at once to
// every signatory of a campaign (a form letter's cluster).
import { api, apiPages, apiPatiently } from '../lib/api.js';
import { announce, h, t } from '../lib/dom.js';
import { coalesced } from '../lib/schedule.js';

const FLAG_REASONS = ['harassment', 'hate', 'spam', 'disinformation', 'personal_data', 'off_topic', 'impersonation', 'other'];
// The API's fates of a comment (docs/api-consultation.md, "Answers").
const FATES = ['taken_up', 'partly_taken_up', 'not_taken_up', 'noted'];
const ANSWERERS = new Set(['drafter', 'clerk', 'admin']);
// Live events refresh the open thread; a flood of them is served by a request a second at most.
const REFRESH_GAP_MS = 1000;
// A campaign's signatures are read this many at a time.
const SIGNATURES_PAGE = 100;

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

/** The element at `place` in a freshly rendered `list`: the same action's button, else the same kind of element at
 * the same place; the comment itself when that is gone or can no longer take the focus (an endorsement done). */
function find(list, place) {
  const host = list.querySelector(`.comment[data-comment="${place.id}"]`);
  if (!host) return null;
  let node;
  if (place.action) {
    node = host.querySelector(`:scope > .comment-actions > [data-action="${place.action}"]`);
  } else {
    node = host;
    for (const index of place.path) node = node?.children[index];
    if (node && (node.tagName !== place.tag || node.className !== place.className)) node = null;
  }
  if (node && !node.disabled) return node;
  host.setAttribute('tabindex', '-1');
  return host;
}

/** Puts an opened form under its comment, right after the comment's own buttons: above its replies and the
 * campaign's signatures, however many there are. */
function place(host, form) {
  // The comment the form is for, and its cluster, stay with it wherever it waits (see render).
  form.dataset.for ??= host.dataset.comment;
  form.dataset.cluster ??= host.dataset.cluster;
  const actions = host.querySelector(':scope > .comment-actions');
  if (actions) actions.after(form);
  else host.append(form);
}

/** Options for `apiPatiently` that say in `message` why a write turned away for a moment has not gone yet. */
const busyIn = (message) => ({ onWait: (seconds) => { message.textContent = t('busy_retrying', { seconds }); } });

export class CommentsPanel {
  constructor({ bill, root, layout, open, role, user, versions = [], labelOf, onChange }) {
    this.bill = bill;
    this.root = root;
    this.layout = layout;
    this.open = open;
    this.role = role;
    this.user = user;
    this.versions = versions;
    this.amendments = null; // the bill's amendments, fetched once for the answer form
    this.labelOf = labelOf;
    this.onChange = onChange;
    this.eid = null;
    this.opener = null;
    // Comments this reader endorsed while on the page (the list says `endorsed` for earlier visits, but a
    // refresh may race the endorsement): a second endorsement is refused, so the button must not invite one.
    this.endorsed = new Set();
    this.refreshSoon = coalesced(() => this.refresh(), REFRESH_GAP_MS);
    this.mainForm = null; // the comment form of the provision shown, kept across re-renders
    // Campaigns whose signatures are being read: cluster id -> how many pages of them are shown.
    this.expanded = new Map();
    this.drawn = 0; // the number of the latest refresh; opening or closing signatures counts as one
    this.body = root.querySelector('#comments-body');
    this.heading = root.querySelector('#comments-heading');
    root.querySelector('#close-comments').addEventListener('click', () => this.close());
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !this.root.hidden) this.close();
    });
  }

  get isCitizen() {
    return this.role === 'citizen';
  }

  get isModerator() {
    return this.role === 'clerk' || this.role === 'admin';
  }

  get isAnswerer() {
    return ANSWERERS.has(this.role);
  }

  /** Opens the panel on provision `eid`; `opener` gets the focus back when it closes. */
  async show(eid, opener = null) {
    if (eid !== this.eid) this.expanded.clear();
    this.eid = eid;
    this.notice = '';
    this.opener = opener;
    this.root.hidden = false;
    this.layout.classList.add('with-comments');
    this.heading.textContent = t('comments_on', { label: this.labelOf(eid) });
    try {
      await this.refresh();
    } catch (error) {
      this.body.replaceChildren(h('p', { class: 'message', role: 'status' }, t('refused', { message: error.message })));
    }
    this.heading.focus();
  }

  close() {
    this.root.hidden = true;
    this.layout.classList.remove('with-comments');
    this.eid = null;
    this.opener?.focus();
  }

  /** A bill event of a comment type: refresh what is shown. */
  onEvent(event) {
    if (this.eid !== null && !this.root.hidden) this.refreshSoon();
  }

  /** Reads the thread again and draws it; resolves once the thread on screen is at least as new as the call. */
  async refresh() {
    if (this.eid === null) return;
    let run = this.load(this.eid, ++this.drawn);
    this.latest = run;
    await run;
    // A newer refresh took over (its answer is the one drawn): what the caller waits for is that one.
    while (this.latest !== run) {
      run = this.latest;
      await run;
    }
  }

  async load(eid, seq) {
    // Only the latest refresh draws: an older answer landing later, or one read before the reader opened or
    // closed a campaign's signatures, would show a list older than what is on screen.
    // A campaign reads as one entry (its first signature here, saying how many): thousands of identical letters
    // would bury the other comments, and fetching them all on each refresh would cost every reader dearly.
    const data = await apiPages(`/api/bills/${this.bill}/comments?eid=${encodeURIComponent(eid)}&campaigns=grouped`, ['comments', 'hidden']);
    // A campaign that changed between two of the pages may come twice (docs/api-consultation.md): once is enough.
    const seen = new Set();
    data.comments = (data.comments ?? []).filter((comment) => {
      if (!(comment.cluster?.grouped > 1)) return true;
      if (seen.has(comment.cluster.id)) return false;
      seen.add(comment.cluster.id);
      return true;
    });
    // The signatures being read are read again, as far as they were read: an answer or a hidden one shows.
    const signatures = new Map();
    for (const [cluster, pages] of this.expanded) signatures.set(cluster, await this.signatures(eid, cluster, pages));
    if (eid !== this.eid || seq !== this.drawn) return;
    // A campaign no longer grouped here has no signatures to open.
    const grouped = new Set((data.comments ?? []).filter((c) => c.cluster?.grouped > 1).map((c) => c.cluster.id));
    for (const cluster of this.expanded.keys()) if (!grouped.has(cluster)) this.expanded.delete(cluster);
    this.render(data.comments ?? [], data.hidden ?? [], signatures);
  }

  /** The first `pages` pages of the signatures of campaign `cluster` at provision `eid`: `{comments, next}`. */
  signatures(eid, cluster, pages, cursor = null) {
    const url = `/api/bills/${this.bill}/comments?eid=${encodeURIComponent(eid)}&cluster=${cluster}&limit=${SIGNATURES_PAGE}`;
    return apiPages(cursor ? `${url}&cursor=${encodeURIComponent(cursor)}` : url, ['comments'], { maxPages: pages })
      .catch((error) => ({ comments: [], next: null, error }));
  }

  render(comments, hidden, signatures = new Map()) {
    const byParent = new Map();
    for (const comment of comments) {
      const key = comment.reply_to ?? null;
      if (!byParent.has(key)) byParent.set(key, []);
      byParent.get(key).push(comment);
    }
    const known = new Set(comments.map((comment) => comment.id));
    // A reply whose parent is not shown (hidden) still appears, at the top level.
    const roots = comments.filter((comment) => comment.reply_to === null || !known.has(comment.reply_to));
    const list = h('ol', { class: 'comment-list' }, roots.map((comment) => this.thread(comment, byParent, signatures)));
    // A hidden comment leaves the moderation queue, so its notice is where a moderator can restore it.
    const notices = hidden.map((notice) => h('div', { class: 'comment-hidden', dataset: { comment: notice.id } },
      h('p', {}, t('hidden', { reason: notice.reason ?? '' })),
      this.isModerator ? h('button', { type: 'button', class: 'secondary', onclick: (event) => this.restore(notice.id, event.target) }, t('restore')) : null));
    const parts = [];
    if (!comments.length) parts.push(h('p', { class: 'no-comments' }, t('no_comments')));
    // Forms someone is filling in (a reply, an answer, a reason to hide) survive the re-render a live event
    // causes: the same nodes move into the new list, under the same comment, and the focus and caret come back.
    const carried = [...this.body.querySelectorAll('.comment > form')];
    const active = this.body.contains(document.activeElement) ? document.activeElement : null;
    const caret = typeof active?.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
    const where = active ? placeOf(active) : null;
    for (const form of carried) {
      const host = list.querySelector(`.comment[data-comment="${form.dataset.for}"]`);
      if (host) {
        place(host, form);
        continue;
      }
      // Its comment is now one of a campaign's signatures, read on demand: the form waits under the campaign's
      // entry, which opens so that the next refresh puts it back under its comment. A comment that left the list
      // (hidden, withdrawn) takes its form with it.
      const cluster = form.dataset.cluster;
      const campaign = cluster
        && list.querySelector(`.comment[data-cluster="${cluster}"]:has(> .comment-campaign > .campaign-toggle)`);
      if (campaign && [...form.querySelectorAll('textarea, input')].some((field) => field.value)) {
        place(campaign, form);
        if (!this.expanded.has(Number(cluster))) {
          this.expanded.set(Number(cluster), 1);
          this.refreshSoon();
        }
      }
    }
    parts.push(list, ...notices, this.form());
    this.body.replaceChildren(...parts);
    // A keyboard or screen-reader user keeps their place: the same node when it was carried over, else the
    // element at the same place in the same comment (a button, the answer just given).
    const again = active?.isConnected ? active : where && find(list, where);
    if (again && document.activeElement !== again) {
      if (where?.tabindex !== null && where?.tabindex !== undefined) again.setAttribute('tabindex', where.tabindex);
      again.focus({ preventScroll: true });
      if (caret && again === active) active.setSelectionRange(...caret);
    }
  }

  thread(comment, byParent, signatures = new Map()) {
    const replies = byParent.get(comment.id) ?? [];
    const cluster = comment.cluster;
    const read = cluster?.grouped > 1 && this.expanded.has(cluster.id) ? signatures.get(cluster.id) : undefined;
    return h('li', { class: 'comment', dataset: { comment: comment.id, cluster: cluster?.id } },
      h('p', { class: 'comment-meta' }, `${comment.author?.name ?? ''} · ${comment.created_at.slice(0, 16).replace('T', ' ')}`),
      comment.quote ? h('blockquote', { class: 'comment-quote' }, comment.quote) : null,
      h('div', { class: 'comment-body' }, comment.body),
      this.campaign(comment, read !== undefined),
      h('p', { class: 'comment-meta' }, `${t('endorsements')}: `, h('span', { class: 'endorsement-count' }, comment.endorsements)),
      this.fate(comment),
      this.actions(comment),
      replies.length ? h('ol', { class: 'replies' }, replies.map((reply) => this.thread(reply, byParent))) : null,
      read ? this.members(comment, read) : null);
  }

  /** A form letter's signature: the campaign's size, and the words this signatory wrote around its text. */
  campaign(comment, expanded = false) {
    const cluster = comment.cluster;
    if (!cluster?.campaign) return null;
    let own;
    if (cluster.template) own = h('p', { class: 'meta' }, t('campaign_text'));
    else if (cluster.adds) own = h('p', {}, `${t('campaign_adds')} `, h('span', { class: 'campaign-adds' }, cluster.adds));
    else own = h('p', { class: 'meta' }, t('campaign_adds_nothing'));
    // The list is grouped: this signature stands for the campaign's others here, which are read on demand.
    const others = (cluster.grouped ?? 1) - 1;
    const toggle = others > 0 ? h('button', {
      type: 'button', class: 'secondary campaign-toggle', 'aria-expanded': String(expanded),
      onclick: (event) => this.toggleSignatures(comment, event.currentTarget),
    }, expanded ? t('campaign_hide') : t('campaign_show', { count: others })) : null;
    return h('div', { class: 'comment-campaign' },
      h('p', {}, h('strong', {}, t('campaign_of', { size: cluster.size }))), own, toggle);
  }

  /** The other signatures of `comment`'s campaign read so far (`read`: `{comments, next}`), and a way to more. */
  members(comment, read) {
    const list = h('ol', { class: 'campaign-members', 'aria-label': t('campaign_members') },
      read.comments.filter((member) => member.id !== comment.id && member.reply_to === null)
        .map((member) => this.thread(member, new Map())));
    if (read.error) list.append(h('li', { class: 'message' }, t('refused', { message: read.error.message })));
    if (read.next) {
      const more = h('button', { type: 'button', class: 'secondary' }, t('campaign_more'));
      more.addEventListener('click', () => this.moreSignatures(comment, more.parentElement, read.next));
      list.append(h('li', {}, more));
    }
    return list;
  }

  /** Shows (or hides) the other signatures of `comment`'s campaign on this provision, a page at a time. */
  async toggleSignatures(comment, button) {
    const host = button.closest('.comment');
    const cluster = comment.cluster.id;
    this.drawn += 1;
    if (this.expanded.has(cluster)) {
      this.expanded.delete(cluster);
      host.querySelector(':scope > .campaign-members')?.remove();
      button.setAttribute('aria-expanded', 'false');
      button.textContent = t('campaign_show', { count: comment.cluster.grouped - 1 });
      return;
    }
    this.expanded.set(cluster, 1);
    button.setAttribute('aria-expanded', 'true');
    button.textContent = t('campaign_hide');
    const read = await this.signatures(this.eid, cluster, 1);
    // A refresh may have drawn them meanwhile, or the reader closed them again.
    if (!this.expanded.has(cluster) || !host.isConnected || host.querySelector(':scope > .campaign-members')) return;
    host.append(this.members(comment, read));
  }

  async moreSignatures(comment, item, cursor) {
    const read = await this.signatures(this.eid, comment.cluster.id, 1, cursor);
    if (!item.isConnected) return; // redrawn meanwhile, with as many pages as were asked for
    this.drawn += 1;
    this.expanded.set(comment.cluster.id, (this.expanded.get(comment.cluster.id) ?? 1) + 1);
    const added = this.members(comment, read);
    const firstNew = added.firstElementChild;
    item.replaceWith(...added.children);
    // The button pressed for more is gone: reading goes on from the first signature it brought.
    if (firstNew?.classList.contains('comment')) {
      firstNew.setAttribute('tabindex', '-1');
      firstNew.focus();
    }
  }

  /** What became of the comment ("you said, we did"): its fate and the answers it was given. */
  fate(comment) {
    const answers = comment.answers ?? [];
    if (!comment.fate && !answers.length) return null;
    return h('div', { class: 'comment-fate' },
      comment.fate ? h('p', { class: 'fate' }, h('strong', {}, `${t('fate')}: `), t(`fate_${comment.fate}`)) : null,
      answers.map((answer) => h('div', { class: 'comment-answer' },
        // The answer names no one (its `author` is an account id): it is the institution's answer.
        h('p', { class: 'comment-meta' }, `${t(answer.cluster_id ? 'campaign_answer' : 'answer')} · ${answer.created_at.slice(0, 16).replace('T', ' ')}`),
        h('div', { class: 'answer-body' }, answer.body),
        answer.amendment_id ? h('p', {}, h('a', { href: `/amendments/${answer.amendment_id}` }, t('answer_amendment'))) : null,
        answer.version ? h('p', {}, h('a', { href: `/bills/${this.bill}?version=${answer.version}` }, t('answer_version', { version: answer.version }))) : null)));
  }

  actions(comment) {
    const buttons = [];
    const mine = comment.author?.id === this.user;
    if (this.isCitizen && this.open && !mine) {
      buttons.push(comment.endorsed || this.endorsed.has(comment.id)
        ? h('button', { type: 'button', class: 'secondary', disabled: true, dataset: { action: 'endorse' } }, t('endorsed'))
        : h('button', { type: 'button', class: 'secondary', dataset: { action: 'endorse' }, onclick: (event) => this.endorse(comment, event.target) }, t('endorse')));
    }
    if (this.isCitizen && this.open && comment.reply_to === null) {
      buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'reply' }, onclick: (event) => this.replyForm(comment, event.target) }, t('reply')));
    }
    if (this.user && !mine) {
      buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'flag' }, onclick: (event) => this.flagForm(comment, event.target) }, t('flag')));
    }
    if (this.isAnswerer) {
      buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'answer' }, onclick: (event) => this.answerForm(comment, event.target) }, t('answer_comment')));
      if (comment.cluster?.campaign) {
        buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'answer-campaign' }, onclick: (event) => this.answerForm(comment, event.target, comment.cluster) }, t('answer_campaign')));
      }
    }
    if (this.isModerator) {
      buttons.push(h('button', { type: 'button', class: 'danger', dataset: { action: 'hide' }, onclick: (event) => this.hideForm(comment, event.target) }, t('hide')));
    }
    return buttons.length ? h('div', { class: 'comment-actions' }, buttons) : null;
  }

  /** The provision's comment form: the same one across re-renders, so that what is being typed stays. */
  form() {
    const kept = this.mainForm;
    const typing = Boolean(kept?.querySelector('textarea')?.value);
    // Kept when the consultation closed while a comment was being typed: posting it says why it is refused.
    if (kept?.dataset.eid === this.eid && (kept.dataset.open === String(this.open) || typing)) return kept;
    this.mainForm = this.newForm();
    this.mainForm.dataset.eid = this.eid;
    this.mainForm.dataset.open = String(this.open);
    return this.mainForm;
  }

  newForm() {
    if (!this.open) return h('p', { class: 'meta' }, t('consultation_closed'));
    // Signed in with another role, a link to the sign-in page would only show the same page again.
    if (this.role && !this.isCitizen) return h('p', { class: 'meta' }, t('citizens_comment'));
    // After signing in, the reader comes back to this provision (the reader page scrolls to `eid`).
    const back = `${location.pathname}?eid=${encodeURIComponent(this.eid)}`;
    if (!this.isCitizen) return h('p', { class: 'meta' }, h('a', { href: `/login?next=${encodeURIComponent(back)}` }, t('sign_in_to_comment')));
    const id = `comment-text-${this.eid}`;
    const textarea = h('textarea', { id, name: 'body', rows: 4, required: true });
    const quote = h('input', { id: `${id}-quote`, name: 'quote', autocomplete: 'off' });
    // The outcome of the last post stays shown across re-renders (a live event may re-render right after it).
    const message = h('p', { class: 'message', role: 'status' }, this.notice ?? '');
    return h('form', {
      class: 'comment-form',
      onsubmit: async (event) => {
        event.preventDefault();
        await this.post({ eid: this.eid, body: textarea.value, quote: quote.value || undefined }, message, event.target);
      },
    },
    h('label', { for: id }, t('your_comment')), textarea,
    h('label', { for: `${id}-quote` }, t('quote')), quote,
    h('p', {}, h('button', { type: 'submit' }, t('post'))),
    message);
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

  flagForm(comment, opener) {
    const host = opener.closest('.comment');
    if (host.querySelector(':scope > .flag-form')) return;
    const id = `flag-${comment.id}`;
    const select = h('select', { id }, FLAG_REASONS.map((reason) => h('option', { value: reason }, t(`flag_${reason}`))));
    const message = h('p', { class: 'message', role: 'status' });
    const form = h('form', {
      class: 'flag-form inline-form',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await apiPatiently('POST', `/api/comments/${comment.id}/flags`, { reason: select.value }, busyIn(message));
          form.replaceWith(h('p', { class: 'message', role: 'status' }, t('flagged')));
          announce(t('flagged'));
        } catch (error) {
          message.textContent = t('refused', { message: error.message });
        }
      },
    }, h('label', { for: id }, t('flag_reason')), select, h('button', { type: 'submit' }, t('flag')), message);
    place(host, form);
    select.focus();
  }

  /** The bill's amendments an answer may name, fetched on the first answer form and kept for the page. */
  amendmentsOfBill() {
    this.amendments ??= apiPages(`/api/bills/${this.bill}/amendments`, ['amendments'])
      .then((data) => data.amendments ?? [])
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
      this.versions.map((value) => h('option', { value }, t('answer_version', { version: value }))));
    const message = h('p', { class: 'message', role: 'status' });
    this.amendmentsOfBill().then((amendments) => amendment.append(...amendments.map((item) => h('option', { value: item.id },
      `${t('amendment')} ${item.number ?? item.id} · ${item.citation ?? item.eid}`))));
    const form = h('form', {
      class: 'answer-form comment-form',
      dataset: { form: id },
      onsubmit: async (event) => {
        event.preventDefault();
        const payload = { body: textarea.value, fate: fate.value };
        if (amendment.value) payload.amendment_id = Number(amendment.value);
        if (version.value) payload.version = Number(version.value);
        try {
          await api('POST', cluster ? `/api/clusters/${cluster.id}/answers` : `/api/comments/${comment.id}/answers`, payload);
          form.remove();
          await this.refresh();
          // The form is gone: the focus goes to what it produced.
          const fateShown = this.body.querySelector(`.comment[data-comment="${comment.id}"] > .comment-fate`);
          fateShown?.setAttribute('tabindex', '-1');
          fateShown?.focus();
          announce(cluster ? t('campaign_answered', { size: cluster.size }) : t('answered', { id: comment.id }));
        } catch (error) {
          message.textContent = t('refused', { message: error.message });
        }
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
    const host = opener.closest('.comment');
    if (host.querySelector(':scope > .hide-form')) return;
    const id = `hide-${comment.id}`;
    const input = h('input', { id, required: true, autocomplete: 'off' });
    const message = h('p', { class: 'message', role: 'status' });
    const form = h('form', {
      class: 'hide-form inline-form',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await api('POST', `/api/comments/${comment.id}/moderation`, { action: 'hide', reason: input.value });
          form.remove();
          announce(t('hidden_done', { id: comment.id }));
          await this.refresh();
          this.onChange();
        } catch (error) {
          message.textContent = t('refused', { message: error.message });
        }
      },
    }, h('label', { for: id }, t('reason')), input, h('button', { type: 'submit', class: 'danger' }, t('hide')), message);
    place(host, form);
    input.focus();
  }

  async post(payload, message, form) {
    const button = form.querySelector('button[type=submit]');
    if (button.disabled) return; // already on its way
    button.disabled = true;
    let posted;
    try {
      posted = await apiPatiently('POST', `/api/bills/${this.bill}/comments`, payload, busyIn(message));
    } catch (error) {
      message.textContent = t('refused', { message: error.message });
      return;
    } finally {
      button.disabled = false;
    }
    const note = posted.state === 'held' ? t('held') : t('posted');
    this.notice = note;
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
    this.onChange();
    try {
      await this.refresh();
    } catch {
      this.refreshSoon(); // posted all the same: the list catches up at the next refresh
    }
  }

  async endorse(comment, button) {
    try {
      await apiPatiently('POST', `/api/comments/${comment.id}/endorsements`);
      this.endorsed.add(comment.id);
      await this.refresh();
      announce(t('endorsed'));
    } catch (error) {
      // 409: endorsed before (in another visit); say so where the reader looks, not only to screen readers.
      if (error.status === 409) this.endorsed.add(comment.id);
      const text = t('refused', { message: error.message });
      button.closest('.comment')?.querySelector(':scope > .comment-actions')
        ?.after(h('p', { class: 'message', role: 'status' }, text));
      if (error.status === 409) {
        button.disabled = true;
        button.textContent = t('endorsed');
      }
      announce(text);
    }
  }

  async restore(id, button) {
    try {
      await api('POST', `/api/comments/${id}/moderation`, { action: 'restore' });
      announce(t('restored_done', { id }));
      await this.refresh();
      this.onChange();
    } catch (error) {
      button.after(h('p', { class: 'message', role: 'status' }, t('refused', { message: error.message })));
    }
  }
}
