// Live co-drafting: keeps each provision's local text in step with the server (docs/sync.md).
//
// ProvisionSync is the algorithm for one provision and does no I/O: every method returns an Outcome
// telling the caller what to show and what to send. BillSync drives it over any transport given as
// `emit(name, payload) => Promise<ack>` (socket.io-client's emitWithAck in the browser, a simulated
// server in the tests). server/client/sync.py is the same algorithm in Python.
import { DIFF_DELETE, DIFF_EQUAL, DIFF_INSERT, diffCleanupSemanticLossless, diffMain } from 'diff-match-patch-es';
import { merge3 } from './merge3.js';
import { applyExact, makePatch, mapPosition } from './textpatch.js';

export const EDIT_CONFLICT = 'edit_conflict';
export const RATE_LIMITED = 'rate_limited';
export const INTERNAL_ERROR = 'internal_error';
// An edit that got no answer (its ack timed out) is sent again after this many seconds.
const UNANSWERED_RESEND_SECONDS = 1;
// Refusals that say who is asking is no longer signed in, not that the edit is wrong.
export const SIGNED_OUT_CODES = new Set(['signed_out', 'unauthenticated']);
// After the server failed on an op: 1, 2, 4... seconds before sending it again, at most this long.
const MAX_FAILURE_WAIT = 30;
// Seconds to wait when a rate_limited ack does not say.
const DEFAULT_RETRY_AFTER = 0.1;
export const PROVISION_EDITED = 'provision.edited';
// Events that change the bill's structure; each carries `renames` (old eId → new eId) and `removed_wids`.
export const STRUCTURE_EVENTS = new Set(['provision.inserted', 'provision.deleted', 'provision.moved', 'provision.retitled']);
// A version of the bill was published (`data.version`); nothing the sync holds changes, the page's header does.
export const VERSION_PUBLISHED = 'version.published';
export const PROVISION_TOO_LARGE = 'provision_too_large';
// Not a refusal of the server's: a provision left the bill (deleted by another drafter) while this page held edits
// of it the server never saved. The error carries the provision's `text` as this page had it, for the page to keep.
export const PROVISION_DELETED = 'provision_deleted';
// What the server accepts (docs/protocol.md; config/settings.py): a patch longer than MAX_SOCKET_MESSAGE_BYTES
// characters is refused (payload_too_large, and a frame four times that closes the connection), a text longer
// than MAX_PROVISION_CHARS characters is refused (provision_too_large). A larger change goes out in steps.
export const LIMITS = Object.freeze({ patchChars: 64 * 1024, provisionChars: 100_000 });
const NOT_JOINED = 'not_joined';
// Refusals after which the op stays in flight (another copy may yet be applied, or the same one later).
const KEPT_CODES = new Set([RATE_LIMITED, INTERNAL_ERROR, ...SIGNED_OUT_CODES]);

/**
 * What a ProvisionSync call asks of its caller.
 * @typedef {object} Outcome
 * @property {string|null} text    the new local text when it changed (show it), else null
 * @property {number|null} cursor  the caller's cursor mapped into `text`, when one was given
 * @property {object|null} send    an edit payload `{eid, rev, patch, op_id}` to send now
 * @property {boolean} resync      the confirmed text diverged from the server's: rejoin for a snapshot
 * @property {object|null} error   a refusal other than a conflict (`{code, message}`); edits were undone
 * @property {number|null} retryAfter  rate limited: call retry() after this many seconds
 */
const outcome = (fields = {}) => ({
  text: null, cursor: null, send: null, resync: false, error: null, retryAfter: null, ...fields,
});

// What a patch spends on one UTF-16 unit: its percent-encoded UTF-8 (letters, digits and spaces go as they are;
// other ASCII is counted as encoded, which overestimates the punctuation encodeURI leaves alone).
function unitCost(code) {
  if (code < 0x80) {
    const letter = (code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a;
    return letter || (code >= 0x30 && code <= 0x39) || code === 0x20 ? 1 : 3;
  }
  return code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 6 : 9;
}

const isHigh = (code) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code) => code >= 0xdc00 && code <= 0xdfff;
// A hunk's header and context (diff-match-patch keeps four characters each side), as a patch spends them.
const HUNK_COST = 100;

