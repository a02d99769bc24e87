// The comment panel's pure parts: the quote it sends, and where hidden comments' notices stand in a thread.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanQuote, threads } from '../src/pages/comments.js';

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

test('a reply whose comment is not shown at all still appears, at the top level', () => {
  const { roots } = threads([comment(5, 2), comment(6)]);
  assert.deepEqual(roots.map((item) => item.id), [5, 6]);
});
