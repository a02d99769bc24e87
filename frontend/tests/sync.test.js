import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BillSync, PROVISION_DELETED, ProvisionSync, partway } from '../src/sync/sync.js';
import { applyExact, isWellFormed, makePatch } from '../src/sync/textpatch.js';
import { Network, SimServer, seeded } from './simulation.js';

const PROVISIONS = {
  sec_1: 'The Minister may make regulations. ',
  sec_2: 'This Act comes into force on 𝔘 the day of assent 😀. ',
};

// Insertion points are word starts, so a token can only end up split by a sync bug.
function wordStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i += 1) if (text[i] === ' ') starts.push(i + 1);
  return starts;
}

function occurrences(text, token) {
  return text.split(token).length - 1;
}

async function simulate(seed, { clients: count = 3, edits = 12, deletes = false, disconnects = true, socketio = false }) {
  const rng = seeded(seed);
  const server = new SimServer(7, PROVISIONS);
  const network = new Network(server, rng, { socketio });
  const clients = Array.from({ length: count }, (_, i) => network.client(String.fromCharCode(97 + i)));
  const inserted = [];
  const deleted = new Set();
  for (const client of clients) client.sync.join().catch(() => {});
  for (const client of clients) {
    for (let n = 1; n <= edits; n += 1) {
      network.at(1 + rng.int(400), () => {
        const eid = rng.pick(Object.keys(PROVISIONS));
        const text = client.sync.text(eid);
        if (text === undefined) return; // not joined yet
        const tokens = inserted.filter((token) => occurrences(text, token) === 1);
        if (deletes && tokens.length && rng() < 0.25) {
          const token = rng.pick(tokens);
          deleted.add(token);
          client.sync.type(eid, text.replace(token, ''));
          return;
        }
        const token = `[${client.name}.${n}${rng() < 0.3 ? '😀' : ''}${rng() < 0.2 ? '𝔘' : ''}] `;
        const at = rng.pick(wordStarts(text));
        inserted.push(token);
        client.sync.type(eid, text.slice(0, at) + token + text.slice(at));
      });
      if (disconnects && rng() < 0.15) {
        network.at(1 + rng.int(400), () => {
          network.disconnect(client);
          network.at(5 + rng.int(60), () => network.reconnect(client));
        });
      }
    }
  }
  await network.run();
  return { server, network, clients, inserted, deleted };
}

// With `intact`, every token not deleted on purpose is there exactly once, character for character.
// Concurrent deletions next to insertions are weaker (docs/sync.md, "Limits"): a token may lose a
// bracket it shared with a deleted neighbour, but nothing is ever duplicated.
function assertConverged({ server, clients, inserted, deleted }, seed, { intact = true } = {}) {
  for (const [eid, { text }] of server.provisions) {
    for (const client of clients) {
      assert.ok(client.sync.settled, `seed ${seed}: ${client.name} still has work on ${eid}`);
      assert.equal(client.sync.text(eid), text, `seed ${seed}: ${client.name} differs on ${eid}`);
    }
  }
  const all = [...server.provisions.values()].map((p) => p.text).join('\n');
  let damaged = 0;
  for (const token of inserted) {
    const count = occurrences(all, token);
    assert.ok(count <= 1, `seed ${seed}: ${token} x${count}\n${all}`);
    if (count === 0 && !deleted.has(token)) damaged += 1;
    if (intact) assert.ok(count === 1 || deleted.has(token), `seed ${seed}: ${token} lost\n${all}`);
  }
  return damaged;
}

test('concurrent insertions converge, each present exactly once (random delays, reordering, reconnects)', async () => {
  let conflicts = 0;
  for (let seed = 1; seed <= 40; seed += 1) {
    const outcome = await simulate(seed, {});
    assertConverged(outcome, seed);
    conflicts += outcome.server.conflicts;
  }
  // The runs must have exercised the conflict path, or they prove little about it.
  assert.ok(conflicts > 0, 'no edit was ever refused as a conflict');
});

test('insertions and deletions converge and never duplicate a token', async (t) => {
  let damaged = 0;
  let tokens = 0;
  for (let seed = 101; seed <= 130; seed += 1) {
    const outcome = await simulate(seed, { deletes: true });
    damaged += assertConverged(outcome, seed, { intact: false });
    tokens += outcome.inserted.length;
  }
  t.diagnostic(`${damaged} of ${tokens} tokens lost a character to a concurrent deletion`);
});

test('many drafters in one provision without disconnects', async () => {
  for (let seed = 201; seed <= 210; seed += 1) {
    assertConverged(await simulate(seed, { clients: 6, edits: 15, disconnects: false }), seed);
  }
});

