// The bill reader: loads long bills' chunks as the reader scrolls, adds provision links and the comment tools,
// shows the per-provision heatmap and keeps comments live; the comment tools appear when a consultation opens.
import { apiPages } from '../lib/api.js';
import { announce, h, t } from '../lib/dom.js';
import { coalesced } from '../lib/schedule.js';
import { connect, followBill } from '../lib/socket.js';
import { CommentsPanel } from './comments.js';

const CHUNK_MARGIN = '1500px 0px';
const HEAT_LEVELS = [1, 3, 6, 10]; // comments on a provision for heat levels 1..4
// The provisions of the bill in its text, as the server marks them.
const PROVISIONS = 'section[data-eid]';

let bill;
let textRoot;
let observer;
let counts = new Map();
let panel = null;
const loading = new Map();

/** The `<section>` (or other element) of provision `eid`, if it is in the page. */
function provisionElement(eid) {
  const element = document.getElementById(eid);
  return element && textRoot.contains(element) ? element : null;
}

/**
 * How the comment tools name a provision: its citation, as the server gives it ("section 5(2)", the amendments'
 * own spelling), with the heading's words when it has one. A subsection's own num, "(2)", would not say which.
 */
function labelOf(section) {
  const heading = section.querySelector(':scope > .akn-heading, :scope > h2, :scope > h3, :scope > h4, :scope > h5, :scope > h6');
  const citation = section.dataset.citation;
  if (citation) {
    // The heading holds the num too ("5. Duration"): the citation says the number already.
    const words = heading ? wordsOf(heading, '.akn-num') : '';
    return words ? `${citation} — ${words}` : citation;
  }
  const num = section.querySelector(':scope > .akn-num');
  const text = heading ? wordsOf(heading) : wordsOf(num);
  return text || section.id;
}

/**
 * An element's words with the layout of a pretty-printed document collapsed, without the markers of the notes it
 * holds (a schedule's heading with a side note shows its number) nor what `leaveOut` selects.
 */
function wordsOf(element, leaveOut = null) {
  if (!element) return '';
  const copy = element.cloneNode(true);
  const skipped = ['sup:has(> [role="doc-noteref"])', '[role="doc-noteref"]', leaveOut].filter(Boolean).join(', ');
  copy.querySelectorAll(skipped).forEach((node) => node.remove());
  return copy.textContent.replace(/\s+/g, ' ').trim();
}

async function loadChunk(placeholder) {
  const index = Number(placeholder.dataset.chunk);
  if (placeholder.dataset.loaded) return;
  if (loading.has(index)) return loading.get(index);
  const version = document.body.dataset.version;
  const job = fetch(`/bills/${bill}/chunks/${index}?version=${version}`, { credentials: 'same-origin' })
    .then((response) => {
      if (!response.ok) throw new Error(response.statusText);
      return response.text();
    })
    .then((html) => {
      observer?.unobserve(placeholder);
      const template = document.createElement('template');
      template.innerHTML = html;
      placeholder.replaceChildren(template.content);
      placeholder.classList.remove('chunk-pending');
      placeholder.dataset.loaded = '1';
      placeholder.removeAttribute('aria-busy');
      decorate(placeholder);
    })
    .catch(() => {
      placeholder.dataset.label = t('load_failed');
      placeholder.removeAttribute('aria-busy');
    })
    .finally(() => loading.delete(index));
  placeholder.setAttribute('aria-busy', 'true');
  loading.set(index, job);
  return job;
}

function chunkOfEid(eid) {
  // ToC entries carry their chunk; a deeper provision's eId starts with its ancestor's.
  let best = null;
  for (const item of document.querySelectorAll('.toc li[data-eid]')) {
    const candidate = item.dataset.eid;
    if ((eid === candidate || eid.startsWith(`${candidate}__`)) && (!best || candidate.length > best.dataset.eid.length)) {
      best = item;
    }
  }
  return best ? Number(best.dataset.chunk) : null;
}

/** Makes sure provision `eid` is in the page (loading its chunk) and returns its element. */
async function ensureProvision(eid) {
  let element = provisionElement(eid);
  if (element) return element;
  const index = chunkOfEid(eid);
  if (index === null) return null;
  const placeholder = textRoot.querySelector(`.chunk[data-chunk="${index}"]`);
  if (placeholder) await loadChunk(placeholder);
  element = provisionElement(eid);
  return element;
}

