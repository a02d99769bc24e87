import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changes, tokens, wordDiff } from '../src/amendments/trackchanges.js';

test('a changed word shows as one deletion and one insertion, the rest kept', () => {
  const pieces = wordDiff('The fee is due in thirty days.', 'The fee is due in sixty days.');
  assert.deepEqual(pieces, [[0, 'The fee is due in '], [-1, 'thirty'], [1, 'sixty'], [0, ' days.']]);
});

test('whole words are replaced, never parts of them', () => {
  const pieces = wordDiff('thirteen', 'thirty');
  assert.deepEqual(pieces, [[-1, 'thirteen'], [1, 'thirty']]);
});

test('applying the pieces gives both texts back', () => {
  const before = 'Subject to {{>#sec_2 section 2}}, a person shall pay the levy—';
  const after = 'Subject to {{>#sec_2 section 2}} and section 3, a citizen shall pay the new levy—';
  const pieces = wordDiff(before, after);
  assert.equal(pieces.filter(([op]) => op !== 1).map(([, text]) => text).join(''), before);
  assert.equal(pieces.filter(([op]) => op !== -1).map(([, text]) => text).join(''), after);
  assert.ok(changes(pieces));
});

test('an unchanged text has no changes; accents and astral characters are word characters', () => {
  assert.equal(changes(wordDiff('même texte 😀', 'même texte 😀')), false);
  assert.deepEqual(tokens('délai de 30 jours'), ['délai', ' ', 'de', ' ', '30', ' ', 'jours']);
});