test('an ack that overtakes the events before it waits for the event of its own op', () => {
  const base = 'abc def';
  const provision = new ProvisionSync('sec_1', base, 4, { opId: () => 'op-1' });
  const sent = provision.localChange('abc XYZ def').send;
  assert.deepEqual(sent, { eid: 'sec_1', wid: 'sec_1', rev: 4, patch: makePatch(base, 'abc XYZ def'), op_id: 'op-1' });
  // The server rebased our op over another drafter's revision 5 and made revision 6.
  assert.equal(provision.onAck('op-1', { ok: true, rev: 6, event_id: 12 }).text, null);
  assert.equal(provision.inflight.op_id, 'op-1');
  const other = 'Q abc def';
  const mine = 'Q abc XYZ def';
  const own = { id: 12, data: { eid: 'sec_1', rev: 6, patch: makePatch(other, mine), op_id: 'op-1' } };
  assert.equal(provision.onEvent(own).text, null); // held until revision 5 arrives
  const theirs = { id: 11, data: { eid: 'sec_1', rev: 5, patch: makePatch(base, other), op_id: 'x' } };
  const shown = provision.onEvent(theirs, 8);
  assert.equal(shown.text, mine);
  assert.equal(shown.cursor, 10); // the cursor after "XYZ" moved right by the two inserted characters
  assert.ok(provision.settled);
  assert.equal(provision.rev, 6);
});

test('a conflict adopts the server text and resends the local edits as a new op', () => {
  const provision = new ProvisionSync('sec_1', 'one two three', 1, { opId: (() => { let n = 0; return () => `op-${(n += 1)}`; })() });
  provision.localChange('one 2 three');
  provision.localChange('one 2 three!'); // buffered behind the in-flight op
  const ack = { ok: false, error: { code: 'edit_conflict', message: 'no' }, text: 'zero one two three', rev: 3 };
  const result = provision.onAck('op-1', ack);
  assert.equal(result.text, 'zero one 2 three!');
  assert.equal(result.send.op_id, 'op-2');
  assert.equal(result.send.rev, 3);
  assert.equal(applyExact('zero one two three', result.send.patch), 'zero one 2 three!');
});

test('a refusal other than a conflict undoes the refused edit and reports it', () => {
  const provision = new ProvisionSync('sec_1', 'one two', 1, { opId: () => 'op-1' });
  provision.localChange('one two three');
  const result = provision.onAck('op-1', { ok: false, error: { code: 'forbidden', message: 'Not a drafter.' } });
  assert.equal(result.error.code, 'forbidden');
  assert.equal(provision.text, 'one two');
  assert.ok(provision.settled);
});

test('a snapshot newer than the events adopts it once the resent op is known to be in it', () => {
  const provision = new ProvisionSync('sec_1', 'abc', 1, { opId: () => 'op-1' });
  provision.localChange('abcd');
  provision.onSnapshot('Zabcd', 3); // contains our op (rev 2) and another (rev 3)
  provision.localChange('abcde'); // typed while the resend is on its way
  const result = provision.onAck('op-1', { ok: true, rev: 2, event_id: 5 });
  assert.equal(provision.confirmed, 'Zabcd');
  assert.equal(result.text, 'Zabcde');
  assert.equal(result.send.rev, 3);
});

test('a rate-limited edit is kept, held while typing goes on, and sent again after the wait', () => {
  const provision = new ProvisionSync('sec_1', 'one two', 1, { opId: (() => { let n = 0; return () => `op-${(n += 1)}`; })() });
  provision.localChange('one two three');
  const result = provision.onAck('op-1', { ok: false, error: { code: 'rate_limited', message: 'slow' }, retry_after: 0.25 });
  assert.equal(result.retryAfter, 0.25);
  assert.equal(result.error, null);
  assert.equal(result.send, null);
  assert.equal(provision.text, 'one two three');
  assert.equal(provision.localChange('one two three four').send, null);
  // The same op again (another copy of it may have got through), then what was typed during the wait.
  const again = provision.retry();
  assert.equal(again.send.op_id, 'op-1');
  assert.equal(applyExact('one two', again.send.patch), 'one two three');
  const then = provision.onAck('op-1', { ok: true, rev: 2, event_id: 9 });
  assert.equal(then.send.op_id, 'op-2');
  assert.equal(then.send.rev, 2);
  assert.equal(applyExact('one two three', then.send.patch), 'one two three four');
});

