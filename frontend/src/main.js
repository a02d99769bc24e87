// Browser entry: the live co-drafting sync bound to Socket.IO, and the start of each page's code.
// Pages load their own module on demand (esbuild splits them into chunks), so the reader stays light.
import { io } from 'socket.io-client';
import { BillSync } from './sync/sync.js';

export { BillSync, ProvisionSync, EDIT_CONFLICT, PROVISION_EDITED } from './sync/sync.js';
export { merge3 } from './sync/merge3.js';
export { applyExact, makePatch, mapPosition } from './sync/textpatch.js';

const ACK_TIMEOUT_MS = 10000;

/**
 * Connects to the server and keeps bill `bill` in sync. The session cookie authenticates the browser;
 * `token` is for other clients. Every (re)connection joins the bill again with the last event id seen.
 */
export function openBill({ bill, url, token, onText, onError, cursorOf }) {
  const socket = io(url, { withCredentials: true, auth: token ? { token } : undefined });
  const sync = new BillSync({
    bill,
    emit: (name, payload) => socket.timeout(ACK_TIMEOUT_MS).emitWithAck(name, payload),
    onText,
    onError,
    cursorOf,
  });
  socket.on('connect', () => {
    sync.join().catch((error) => onError?.(null, error));
  });
  socket.on('event', (event) => sync.handleEvent(event));
  return { socket, sync };
}

const PAGES = {
  reader: () => import('./pages/reader.js'),
  editor: () => import('./pages/editor.js'),
  amendments: () => import('./pages/amendments.js'),
  moderation: () => import('./pages/moderation.js'),
};

/** Starts the code of the current page (`<body data-page>`); `<html data-ready>` tells it is interactive. */
export async function boot() {
  const load = PAGES[document.body?.dataset.page];
  try {
    if (load) await (await load()).start();
  } finally {
    document.documentElement.dataset.ready = '1';
    performance.mark('parley-ready'); // bench/bench_reader.py measures interactivity by this mark
  }
}

if (typeof window !== 'undefined') {
  window.Parley = Object.assign(window.Parley ?? {}, { openBill, BillSync });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => boot());
  else boot();
}