async function goTo(eid, { focus = true } = {}) {
  const element = await ensureProvision(eid);
  if (!element) return;
  if (location.hash !== `#${eid}`) history.replaceState(null, '', `#${eid}`);
  element.scrollIntoView({ block: 'start' });
  if (focus) {
    element.setAttribute('tabindex', '-1');
    element.focus({ preventScroll: true });
  }
}

function commentButton(section, label) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary comment-button';
  button.dataset.eid = section.dataset.eid;
  showCount(button, counts.get(section.dataset.eid) ?? 0, label);
  return button;
}

/**
 * Adds the link and comment tools to every provision inside `container`: the sections the server marks with the
 * eId the API knows them by (`data-eid`). Other ids (an EU-style bill's `xml:id`s) are anchors, not provisions.
 */
function decorate(container) {
  const commenting = panel !== null;
  for (const section of container.querySelectorAll(PROVISIONS)) {
    const present = section.querySelector(':scope > .provision-tools');
    if (present) {
      // A consultation opened since the tools were added: the comment button joins the link.
      if (commenting && !present.querySelector(':scope > .comment-button')) present.append(commentButton(section, labelOf(section)));
      continue;
    }
    const label = labelOf(section);
    const tools = document.createElement('span');
    tools.className = 'provision-tools';
    const link = document.createElement('a');
    // An earlier version's provision page must show that version's words, not the current ones.
    const version = document.body.dataset.current === '1' ? '' : `?version=${document.body.dataset.version}`;
    link.href = `/bills/${bill}/provisions/${encodeURIComponent(section.dataset.eid)}${version}`;
    link.textContent = '¶';
    link.setAttribute('aria-label', `${t('link_to')} ${label}`.trim());
    link.title = label;
    tools.append(link);
    if (commenting) tools.append(commentButton(section, label));
    const anchor = section.querySelector(':scope > .akn-heading, :scope > .akn-num');
    if (anchor) anchor.after(tools);
    else section.prepend(tools);
    paintHeat(section, counts.get(section.dataset.eid) ?? 0);
  }
}

function showCount(button, count, label) {
  const visible = count ? `${t('comment')} (${count})` : t('comment');
  button.textContent = visible;
  // The accessible name starts with the visible words, so speech users can say what they see.
  button.setAttribute('aria-label', `${visible}: ${label}`);
}

function heatLevel(count) {
  let level = 0;
  for (const threshold of HEAT_LEVELS) if (count >= threshold) level += 1;
  return level;
}

function paintHeat(element, count) {
  const level = heatLevel(count);
  if (level) element.dataset.heat = String(level);
  else delete element.dataset.heat;
}

// Live events ask for fresh counts; a flood of them is served by a request a second at most.
const COUNTS_GAP_MS = 1000;
const refreshCounts = coalesced(countsNow, COUNTS_GAP_MS);

async function countsNow() {
  const response = await fetch(`/api/bills/${bill}/comments/counts`, { credentials: 'same-origin' });
  if (!response.ok) return;
  const data = await response.json();
  counts = new Map((data.provisions ?? []).map((entry) => [entry.eid, entry.comments]));
  for (const button of textRoot.querySelectorAll('.comment-button')) {
    const section = button.closest(PROVISIONS);
    showCount(button, counts.get(button.dataset.eid) ?? 0, labelOf(section));
  }
  for (const section of textRoot.querySelectorAll(PROVISIONS)) paintHeat(section, counts.get(section.dataset.eid) ?? 0);
  for (const item of document.querySelectorAll('.toc li[data-eid]')) {
    const eid = item.dataset.eid;
    let total = 0;
    for (const [key, count] of counts) if (key === eid || key.startsWith(`${eid}__`)) total += count;
    paintHeat(item, total);
    const badge = item.querySelector(':scope > .heat');
    if (badge) badge.textContent = total ? ` (${total})` : '';
  }
  const toggle = document.getElementById('heatmap-toggle');
  if (toggle && counts.size) toggle.hidden = false;
}