test('a copy of an op turned away by the rate limit while another copy is applied is not typed twice', () => {
  const base = 'the clerk shall keep a register';
  const typed = 'the clerk [b6] shall keep a register';
  for (const order of ['event first', 'retry first']) {
    const provision = new ProvisionSync('sec_1', base, 1, { opId: (() => { let n = 0; return () => `op-${(n += 1)}`; })() });
    const sent = provision.localChange(typed).send;
    provision.onAck('op-1', { ok: false, error: { code: 'rate_limited', message: 'slow' }, retry_after: 0.1 });
    provision.localChange(`${typed} [b7]`);
    // The other copy, resent after a reconnect, was applied as revision 2.
    const event = { id: 5, type: 'provision.edited', data: { eid: 'sec_1', rev: 2, patch: sent.patch, op_id: 'op-1' } };
    let server = typed;
    if (order === 'event first') provision.onEvent(event);
    let send = provision.retry().send;
    let rev = 2;
    while (send) {
      if (send.op_id === 'op-1') {
        send = provision.onAck(send.op_id, { ok: true, rev: 2, event_id: 5, duplicate: true }).send;
        continue;
      }
      server = applyExact(server, send.patch);
      rev += 1;
      send = provision.onAck(send.op_id, { ok: true, rev, event_id: rev + 3 }).send;
    }
    if (order === 'retry first') provision.onEvent(event);
    assert.equal(server, `${typed} [b7]`, order);
    assert.equal(provision.text, server, order);
    assert.ok(provision.settled, order);
  }
});

test('a bill resends rate-limited edits after the wait and loses nothing', async () => {
  let text = 'a';
  let rev = 1;
  let refusals = 2;
  const waits = [];
  const timers = [];
  const emit = async (name, payload) => {
    if (name === 'join') return { ok: true, last_event_id: 0, events: [], provisions: { sec_1: { text, rev } } };
    if (refusals > 0) {
      refusals -= 1;
      return { ok: false, error: { code: 'rate_limited', message: 'slow down' }, retry_after: 0.2 };
    }
    text = applyExact(text, payload.patch);
    rev += 1;
    return { ok: true, rev, event_id: rev };
  };
  const bill = new BillSync({ bill: 1, emit, schedule: (run, seconds) => { waits.push(seconds); timers.push(run); } });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  await bill.join();
  bill.type('sec_1', 'a b');
  await settle();
  bill.type('sec_1', 'a b c');
  while (timers.length) {
    timers.shift()();
    await settle();
  }
  assert.equal(text, 'a b c');
  assert.equal(bill.text('sec_1'), 'a b c');
  assert.ok(bill.settled);
  assert.deepEqual(waits, [0.2, 0.2]);
});

test('edits carry the wId, and events find a provision by wId after a renumbering the client has not seen', async () => {
  const sent = [];
  const emit = async (name, payload) => {
    if (name === 'join') {
      return {
        ok: true, last_event_id: 0, events: [],
        provisions: { sec_2: { text: 'old two', rev: 1, wid: 'sec_2' }, sec_3: { text: 'three', rev: 1, wid: 'sec_3' } },
      };
    }
    sent.push(payload);
    return new Promise(() => {}); // no answer: the op stays in flight
  };
  const bill = new BillSync({ bill: 1, emit });
  await bill.join();
  bill.type('sec_3', 'three and more');
  assert.equal(sent[0].wid, 'sec_3');
  // sec_2 was deleted and the old sec_3 renumbered sec_2; this client has not re-keyed yet. The event names
  // the provision by its new eId and its wId: it must reach "three", not the provision still held as sec_2.
  const patch = makePatch('three', 'three!');
  bill.handleEvent({ id: 5, type: 'provision.edited', bill: 1, data: { eid: 'sec_2', wid: 'sec_3', rev: 2, base_rev: 1, patch, op_id: 'other' } });
  assert.equal(bill.text('sec_2'), 'old two');
  assert.equal(bill.text('sec_3'), 'three! and more');
});