/**
 * A text on the way from `from` to `to` whose patch from `from` spends about `budget` characters at most: the
 * edits of their diff in order, the last one taken cut short. It is `to[0:q] + from[r:]` for the point (q, r)
 * where the budget ran out, moved off any surrogate pair it would split; it always differs from `from`.
 */
export function partway(from, to, budget) {
  const diffs = diffMain(from, to, undefined, false);
  diffCleanupSemanticLossless(diffs);
  let q = 0; // units of `to` taken
  let r = 0; // units of `from` passed
  let left = budget;
  let taken = false;
  for (const [op, text] of diffs) {
    if (op === DIFF_EQUAL) {
      q += text.length;
      r += text.length;
      continue;
    }
    left -= HUNK_COST;
    let n = 0;
    while (n < text.length && left >= unitCost(text.charCodeAt(n))) {
      left -= unitCost(text.charCodeAt(n));
      n += 1;
    }
    if (n > 0 && n < text.length && isHigh(text.charCodeAt(n - 1))) n -= 1;
    if (n === 0 && !taken) n = isHigh(text.charCodeAt(0)) ? 2 : 1; // never a step that changes nothing
    taken ||= n > 0;
    if (op === DIFF_INSERT) q += n;
    else if (op === DIFF_DELETE) r += n;
    if (n < text.length) break;
  }
  if (q > 0 && q < to.length && isHigh(to.charCodeAt(q - 1))) q -= 1;
  if (r > 0 && r < from.length && isLow(from.charCodeAt(r))) r += 1;
  return to.slice(0, q) + from.slice(r);
}

/** The length of `text` as the server counts it: code points (an astral character is one, not two units). */
function serverLength(text) {
  let points = 0;
  for (let i = 0; i < text.length; i += 1) if (!isLow(text.charCodeAt(i))) points += 1;
  return points;
}

let opCounter = 0;
const clientTag = Math.random().toString(36).slice(2, 10);

/** Default op id: unique per page load and per op. */
export function newOpId() {
  opCounter += 1;
  return `${clientTag}-${Date.now().toString(36)}-${opCounter}`;
}

/** One provision's text: confirmed server text and revision, at most one op in flight, local edits. */
export class ProvisionSync {
  constructor(eid, text, rev, { opId = newOpId, wid = null, limits = LIMITS } = {}) {
    this.eid = eid;
    // The eId changes when a structure edit renumbers the provision; the wId never does, and every edit carries
    // it so that the server finds the provision even if the eId it was sent with now names another.
    this.wid = wid ?? eid;
    this.confirmed = text;
    this.rev = rev;
    this.local = text;
    /** @type {{op_id: string, rev: number, patch: string, expected: string}|null} */
    this.inflight = null;
    this.early = new Map(); // rev -> event that arrived before its predecessors
    this.snapshot = null; // a newer server text held back until the in-flight op's fate is known
    this.held = false; // rate limited (or the server failed): local edits wait for retry()
    this.failures = 0; // the server's failures on the op in flight, in a row
    this.opId = opId;
    this.limits = limits;
  }

  /** The text the drafter sees. */
  get text() {
    return this.local;
  }

  /** True when nothing is in flight and nothing local is unsent. */
  get settled() {
    return !this.inflight && !this.snapshot && this.local === this.confirmed && this.early.size === 0;
  }

  /** The in-flight edit to send again after a reconnect (same op_id: the server never applies it twice). */
  get pendingSend() {
    if (!this.inflight) return null;
    const { op_id: opId, rev, patch } = this.inflight;
    return { eid: this.eid, wid: this.wid, rev, patch, op_id: opId };
  }

