// The live editor: one CodeMirror per provision, kept in step with the server by BillSync, other drafters'
// presence and cursors, structure edits and publishing.
import { minimalSetup } from 'codemirror';
import { Annotation, Compartment, EditorState, Transaction } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import {
  BillSync, PROVISION_DELETED, PROVISION_TOO_LARGE, SIGNED_OUT_CODES, STRUCTURE_EVENTS, VERSION_PUBLISHED,
} from '../sync/sync.js';
import { api } from '../lib/api.js';
import { announce, h, pageData, say, t } from '../lib/dom.js';
import { ask, connect, followSignIn, signedInAs } from '../lib/socket.js';
import { peerClass, remoteCursors, setPeers } from '../editor/cursors.js';
import { focusKept, keep, keeps } from '../editor/kept.js';
import { arrange, nearest, replaceKeepingFocus } from '../editor/layout.js';
import { findByEid, findByWid, flatten, labelOf, nameOf, siblingsOf, widOf } from '../editor/outline.js';
import { setUpPublishing } from '../editor/publishing.js';
import { stateKey } from '../editor/state.js';

const EDIT_INTERVAL_MS = 100; // at most ten edits a second leave this page (the server allows twenty)
const PRESENCE_INTERVAL_MS = 250;
const PRESENCE_REFRESH_MS = 5000;
const PEER_TIMEOUT_MS = 10000;
const STYLESHEET = document.querySelector('link[rel="stylesheet"]')?.href ?? '/static/css/parley.css';

const remote = Annotation.define();
// After these, provisions become settled (their words adopted as the House voted on them) or free again; so does
// the one a `provision.edited` names with `settled_by` (its words were typed back as voted on).
const SETTLING_EVENTS = new Set(['amendment.adopted', 'amendments.consolidated']);

let bill;
let socket;
let sync;
let container;
let outline = [];
// Editors and blocks are keyed by wId, which no structure edit changes: the editor a drafter types in stays the
// same editor, in the same block, whatever renumbering happens around it (or to it).
const editors = new Map(); // wid -> EditorView
const blocks = new Map(); // wid -> the provision's <section>
const headerKeys = new WeakMap(); // block -> what its header was drawn from
const peers = new Map(); // sid -> {name, eid, cursor, seen}
const ownStructure = new Set(); // ids of the structure events this page's own requests made (laid out already)
let lastEdit = 0;
let editGate = Promise.resolve();
let lastPresence = { wid: null, eid: null, anchor: -1, head: -1, at: 0 };
// A refused or lost edit: the state says so (never "saved") until what the drafter typed after it is saved.
let problem = null; // {message, typedSince}
const deleting = new Set(); // wids of the provisions this drafter is deleting (asked for, and confirmed)
const cameAfter = new Map(); // wid of a deleted provision whose text the page keeps -> wid of the one after it
let versions; // the header's version of the working text, and the button that publishes one (publishing.js)

/**
 * Sends now, or fails at once while the line is down: socket.io-client would hold the message and send it first
 * thing on the next connection, before the join, where the server refuses it (forbidden: not joined). The sync
 * keeps what is pending, and the join after reconnecting sends it.
 */
function send(name, payload) {
  if (!socket.connected) return Promise.reject(new Error(t('offline')));
  return ask(socket, name, payload);
}

/** Sends edits no faster than EDIT_INTERVAL_MS apart; keystrokes in between travel in the next one. */
function emit(name, payload) {
  if (name !== 'edit') return send(name, payload);
  editGate = editGate.then(() => new Promise((resolve) => {
    const wait = Math.max(0, lastEdit + EDIT_INTERVAL_MS - Date.now());
    setTimeout(() => {
      lastEdit = Date.now();
      resolve();
    }, wait);
  }));
  return editGate.then(() => send(name, payload));
}

/** Replaces the editor's text with `text`, changing only the differing middle so selections stay put. */
function showText(view, text) {
  const current = view.state.doc.toString();
  if (current === text) return;
  let start = 0;
  while (start < current.length && start < text.length && current[start] === text[start]) start += 1;
  let endCurrent = current.length;
  let endText = text.length;
  while (endCurrent > start && endText > start && current[endCurrent - 1] === text[endText - 1]) {
    endCurrent -= 1;
    endText -= 1;
  }
  view.dispatch({
    changes: { from: start, to: endCurrent, insert: text.slice(start, endText) },
    // Another drafter's change (or the sync's merge) is not the drafter's to undo: undo takes back only what was
    // typed here, its positions mapped through the changes of others.
    annotations: [remote.of(true), Transaction.addToHistory.of(false)],
  });
}