test('a join that holds only part of what was missed asks again from where it stopped', async () => {
  const joins = [];
  const edit = (id, rev, before, after) => ({
    id, type: 'provision.edited', bill: 1,
    data: { eid: 'sec_1', wid: 'sec_1', rev, base_rev: rev - 1, patch: makePatch(before, after), op_id: `op${id}` },
  });
  const emit = async (name, payload) => {
    assert.equal(name, 'join');
    joins.push(payload.since);
    if (joins.length === 1) return { ok: true, last_event_id: 0, events: [], provisions: { sec_1: { text: 'a', rev: 0, wid: 'sec_1' } } };
    if (joins.length === 2) {
      return { ok: true, more: true, last_event_id: 11, events: [edit(11, 1, 'a', 'ab')], provisions: { sec_1: { text: 'abc', rev: 2, wid: 'sec_1' } } };
    }
    return { ok: true, more: false, last_event_id: 12, events: [edit(12, 2, 'ab', 'abc')], provisions: { sec_1: { text: 'abc', rev: 2, wid: 'sec_1' } } };
  };
  const bill = new BillSync({ bill: 1, emit });
  await bill.join();
  bill.since = 10; // reconnecting after event 10
  await bill.join();
  assert.deepEqual(joins, [null, 10, 11]);
  assert.equal(bill.text('sec_1'), 'abc');
  assert.equal(bill.since, 12);
});

test('typing while an op is in flight does not double a colleague\'s word the server placed otherwise', () => {
  const ids = ['mine', 'next'];
  const provision = new ProvisionSync('sec_1', 'M x y may [b] z', 7, { opId: () => ids.shift() });
  provision.localChange('M x y may [a] [b] z'); // "mine" goes out at revision 7
  provision.localChange('M may [a] [b] z'); // typed meanwhile, held back
  // A colleague's "[c] " at the very point of "[a] ".
  provision.onEvent({ id: 8, data: { eid: 'sec_1', rev: 8, op_id: 'other', patch: makePatch('M x y may [b] z', 'M x y may [c] [b] z') } });
  // The server placed "mine" before "[c] ".
  const made = 'M x y may [a] [c] [b] z';
  const result = provision.onEvent({ id: 9, data: { eid: 'sec_1', rev: 9, op_id: 'mine', patch: makePatch('M x y may [c] [b] z', made) } });
  assert.equal(provision.text, 'M may [a] [c] [b] z');
  assert.equal(applyExact(made, result.send.patch), 'M may [a] [c] [b] z');
});

test('an edit the server failed on is kept and sent again, later each time', () => {
  const provision = new ProvisionSync('sec_1', 'one two', 1, { opId: (() => { let n = 0; return () => `op-${(n += 1)}`; })() });
  provision.localChange('one two three');
  const waits = [];
  for (let i = 0; i < 7; i += 1) {
    const result = provision.onAck('op-1', { ok: false, error: { code: 'internal_error', message: 'failed' } });
    assert.equal(result.error, null);
    assert.equal(provision.text, 'one two three');
    waits.push(result.retryAfter);
    assert.equal(provision.retry().send.op_id, 'op-1');
  }
  assert.deepEqual(waits, [1, 2, 4, 8, 16, 30, 30]);
  provision.onAck('op-1', { ok: true, rev: 2, event_id: 3 });
  assert.ok(provision.settled);
});

test('after an edit refused for good, what was typed meanwhile goes out', () => {
  const provision = new ProvisionSync('sec_1', 'one two', 1, { opId: (() => { let n = 0; return () => `op-${(n += 1)}`; })() });
  provision.localChange('one two three');
  provision.localChange('zero one two three');
  const result = provision.onAck('op-1', { ok: false, error: { code: 'forbidden', message: 'frozen' } });
  assert.equal(result.error.code, 'forbidden');
  assert.equal(provision.text, 'zero one two');
  assert.equal(result.send.op_id, 'op-2');
  assert.equal(applyExact('one two', result.send.patch), 'zero one two');
});

test('an op the server found changed nothing is settled without an event of its own', () => {
  const provision = new ProvisionSync('sec_1', 'one two', 1, { opId: (() => { let n = 0; return () => `op-${(n += 1)}`; })() });
  provision.localChange('one two three');
  provision.localChange('one two three four'); // typed while the first edit is on its way
  // No event will carry op-1: waiting for it would hold every later keystroke back for good.
  const result = provision.onAck('op-1', { ok: true, rev: 1, event_id: 3, duplicate: false, unchanged: true });
  assert.equal(result.send.op_id, 'op-2');
  assert.equal(result.send.rev, 1);
  assert.equal(applyExact('one two', result.send.patch), 'one two three four');
  assert.equal(provision.text, 'one two three four');
});

test('an edit refused because the sign-in ended is kept, not undone, and goes out again after the join', () => {
  const provision = new ProvisionSync('sec_1', 'one two', 1, { opId: (() => { let n = 0; return () => `op-${(n += 1)}`; })() });
  provision.localChange('one two three');
  const result = provision.onAck('op-1', { ok: false, error: { code: 'signed_out', message: 'sign in again' } });
  assert.equal(result.error.code, 'signed_out');
  assert.equal(result.send, null);
  assert.equal(provision.text, 'one two three');
  assert.equal(provision.localChange('one two three four').send, null);
  assert.equal(provision.pendingSend.op_id, 'op-1'); // what the join after reconnecting sends
  const then = provision.onAck('op-1', { ok: true, rev: 2, event_id: 2 });
  assert.equal(then.send.op_id, 'op-2');
  assert.equal(applyExact('one two three', then.send.patch), 'one two three four');
});