  /**
   * The drafter typed: `newText` is the whole new local text. A text longer than a provision may be is refused
   * here, where it is typed (`text` is then the local text to show again, `error` says why): the server would
   * refuse it and everything typed after it.
   */
  localChange(newText) {
    const limit = this.limits.provisionChars;
    // Only a text that grows past the limit: one already over it (a lower limit since) may still be shortened.
    const length = newText.length > limit && newText.length > this.local.length ? serverLength(newText) : 0;
    if (length > limit) {
      return outcome({
        text: this.local,
        error: {
          code: PROVISION_TOO_LARGE,
          message: `the text of ${this.eid} would be ${length} characters long; a provision holds at most ${limit}. `
            + 'The change was not kept',
          length,
          limit,
        },
      });
    }
    this.local = newText;
    return outcome({ send: this.#flush() });
  }

  /** A `provision.edited` event for this provision. */
  onEvent(event, cursor = null) {
    if (event.data.rev <= this.rev) return outcome();
    const before = this.local;
    this.early.set(event.data.rev, event);
    const resync = this.#drain();
    return this.#shown(before, cursor, { resync, send: resync ? null : this.#flush() });
  }

  /** The server's answer to the edit `opId`. */
  onAck(opId, ack, cursor = null) {
    if (!this.inflight || this.inflight.op_id !== opId) return outcome();
    const before = this.local;
    if (ack.ok) {
      // An op that changed nothing gets no event to confirm it; the text it was merged into stays ours.
      if (ack.unchanged) this.#settled();
      else this.#accepted(ack.rev);
      const resync = this.#drain();
      return this.#shown(before, cursor, { resync, send: resync ? null : this.#flush() });
    }
    if (ack.error?.code === RATE_LIMITED || ack.error?.code === INTERNAL_ERROR) {
      // Only this copy of the op was turned away, and nothing is wrong with it: a copy resent after a reconnect
      // may be applied at this very moment, and a server that failed may not fail again. The op stays in flight
      // and goes out again, same op_id, after the wait; what is typed meanwhile waits for its fate. Sending it all
      // as a new op would apply the op's insertions twice whenever another copy got through; undoing it would
      // lose what the drafter typed to a passing failure.
      this.held = true;
      const resync = this.#drain();
      let wait;
      if (ack.error.code === INTERNAL_ERROR) {
        this.failures += 1;
        wait = Math.min(MAX_FAILURE_WAIT, 2 ** (this.failures - 1));
      } else {
        wait = typeof ack.retry_after === 'number' && ack.retry_after > 0 ? ack.retry_after : DEFAULT_RETRY_AFTER;
      }
      return this.#shown(before, cursor, { resync, retryAfter: wait });
    }
    if (SIGNED_OUT_CODES.has(ack.error?.code)) {
      // The connection's sign-in ended: nothing is wrong with the edit, the drafter has to sign in again. It
      // stays in flight, what is typed meanwhile waits, and the join after reconnecting sends it again.
      this.held = true;
      return outcome({ error: ack.error });
    }
    const sent = this.inflight;
    this.#settled();
    if (ack.error?.code === EDIT_CONFLICT) {
      // Nothing of the op was applied: merge all local edits onto the server's text and send them anew.
      if (typeof ack.text !== 'string') {
        this.snapshot = null;
        return outcome({ resync: true });
      }
      if (ack.rev > this.rev) this.#adopt(ack.text, ack.rev);
      const resync = this.#drain();
      return this.#shown(before, cursor, { resync, send: resync ? null : this.#flush() });
    }
    // Refused for good (rights, closed bill...): undo what was refused so the drafter sees the truth. What was
    // typed meanwhile goes out as the next op, which the server accepts or refuses in its turn.
    this.local = merge3(sent.expected, this.local, this.confirmed);
    const resync = this.#drain();
    return this.#shown(before, cursor, {
      resync, error: ack.error ?? { code: 'error', message: 'Refused.' }, send: resync ? null : this.#flush(),
    });
  }

