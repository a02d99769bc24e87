// A simulated Parley server and network for the sync tests: the server applies edits by the contract's
// rule (exact on the current revision, else a fuzzy rebase refused as edit_conflict when a hunk does not
// place), the network delays every message at random, and connections drop and come back.
import { DIFF_DELETE, DIFF_INSERT, patchApply, patchFromText } from 'diff-match-patch-es';
import { BillSync } from '../src/sync/sync.js';
import { applyExact, isWellFormed, makePatch } from '../src/sync/textpatch.js';

/** mulberry32: a small seeded generator so every failure replays. */
export function seeded(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (list) => list[Math.floor(next() * list.length)];
  return next;
}

// The same thresholds as server/domain/textpatch.py.
// The same thresholds as server/domain/textpatch.py.
export const FUZZY = { matchThreshold: 0.35, patchDeleteThreshold: 0.35 };
const MATCH_DISTANCE = 1000;

// server/domain/textpatch.py's rule: a hunk that deletes must find its text verbatim (the nearest
// occurrence); a hunk that only inserts is placed by diff-match-patch's fuzzy match.
function rebaseApply(current, patchText) {
  let text = current;
  for (const patch of patchFromText(patchText)) {
    const before = patch.diffs.filter((d) => d[0] !== DIFF_INSERT).map((d) => d[1]).join('');
    const after = patch.diffs.filter((d) => d[0] !== DIFF_DELETE).map((d) => d[1]).join('');
    if (patch.diffs.some((d) => d[0] === DIFF_DELETE)) {
      const at = nearest(text, before, patch.start2);
      if (at < 0) throw new Error('edit_conflict');
      text = text.slice(0, at) + after + text.slice(at + before.length);
    } else {
      const [placed, [ok]] = patchApply([patch], text, FUZZY);
      if (!ok) throw new Error('edit_conflict');
      text = placed;
    }
  }
  if (!isWellFormed(text)) throw new Error('edit_conflict');
  return text;
}

/** The start of the occurrence of `needle` nearest to `expected`, within the match distance; else -1. */
export function nearest(text, needle, expected) {
  let best = -1;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if (Math.abs(at - expected) > MATCH_DISTANCE) continue;
    if (best < 0 || Math.abs(at - expected) < Math.abs(best - expected)) best = at;
  }
  return best;
}

/** The server side of the protocol for one bill. */
export class SimServer {
  constructor(bill, provisions) {
    this.bill = bill;
    this.provisions = new Map(Object.entries(provisions).map(([eid, text]) => [eid, { text, rev: 1 }]));
    this.events = [];
    this.acks = new Map(); // op_id -> the ack of the accepted edit
    this.refused = new Map(); // op_id -> the error of the refused edit, as the server remembers it
    this.conflicts = 0;
    this.rebased = 0;
  }

  join({ since }) {
    const provisions = Object.fromEntries([...this.provisions].map(([eid, p]) => [eid, { ...p }]));
    return {
      ok: true,
      last_event_id: this.events.length,
      events: this.events.filter((event) => since === null || event.id > since),
      provisions,
    };
  }

  edit({ eid, rev, patch, op_id: opId }, actor) {
    if (this.acks.has(opId)) return { ack: this.acks.get(opId), event: null };
    const provision = this.provisions.get(eid);
    if (this.refused.has(opId)) {
      // A copy of an op already refused (resent on another connection): refused again, never applied late.
      return { ack: { ok: false, error: this.refused.get(opId), text: provision.text, rev: provision.rev }, event: null };
    }
    let text;
    try {
      if (rev === provision.rev) {
        text = applyExact(provision.text, patch);
      } else {
        this.rebased += 1;
        text = rebaseApply(provision.text, patch);
      }
    } catch {
      this.conflicts += 1;
      const error = { code: 'edit_conflict', message: 'A hunk no longer matches.' };
      this.refused.set(opId, error);
      return { ack: { ok: false, error, text: provision.text, rev: provision.rev }, event: null };
    }
    const canonical = makePatch(provision.text, text);
    provision.text = text;
    provision.rev += 1;
    return this.published(actor, opId, { eid, rev: provision.rev, patch: canonical, op_id: opId });
  }

  /** An applied op's event, appended to the log, and its ack, kept for the op's later copies. */
  published(actor, opId, data) {
    const event = { id: this.events.length + 1, type: 'provision.edited', bill: this.bill, actor, at: new Date(0).toISOString(), data };
    this.events.push(event);
    const ack = { ok: true, rev: data.rev, event_id: event.id };
    this.acks.set(opId, ack);
    return { ack, event };
  }
}