test('an edit whose answer never came is sent again, same op_id, while the line stays up', async () => {
  const sent = [];
  const timers = [];
  let answered = 0;
  const emit = async (name, payload) => {
    if (name === 'join') return { ok: true, last_event_id: 0, events: [], provisions: { sec_1: { text: 'a', rev: 1 } } };
    sent.push(payload.op_id);
    answered += 1;
    if (answered === 1) throw new Error('operation has timed out');
    return { ok: true, rev: 2, event_id: 1 };
  };
  const bill = new BillSync({ bill: 1, emit, schedule: (run, seconds) => timers.push([run, seconds]) });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  await bill.join();
  bill.type('sec_1', 'a b');
  await settle();
  assert.equal(bill.settled, false);
  assert.deepEqual(timers.map(([, seconds]) => seconds), [1]);
  timers.shift()[0]();
  await settle();
  assert.equal(sent.length, 2);
  assert.equal(sent[0], sent[1]);
  assert.ok(bill.settled);
});

test('edits socket.io-client held while the line was down and the server refused before the join are kept', async () => {
  // The line drops unnoticed for a moment: what is emitted then is sent first thing on the next connection, before
  // the join, and refused (forbidden: not joined). That refusal says nothing about the edit: it must not be undone.
  let refused = 0;
  for (let seed = 301; seed <= 340; seed += 1) {
    const outcome = await simulate(seed, { socketio: true });
    assertConverged(outcome, seed);
    refused += outcome.network.refusedUnjoined;
  }
  assert.ok(refused > 0, 'no edit was ever sent before the join');
});

test('a refusal of a copy sent before the rejoin leaves the edit in flight, and the join\'s copy saves it', async () => {
  let server = 'one';
  let rev = 1;
  const answers = [];
  const emit = (name, payload) => new Promise((resolve) => {
    if (name === 'join') {
      resolve({ ok: true, last_event_id: 0, events: [], provisions: { sec_1: { text: server, rev, wid: 'sec_1' } } });
      return;
    }
    answers.push({ payload, resolve });
  });
  const errors = [];
  const bill = new BillSync({ bill: 1, emit, onError: (eid, error) => errors.push(error.code) });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  await bill.join();
  bill.type('sec_1', 'one two'); // emitted as the line dropped: held by socket.io-client
  bill.disconnected();
  bill.type('sec_1', 'one two three'); // typed offline: waits
  assert.equal(answers.length, 1);
  const rejoined = bill.join(); // back: the held copy went out first and is refused, as not joined
  answers.shift().resolve({ ok: false, error: { code: 'not_joined', message: 'join bill 1 before sending changes to it' } });
  await rejoined;
  await settle();
  assert.equal(bill.text('sec_1'), 'one two three');
  assert.deepEqual(errors, []);
  // The join sent the same op again; the server applies it, then what was typed offline.
  while (answers.length) {
    const { payload, resolve } = answers.shift();
    server = applyExact(server, payload.patch);
    rev += 1;
    resolve({ ok: true, rev, event_id: rev });
    await settle();
  }
  assert.equal(server, 'one two three');
  assert.ok(bill.settled);
});