  /** The wait a rate limit asked for is over: the held op again (same op_id), else what was typed. */
  retry() {
    this.held = false;
    return outcome({ send: this.pendingSend ?? this.#flush() });
  }

  /** The provision's `{text, rev}` from a join, after the join's missed events went through onEvent. */
  onSnapshot(text, rev, cursor = null) {
    if (rev < this.rev || (rev === this.rev && text === this.confirmed)) return outcome();
    const before = this.local;
    if (this.inflight) {
      // The resent in-flight op's ack will tell whether `text` already contains it.
      this.snapshot = { text, rev };
      return outcome();
    }
    this.#adopt(text, rev);
    const resync = this.#drain();
    return this.#shown(before, cursor, { resync, send: resync ? null : this.#flush() });
  }

  // Applies the held-back events that now follow the confirmed revision, and a held-back snapshot once
  // it can be placed; true when an event did not apply (the confirmed text diverged).
  #drain() {
    for (;;) {
      while (this.early.has(this.rev + 1)) {
        const event = this.early.get(this.rev + 1);
        this.early.delete(this.rev + 1);
        if (!this.#apply(event.data)) return true;
      }
      for (const old of [...this.early.keys()].filter((r) => r <= this.rev)) this.early.delete(old);
      const rev = this.rev;
      this.#settleSnapshot();
      if (this.rev === rev) return false;
    }
  }

  // A held-back snapshot is stale once events reached its revision, and safe to adopt once nothing is
  // in flight (the own op's event told where it went).
  #settleSnapshot() {
    if (!this.snapshot) return;
    const { text, rev } = this.snapshot;
    if (rev <= this.rev) this.snapshot = null;
    else if (!this.inflight) {
      this.snapshot = null;
      this.#adopt(text, rev);
    }
  }

  #shown(before, cursor, fields) {
    if (this.local === before) return outcome(fields);
    const mapped = cursor === null ? null : mapPosition(before, this.local, cursor);
    return outcome({ ...fields, text: this.local, cursor: mapped });
  }

  #flush() {
    if (this.inflight || this.snapshot || this.held || this.local === this.confirmed) return null;
    const { patch, text } = this.#step();
    this.inflight = { op_id: this.opId(), rev: this.rev, patch, expected: text };
    return this.pendingSend;
  }

  // The next op: every local edit when its patch fits in one message; otherwise the first part of them (a large
  // paste), the rest following op by op as what was typed after it, each under the server's limit.
  #step() {
    const limit = this.limits.patchChars;
    const patch = makePatch(this.confirmed, this.local);
    if (patch.length <= limit) return { patch, text: this.local };
    let budget = limit;
    for (;;) {
      const text = partway(this.confirmed, this.local, budget);
      const part = makePatch(this.confirmed, text);
      if (part.length <= limit || budget < 2 * HUNK_COST) return { patch: part, text };
      budget = Math.floor(budget / 2);
    }
  }

  // Server text `text` at `rev` replaces the confirmed text; local edits are merged onto it.
  #adopt(text, rev) {
    if (this.inflight) {
      // The local text is the in-flight op's expected text plus what was typed since: merged apart, the two could
      // order the op's insertion and the colleague's differently, and when the op's own event then moves it, both
      // sides would show the move and the words would be doubled. So the expected text takes the colleague's
      // edit, and the local text is that plus what was typed since.
      const expected = merge3(this.confirmed, this.inflight.expected, text);
      this.local = this.local === this.inflight.expected ? expected : merge3(this.inflight.expected, this.local, expected);
      this.inflight.expected = expected;
    } else {
      this.local = this.local === this.confirmed ? text : merge3(this.confirmed, this.local, text);
    }
    this.confirmed = text;
    this.rev = rev;
    for (const old of [...this.early.keys()].filter((r) => r <= rev)) this.early.delete(old);
  }

  #apply(data) {
    let next;
    try {
      next = applyExact(this.confirmed, data.patch);
    } catch {
      return false;
    }
    if (this.inflight && data.op_id === this.inflight.op_id) this.#confirmOwn(next, data.rev);
    else this.#adopt(next, data.rev);
    return true;
  }

  // Our op became revision `rev` with text `next`; the server may have placed it differently from
  // our guess (`expected`), so edits typed since are merged onto what it really made.
  #confirmOwn(next, rev) {
    if (next !== this.inflight.expected) this.local = merge3(this.inflight.expected, this.local, next);
    this.confirmed = next;
    this.rev = rev;
    this.#settled();
  }

  // The op in flight is decided (applied, refused): nothing holds back what was typed since, whatever made it
  // wait (a rate limit, a failure, a sign-in that ended) and however its fate became known (its ack, its event,
  // a join's snapshot).
  #settled() {
    this.inflight = null;
    this.held = false;
    this.failures = 0;
  }

  #accepted(ackRev) {
    const { inflight, snapshot } = this;
    if (snapshot) {
      this.snapshot = null;
      if (ackRev <= snapshot.rev) {
        this.#confirmOwn(snapshot.text, snapshot.rev);
        return;
      }
      this.#adopt(snapshot.text, snapshot.rev);
    }
    // Applied on the very text it was made from: the server's result is ours, no need to wait for the event.
    // Otherwise the server rebased it, and its provision.edited event will carry what it made.
    if (ackRev === this.rev + 1 && inflight.rev === this.rev) this.#confirmOwn(inflight.expected, ackRev);
  }
}