/** The drafter typed in provision `wid`. */
function typed(wid, text) {
  // Gone from the bill, its block not yet: what reaches its editor is kept with what was not saved, and nothing
  // typed there will be saved (the page must not say "All changes saved" once the other provisions are).
  // The problem shown before this keystroke: one this keystroke causes (a paste over the limit) is not "typed since".
  const earlier = problem;
  if (sync.typeByWid(wid, text)) {
    if (earlier) earlier.typedSince = true;
  } else if (!deleting.has(wid)) {
    lost(wid, text);
  }
  showState();
}

/** What drafters call provision `wid`, as this page last showed it. */
function labelFor(wid) {
  const node = findByWid(outline, wid);
  return node ? nameOf(node) : blocks.get(wid)?.getAttribute('aria-label') ?? wid;
}

/**
 * Provision `wid` left the bill (another drafter deleted it) holding `text` the server never saved: the page keeps
 * it for the drafter to copy, and says so until what is typed next is saved.
 */
function lost(wid, text) {
  const label = labelFor(wid);
  const fresh = keep(document.getElementById('kept-texts'), { wid, label, text, onDismiss: dismissed });
  if (!fresh) return;
  const message = t('provision_deleted', { label });
  say('editor-message', message);
  problem = { message, typedSince: false };
}

/** A kept text was dismissed: the focus goes back to the provisions, where the deleted one stood. */
function dismissed(wid) {
  const after = cameAfter.get(wid);
  cameAfter.delete(wid);
  const first = flatten(outline)[0];
  if (!focusHeading(after) && !(first && focusHeading(widOf(first)))) document.getElementById('main')?.focus();
}

/** Moves the focus to provision `wid`'s heading; false when the page shows no such provision. */
function focusHeading(wid) {
  const heading = wid && blocks.get(wid)?.querySelector(':scope > header > :is(h2, h3)');
  if (!heading?.isConnected) return false;
  heading.focus();
  return true;
}

/**
 * Moves the focus into provision `wid`'s text (its editor made first if need be), the caret at the end with
 * `atEnd`; false when the provision has no text to edit here.
 */
function focusText(wid, atEnd = false) {
  const block = blocks.get(wid);
  const holder = block?.querySelector(':scope > .cm-placeholder');
  if (holder && !editors.has(wid)) upgrade(holder);
  const view = editors.get(wid);
  if (!block?.isConnected || !view) return false;
  if (atEnd) view.dispatch({ selection: { anchor: view.state.doc.length }, scrollIntoView: true });
  view.focus();
  return true;
}

/** The button `action` in the header of provision `wid` as drawn now (it may have been drawn again), else `opener`. */
function buttonOf(wid, action, opener) {
  const button = blocks.get(wid)?.querySelector(`:scope > header [data-action="${action}"]`);
  return button ?? (opener.isConnected ? opener : null);
}

/** Says that an edit was refused or lost, in the message and in the state of the saving. */
function report(error) {
  // Refusals made in the browser are worded here, in the page's language; the server's come worded in it.
  const said = error?.code === PROVISION_TOO_LARGE
    ? t('provision_too_large', { length: error.length, limit: error.limit }) : error?.message;
  const message = t('refused', { message: said ?? '' });
  say('editor-message', message);
  problem = { message, typedSince: false };
  showState();
}

const labelAttributes = (node) => EditorView.contentAttributes.of({ 'aria-label': `${t('provision_text')}${t('colon')}${nameOf(node)}` });

/**
 * A CodeMirror editor for provision `node`, inside a shadow root of its own: CodeMirror styles itself with
 * constructed style sheets there, which the site's Content-Security-Policy (style-src 'self') allows, where
 * it would otherwise add <style> elements that the policy blocks.
 */