function setUpHeatmap() {
  const toggle = document.getElementById('heatmap-toggle');
  toggle?.addEventListener('click', () => {
    const on = document.body.classList.toggle('heatmap-on');
    toggle.setAttribute('aria-pressed', String(on));
  });
}

function setUpCompareForm() {
  const form = document.getElementById('compare-form');
  form?.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = form.querySelector('[name=from]').value;
    const to = form.querySelector('[name=to]').value;
    location.assign(`/bills/${bill}?compare=${from}..${to}`);
  });
}

function setUpNavigation() {
  document.querySelector('.toc')?.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#"]');
    if (!link) return;
    event.preventDefault();
    goTo(decodeURIComponent(link.hash.slice(1)));
  });
  textRoot.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#"]');
    if (!link || provisionElement(decodeURIComponent(link.hash.slice(1)))) return;
    event.preventDefault();
    goTo(decodeURIComponent(link.hash.slice(1)));
  });
  const target = document.body.dataset.target || decodeURIComponent(location.hash.slice(1));
  if (target) goTo(target, { focus: false });
}

function setUpLazyChunks() {
  const pending = textRoot.querySelectorAll('.chunk-pending');
  if (!pending.length) return;
  observer = new IntersectionObserver((entries) => {
    for (const entry of entries) if (entry.isIntersecting) loadChunk(entry.target);
  }, { rootMargin: CHUNK_MARGIN });
  for (const placeholder of pending) {
    placeholder.dataset.label = t('loading');
    observer.observe(placeholder);
  }
}

// Browsers fire a timeout longer than this (about 24.8 days) at once.
const MAX_TIMER_MS = 2 ** 31 - 1;
// A moment after the window's edge, so that the server's clock has passed it too.
const EDGE_MARGIN_MS = 1000;
// When the server does not yet say what the edge should have made of the window (or cannot be asked): ask again
// after this, twice as long each time in a row, up to a minute.
const RECHECK_MS = 2000;
const MAX_RECHECK_MS = 60000;
let recheck = RECHECK_MS;
let windowTimer = null;

function askAgainLater() {
  atEdge(Date.now() + recheck, followConsultation);
  recheck = Math.min(2 * recheck, MAX_RECHECK_MS);
}

/** The state of the consultation in the page's head, as the server writes it (a new window replaces it). */
function showConsultation(consultation) {
  const head = document.querySelector('.reader-head');
  for (const old of head.querySelectorAll(':scope > .consultation-state, :scope > .consultation-questions')) old.remove();
  const shown = (at) => `${at.slice(0, 16).replace('T', ' ')} UTC`;
  const sentence = {
    open: () => t('consultation_open_until', { closes: shown(consultation.closes_at) }),
    upcoming: () => t('consultation_opens_on', { opens: shown(consultation.opens_at) }),
    closed: () => t('consultation_has_closed'),
  }[consultation.state];
  const parts = [h('p', { class: `consultation-state consultation-${consultation.state}` }, sentence())];
  if (consultation.questions?.length && consultation.state !== 'closed') {
    parts.push(h('div', { class: 'consultation-questions' }, h('p', {}, t('consultation_asks')),
      h('ul', {}, consultation.questions.map((question) => h('li', {}, question)))));
  }
  head.querySelector(':scope > .meta').after(...parts);
}

/** Runs `check` at `when` (milliseconds since the epoch), however far away; one window edge is awaited at a time. */
function atEdge(when, check) {
  clearTimeout(windowTimer);
  const wait = when - Date.now();
  windowTimer = setTimeout(() => (wait > MAX_TIMER_MS ? atEdge(when, check) : check()),
    Math.max(0, Math.min(wait, MAX_TIMER_MS)));
}

function takeComments(open) {
  if (panel) {
    panel.open = open;
    // A comment being typed stays (the panel keeps forms in use); posting it after the close is refused, saying why.
    panel.onEvent();
  } else if (open) {
    setUpComments(true);
    decorate(textRoot);
  }
}

/** Checks the consultations again a moment after `edge` (an ISO time), or shortly when the server lags behind it. */
function followEdge(edge) {
  const when = Date.parse(edge) + EDGE_MARGIN_MS;
  if (when > Date.now()) {
    recheck = RECHECK_MS;
    atEdge(when, followConsultation);
  } else {
    askAgainLater(); // still on the other side of an edge this clock has passed: the server's clock is behind
  }
}