/**
 * One bill's live provisions over a transport. `emit(name, payload)` returns a Promise of the ack and
 * rejects when the message may not have arrived (disconnect, timeout); such an edit stays in flight and
 * is sent again by `join()` after reconnecting.
 *
 * Provisions are held under their current eId (`provisions`) and found by their wId, which no structure edit
 * changes: a page that keys its editors by wId (`typeByWid`, the `wid` given to `onText`) types into the right
 * provision whatever renumbering happened meanwhile. Structure events re-key the eIds as they arrive, and every
 * join re-keys them from its snapshot.
 */
export class BillSync {
  constructor({
    bill, emit, onText = () => {}, onError = () => {}, cursorOf = () => null, opId = newOpId,
    // `schedule(run, seconds, purpose)`: purpose 'retry' (after a rate limit or a failure; one pending at most) or
    // 'resend' (an edit that got no answer).
    schedule = (run, seconds) => setTimeout(run, seconds * 1000),
    limits = LIMITS,
  }) {
    this.bill = bill;
    this.emit = emit;
    this.onText = onText;
    this.onError = onError;
    this.cursorOf = cursorOf;
    this.opId = opId;
    this.limits = { ...LIMITS, ...limits };
    this.provisions = new Map(); // eid -> ProvisionSync
    this.wids = new Map(); // wid -> ProvisionSync
    this.since = null; // last event id up to which nothing is missing
    this.joined = false;
    this.backlog = []; // events broadcast while a join is under way, replayed after its snapshot
    this.catchingUp = false;
    this.missed = false; // the join's missed events are going through; its snapshot follows and re-keys
    this.shapeAt = null; // the last event whose structure the eIds held reflect
    // Each join and each lost connection opens a new session. A refusal of an edit sent in an earlier one is
    // not final: socket.io-client sends what was emitted while the line was down as soon as it is back, before
    // the join, and the server refuses it for that (forbidden: not joined). The copy the join sends decides.
    this.session = 0;
    this.schedule = schedule;
    this.retryPending = false; // a timer will send what a rate limit held back
  }

  /** Joins (or rejoins after a reconnect) the bill's room and catches up. */
  async join() {
    this.joined = false;
    this.session += 1;
    const ack = await this.emit('join', { bill: this.bill, since: this.since });
    if (!ack.ok) throw Object.assign(new Error(ack.error?.message ?? 'join refused'), ack.error);
    // The server's own limits (a deployment may set them lower than the defaults): pastes are split to fit them.
    // Changed in place: every provision holds this object.
    if (ack.limits) {
      this.limits.patchChars = ack.limits.patch_chars ?? this.limits.patchChars;
      this.limits.provisionChars = ack.limits.provision_chars ?? this.limits.provisionChars;
    }
    // Missed events first, then the snapshot, then what was broadcast meanwhile; sends wait until the end.
    this.catchingUp = true;
    try {
      this.missed = Boolean(ack.provisions);
      for (const event of ack.events ?? []) this.handleEvent(event);
      this.missed = false;
      if (ack.provisions) this.#adoptSnapshot(ack.provisions, ack.last_event_id);
      this.#advance(ack.last_event_id);
      for (const event of this.backlog.splice(0)) this.handleEvent(event);
    } finally {
      this.catchingUp = false;
      this.missed = false;
    }
    this.joined = true;
    // More was missed than one answer holds: ask again from where this one stopped.
    if (ack.more) return this.join();
    for (const provision of this.provisions.values()) {
      const resend = provision.pendingSend;
      if (resend) this.#send(provision, resend);
      else this.#act(provision, provision.localChange(provision.text));
    }
    return ack;
  }