function makeEditor(node) {
  const wid = widOf(node);
  const host = h('div', { class: 'cm-host' });
  const shadow = host.attachShadow({ mode: 'open' });
  shadow.append(h('link', { rel: 'stylesheet', href: STYLESHEET }));
  const label = new Compartment();
  const settled = new Compartment();
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc: sync.textByWid(wid) ?? '',
      extensions: [
        minimalSetup,
        EditorView.lineWrapping,
        remoteCursors,
        label.of(labelAttributes(node)),
        settled.of(settledExtensions(node)),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && !update.transactions.some((tr) => tr.annotation(remote))) {
            typed(wid, update.state.doc.toString());
          }
          if (update.selectionSet || update.focusChanged || update.docChanged) {
            if (view.hasFocus) announcePresence(wid, update.state.selection.main);
          }
        }),
      ],
    }),
  });
  Object.assign(view, { host, wid, label, labelText: nameOf(node), settled, settledBy: settledBy(node) });
  return view;
}

/** The numbers of the adopted amendments whose words provision `node` holds, as a key ('' when none). */
function settledBy(node) {
  return (node.settled_by ?? []).join(', ');
}

/**
 * A provision whose words adopted amendments amend reads as the House voted on it until the clerk consolidates:
 * its editor is read-only (the server refuses edits to it too), its text still there to read and copy.
 */
function settledExtensions(node) {
  return settledBy(node) ? [EditorState.readOnly.of(true), EditorView.contentAttributes.of({ 'aria-readonly': 'true' })] : [];
}

/** The editor of a provision that became settled, or free again, follows. */
function resettle(view, node) {
  if (view.settledBy === settledBy(node)) return;
  view.settledBy = settledBy(node);
  view.dispatch({ effects: view.settled.reconfigure(settledExtensions(node)) });
}

/** The note under a settled provision's header saying why its text cannot be edited, or none. */
function drawSettled(block, node) {
  const numbers = settledBy(node);
  let note = block.querySelector(':scope > .settled-note');
  if (!numbers) {
    note?.remove();
    return;
  }
  const text = t(node.settled_by.length > 1 ? 'settled_by_many' : 'settled_by_one', { numbers });
  if (!note) {
    note = h('p', { class: 'settled-note meta', role: 'note' });
    block.querySelector(':scope > header').after(note);
  }
  if (note.textContent !== text) note.textContent = text;
}

/** A renumbered or retitled provision's editor is named anew for screen readers. */
function relabel(view, node) {
  if (view.labelText === nameOf(node)) return;
  view.labelText = nameOf(node);
  view.dispatch({ effects: view.label.reconfigure(labelAttributes(node)) });
}

function structureButtons(node) {
  const siblings = siblingsOf(outline, node.eid) ?? [];
  const index = siblings.findIndex((sibling) => sibling.eid === node.eid);
  const label = nameOf(node);
  const button = (text, name, action, disabled = false) => h('button', {
    type: 'button', class: 'secondary', disabled, 'aria-label': `${text}: ${label}`, 'data-action': name, onclick: action,
  }, text);
  return h('div', { class: 'structure-buttons' },
    // Before the first of its level only: anywhere else that is "after" the one before it.
    index === 0 ? button(t('insert_before'), 'insert-before', (event) => structureForm(node, 'insert-before', event.target)) : null,
    button(t('insert_after'), 'insert', (event) => structureForm(node, 'insert', event.target)),
    button(t('renumber'), 'retitle', (event) => structureForm(node, 'retitle', event.target)),
    button(t('move_up'), 'move-up', () => structure({ action: 'move', eid: node.eid, wid: node.wid, ref_eid: siblings[index - 1]?.eid, ref_wid: siblings[index - 1]?.wid, position: 'before' }), index <= 0),
    button(t('move_down'), 'move-down', () => structure({ action: 'move', eid: node.eid, wid: node.wid, ref_eid: siblings[index + 1]?.eid, ref_wid: siblings[index + 1]?.wid, position: 'after' }), index < 0 || index >= siblings.length - 1),
    button(t('delete'), 'delete', async () => {
      if (!window.confirm(t('confirm_delete', { label }))) return;
      // Confirmed: what was typed in it and not saved goes with it (see lost), and the focus to the next one.
      const wid = widOf(node);
      deleting.add(wid);
      try {
        await structure({ action: 'delete', eid: node.eid, wid: node.wid });
      } finally {
        deleting.delete(wid);
      }
    }));
}

