// The comment panel's pure parts: the quote it sends, where hidden comments' notices stand in a thread, each
// campaign once, and until when one's own comment may be changed by the server's clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerClock, offsetFrom } from '../src/comments/clock.js';
import { editableUntil, windowMinutes, unanswered } from '../src/comments/own.js';
import { cleanQuote } from '../src/comments/posting.js';
import { onceEachCampaign, threads } from '../src/comments/threads.js';

test('a quote is sent trimmed, without the quotation marks typed around it', () => {
  assert.equal(cleanQuote('  thirty days  '), 'thirty days');
  assert.equal(cleanQuote('"thirty days"'), 'thirty days');
  assert.equal(cleanQuote('“thirty days”'), 'thirty days');
  assert.equal(cleanQuote('« thirty days »'), 'thirty days');
  assert.equal(cleanQuote('«\u202Fthirty days\u202F»'), 'thirty days');
  assert.equal(cleanQuote("'thirty days'"), 'thirty days');
  assert.equal(cleanQuote('„thirty days“'), 'thirty days');
  assert.equal(cleanQuote(' “"thirty days"” '), 'thirty days');
});

test('a quote of nothing but spaces or marks is no quote', () => {
  assert.equal(cleanQuote('   '), '');
  assert.equal(cleanQuote('""'), '');
  assert.equal(cleanQuote('“ ”'), '');
  assert.equal(cleanQuote(undefined), '');
});

test('marks that do not surround the whole quote stay', () => {
  assert.equal(cleanQuote('"public" and "private"'), '"public" and "private"');
  assert.equal(cleanQuote("the Minister's 'notice'"), "the Minister's 'notice'");
  assert.equal(cleanQuote('"thirty days'), '"thirty days');
});

const comment = (id, replyTo = null) => ({ id, reply_to: replyTo, body: `comment ${id}` });

test('a hidden comment stands where it was, with its replies under it', () => {
  const { roots, byParent } = threads([comment(2), comment(3, 1), comment(4)], [{ id: 1, reply_to: null, reason: 'harassment' }]);
  assert.deepEqual(roots.map((item) => item.id), [1, 2, 4]);
  assert.equal(roots[0].notice, true);
  assert.equal(roots[0].reason, 'harassment');
  assert.deepEqual(byParent.get(1).map((item) => item.id), [3]);
});

test('a hidden reply stands under its comment, in the order of posting', () => {
  const { roots, byParent } = threads([comment(1), comment(2, 1), comment(4, 1)], [{ id: 3, reply_to: 1, reason: 'spam' }]);
  assert.deepEqual(roots.map((item) => item.id), [1]);
  assert.deepEqual(byParent.get(1).map((item) => [item.id, Boolean(item.notice)]), [[2, false], [3, true], [4, false]]);
});

test('a withdrawn comment with replies keeps its place, with its replies under it', () => {
  const { roots, byParent } = threads([comment(2, 1), comment(4, 3)], [], [], [{ id: 1, eid: 'sec_1', reply_to: null }, { id: 3, eid: 'sec_1', reply_to: 1 }]);
  assert.deepEqual(roots.map((item) => [item.id, Boolean(item.withdrawn)]), [[1, true]]);
  assert.deepEqual(byParent.get(1).map((item) => [item.id, Boolean(item.withdrawn)]), [[2, false], [3, true]]);
  assert.deepEqual(byParent.get(3).map((item) => item.id), [4]);
  assert.equal(roots[0].body, undefined);
});

test('an answered comment is not offered for change or withdrawal', () => {
  assert.equal(unanswered({ id: 1, answers: [] }), true);
  assert.equal(unanswered({ id: 1 }), true);
  assert.equal(unanswered({ id: 1, answers: [{ id: 7, body: 'Sixty days now.' }] }), false);
});

test('a reply whose comment is not shown at all still appears, at the top level', () => {
  const { roots } = threads([comment(5, 2), comment(6)]);
  assert.deepEqual(roots.map((item) => item.id), [5, 6]);
});

test('a campaign that came on two pages of the list is listed once', () => {
  const entry = (id, cluster, grouped) => ({ id, reply_to: null, cluster: { id: cluster, grouped } });
  const listed = onceEachCampaign([entry(1, 1, 1), entry(2, 2, 5), entry(3, 3, 1), entry(2, 2, 4), entry(4, 1, 1)]);
  assert.deepEqual(listed.map((item) => item.id), [1, 2, 3, 4]);
});

test('the edit window is read from the server\'s times, whatever the precision', () => {
  const comment = { created_at: '2026-12-07T00:46:25.123456Z', editable_until: '2026-12-07T01:01:25.123456Z' };
  assert.equal(editableUntil(comment), Date.UTC(2026, 11, 7, 1, 1, 25, 123));
  assert.equal(windowMinutes(comment), 15);
  assert.equal(windowMinutes({ created_at: '2026-12-07T00:00:00Z', editable_until: '2026-12-07T00:00:04Z' }), 1);
  // Another account's comment says nothing: the page offers nothing it would time.
  assert.equal(editableUntil({ created_at: '2026-12-07T00:00:00Z' }), null);
  assert.equal(windowMinutes({ created_at: '2026-12-07T00:00:00Z' }), null);
});

test('the server\'s offset comes from its Date header, halfway through the request and the second', () => {
  const server = Date.UTC(2026, 11, 7, 10, 0, 0);
  // The browser is an hour behind; the answer took 200 ms to come back.
  const sent = server - 3_600_000 - 100;
  assert.equal(offsetFrom(new Date(server).toUTCString(), sent, sent + 200), 3_600_000 + 500);
  assert.equal(offsetFrom(null, 0, 0), null);
  assert.equal(offsetFrom('not a date', 0, 0), null);
});

test('the server clock learns its offset once, and keeps the browser\'s clock when it cannot', async () => {
  let local = Date.UTC(2026, 11, 7, 10, 0, 0);
  const asked = [];
  const ahead = new Date(local + 7_200_000).toUTCString(); // the server: two hours later than this browser
  const clock = new ServerClock('/api/bills/1/consultations', {
    local: () => local,
    request: async (url, options) => {
      asked.push([url, options.method]);
      return { headers: new Map([['Date', ahead]]) };
    },
  });
  assert.equal(clock.now(), local);
  await Promise.all([clock.sync(), clock.sync()]);
  await clock.sync();
  assert.deepEqual(asked, [['/api/bills/1/consultations', 'HEAD']]);
  assert.equal(clock.now(), local + 7_200_500);
  local += 60_000;
  assert.equal(clock.now(), local + 7_200_500);

  let failures = 0;
  const offline = new ServerClock('/x', { local: () => local, request: async () => { failures += 1; throw new TypeError('offline'); } });
  await offline.sync();
  assert.equal(offline.now(), local);
  await offline.sync(); // unreachable before: asked again
  assert.equal(failures, 2);
});