/**
 * What the consultations of the bill make of the page now: the comment tools appear when one opens (opened live,
 * by this clerk's form, or because its opening time came) and the comment form goes when it closes, without a
 * reload. Then waits for the window's next edge.
 */
async function followConsultation() {
  let data;
  try {
    data = await apiPages(`/api/bills/${bill}/consultations`, ['consultations']);
  } catch {
    askAgainLater();
    return;
  }
  const consultations = data.consultations ?? [];
  const open = consultations.find((consultation) => consultation.state === 'open');
  const upcoming = consultations.filter((consultation) => consultation.state === 'upcoming')
    .sort((a, b) => a.opens_at.localeCompare(b.opens_at))[0];
  const was = document.body.dataset.consultation;
  if (open) {
    if (was !== 'open') {
      document.body.dataset.consultation = 'open';
      showConsultation(open);
      takeComments(true);
      await refreshCounts();
      // The clerk's form says it in its own status region already.
      if (!document.getElementById('consultation-form')) announce(t('consultation_now_open'));
    }
    followEdge(open.closes_at);
    return;
  }
  if (was === 'open') {
    document.body.dataset.consultation = upcoming ? 'upcoming' : 'closed';
    showConsultation(upcoming ?? { state: 'closed' });
    takeComments(false);
    announce(t('consultation_has_closed'));
  } else if (upcoming && was !== 'upcoming') {
    document.body.dataset.consultation = 'upcoming';
    showConsultation(upcoming);
  }
  if (upcoming) followEdge(upcoming.opens_at);
  else clearTimeout(windowTimer);
}

function followLive() {
  const socket = connect();
  const joined = () => { document.body.dataset.live = '1'; };
  followBill(socket, bill, (event) => {
    if (event.type === 'consultation.opened') {
      followConsultation();
      return;
    }
    if (!panel || !event.type.startsWith('comment.')) return;
    refreshCounts();
    panel?.onEvent(event);
    if (event.type === 'comment.posted' && event.data?.eid) {
      const section = provisionElement(event.data.eid);
      announce(t('new_comment_live', { label: section ? labelOf(section) : event.data.eid }));
    }
  }, joined);
  return socket;
}

/** The comment panel and its buttons' handler; `open`: whether the consultation takes comments now. */
function setUpComments(open) {
  panel = new CommentsPanel({
    bill,
    root: document.getElementById('comments-panel'),
    layout: document.querySelector('.reader-layout'),
    open,
    role: document.body.dataset.role,
    user: Number(document.body.dataset.user) || null,
    // The published versions an answer may point to, as the version picker lists them.
    versions: [...document.querySelectorAll('#version-select option')].map((option) => Number(option.value)),
    labelOf: (eid) => {
      const section = provisionElement(eid);
      return section ? labelOf(section) : eid;
    },
    onChange: () => refreshCounts(),
  });
  textRoot.addEventListener('click', (event) => {
    const button = event.target.closest('.comment-button');
    if (button) panel.show(button.dataset.eid, button);
  });
}

export async function start() {
  bill = Number(document.body.dataset.bill);
  textRoot = document.getElementById('bill-text');
  const consultationForm = document.getElementById('consultation-form');
  // Only clerks have the form: its code is loaded for them alone, so readers' pages stay light.
  if (consultationForm) (await import('./consultation-form.js')).start(consultationForm, bill, () => followConsultation());
  const consultation = document.body.dataset.consultation;
  // Comments are on the current version's text; an earlier version or a comparison takes none.
  const commentable = document.body.dataset.current === '1' && !textRoot.querySelector('.redline');
  if (consultation !== 'none' && commentable) setUpComments(consultation === 'open');
  setUpLazyChunks();
  decorate(textRoot);
  setUpNavigation();
  setUpCompareForm();
  setUpHeatmap();
  if (panel) await refreshCounts();
  if (commentable && document.body.dataset.consultationEdge) followEdge(document.body.dataset.consultationEdge);
  if (commentable) {
    // The live connection is not needed to read: open it once the page is idle. Without a consultation yet, it
    // is how the comment tools appear when a clerk opens one.
    const idle = window.requestIdleCallback ?? ((callback) => setTimeout(callback, 200));
    idle(() => followLive());
  }
}