test('a rejoin matches provisions by wId: a renumbered one keeps its pending edits, a new one at its old eId is apart', async () => {
  // While this drafter was offline another retitled subsection (1) as (1A), inserted a new (1) and typed in it.
  const sent = [];
  let joins = 0;
  const missed = [
    { id: 5, type: 'provision.retitled', bill: 1, data: { eid: 'sub_1A', renames: { sub_1: 'sub_1A' }, removed_wids: [] } },
    { id: 6, type: 'provision.inserted', bill: 1, data: { eid: 'sub_1', renames: {}, removed_wids: [] } },
    { id: 7, type: 'provision.edited', bill: 1, data: { eid: 'sub_1', wid: 'sub_1_2', rev: 1, base_rev: 0, patch: makePatch('', 'new'), op_id: 'b1' } },
  ];
  const emit = async (name, payload) => {
    if (name === 'edit') {
      sent.push(payload);
      return new Promise(() => {}); // no answer: the op stays in flight
    }
    joins += 1;
    if (joins === 1) {
      return { ok: true, last_event_id: 4, events: [], provisions: {
        sub_1: { text: 'old one', rev: 3, wid: 'sub_1' }, sub_2: { text: 'two', rev: 1, wid: 'sub_2' } } };
    }
    return { ok: true, last_event_id: 7, events: missed, provisions: {
      sub_1A: { text: 'old one', rev: 3, wid: 'sub_1' },
      sub_1: { text: 'new', rev: 1, wid: 'sub_1_2' },
      sub_2: { text: 'two', rev: 1, wid: 'sub_2' } } };
  };
  const shown = [];
  const bill = new BillSync({ bill: 1, emit, onText: (eid, text, cursor, wid) => shown.push({ eid, wid, text }) });
  await bill.join();
  bill.type('sub_1', 'old one typed'); // in flight when the line dropped
  bill.disconnected();
  bill.type('sub_1', 'old one typed offline');
  await bill.join();
  assert.equal(bill.text('sub_1A'), 'old one typed offline');
  assert.equal(bill.text('sub_1'), 'new');
  assert.equal(bill.eidOf('sub_1'), 'sub_1A');
  assert.equal(bill.eidOf('sub_1_2'), 'sub_1');
  const wids = [...bill.provisions.values()].map((provision) => provision.wid);
  assert.deepEqual(wids.sort(), ['sub_1', 'sub_1_2', 'sub_2']);
  // The pending op went out again for the provision it was typed in, under its new eId.
  assert.deepEqual([sent.at(-1).eid, sent.at(-1).wid, sent.at(-1).op_id], ['sub_1A', 'sub_1', sent[0].op_id]);
  assert.ok(shown.every(({ wid, text }) => wid !== 'sub_1' || text.startsWith('old one')));
});

test('structure events re-key provisions as they arrive, once each, and typing by wId never misses', async () => {
  const insert = { id: 9, type: 'provision.inserted', bill: 1,
    data: { eid: 'sec_2', renames: { sec_2: 'sec_3', sec_3: 'sec_4' }, removed_wids: [] } };
  let joins = 0;
  const emit = async (name) => {
    if (name === 'edit') return new Promise(() => {});
    joins += 1;
    if (joins === 1) {
      return { ok: true, last_event_id: 8, events: [], provisions: {
        sec_1: { text: 'one', rev: 1, wid: 'sec_1' }, sec_2: { text: 'two', rev: 1, wid: 'sec_2' },
        sec_3: { text: 'three', rev: 1, wid: 'sec_3' } } };
    }
    // A rejoin whose snapshot already holds the insertion; the event comes again among those broadcast meanwhile.
    return { ok: true, last_event_id: 9, events: [insert], provisions: {
      sec_1: { text: 'one', rev: 1, wid: 'sec_1' }, sec_2: { text: '', rev: 0, wid: 'sec_2_2' },
      sec_3: { text: 'two', rev: 1, wid: 'sec_2' }, sec_4: { text: 'three', rev: 1, wid: 'sec_3' } } };
  };
  const bill = new BillSync({ bill: 1, emit });
  await bill.join();
  bill.handleEvent(insert);
  // At once, before any rejoin: "three" is sec_4, and typing in it by wId or by its new eId reaches it.
  assert.deepEqual([bill.text('sec_3'), bill.text('sec_4'), bill.text('sec_2')], ['two', 'three', undefined]);
  assert.ok(bill.typeByWid('sec_3', 'three!'));
  bill.type('sec_4', 'three!!');
  bill.handleEvent(insert); // delivered twice: not applied twice
  assert.equal(bill.text('sec_4'), 'three!!');
  await bill.join();
  bill.handleEvent(insert);
  assert.deepEqual(
    [...bill.provisions].map(([eid, provision]) => [eid, provision.wid, provision.text]).sort(),
    [['sec_1', 'sec_1', 'one'], ['sec_2', 'sec_2_2', ''], ['sec_3', 'sec_2', 'two'], ['sec_4', 'sec_3', 'three!!']],
  );
  assert.equal(bill.typeByWid('gone', 'x'), false);
});

