// The live editor: one CodeMirror per provision, kept in step with the server by BillSync, other drafters'
// presence and cursors, structure edits and publishing.
import { minimalSetup } from 'codemirror';
import { Annotation, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { BillSync, SIGNED_OUT_CODES } from '../sync/sync.js';
import { api } from '../lib/api.js';
import { announce, h, pageData, say, t } from '../lib/dom.js';
import { ask, connect, followSignIn, signedInAs } from '../lib/socket.js';
import { applyRenames, forgetMissing } from '../editor/rekey.js';
import { peerClass, remoteCursors, setPeers } from '../editor/cursors.js';

const EDIT_INTERVAL_MS = 100; // at most ten edits a second leave this page (the server allows twenty)
const PRESENCE_INTERVAL_MS = 250;
const PRESENCE_REFRESH_MS = 5000;
const PEER_TIMEOUT_MS = 10000;
const STYLESHEET = document.querySelector('link[rel="stylesheet"]')?.href ?? '/static/css/parley.css';
const STRUCTURE_EVENTS = new Set(['provision.inserted', 'provision.deleted', 'provision.moved', 'provision.retitled']);

const remote = Annotation.define();

let bill;
let socket;
let sync;
let container;
let outline = [];
const editors = new Map(); // eid -> EditorView
const peers = new Map(); // sid -> {name, eid, cursor, seen}
let lastEdit = 0;
let editGate = Promise.resolve();
let lastPresence = { eid: null, anchor: -1, head: -1, at: 0 };

/** Sends edits no faster than EDIT_INTERVAL_MS apart; keystrokes in between travel in the next one. */
function emit(name, payload) {
  if (name !== 'edit') return ask(socket, name, payload);
  editGate = editGate.then(() => new Promise((resolve) => {
    const wait = Math.max(0, lastEdit + EDIT_INTERVAL_MS - Date.now());
    setTimeout(() => {
      lastEdit = Date.now();
      resolve();
    }, wait);
  }));
  return editGate.then(() => ask(socket, name, payload));
}

function flatten(nodes, depth = 0, out = []) {
  for (const node of nodes) {
    out.push({ ...node, depth, hasChildren: node.children.length > 0 });
    flatten(node.children, depth + 1, out);
  }
  return out;
}

function labelOf(node) {
  return [node.num, node.heading].filter(Boolean).join(' ') || node.eid;
}

function siblingsOf(eid, nodes = outline) {
  for (const node of nodes) if (node.eid === eid) return nodes;
  for (const node of nodes) {
    const found = siblingsOf(eid, node.children);
    if (found) return found;
  }
  return null;
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
    annotations: remote.of(true),
  });
}

/** The eId of the provision block holding `view` (the block's, since structure edits rename provisions). */
function eidOf(view) {
  return view.dom.getRootNode().host?.closest('[data-eid]')?.dataset.eid ?? null;
}

/**
 * A CodeMirror editor for provision `node`, inside a shadow root of its own: CodeMirror styles itself with
 * constructed style sheets there, which the site's Content-Security-Policy (style-src 'self') allows, where
 * it would otherwise add <style> elements that the policy blocks.
 */
function makeEditor(node) {
  const host = h('div', { class: 'cm-host' });
  const shadow = host.attachShadow({ mode: 'open' });
  shadow.append(h('link', { rel: 'stylesheet', href: STYLESHEET }));
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc: sync.text(node.eid) ?? '',
      extensions: [
        minimalSetup,
        EditorView.lineWrapping,
        remoteCursors,
        EditorView.contentAttributes.of({ 'aria-label': `${t('provision_text')}: ${labelOf(node)}` }),
        EditorView.updateListener.of((update) => {
          const eid = eidOf(view);
          if (!eid) return;
          if (update.docChanged && !update.transactions.some((tr) => tr.annotation(remote))) {
            sync.type(eid, update.state.doc.toString());
            showState();
          }
          if (update.selectionSet || update.focusChanged || update.docChanged) {
            if (view.hasFocus) announcePresence(eid, update.state.selection.main);
          }
        }),
      ],
    }),
  });
  view.host = host;
  return view;
}