function structureForm(node, action, opener) {
  const block = opener.closest('.provision-editor');
  block.querySelector('.structure-form')?.remove();
  const form = document.getElementById('structure-dialog-template').content.firstElementChild.cloneNode(true);
  if (action === 'retitle') {
    form.querySelector('.insert-only').remove();
    form.num.value = node.num ?? '';
    form.heading.value = node.heading ?? '';
  }
  const wid = widOf(node);
  // The form goes, never the focus with it: back to the button that opened it (drawn again if the provision's
  // label changed meanwhile), or, after an insertion, into the text of the new provision.
  const cancel = () => {
    buttonOf(wid, action, opener)?.focus();
    form.remove();
  };
  form.querySelector('.cancel').addEventListener('click', cancel);
  // Escape closes it as Cancel does, as keyboard users expect of a dialog-like form; not further up the page.
  form.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || event.isComposing) return;
    event.preventDefault();
    event.stopPropagation();
    cancel();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = { num: form.num.value || null, heading: form.heading.value || null };
    const inserts = action === 'insert' || action === 'insert-before';
    const payload = inserts
      ? { action: 'insert', eid: node.eid, wid: node.wid, position: action === 'insert' ? 'after' : 'before', name: node.name, text: form.text.value, ...fields }
      : { action, eid: node.eid, wid: node.wid, ...fields };
    const ack = await structure(payload);
    if (!ack) return;
    const inserted = inserts && ack.eid ? findByEid(outline, ack.eid) : null;
    if (!(inserted && focusText(widOf(inserted), true))) buttonOf(wid, action, opener)?.focus();
    form.remove();
  });
  block.querySelector('header').after(form);
  form.querySelector('input').focus();
}

/** Sends a structure edit and lays the bill out again; resolves to its ack, or null when it was refused. */
async function structure(payload) {
  const ack = await send('structure', { bill, ...payload }).catch((error) => ({ ok: false, error }));
  if (!ack.ok) {
    say('editor-message', t('refused', { message: ack.error?.message ?? '' }));
    return null;
  }
  say('editor-message', '');
  if (ack.event_id != null) ownStructure.add(ack.event_id);
  await reshape();
  return ack;
}

let reshaping = Promise.resolve();
let reshapeWaiting = null;

/**
 * After a structure edit (this page's, another drafter's, or this drafter's in another tab) and after every
 * reconnection: a fresh snapshot (the sync re-keys its provisions by wId) and outline, and the blocks laid out
 * again. The sync has re-keyed already as each structure event arrived, and the editors are keyed by wId, so typing
 * goes on meanwhile. Asked again while a layout waits to start, that one serves.
 */
function reshape() {
  if (reshapeWaiting) return reshapeWaiting;
  const run = reshaping.then(async () => {
    reshapeWaiting = null;
    await sync.join();
    const detail = await api('GET', `/api/bills/${bill}`);
    outline = detail.provisions;
    versions.showVersion(detail.version); // published while this page was offline, say
    render();
  }).catch((error) => {
    // Offline: the join after reconnecting lays the bill out again.
    if (socket.connected) say('editor-message', t('refused', { message: error.message ?? '' }));
  });
  reshapeWaiting = run;
  reshaping = run;
  return run;
}

/**
 * Lays out one block per provision of the outline. Blocks and editors are kept (by wId) and brought up to date in
 * place, and the block holding the focus never leaves the document (see layout.js) unless its provision left the
 * bill: then the focus goes to the text the page keeps of it, else to the heading of the provision after it.
 */