test('a provision deleted while it held unsaved edits is reported with the text this page had; a saved one is not', async () => {
  let joins = 0;
  const emit = async (name) => {
    if (name === 'edit') return new Promise(() => {}); // no answer: the edit stays unsaved
    joins += 1;
    if (joins === 1) {
      return { ok: true, last_event_id: 1, events: [], provisions: {
        sec_1: { text: 'one', rev: 1, wid: 'sec_1' }, sec_2: { text: 'two', rev: 1, wid: 'sec_2' },
        sec_3: { text: 'three', rev: 1, wid: 'sec_3' } } };
    }
    // Rejoined after a cut: sec_3 (typed in offline) was deleted meanwhile.
    return { ok: true, last_event_id: 4, events: [], provisions: { sec_1: { text: 'two', rev: 1, wid: 'sec_2' } } };
  };
  const errors = [];
  const bill = new BillSync({ bill: 1, emit, onError: (eid, { code, text }, wid) => errors.push({ eid, wid, code, text }) });
  await bill.join();
  bill.typeByWid('sec_1', 'one typed');
  // Live: sec_1 goes, with what was typed in it; the provisions after it are renumbered.
  bill.handleEvent({ id: 2, type: 'provision.deleted', bill: 1,
    data: { eid: null, renames: { sec_2: 'sec_1', sec_3: 'sec_2' }, removed_wids: ['sec_1'] } });
  assert.deepEqual(errors, [{ eid: 'sec_1', wid: 'sec_1', code: PROVISION_DELETED, text: 'one typed' }]);
  assert.equal(bill.typeByWid('sec_1', 'one typed more'), false);
  bill.disconnected();
  bill.typeByWid('sec_3', 'three typed offline');
  await bill.join();
  assert.deepEqual(errors.slice(1), [{ eid: 'sec_2', wid: 'sec_3', code: PROVISION_DELETED, text: 'three typed offline' }]);
  // A provision deleted with nothing unsaved in it is no one's loss.
  bill.handleEvent({ id: 5, type: 'provision.deleted', bill: 1, data: { eid: null, renames: {}, removed_wids: ['sec_2'] } });
  assert.equal(errors.length, 2);
});

test('an edit of a provision deleted meanwhile is not sent again, and the answer to it is not reported', async () => {
  const sent = [];
  const emit = async (name, payload) => {
    if (name === 'join') {
      return { ok: true, last_event_id: 1, events: [], provisions: {
        sec_1: { text: 'one', rev: 1, wid: 'sec_1' }, sec_2: { text: 'two', rev: 1, wid: 'sec_2' } } };
    }
    return new Promise((resolve, reject) => sent.push({ payload, resolve, reject }));
  };
  const resends = [];
  const errors = [];
  const bill = new BillSync({
    bill: 1, emit, schedule: (run) => resends.push(run), onError: (eid, { code }) => errors.push(code),
  });
  await bill.join();
  bill.typeByWid('sec_1', 'one typed');
  bill.typeByWid('sec_2', 'two typed');
  assert.equal(sent.length, 2);
  bill.handleEvent({ id: 2, type: 'provision.deleted', bill: 1,
    data: { eid: null, renames: { sec_2: 'sec_1' }, removed_wids: ['sec_1', 'sec_2'] } });
  assert.deepEqual(errors, [PROVISION_DELETED, PROVISION_DELETED]);
  // One edit's answer never comes (the line was dead): it is not sent again for a provision that is gone.
  sent[0].reject(new Error('timeout'));
  await new Promise((resolve) => { setImmediate(resolve); });
  resends.splice(0).forEach((run) => run());
  assert.equal(sent.length, 2);
  // The other's comes: the server has no such provision any more, which the drafter was told already.
  sent[1].resolve({ ok: false, error: { code: 'not_found', message: 'bill 1 has no provision sec_2' } });
  await new Promise((resolve) => { setImmediate(resolve); });
  assert.deepEqual(errors, [PROVISION_DELETED, PROVISION_DELETED]);
});

test('a paste too long for one message goes out in parts, each under the limit, and arrives whole', async () => {
  const limits = { patchChars: 600, provisionChars: 20000 };
  const rng = seeded(7);
  const words = ['section ', 'é ', '😀 ', '中文 ', 'the Clerk shall ', '%; ', '𝔘'];
  let paste = '';
  while (paste.length < 6000) paste += rng.pick(words);
  let server = 'Start. End.';
  let rev = 1;
  const patches = [];
  const emit = async (name, payload) => {
    if (name === 'join') return { ok: true, last_event_id: 0, events: [], provisions: { sec_1: { text: server, rev, wid: 'sec_1' } } };
    patches.push(payload.patch.length);
    if (payload.patch.length > limits.patchChars) return { ok: false, error: { code: 'payload_too_large', message: 'too long' } };
    server = applyExact(server, payload.patch);
    rev += 1;
    return { ok: true, rev, event_id: rev };
  };
  const errors = [];
  const bill = new BillSync({ bill: 1, emit, limits, onError: (eid, error) => errors.push(error) });
  await bill.join();
  const pasted = `Start. ${paste}End.`;
  bill.type('sec_1', pasted);
  for (let i = 0; i < 500 && !bill.settled; i += 1) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(errors, []);
  assert.equal(server, pasted);
  assert.equal(bill.text('sec_1'), pasted);
  assert.ok(patches.length > 5, `${patches.length} parts`);
  assert.ok(Math.max(...patches) <= limits.patchChars);
});

