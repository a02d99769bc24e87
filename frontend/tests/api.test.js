import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, apiPages, apiPatiently } from '../src/lib/api.js';

test('apiPages follows the next cursors and joins every page', async () => {
  const pages = {
    '/api/bills/1/comments?eid=sec_1': { comments: [1, 2], hidden: [{ id: 9 }], next: 'c2' },
    '/api/bills/1/comments?eid=sec_1&cursor=c2': { comments: [3, 4], hidden: [], next: 'c%3' },
    '/api/bills/1/comments?eid=sec_1&cursor=c%253': { comments: [5], hidden: [{ id: 10 }], next: null },
  };
  const asked = [];
  globalThis.fetch = async (url) => {
    asked.push(url);
    return { ok: true, status: 200, json: async () => pages[url] };
  };
  const all = await apiPages('/api/bills/1/comments?eid=sec_1', ['comments', 'hidden']);
  assert.deepEqual(all.comments, [1, 2, 3, 4, 5]);
  assert.deepEqual(all.hidden, [{ id: 9 }, { id: 10 }]);
  assert.equal(all.next, null);
  assert.equal(asked.length, 3);
  const capped = await apiPages('/api/bills/1/comments?eid=sec_1', ['comments'], { maxPages: 2 });
  assert.deepEqual(capped.comments, [1, 2, 3, 4]);
  assert.equal(capped.next, 'c%3');
});

/** A fetch that answers each call with the next of `answers` ({ status, body }), noting what was asked. */
function answering(answers) {
  const asked = [];
  globalThis.document = { querySelector: () => ({ content: 'csrf-1' }) };
  globalThis.fetch = async (url, init) => {
    asked.push({ url, body: init.body, csrf: init.headers['X-CSRFToken'] });
    const { status, body, headers = {} } = answers.shift();
    return { ok: status < 400, status, statusText: 'status', headers: new Map(Object.entries(headers)), json: async () => body };
  };
  return asked;
}

const busy = { status: 429, body: { error: { code: 'intake_busy', message: 'many comments at once', retry_after: 2 } } };

test('a write turned away only because the intake line was full goes again after the wait asked for', async () => {
  const asked = answering([busy, busy, { status: 201, body: { id: 7 } }]);
  const waits = [];
  const told = [];
  const posted = await apiPatiently('POST', '/api/bills/1/comments', { eid: 'sec_1', body: 'Yes.' }, {
    onWait: (seconds, attempt) => told.push([seconds, attempt]),
    sleep: async (seconds) => waits.push(seconds),
  });
  assert.deepEqual(posted, { id: 7 });
  assert.equal(asked.length, 3);
  assert.ok(asked.every((call) => call.body === asked[0].body && call.csrf === 'csrf-1'), 'the same comment each time');
  assert.deepEqual(waits, [2, 2]);
  assert.deepEqual(told, [[2, 1], [2, 2]]);
});

test('other refusals are not sent again, and a line that stays full is given up after the attempts', async () => {
  const limited = { status: 429, body: { error: { code: 'rate_limited', message: 'the limit is 10 per minute' } } };
  let asked = answering([limited]);
  await assert.rejects(apiPatiently('POST', '/api/bills/1/comments', {}, { sleep: async () => {} }),
    (error) => error instanceof ApiError && error.code === 'rate_limited');
  assert.equal(asked.length, 1, "one's own rate limit is not waited out behind the citizen's back");

  asked = answering([busy, busy, busy]);
  await assert.rejects(apiPatiently('POST', '/api/comments/3/endorsements', undefined, { attempts: 3, sleep: async () => {} }),
    (error) => error.code === 'intake_busy' && error.retryAfter === 2);
  assert.equal(asked.length, 3);

  // The wait comes from Retry-After when the body does not say it.
  asked = answering([{ status: 429, body: { error: { code: 'intake_busy', message: 'busy' } }, headers: { 'Retry-After': '3' } },
    { status: 201, body: { comment_id: 3 } }]);
  const waits = [];
  await apiPatiently('POST', '/api/comments/3/endorsements', undefined, { sleep: async (seconds) => waits.push(seconds) });
  assert.deepEqual(waits, [3]);
});