function structureButtons(node) {
  const siblings = siblingsOf(node.eid) ?? [];
  const index = siblings.findIndex((sibling) => sibling.eid === node.eid);
  const label = labelOf(node);
  const button = (text, action, disabled = false) => h('button', {
    type: 'button', class: 'secondary', disabled, 'aria-label': `${text}: ${label}`, onclick: action,
  }, text);
  return h('div', { class: 'structure-buttons' },
    button(t('insert_after'), (event) => structureForm(node, 'insert', event.target)),
    button(t('renumber'), (event) => structureForm(node, 'retitle', event.target)),
    button(t('move_up'), () => structure({ action: 'move', eid: node.eid, wid: node.wid, ref_eid: siblings[index - 1]?.eid, ref_wid: siblings[index - 1]?.wid, position: 'before' }), index <= 0),
    button(t('move_down'), () => structure({ action: 'move', eid: node.eid, wid: node.wid, ref_eid: siblings[index + 1]?.eid, ref_wid: siblings[index + 1]?.wid, position: 'after' }), index < 0 || index >= siblings.length - 1),
    button(t('delete'), () => {
      if (window.confirm(t('confirm_delete', { label }))) structure({ action: 'delete', eid: node.eid, wid: node.wid });
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
  form.querySelector('.cancel').addEventListener('click', () => {
    form.remove();
    opener.focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = { num: form.num.value || null, heading: form.heading.value || null };
    const payload = action === 'insert'
      ? { action, eid: node.eid, wid: node.wid, position: 'after', name: node.name, text: form.text.value, ...fields }
      : { action, eid: node.eid, wid: node.wid, ...fields };
    if (await structure(payload)) form.remove();
  });
  block.querySelector('header').after(form);
  form.querySelector('input').focus();
}

async function structure(payload) {
  const ack = await ask(socket, 'structure', { bill, ...payload }).catch((error) => ({ ok: false, error }));
  if (!ack.ok) {
    say('editor-message', t('refused', { message: ack.error?.message ?? '' }));
    return false;
  }
  say('editor-message', '');
  await reshape(ack.renames);
  return true;
}

let reshaping = Promise.resolve();

/** After a structure edit: re-key the sync, take a fresh snapshot and outline, and lay the editors out again. */
function reshape(renames) {
  reshaping = reshaping.then(async () => {
    applyRenames(sync, renames);
    const ack = await sync.join();
    forgetMissing(sync, Object.keys(ack.provisions ?? {}));
    const detail = await api('GET', `/api/bills/${bill}`);
    outline = detail.provisions;
    render();
  }).catch((error) => say('editor-message', t('refused', { message: error.message ?? '' })));
  return reshaping;
}

/** Lays out one block per provision, reusing the editors of provisions that are still there. */
function render() {
  const rows = flatten(outline);
  const kept = new Map();
  const blocks = rows.map((node) => {
    const tag = node.depth === 0 ? 'h2' : 'h3';
    const block = h('section', { class: `provision-editor depth-${Math.min(node.depth, 3)}`, dataset: { eid: node.eid }, 'aria-label': labelOf(node) },
      h('header', {}, h(tag, {}, labelOf(node)), structureButtons(node)));
    const editable = !node.hasChildren || (sync.text(node.eid) ?? '') !== '';
    if (editable) {
      const view = editors.get(node.eid);
      if (view) {
        block.append(view.host);
        kept.set(node.eid, view);
      } else {
        block.append(placeholder(node));
      }
    }
    return block;
  });
  for (const [eid, view] of editors) if (!kept.has(eid)) view.destroy();
  editors.clear();
  for (const [eid, view] of kept) {
    editors.set(eid, view);
    showText(view, sync.text(eid) ?? '');
  }
  container.replaceChildren(...blocks);
  drawPeers();
}

// Editors are made as their provision comes near the screen: a long bill has thousands of provisions.
const upcoming = new IntersectionObserver((entries) => {
  for (const entry of entries) if (entry.isIntersecting) upgrade(entry.target);
}, { rootMargin: '1000px 0px' });

function placeholder(node) {
  const holder = h('div', { class: 'cm-placeholder', tabindex: 0, role: 'textbox', 'aria-label': `${t('provision_text')}: ${labelOf(node)}` },
    sync.text(node.eid) ?? '');
  holder.addEventListener('focus', () => upgrade(holder, true));
  upcoming.observe(holder);
  return holder;
}

function upgrade(holder, focus = false) {
  upcoming.unobserve(holder);
  const eid = holder.closest('[data-eid]')?.dataset.eid;
  const node = eid && findNode(eid);
  if (!holder.isConnected || !node) return;
  const view = editors.get(eid) ?? makeEditor(node);
  editors.set(eid, view);
  holder.replaceWith(view.host);
  drawPeers();
  if (focus) view.focus();
}

function announcePresence(eid, selection, force = false) {
  const now = Date.now();
  const same = lastPresence.eid === eid && lastPresence.anchor === selection.anchor && lastPresence.head === selection.head;
  if (!force && (same || now - lastPresence.at < PRESENCE_INTERVAL_MS)) {
    if (!same) setTimeout(() => {
      const view = editors.get(eid);
      if (view?.hasFocus) announcePresence(eid, view.state.selection.main);
    }, PRESENCE_INTERVAL_MS);
    return;
  }
  lastPresence = { eid, anchor: selection.anchor, head: selection.head, at: now };
  ask(socket, 'presence', { bill, eid, cursor: { anchor: selection.anchor, head: selection.head } }).catch(() => {});
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
  for (const [eid, view] of editors) view.dispatch({ effects: setPeers.of(byEid.get(eid) ?? []) });
  const names = [...peers.values()].map((peer) => {
    const where = peer.eid ? ` (${labelOf(findNode(peer.eid) ?? { eid: peer.eid })})` : '';
    return h('span', { class: `peer-tag ${peerClass(peer.user)}` }, `${peer.name}${where}`);
  });
  const holder = document.getElementById('presence');
  if (!names.length) holder.replaceChildren(t('nobody_else'));
  else holder.replaceChildren(t('editing_here', { names: '' }), ...names);
}

function findNode(eid, nodes = outline) {
  for (const node of nodes) {
    if (node.eid === eid) return node;
    const found = findNode(eid, node.children);
    if (found) return found;
  }
  return null;
}

let shownState = '';

/** Says whether everything typed is saved. Called on every keystroke as well as on a timer: a timer alone left
 * "Saved" up for a moment after typing (for a second or more in a background tab, whose timers are slowed). */
function showState() {
  const state = document.getElementById('sync-state');
  let key = !socket.connected ? 'offline' : sync.settled ? 'saved' : 'saving';
  // Not "Reconnecting…": nothing reconnects until the drafter has signed in again.
  if (!document.getElementById('signed-out').hidden) key = 'signed_out';
  const text = t(key === 'signed_out' ? 'signed_out_state' : key);
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

function setUpPublishing() {
  const button = document.getElementById('publish-version');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const published = await api('POST', `/api/bills/${bill}/versions`, { source: 'working' });
      const text = t('published', { version: published.version });
      say('editor-message', text);
      announce(text);
    } catch (error) {
      say('editor-message', t('refused', { message: error.message }));
    } finally {
      button.disabled = false;
    }
  });
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
    onText: (eid, text) => {
      const view = editors.get(eid);
      if (view) showText(view, text);
    },
    onError: (eid, error) => {
      if (!SIGNED_OUT_CODES.has(error?.code)) {
        say('editor-message', t('refused', { message: error?.message ?? '' }));
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
      sync.join().then(() => {
        if (first) {
          first = false;
          render();
          resolve();
        }
      }, (error) => say('editor-message', t('refused', { message: error.message ?? '' })));
    });
  });
  socket.on('event', (event) => {
    sync.handleEvent(event);
    if (STRUCTURE_EVENTS.has(event.type) && event.actor !== Number(document.body.dataset.user)) {
      reshape(event.data?.renames);
    }
  });
  socket.on('presence', onPresence);
  setUpPublishing();
  watchState();
  await joined;
}
