// The comment sidebar of the reader: the threads on one provision, read again on live events and drawn again
// without losing what is being typed. The parts live in ../comments/: drawing a thread (view.js), campaigns'
// signatures (campaigns.js), posting and replying (posting.js), endorsing and reporting (reactions.js), one's own
// comment's change, withdrawal and "this was not me" (own.js, timed by the server's clock, clock.js), and the
// answers and moderation of drafters and clerks (staff.js).
import { apiPages } from '../lib/api.js';
import { announce, h, t } from '../lib/dom.js';
import { coalesced } from '../lib/schedule.js';
import { Campaigns } from '../comments/campaigns.js';
import { ServerClock } from '../comments/clock.js';
import { carryForms, keepFocus } from '../comments/keep.js';
import { OwnComments, editableUntil } from '../comments/own.js';
import { Posting } from '../comments/posting.js';
import { Reactions } from '../comments/reactions.js';
import { StaffTools } from '../comments/staff.js';
import { onceEachCampaign, threads } from '../comments/threads.js';
import { ThreadView } from '../comments/view.js';

const ANSWERERS = new Set(['drafter', 'clerk', 'admin']);
// Live events refresh the open thread; a flood of them is served by a request a second at most.
const REFRESH_GAP_MS = 1000;

export class CommentsPanel {
  constructor({ bill, root, layout, open, role, user, versions = [], labelOf, onChange }) {
    this.bill = bill;
    this.root = root;
    this.layout = layout;
    this.open = open;
    this.role = role;
    this.user = user;
    this.versions = versions;
    this.labelOf = labelOf;
    this.onChange = onChange;
    this.eid = null;
    this.opener = null;
    // What became of the author's change, withdrawal or report: it stays above the list across re-renders, since
    // the comment it is about may have left the list.
    this.status = h('p', { class: 'message panel-status', tabindex: '-1' });
    this.refreshSoon = coalesced(() => this.refresh(), REFRESH_GAP_MS);
    this.drawn = 0; // the number of the latest refresh; opening or closing signatures counts as one
    // The server's time, learnt from a cheap answer of this bill (see clock.js): own comments' edit windows end by it.
    this.clock = new ServerClock(`/api/bills/${bill}/consultations`);
    this.view = new ThreadView(this);
    this.campaigns = new Campaigns(this);
    this.posting = new Posting(this);
    this.reactions = new Reactions(this);
    this.own = new OwnComments(this, this.clock);
    this.staff = new StaffTools(this);
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
    if (eid !== this.eid) this.campaigns.reset();
    this.eid = eid;
    this.posting.notice = '';
    this.clearStatus();
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
    this.own.stopWatching();
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

  /** Done, whether or not the list can be read now: it catches up at the next refresh. */
  async refreshQuietly() {
    try {
      await this.refresh();
    } catch {
      this.refreshSoon();
    }
  }

  async load(eid, seq) {
    // A citizen's own comments say until when they may be changed, by the server's clock: learn it meanwhile.
    const clock = this.isCitizen ? this.clock.sync() : null;
    // Only the latest refresh draws: an older answer landing later, or one read before the reader opened or
    // closed a campaign's signatures, would show a list older than what is on screen.
    const data = await apiPages(`/api/bills/${this.bill}/comments?eid=${encodeURIComponent(eid)}&campaigns=grouped`, ['comments', 'hidden', 'held', 'withdrawn']);
    const comments = onceEachCampaign(data.comments ?? []);
    const held = data.held ?? [];
    // The signatures being read are read again, as far as they were read: an answer or a hidden one shows.
    const signatures = await this.campaigns.readAgain(eid);
    const timed = [comments, held, ...[...signatures.values()].map((read) => read.comments)].flat()
      .some((comment) => editableUntil(comment) !== null);
    if (clock && timed) await clock;
    if (eid !== this.eid || seq !== this.drawn) return;
    this.campaigns.keepOnly(comments);
    this.render(comments, data.hidden ?? [], held, signatures, data.withdrawn ?? []);
  }

  render(comments, hidden, held = [], signatures = new Map(), withdrawn = []) {
    // A hidden comment's notice stands where the comment stood, with the replies it drew under it; so does the
    // reader's own comment that waits for a clerk, and the place of a withdrawn comment that has replies.
    const { roots, byParent } = threads(comments, hidden, held, withdrawn);
    const list = h('ol', { class: 'comment-list' }, roots.map((comment) => this.view.thread(comment, byParent, signatures)));
    const parts = this.status.textContent ? [this.status] : [];
    if (!comments.length && !hidden.length && !held.length) parts.push(h('p', { class: 'no-comments' }, t('no_comments')));
    // Forms someone is filling in (a reply, an answer, a reason to hide) survive the re-render a live event
    // causes: the same nodes move into the new list, under the same comment, and the focus and caret come back.
    const refocus = keepFocus(this.body);
    carryForms(this.body, list, (cluster) => this.campaigns.openForForm(cluster));
    parts.push(list, this.posting.form());
    this.body.replaceChildren(...parts);
    refocus(list);
  }

  /** Says `parts` (text and links) above the list, where it stays while the thread is redrawn. */
  say(...parts) {
    // What is said here is what became of one's own comment since: what the comment form said of the last post
    // ("Your comment is published") would contradict it.
    this.posting.forget();
    this.status.replaceChildren(...parts);
    if (!this.status.isConnected) this.body.prepend(this.status);
    announce(this.status.textContent);
  }

  /** Takes away what `say` said. */
  clearStatus() {
    this.status.replaceChildren();
    this.status.remove();
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
}
