// Campaigns (form letters) in the thread. The list is grouped: a campaign reads as one entry, its first signature
// on the provision, saying how many it stands for; its other signatures are read on demand, a page at a time, and
// read again, as far as they were, on each refresh. Thousands of identical letters would otherwise bury the other
// comments, and fetching them all on each refresh would cost every reader dearly.
import { apiPages } from '../lib/api.js';
import { h, t } from '../lib/dom.js';
import { standsForOthers } from './threads.js';

// A campaign's signatures are read this many at a time.
const SIGNATURES_PAGE = 100;

export class Campaigns {
  constructor(panel) {
    this.panel = panel;
    this.expanded = new Map(); // campaigns whose signatures are being read: cluster id -> how many pages are shown
  }

  /** A new provision: no campaign's signatures are open. */
  reset() {
    this.expanded.clear();
  }

  /** The first `pages` pages of the signatures of campaign `cluster` at provision `eid`: `{comments, next}`. */
  signatures(eid, cluster, pages, cursor = null) {
    const url = `/api/bills/${this.panel.bill}/comments?eid=${encodeURIComponent(eid)}&cluster=${cluster}&limit=${SIGNATURES_PAGE}`;
    return apiPages(cursor ? `${url}&cursor=${encodeURIComponent(cursor)}` : url, ['comments'], { maxPages: pages })
      .catch((error) => ({ comments: [], next: null, error }));
  }

  /** The signatures being read at `eid`, read again as far as they were: cluster id -> `{comments, next}`. */
  async readAgain(eid) {
    const read = new Map();
    for (const [cluster, pages] of this.expanded) read.set(cluster, await this.signatures(eid, cluster, pages));
    return read;
  }

  /** Forgets the open signatures of campaigns no longer grouped in `comments` (they have none to open). */
  keepOnly(comments) {
    const grouped = new Set(comments.filter(standsForOthers).map((c) => c.cluster.id));
    for (const cluster of this.expanded.keys()) if (!grouped.has(cluster)) this.expanded.delete(cluster);
  }

  /** A form waits under campaign `cluster`'s entry: its signatures open at the next refresh. */
  openForForm(cluster) {
    if (this.expanded.has(cluster)) return;
    this.expanded.set(cluster, 1);
    this.panel.refreshSoon();
  }

  /** The signatures of `comment`'s campaign read so far, if they are open (`undefined` otherwise). */
  readOf(comment, read) {
    const cluster = comment.cluster;
    return standsForOthers(comment) && this.expanded.has(cluster.id) ? read.get(cluster.id) : undefined;
  }

  /** A form letter's signature: the campaign's size, and the words this signatory wrote around its text. */
  entry(comment, expanded = false) {
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
      onclick: (event) => this.toggle(comment, event.currentTarget),
    }, expanded ? t('campaign_hide') : t('campaign_show', { count: others })) : null;
    return h('div', { class: 'comment-campaign' },
      h('p', {}, h('strong', {}, t('campaign_of', { size: cluster.size }))), own, toggle);
  }

  /** The other signatures of `comment`'s campaign read so far (`read`: `{comments, next}`), and a way to more. */
  members(comment, read) {
    const list = h('ol', { class: 'campaign-members', 'aria-label': t('campaign_members') },
      read.comments.filter((member) => member.id !== comment.id && member.reply_to === null)
        .map((member) => this.panel.view.thread(member, new Map())));
    if (read.error) list.append(h('li', { class: 'message' }, t('refused', { message: read.error.message })));
    if (read.next) {
      const more = h('button', { type: 'button', class: 'secondary' }, t('campaign_more'));
      more.addEventListener('click', () => this.more(comment, more.parentElement, read.next));
      list.append(h('li', {}, more));
    }
    return list;
  }

  /** Shows (or hides) the other signatures of `comment`'s campaign on this provision, a page at a time. Opening or
   * closing them counts as a refresh: an answer read before must not draw the list as it was. */
  async toggle(comment, button) {
    const host = button.closest('.comment');
    const cluster = comment.cluster.id;
    this.panel.drawn += 1;
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
    const read = await this.signatures(this.panel.eid, cluster, 1);
    // A refresh may have drawn them meanwhile, or the reader closed them again.
    if (!this.expanded.has(cluster) || !host.isConnected || host.querySelector(':scope > .campaign-members')) return;
    host.append(this.members(comment, read));
  }

  async more(comment, item, cursor) {
    const read = await this.signatures(this.panel.eid, comment.cluster.id, 1, cursor);
    if (!item.isConnected) return; // redrawn meanwhile, with as many pages as were asked for
    this.panel.drawn += 1;
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
}
