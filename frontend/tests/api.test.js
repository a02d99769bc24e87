import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiPages } from '../src/lib/api.js';

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