  /** The connection dropped: nothing goes out until the next join, which sends what is pending. */
  disconnected() {
    this.joined = false;
    this.session += 1;
  }

  /** The drafter changed provision `eid` to `newText`. */
  type(eid, newText) {
    const provision = this.provisions.get(eid);
    if (!provision) throw new Error(`Unknown provision ${eid}; join the bill first.`);
    this.#act(provision, provision.localChange(newText));
  }

  /** The drafter changed the provision whose wId is `wid` to `newText`; false when the bill has no such provision. */
  typeByWid(wid, newText) {
    const provision = this.#byWid(wid);
    if (!provision) return false;
    this.#act(provision, provision.localChange(newText));
    return true;
  }

  /** The local text of provision `eid`. */
  text(eid) {
    return this.provisions.get(eid)?.text;
  }

  /** The local text of the provision whose wId is `wid`. */
  textByWid(wid) {
    return this.#byWid(wid)?.text;
  }

  /** The current eId of the provision whose wId is `wid` (null when the bill has none). */
  eidOf(wid) {
    return this.#byWid(wid)?.eid ?? null;
  }

  /** True when every provision has its edits confirmed and nothing is waiting. */
  get settled() {
    return [...this.provisions.values()].every((provision) => provision.settled);
  }

  /** An `event` broadcast by the server. */
  handleEvent(event) {
    if (event.bill !== undefined && event.bill !== this.bill) return;
    if (!this.joined && !this.catchingUp) {
      this.backlog.push(event);
      return;
    }
    if (event.type === PROVISION_EDITED) {
      const provision = this.#find(event.data);
      if (provision) this.#act(provision, provision.onEvent(event, this.cursorOf(provision.eid)));
    } else if (STRUCTURE_EVENTS.has(event.type)) {
      this.#restructure(event);
    }
    this.#advance(event.id);
  }