function render() {
  const rows = flatten(outline);
  const present = new Set(rows.map(widOf));
  const order = [...container.children];
  const stays = (child) => present.has(child.dataset.wid);
  let rescue = null;
  order.forEach((child, index) => {
    if (stays(child)) return;
    const { wid } = child.dataset;
    const after = nearest(order, index, stays)?.dataset.wid ?? null;
    if (keeps(wid)) cameAfter.set(wid, after);
    if (child.contains(document.activeElement)) rescue = { wid, after, label: child.getAttribute('aria-label') };
  });
  for (const [wid, block] of blocks) {
    if (present.has(wid)) continue;
    block.remove();
    blocks.delete(wid);
  }
  for (const [wid, view] of editors) {
    if (present.has(wid)) continue;
    view.destroy();
    editors.delete(wid);
  }
  arrange(container, rows.map(layOut));
  drawPeers();
  if (rescue && !focusKept(rescue.wid)) {
    // Not into the next provision's text: what the drafter goes on typing must not land in another provision.
    if (!focusHeading(rescue.after)) document.getElementById('main')?.focus();
    announce(t(deleting.has(rescue.wid) ? 'deleted_done' : 'deleted_by_other', { label: rescue.label }));
  }
}

/** The block of provision `node`, made or brought up to date: eId, label, buttons, editor (or its placeholder). */
function layOut(node) {
  const wid = widOf(node);
  let block = blocks.get(wid);
  if (!block) {
    block = h('section', {});
    blocks.set(wid, block);
  }
  block.className = `provision-editor depth-${Math.min(node.depth, 3)}`;
  Object.assign(block.dataset, { eid: node.eid, wid });
  block.setAttribute('aria-label', nameOf(node));
  drawHeader(block, node);
  drawSettled(block, node);
  const text = sync.textByWid(wid) ?? '';
  const view = editors.get(wid);
  const holder = block.querySelector(':scope > .cm-placeholder');
  if (node.hasChildren && text === '' && !view?.hasFocus) {
    // A provision with sub-provisions and no text of its own has nothing to edit.
    if (view) {
      view.destroy();
      view.host.remove();
      editors.delete(wid);
    }
    if (holder) {
      upcoming.unobserve(holder);
      holder.remove();
    }
  } else if (view) {
    if (view.host.parentNode !== block) block.append(view.host);
    relabel(view, node);
    resettle(view, node);
    showText(view, text);
  } else if (holder) {
    holder.textContent = text;
    holder.setAttribute('aria-label', `${t('provision_text')}${t('colon')}${nameOf(node)}`);
  } else {
    block.append(placeholder(node));
  }
  return block;
}

/** The block's header (number, heading, structure buttons), drawn again only when something it shows changed. */
function drawHeader(block, node) {
  const siblings = siblingsOf(outline, node.eid) ?? [];
  const index = siblings.findIndex((sibling) => sibling.eid === node.eid);
  const key = JSON.stringify([labelOf(node), nameOf(node), node.depth, node.eid, node.wid, node.name, node.num, node.heading,
    siblings[index - 1]?.eid, siblings[index - 1]?.wid, siblings[index + 1]?.eid, siblings[index + 1]?.wid]);
  const old = block.querySelector(':scope > header');
  if (old && headerKeys.get(block) === key) return;
  headerKeys.set(block, key);
  // The heading can take the focus from a script (when the provision before it is deleted), not from Tab.
  const fresh = h('header', {}, h(node.depth === 0 ? 'h2' : 'h3', { tabindex: -1 }, labelOf(node)), structureButtons(node));
  if (old) replaceKeepingFocus(old, fresh);
  else block.prepend(fresh);
}

// Editors are made as their provision comes near the screen: a long bill has thousands of provisions.
const upcoming = new IntersectionObserver((entries) => {
  for (const entry of entries) if (entry.isIntersecting) upgrade(entry.target);
}, { rootMargin: '1000px 0px' });

function placeholder(node) {
  const holder = h('div', { class: 'cm-placeholder', tabindex: 0, role: 'textbox', 'aria-label': `${t('provision_text')}${t('colon')}${nameOf(node)}` },
    sync.textByWid(widOf(node)) ?? '');
  holder.addEventListener('focus', () => upgrade(holder, true));
  upcoming.observe(holder);
  return holder;
}

function upgrade(holder, focus = false) {
  upcoming.unobserve(holder);
  const wid = holder.closest('[data-wid]')?.dataset.wid;
  const node = wid && findByWid(outline, wid);
  if (!holder.isConnected || !node) return;
  const view = editors.get(wid) ?? makeEditor(node);
  editors.set(wid, view);
  holder.replaceWith(view.host);
  drawPeers();
  if (focus) view.focus();
}

