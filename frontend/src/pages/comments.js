// The comment sidebar of the reader: threads on one provision, posting, replies, endorsements, reports,
// changing, withdrawing or disowning one's own comment, a clerk's hide button, and the answer ("you said, we
// did") drafters and clerks give a comment, or at once to every signatory of a campaign (a form letter's cluster).
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
// Marks that open and close a quotation, as people type them around words they quote.
const OPENING_MARKS = '"\'“‘„‚«‹';
const CLOSING_MARKS = '"\'”’“‘»›';
// Beyond this, setTimeout fires at once (its delay is a 32-bit count of milliseconds).
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** How the panel shows a time of the API (ISO 8601 UTC): "2026-11-02 09:30". */
const shown = (iso) => iso.slice(0, 16).replace('T', ' ');

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

/**
 * The threads of a provision: its comments and the notices of its hidden comments (`{id, reply_to, reason}`),
 * each notice where its comment stood, in the order of posting. `roots` are what the list shows at the top level
 * (a reply whose comment is not shown at all comes there); `byParent` maps an id to the replies under it. Notices
 * carry `notice: true`.
 */
export function threads(comments, hidden = []) {
  const items = [...comments, ...hidden.map((notice) => ({ ...notice, notice: true }))].sort((a, b) => a.id - b.id);
  const known = new Set(items.map((item) => item.id));
  const roots = [];
  const byParent = new Map();
  for (const item of items) {
    const parent = item.reply_to ?? null;
    if (parent === null || !known.has(parent)) {
      roots.push(item);
      continue;
    }
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(item);
  }
  return { roots, byParent };
}

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
    this.endorsing = new Set(); // endorsements on their way: their buttons stay disabled across re-renders
    // Comments this reader reported while on the page: a second report is refused (the list does not say).
    this.flagged = new Set();
    // How long after posting an author may change or withdraw a comment (COMMENT_EDIT_WINDOW_SECONDS, which the
    // page says), in ms; null if the page does not say, and then the server's refusal tells.
    const seconds = Number.parseInt(root.dataset.editWindow ?? '', 10);
    this.editWindow = Number.isFinite(seconds) ? seconds * 1000 : null;
    this.tooLate = new Set(); // comments the server said can no longer be changed, whatever the clocks say
    this.windowEnd = null; // when the next of the author's edit windows shown closes, and its timer
    this.windowTimer = null;
    // What became of the author's change, withdrawal or report: it stays above the list across re-renders, since
    // the comment it is about may have left the list.
    this.status = h('p', { class: 'message panel-status', tabindex: '-1' });
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
    this.status.replaceChildren();
    this.status.remove();
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
    clearTimeout(this.windowTimer);
    this.windowEnd = null;
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
    // A hidden comment's notice stands where the comment stood, with the replies it drew under it.
    const { roots, byParent } = threads(comments, hidden);
    const list = h('ol', { class: 'comment-list' }, roots.map((comment) => this.thread(comment, byParent, signatures)));
    const parts = this.status.textContent ? [this.status] : [];
    if (!comments.length && !hidden.length) parts.push(h('p', { class: 'no-comments' }, t('no_comments')));
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
    parts.push(list, this.form());
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
    if (comment.notice) return this.hiddenNotice(comment, byParent);
    const replies = byParent.get(comment.id) ?? [];
    const cluster = comment.cluster;
    const read = cluster?.grouped > 1 && this.expanded.has(cluster.id) ? signatures.get(cluster.id) : undefined;
    return h('li', { class: 'comment', dataset: { comment: comment.id, cluster: cluster?.id } },
      this.meta(comment),
      // The bill's words, set apart as a quotation of the bill; the comment itself is plain text.
      comment.quote ? h('figure', { class: 'comment-quote' },
        h('figcaption', { class: 'quote-label' }, t('quoting_bill')),
        h('blockquote', {}, comment.quote)) : null,
      h('div', { class: 'comment-body' }, comment.body),
      this.campaign(comment, read !== undefined),
      h('p', { class: 'comment-meta' }, `${t('endorsements')}: `, h('span', { class: 'endorsement-count' }, comment.endorsements)),
      this.fate(comment),
      this.actions(comment),
      replies.length ? h('ol', { class: 'replies' }, replies.map((reply) => this.thread(reply, byParent))) : null,
      read ? this.members(comment, read) : null);
  }

  /** Who wrote the comment, when, and when it was last changed. The name is isolated (`<bdi>`): one written
   * right to left, or holding direction controls, must not turn the date beside it around. */
  meta(comment) {
    return h('p', { class: 'comment-meta' },
      h('bdi', { class: 'comment-author' }, comment.author?.name ?? ''), ' · ',
      h('time', { datetime: comment.created_at }, shown(comment.created_at)),
      comment.edited_at ? [' · ', h('span', { class: 'comment-edited' }, t('edited', { time: shown(comment.edited_at) }))] : null);
  }

  /** Where a comment was hidden: the moderator's reason, the replies it drew, and for moderators a way back (a
   * hidden comment leaves the moderation queue, so its notice is where it can be restored). */
  hiddenNotice(notice, byParent) {
    const replies = byParent.get(notice.id) ?? [];
    return h('li', { class: 'comment-hidden', dataset: { comment: notice.id } },
      h('p', { class: 'hidden-note' }, t('hidden', { reason: notice.reason ?? '' })),
      this.isModerator ? h('button', { type: 'button', class: 'secondary', onclick: (event) => this.restore(notice.id, event.target) }, t('restore')) : null,
      replies.length ? h('ol', { class: 'replies' }, replies.map((reply) => this.thread(reply, byParent))) : null);
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
        h('p', { class: 'comment-meta' }, `${t(answer.cluster_id ? 'campaign_answer' : 'answer')} · ${shown(answer.created_at)}`),
        h('div', { class: 'answer-body' }, answer.body),
        answer.amendment_id ? h('p', {}, h('a', { href: `/amendments/${answer.amendment_id}` }, t('answer_amendment'))) : null,
        answer.version ? h('p', {}, h('a', { href: `/bills/${this.bill}?version=${answer.version}` }, t('answer_version', { version: answer.version }))) : null)));
  }

  actions(comment) {
    const buttons = [];
    const mine = this.isMine(comment);
    if (this.isCitizen && this.open && !mine) {
      buttons.push(comment.endorsed || this.endorsed.has(comment.id)
        ? h('button', { type: 'button', class: 'secondary', disabled: true, dataset: { action: 'endorse' } }, t('endorsed'))
        : h('button', {
          type: 'button', class: 'secondary', disabled: this.endorsing.has(comment.id), dataset: { action: 'endorse' },
          onclick: (event) => this.endorse(comment, event.currentTarget),
        }, t('endorse')));
    }
    if (this.isCitizen && this.open && comment.reply_to === null) {
      buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'reply' }, onclick: (event) => this.replyForm(comment, event.target) }, t('reply')));
    }
    if (mine) buttons.push(...this.ownActions(comment));
    if (this.user && !mine) {
      // Reported already: saying so is all there is to do (a second report would be refused).
      buttons.push(this.flagged.has(comment.id)
        ? h('span', { class: 'comment-reported' }, t('reported'))
        : h('button', { type: 'button', class: 'secondary', dataset: { action: 'flag' }, onclick: (event) => this.flagForm(comment, event.target) }, t('flag')));
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

  isMine(comment) {
    return this.user !== null && this.user !== undefined && comment.author?.id === this.user;
  }

  /** Whether the author may still change or withdraw `comment`, as far as the page can tell: within the edit
   * window after posting (by this computer's clock; the server's refusal is shown when they disagree). */
  changeable(comment) {
    if (this.tooLate.has(comment.id)) return false;
    if (this.editWindow === null) return true;
    return Date.now() < Date.parse(comment.created_at) + this.editWindow;
  }

  /** The author's own buttons: change and withdraw while the edit window is open (changing also needs the
   * consultation open), and "this was not me" for a comment someone else posted from the account. */
  ownActions(comment) {
    const buttons = [];
    if (this.changeable(comment)) {
      if (this.open) {
        buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'edit' }, onclick: (event) => this.editForm(comment, event.target) }, t('edit')));
      }
      buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'withdraw' }, onclick: (event) => this.withdrawForm(comment, event.target) }, t('withdraw')));
      if (this.editWindow !== null) this.watchWindow(Date.parse(comment.created_at) + this.editWindow);
    }
    buttons.push(h('button', { type: 'button', class: 'secondary', dataset: { action: 'not-mine' }, onclick: (event) => this.notMineForm(comment, event.target) }, t('not_mine')));
    return buttons;
  }

  /** Draws the thread again when an edit window shown closes at `end` (ms), so its buttons go. */
  watchWindow(end) {
    const now = Date.now();
    if (this.windowEnd !== null && this.windowEnd > now && this.windowEnd <= end) return;
    if (end - now > LONGEST_TIMER_MS) return;
    clearTimeout(this.windowTimer);
    this.windowEnd = end;
    this.windowTimer = setTimeout(() => {
      this.windowEnd = null;
      this.refreshSoon();
    }, Math.max(0, end - now) + 50);
  }

  /** Says `parts` (text and links) above the list, where it stays while the thread is redrawn. */
  say(...parts) {
    this.status.replaceChildren(...parts);
    if (!this.status.isConnected) this.body.prepend(this.status);
    announce(this.status.textContent);
  }

  /** A refusal of the API in the reader's words; the edit window's own, since the server's sentence is English. */
  refusal(error) {
    if (error.code === 'edit_window_closed' && this.editWindow !== null) {
      return t('edit_too_late', { minutes: Math.max(1, Math.round(this.editWindow / 60000)) });
    }
    return t('refused', { message: error.message });
  }

  /** The server says `comment` can no longer be changed: its change and withdraw buttons go. */
  closeWindow(comment, host) {
    this.tooLate.add(comment.id);
    for (const button of host?.querySelectorAll(':scope > .comment-actions > [data-action="edit"], :scope > .comment-actions > [data-action="withdraw"]') ?? []) {
      button.remove();
    }
  }

  /** The button of `action` under comment `id` in the thread shown now (it may have been redrawn). */
  actionButton(id, action) {
    return this.body.querySelector(`.comment[data-comment="${id}"] > .comment-actions > [data-action="${action}"]`);
  }

  /** Closes `form` (Cancel): the focus goes back to the button that opened it. */
  dismiss(form, id, action) {
    form.remove();
    const button = this.actionButton(id, action);
    if (button && !button.disabled) button.focus();
  }

  /** After a change that the thread now shows: the focus goes to `id`'s `action` button, else to the comment, else
   * (the comment left the list) to the panel's message saying what became of it. */
  focusAfter(id, action) {
    const button = this.actionButton(id, action);
    if (button && !button.disabled) {
      button.focus();
      return;
    }
    const host = this.body.querySelector(`.comment[data-comment="${id}"]`);
    const target = host ?? (this.status.textContent ? this.status : null);
    if (!target) return;
    if (target === host) host.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: target === host });
  }

  async refreshQuietly() {
    try {
      await this.refresh();
    } catch {
      this.refreshSoon(); // done all the same: the list catches up at the next refresh
    }
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
      h('button', { type: 'button', class: 'secondary', onclick: () => this.dismiss(form, comment.id, 'edit') }, t('cancel'))),
    message);
    place(host, form);
    textarea.focus();
  }

  async saveEdit(comment, textarea, message, form) {
    const button = form.querySelector('button[type=submit]');
    if (button.disabled) return; // already on its way
    button.disabled = true;
    let edited;
    try {
      edited = await api('PATCH', `/api/comments/${comment.id}`, { body: textarea.value });
    } catch (error) {
      message.textContent = this.refusal(error);
      if (error.code === 'edit_window_closed') this.closeWindow(comment, form.closest('.comment'));
      announce(message.textContent);
      return;
    } finally {
      button.disabled = false;
    }
    form.remove();
    // An edit the lexicon holds takes the comment out of public view until a clerk has read it.
    const held = edited?.state === 'held';
    if (held) this.onChange();
    // Said once the thread shows what it says (the comment changed, or gone from it).
    await this.refreshQuietly();
    this.say(held ? t('edit_held') : t('edit_saved'));
    this.focusAfter(comment.id, 'edit');
  }

  /** Withdrawing one's own comment, once the author confirms: it cannot be undone. */
  withdrawForm(comment, opener) {
    const host = opener.closest('.comment');
    const open = host.querySelector(':scope > .withdraw-form');
    if (open) {
      open.querySelector('button').focus();
      return;
    }
    const message = h('p', { class: 'message', role: 'status' });
    const keep = h('button', { type: 'button', class: 'secondary', onclick: () => this.dismiss(form, comment.id, 'withdraw') }, t('withdraw_no'));
    const form = h('form', {
      class: 'withdraw-form inline-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const button = form.querySelector('button[type=submit]');
        if (button.disabled) return;
        button.disabled = true;
        try {
          await api('DELETE', `/api/comments/${comment.id}`);
        } catch (error) {
          message.textContent = this.refusal(error);
          if (error.code === 'edit_window_closed') this.closeWindow(comment, form.closest('.comment'));
          announce(message.textContent);
          return;
        } finally {
          button.disabled = false;
        }
        form.remove();
        this.onChange();
        await this.refreshQuietly();
        this.say(t('withdrawn_done'));
        this.focusAfter(comment.id, 'withdraw');
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
        const button = form.querySelector('button[type=submit]');
        if (button.disabled) return;
        button.disabled = true;
        try {
          await api('POST', `/api/comments/${comment.id}/not-mine`, { note: note.value.trim() || undefined });
        } catch (error) {
          message.textContent = t('refused', { message: error.message });
          announce(message.textContent);
          return;
        } finally {
          button.disabled = false;
        }
        form.remove();
        this.onChange();
        await this.refreshQuietly();
        // Someone else could post from the account: a new password keeps them out.
        this.say(`${t('not_mine_done')} `, h('a', { href: '/account/password' }, t('change_password')));
        this.focusAfter(comment.id, 'not-mine');
      },
    },
    h('p', {}, t('not_mine_explain')),
    h('label', { for: id }, t('not_mine_note')), note,
    h('p', { class: 'form-buttons' },
      h('button', { type: 'submit', class: 'danger' }, t('not_mine_send')),
      h('button', { type: 'button', class: 'secondary', onclick: () => this.dismiss(form, comment.id, 'not-mine') }, t('cancel'))),
    message);
    place(host, form);
    note.focus();
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
    const hint = `${id}-quote-hint`;
    const quote = h('input', { id: `${id}-quote`, name: 'quote', autocomplete: 'off', 'aria-describedby': hint });
    // The outcome of the last post stays shown across re-renders (a live event may re-render right after it).
    const message = h('p', { class: 'message', role: 'status' }, this.notice ?? '');
    return h('form', {
      class: 'comment-form',
      onsubmit: async (event) => {
        event.preventDefault();
        await this.post({ eid: this.eid, body: textarea.value, quote: cleanQuote(quote.value) || undefined }, message, event.target);
      },
    },
    h('label', { for: id }, t('your_comment')), textarea,
    h('label', { for: `${id}-quote` }, t('quote')),
    h('p', { id: hint, class: 'field-hint' }, t('quote_hint')), quote,
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
        const button = form.querySelector('button[type=submit]');
        if (button.disabled) return;
        button.disabled = true;
        let said;
        try {
          await apiPatiently('POST', `/api/comments/${comment.id}/flags`, { reason: select.value }, busyIn(message));
          said = t('flagged');
        } catch (error) {
          button.disabled = false;
          // Reported in an earlier visit (the list does not say who reported what): that is no refusal.
          if (error.code !== 'already_done') {
            message.textContent = t('refused', { message: error.message });
            return;
          }
          said = t('already_reported');
        }
        this.flagged.add(comment.id);
        const done = h('p', { class: 'message', role: 'status', tabindex: '-1' }, said);
        const host = form.closest('.comment');
        form.replaceWith(done);
        host?.querySelector(':scope > .comment-actions > [data-action="flag"]')
          ?.replaceWith(h('span', { class: 'comment-reported' }, t('reported')));
        done.focus();
        announce(said);
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
    this.status.replaceChildren(); // what it said was about an earlier change
    this.status.remove();
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
    // One endorsement on its way at a time: a double click must not send a second, which would be refused.
    if (this.endorsing.has(comment.id) || button.disabled) return;
    const focused = document.activeElement === button;
    this.endorsing.add(comment.id);
    button.disabled = true;
    try {
      await apiPatiently('POST', `/api/comments/${comment.id}/endorsements`);
      this.endorsed.add(comment.id);
    } catch (error) {
      // 409: endorsed before (in another visit); say so where the reader looks, not only to screen readers.
      if (error.status === 409) this.endorsed.add(comment.id);
      const text = t('refused', { message: error.message });
      // A live refresh may have drawn the thread again meanwhile: the button shown now is the one to mend.
      const shownNow = button.isConnected ? button : this.actionButton(comment.id, 'endorse');
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
    await this.refreshQuietly();
    // The pressed button is now "Endorsed" and disabled: keyboard users stay on its comment.
    if (focused && !this.body.contains(document.activeElement)) this.focusAfter(comment.id, 'endorse');
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