/**
 * Virtual time: every message is a task run at a random later moment, so acks overtake events, events
 * overtake each other, and a dropped connection loses whatever was on the wire.
 *
 * With `socketio`, the line behaves as socket.io-client's does: the client learns that it dropped a moment later
 * (`BillSync.disconnected()`, the page's 'disconnect' handler), what is emitted meanwhile is held and sent first
 * thing on the next connection, before the join, and the server refuses an edit from a connection that has not
 * joined the bill (`forbidden`, as server/realtime/namespace.py does).
 */
export class Network {
  constructor(server, rng, { maxDelay = 20, dropRate = 0, socketio = false } = {}) {
    this.server = server;
    this.rng = rng;
    this.maxDelay = maxDelay;
    this.dropRate = dropRate;
    this.socketio = socketio;
    this.refusedUnjoined = 0;
    this.now = 0;
    this.tasks = [];
    this.seq = 0;
    this.clients = [];
  }

  at(delay, run) {
    this.tasks.push({ time: this.now + delay, seq: (this.seq += 1), run });
  }

  // Socket.IO keeps each direction of a connection in order: a message never overtakes an earlier one
  // on the same channel. Acks travel apart from broadcasts (as through a message queue), so they do.
  inOrder(channel, run) {
    const time = Math.max(this.now + this.delay(), channel.last ?? 0);
    channel.last = time;
    this.tasks.push({ time, seq: (this.seq += 1), run });
  }

  delay() {
    return 1 + this.rng.int(this.maxDelay);
  }

  /** A drafter whose BillSync talks to the server through this network. */
  client(name) {
    const client = { name, epoch: 0, connected: true, noticed: true, inRoom: false, up: {}, down: {}, held: [] };
    client.sync = new BillSync({
      bill: this.server.bill,
      emit: (event, payload) => this.#emit(client, event, payload),
      opId: (() => {
        let n = 0;
        return () => `${name}-${(n += 1)}`;
      })(),
    });
    this.clients.push(client);
    return client;
  }

  #emit(client, name, payload) {
    return new Promise((resolve, reject) => {
      const epoch = client.epoch;
      if (!client.connected) {
        if (this.socketio) client.held.push(() => this.#emit(client, name, payload).then(resolve, reject));
        else reject(new Error('disconnected'));
        return;
      }
      client.rejects ??= new Set();
      client.rejects.add(reject);
      const settle = (fn, value) => {
        client.rejects.delete(reject);
        fn(value);
      };
      this.inOrder(client.up, () => {
        // A message in flight when the line dropped may or may not have reached the server.
        if (client.epoch !== epoch && this.rng() < 0.5) return;
        let answer;
        if (name === 'join') answer = { ack: this.server.join(payload), event: null };
        else if (this.socketio && !client.inRoom) answer = { ack: this.#notJoined(payload), event: null };
        else answer = this.server.edit(payload, client.name);
        const { ack, event } = answer;
        if (name === 'join' && client.epoch === epoch) client.inRoom = true;
        if (event) this.#broadcast(event);
        this.at(this.delay(), () => {
          if (client.epoch === epoch) settle(resolve, ack);
        });
      });
    });
  }

  #notJoined({ bill }) {
    this.refusedUnjoined += 1;
    return { ok: false, error: { code: 'not_joined', message: `join bill ${bill} before sending changes to it` } };
  }

  #broadcast(event) {
    for (const client of this.clients) {
      if (!client.inRoom) continue;
      const epoch = client.epoch;
      this.inOrder(client.down, () => {
        if (client.epoch === epoch) client.sync.handleEvent(event);
      });
    }
  }

  /** Drops `client`'s connection: what is on the wire to it is lost, its pending emits fail. */
  disconnect(client) {
    client.epoch += 1;
    client.connected = false;
    client.inRoom = false;
    for (const reject of client.rejects ?? []) reject(new Error('disconnected'));
    client.rejects?.clear();
    client.noticed = false;
    if (!this.socketio) {
      this.#notice(client);
      return;
    }
    this.at(1 + this.rng.int(this.maxDelay), () => this.#notice(client));
  }

  // The page hears that the line dropped (socket.io-client's 'disconnect'), always before it is back.
  #notice(client) {
    if (client.noticed) return;
    client.noticed = true;
    client.sync.disconnected?.();
  }

  reconnect(client) {
    this.#notice(client);
    client.connected = true;
    // socket.io-client sends what it held before the page hears 'connect' and joins.
    for (const send of client.held.splice(0)) send();
    client.sync.join().catch(() => {});
  }

  /** Runs tasks in time order until none is left, letting promise callbacks run after each. */
  async run() {
    while (this.tasks.length) {
      this.tasks.sort((a, b) => a.time - b.time || a.seq - b.seq);
      const task = this.tasks.shift();
      this.now = task.time;
      task.run();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