test('the limits a join answers with are the ones a paste is split to fit', async () => {
  let server = 'Start.';
  let rev = 1;
  const patches = [];
  const emit = async (name, payload) => {
    if (name === 'join') {
      return { ok: true, last_event_id: 0, events: [], provisions: { sec_1: { text: server, rev, wid: 'sec_1' } },
        limits: { patch_chars: 500, provision_chars: 3000 } };
    }
    patches.push(payload.patch.length);
    server = applyExact(server, payload.patch);
    rev += 1;
    return { ok: true, rev, event_id: rev };
  };
  const errors = [];
  const bill = new BillSync({ bill: 1, emit, onError: (eid, error) => errors.push(error.code) });
  await bill.join();
  const pasted = `Start. ${'the Clerk shall publish '.repeat(80)}`;
  bill.type('sec_1', pasted);
  for (let i = 0; i < 500 && !bill.settled; i += 1) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(server, pasted);
  assert.ok(patches.length > 3 && Math.max(...patches) <= 500, `${patches}`);
  bill.type('sec_1', `${pasted}${'x'.repeat(3000)}`); // past this server's provision limit: refused here
  assert.deepEqual(errors, ['provision_too_large']);
  assert.equal(server, pasted);
});

test('an edit answered not_joined on a line this page thinks joined makes it join again, and is saved', async () => {
  let server = 'one';
  let rev = 1;
  let joins = 0;
  let refuse = true;
  const emit = async (name, payload) => {
    if (name === 'join') {
      joins += 1;
      return { ok: true, last_event_id: 0, events: [], provisions: { sec_1: { text: server, rev, wid: 'sec_1' } } };
    }
    if (refuse) {
      refuse = false; // a server process that lost this connection's join (say, restarted behind a proxy)
      return { ok: false, error: { code: 'not_joined', message: 'join bill 1 before sending changes to it' } };
    }
    server = applyExact(server, payload.patch);
    rev += 1;
    return { ok: true, rev, event_id: rev };
  };
  const errors = [];
  const bill = new BillSync({ bill: 1, emit, onError: (eid, error) => errors.push(error.code) });
  await bill.join();
  bill.type('sec_1', 'one two');
  for (let i = 0; i < 200 && !bill.settled; i += 1) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(joins, 2);
  assert.deepEqual(errors, []);
  assert.equal(server, 'one two');
  assert.equal(bill.text('sec_1'), 'one two');
});

test('a text longer than a provision may be is refused where it is typed, and what is typed next is saved', () => {
  const provision = new ProvisionSync('sec_1', 'one two', 1, {
    opId: (() => { let n = 0; return () => `op-${(n += 1)}`; })(), limits: { patchChars: 65536, provisionChars: 1000 },
  });
  const refused = provision.localChange(`one ${'x'.repeat(2000)} two`);
  assert.equal(refused.error.code, 'provision_too_large');
  assert.equal(refused.text, 'one two'); // shown again: the change was not kept
  assert.equal(refused.send, null);
  assert.equal(provision.text, 'one two');
  assert.ok(provision.settled);
  const next = provision.localChange('one two three');
  assert.equal(applyExact('one two', next.send.patch), 'one two three');
  // Astral characters count once, as the server counts them; shortening an over-long text is always allowed.
  assert.equal(provision.localChange(`one two three ${'😀'.repeat(900)}`).error, null);
});

test('partway steps toward the new text, never splits a character and always changes something', () => {
  const rng = seeded(11);
  const alphabet = ['a', 'b', ' ', 'é', '😀', '😁', '𝔘', '中', '%'];
  const random = (n) => Array.from({ length: n }, () => rng.pick(alphabet)).join('');
  for (let run = 0; run < 300; run += 1) {
    const from = random(rng.int(60));
    const to = random(rng.int(60));
    let current = from;
    for (let steps = 0; current !== to; steps += 1) {
      assert.ok(steps < 200, `no progress from ${JSON.stringify(from)} to ${JSON.stringify(to)}`);
      const next = partway(current, to, 1 + rng.int(150));
      assert.notEqual(next, current);
      assert.ok(isWellFormed(next), JSON.stringify(next));
      current = next;
    }
  }
});