  // By wId when the event has one: after a renumbering the same eId may name another provision.
  #find({ wid, eid }) {
    if (wid) return this.#byWid(wid);
    return this.provisions.get(eid) ?? null;
  }

  // Whether `provision` is still one of the bill's (not deleted since).
  #holds(provision) {
    return this.provisions.get(provision.eid) === provision;
  }

  #byWid(wid) {
    const provision = this.wids.get(wid);
    // Held under its current eId, or it is gone (deleted, or dropped by a snapshot).
    return provision && this.provisions.get(provision.eid) === provision ? provision : null;
  }

  // Holds `provisions` (eid -> ProvisionSync) from now on; the ones left out are gone from the bill. What was typed
  // in them and not yet saved is reported (PROVISION_DELETED), with the text this page had, for the page to keep:
  // the server never had it and the sync no longer holds it.
  #hold(provisions) {
    const gone = [...this.provisions.values()].filter((provision) => provisions.get(provision.eid) !== provision);
    this.provisions = provisions;
    this.wids = new Map([...provisions.values()].map((provision) => [provision.wid, provision]));
    for (const provision of gone) {
      if (provision.settled) continue;
      this.onError(provision.eid, {
        code: PROVISION_DELETED,
        message: `${provision.eid} was deleted by another drafter before what was typed in it was saved`,
        text: provision.text,
      }, provision.wid);
    }
  }

  // A structure event: eIds move (`renames`, old → new) and provisions go (`removed_wids`). Applied once, in the
  // order of events, and only to eIds older than it: a join's snapshot already holds the eIds up to its last event.
  #restructure(event) {
    if (this.missed || (event.id != null && this.shapeAt != null && event.id <= this.shapeAt)) return;
    if (event.id != null) this.shapeAt = event.id;
    const renames = event.data?.renames ?? {};
    const removed = new Set(event.data?.removed_wids ?? []);
    const next = new Map();
    for (const [eid, provision] of this.provisions) {
      if (removed.has(provision.wid)) continue;
      provision.eid = Object.hasOwn(renames, eid) ? renames[eid] : eid;
      next.set(provision.eid, provision);
    }
    this.#hold(next);
  }

  // A join's `{eid: {text, rev, wid}}`: every provision is matched by wId, takes the eId it has now and adopts the
  // server's text (local edits merged onto it); new ones are added, missing ones are gone.
  #adoptSnapshot(snapshot, lastEventId) {
    const next = new Map();
    const adopted = [];
    for (const [eid, { text, rev, wid }] of Object.entries(snapshot)) {
      let provision = this.#byWid(wid ?? eid);
      if (provision) {
        provision.eid = eid;
        adopted.push([provision, text, rev]);
      } else {
        provision = new ProvisionSync(eid, text, rev, { opId: this.opId, wid: wid ?? eid, limits: this.limits });
      }
      next.set(eid, provision);
    }
    this.#hold(next);
    if (lastEventId != null && (this.shapeAt === null || lastEventId > this.shapeAt)) this.shapeAt = lastEventId;
    for (const [provision, text, rev] of adopted) {
      this.#act(provision, provision.onSnapshot(text, rev, this.cursorOf(provision.eid)));
    }
  }

  #advance(eventId) {
    const gaps = [...this.provisions.values()].some((provision) => provision.early.size > 0);
    if (!gaps && eventId != null && (this.since === null || eventId > this.since)) this.since = eventId;
  }

  #act(provision, result) {
    if (result.text !== null) this.onText(provision.eid, result.text, result.cursor, provision.wid);
    if (result.error) this.onError(provision.eid, result.error, provision.wid);
    if (result.resync) this.join().catch(() => {}); // the snapshot repairs the provision
    if (result.send && this.joined) this.#send(provision, result.send);
    if (result.retryAfter !== null && !this.retryPending) {
      this.retryPending = true;
      this.schedule(() => this.#retry(), result.retryAfter);
    }
  }

  #retry() {
    this.retryPending = false;
    for (const provision of this.provisions.values()) {
      if (provision.held) this.#act(provision, provision.retry());
    }
  }

  #send(provision, payload) {
    const { session } = this;
    this.emit('edit', { bill: this.bill, ...payload }).then(
      (ack) => {
        // The provision left the bill meanwhile: its loss is reported already (see #hold), and the server's answer
        // (most likely not_found) tells nothing more.
        if (!this.#holds(provision)) return;
        // Refused for good, but on a line that has since dropped or rejoined: the refusal may be the server's
        // answer to a copy that arrived before the join (socket.io-client sends what it held as soon as the line
        // is back). The op stays in flight; the join sends it again, and that copy's answer decides.
        if (session !== this.session && !ack.ok && !KEPT_CODES.has(ack.error?.code) && ack.error?.code !== EDIT_CONFLICT) {
          return;
        }
        // Not joined (the server has no join of this connection, whatever this page believes): join again; the
        // join sends the op once more. Never a refusal of the edit itself.
        if (ack.error?.code === NOT_JOINED) {
          if (session === this.session && this.joined) this.join().catch(() => {});
          return;
        }
        this.#act(provision, provision.onAck(payload.op_id, ack, this.cursorOf(provision.eid)));
      },
      // No answer in time, or the line dropped: the op's fate is unknown and it stays in flight. It goes out again,
      // same op_id (never applied twice), while it is still the one waiting and no join is under way: otherwise
      // a lost answer on a line that stays up would hold back everything typed after it.
      () => this.schedule(() => {
        if (this.joined && this.#holds(provision) && provision.inflight?.op_id === payload.op_id) {
          this.#send(provision, provision.pendingSend);
        }
      }, UNANSWERED_RESEND_SECONDS, 'resend'),
    );
  }
}