function announcePresence(wid, selection, force = false) {
  const eid = sync.eidOf(wid);
  if (!eid) return;
  const now = Date.now();
  const same = lastPresence.wid === wid && lastPresence.eid === eid && lastPresence.anchor === selection.anchor
    && lastPresence.head === selection.head;
  if (!force && (same || now - lastPresence.at < PRESENCE_INTERVAL_MS)) {
    if (!same) setTimeout(() => {
      const view = editors.get(wid);
      if (view?.hasFocus) announcePresence(wid, view.state.selection.main);
    }, PRESENCE_INTERVAL_MS);
    return;
  }
  lastPresence = { wid, eid, anchor: selection.anchor, head: selection.head, at: now };
  send('presence', { bill, eid, cursor: { anchor: selection.anchor, head: selection.head } }).catch(() => {});
}

function onPresence(message) {
  if (message.bill !== bill) return;
  if (message.left) peers.delete(message.sid);
  else peers.set(message.sid, { ...message, seen: Date.now() });
  drawPeers();
}

function drawPeers() {
  const now = Date.now();
  for (const [sid, peer] of peers) if (now - peer.seen > PEER_TIMEOUT_MS) peers.delete(sid);
  const byEid = new Map();
  for (const [sid, peer] of peers) {
    if (!peer.eid || !peer.cursor) continue;
    if (!byEid.has(peer.eid)) byEid.set(peer.eid, []);
    byEid.get(peer.eid).push({ key: peer.user ?? sid, name: peer.name, anchor: peer.cursor.anchor, head: peer.cursor.head });
  }
  for (const [wid, view] of editors) view.dispatch({ effects: setPeers.of(byEid.get(sync.eidOf(wid)) ?? []) });
  const names = [...peers.values()].map((peer) => {
    const where = peer.eid ? ` (${nameOf(findByEid(outline, peer.eid) ?? { eid: peer.eid })})` : '';
    return h('span', { class: `peer-tag ${peerClass(peer.user)}` }, `${peer.name}${where}`);
  });
  const holder = document.getElementById('presence');
  if (!names.length) holder.replaceChildren(t('nobody_else'));
  else holder.replaceChildren(t('editing_here', { names: '' }), ...names);
}

let shownState = '';

/** Says whether everything typed is saved. Called on every keystroke as well as on a timer: a timer alone left
 * "Saved" up for a moment after typing (for a second or more in a background tab, whose timers are slowed).
 * After a refused or lost edit it says so until what was typed since is saved. */
function showState() {
  const state = document.getElementById('sync-state');
  if (problem?.typedSince && socket.connected && sync.settled) problem = null;
  const key = stateKey({
    signedOut: !document.getElementById('signed-out').hidden, connected: socket.connected, problem, settled: sync.settled,
  });
  const text = key === 'error' ? problem.message : t(key === 'signed_out' ? 'signed_out_state' : key);
  if (text !== shownState) {
    state.textContent = text;
    state.dataset.state = key;
    shownState = text;
  }
}

function watchState() {
  setInterval(() => {
    showState();
    drawPeersIfStale();
  }, 250);
  setInterval(() => {
    const focused = [...editors.entries()].find(([, view]) => view.hasFocus);
    if (focused) announcePresence(focused[0], focused[1].state.selection.main, true);
  }, PRESENCE_REFRESH_MS);
}

let lastSweep = 0;
function drawPeersIfStale() {
  if (Date.now() - lastSweep < 2000) return;
  lastSweep = Date.now();
  const before = peers.size;
  for (const [sid, peer] of peers) if (Date.now() - peer.seen > PEER_TIMEOUT_MS) peers.delete(sid);
  if (peers.size !== before) drawPeers();
}

/**
 * The connection's sign-in ended elsewhere (a password changed or reset in another browser, a suspension): say so
 * where it cannot be missed. What is typed stays in the page, held by the sync, and goes out once the drafter has
 * signed in again (in another tab: leaving this page would lose it) and reconnects. Shown again, with why, each
 * time reconnecting finds the browser still signed out.
 */
function showSignedOut(reconnect, reason, unreachable) {
  const notice = document.getElementById('signed-out');
  const again = !notice.hidden;
  const button = h('button', { type: 'button' }, t('reconnect'));
  const why = unreachable ? t('server_unreachable') : again ? t('still_signed_out') : '';
  button.addEventListener('click', async () => {
    button.disabled = true;
    if (await reconnect()) {
      // The button goes with the notice: the focus goes to the state of the saving, which says what happens now.
      const state = document.getElementById('sync-state');
      state.setAttribute('tabindex', '-1');
      state.focus();
      notice.hidden = true;
      notice.replaceChildren();
      announce(t('reconnected'));
    }
  });
  notice.replaceChildren(
    h('p', {}, h('strong', {}, t(`signed_out_${reason}`)), ' ', t('signed_out_kept')),
    h('p', {}, h('a', { href: '/login', target: '_blank', rel: 'noopener' }, t('sign_in_again')), ' ', button, ' ',
      h('span', { class: 'meta' }, why)));
  notice.hidden = false;
  // Pressed "Reconnect" and still out: the keyboard stays on the button that was pressed.
  if (again) button.focus();
}

export async function start() {
  bill = Number(document.body.dataset.bill);
  container = document.getElementById('provisions');
  outline = pageData('editor-outline', []);
  socket = connect();
  const reconnect = followSignIn(socket, Number(document.body.dataset.user),
    (reason, unreachable) => showSignedOut(reconnect, reason, unreachable));
  sync = new BillSync({
    bill,
    emit,
    onText: (eid, text, cursor, wid) => {
      const view = editors.get(wid);
      if (view) showText(view, text);
      else {
        const holder = blocks.get(wid)?.querySelector(':scope > .cm-placeholder');
        if (holder) holder.textContent = text;
      }
    },
    onError: (eid, error, wid) => {
      if (error?.code === PROVISION_DELETED) {
        // What its editor shows, keystrokes after the deletion included; nothing when this drafter deleted it.
        if (!deleting.has(wid)) lost(wid, editors.get(wid)?.state.doc.toString() ?? error.text ?? '');
        showState();
        return;
      }
      if (!SIGNED_OUT_CODES.has(error?.code)) {
        report(error);
        return;
      }
      // Refused as signed out: the edits are kept (see sync.js). A browser still signed in as this drafter (it
      // changed the password itself) is reconnecting already; any other is told how to bring them in.
      signedInAs().then((now) => {
        if (now !== Number(document.body.dataset.user)) showSignedOut(reconnect, 'signed_out', now === undefined);
      });
    },
  });
  let first = true;
  const joined = new Promise((resolve) => {
    socket.on('connect', () => {
      if (!first) {
        // Back after a cut: the structure may have changed meanwhile. The join's snapshot matches provisions by
        // wId, and the bill is laid out as it is now; pending edits go out once the join is done.
        reshape();
        return;
      }
      sync.join().then(() => {
        if (first) {
          first = false;
          render();
          resolve();
        }
      }, (error) => say('editor-message', t('refused', { message: error.message ?? '' })));
    });
  });
  socket.on('disconnect', () => {
    sync.disconnected();
    showState();
  });
  socket.on('event', (event) => {
    sync.handleEvent(event);
    if (event.type === VERSION_PUBLISHED && event.bill === bill) versions.onPublished(event);
    // Any structure edit but those this page made and laid out already: another drafter's, or this drafter's
    // from another tab or client (the same user, so the actor cannot tell them apart).
    if (STRUCTURE_EVENTS.has(event.type) && !ownStructure.delete(event.id)) reshape();
    else if (SETTLING_EVENTS.has(event.type) && event.bill === bill) reshape();
    // An edit that gave a provision back the words the House voted on settles it.
    else if (event.type === 'provision.edited' && event.bill === bill && event.data?.settled_by?.length) reshape();
  });
  socket.on('presence', onPresence);
  // Leaving while something typed is not saved yet (on its way, held by the pace of edits, or typed offline), or
  // while the page keeps the text of a provision deleted under the drafter, would lose it without a word.
  window.addEventListener('beforeunload', (event) => {
    if (sync.settled && !document.getElementById('kept-texts')?.childElementCount) return;
    event.preventDefault();
    event.returnValue = ''; // still asked for by some browsers
  });
  versions = setUpPublishing(bill, Number(document.body.dataset.version), () => sync.settled);
  watchState();
  await joined;
}
