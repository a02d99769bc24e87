import assert from 'node:assert/strict';
import { test } from 'node:test';
import { patchMake, patchToText } from 'diff-match-patch-es';
import { MalformedPatch, PatchConflict, applyExact, makePatch, mapPosition, merge3 } from '../src/sync/textpatch.js';
import { seeded } from './simulation.js';

test('the plain library throws on an edit inside a surrogate pair; makePatch does not', () => {
  assert.throws(() => patchToText(patchMake('a😀b', 'a😁b')), URIError);
  const patch = makePatch('a😀b', 'a😁b');
  assert.equal(patch, '@@ -1,4 +1,4 @@\n a\n-%F0%9F%98%80\n+%F0%9F%98%81\n b\n');
  assert.equal(applyExact('a😀b', patch), 'a😁b');
});

test('offsets count UTF-16 code units', () => {
  // Six emoji are 12 code units: the hunk's context starts after three of them, at unit 6 (1-based 7).
  const emoji = '%F0%9F%98%80';
  assert.equal(makePatch('😀😀😀😀😀😀abc', '😀😀😀😀😀😀abXc'), `@@ -7,9 +7,10 @@\n ${emoji.repeat(3)}ab\n+X\n c\n`);
});

test('random edits over astral text round-trip exactly', () => {
  const rng = seeded(3);
  const alphabet = ['a', 'b', ' ', '😀', '😁', '𝔘', '𠀀', 'é', '%', '+', '\n'];
  for (let n = 0; n < 2000; n += 1) {
    const before = Array.from({ length: rng.int(30) }, () => rng.pick(alphabet));
    const after = [...before];
    for (let k = 0; k <= rng.int(4); k += 1) {
      if (after.length && rng() < 0.5) after.splice(rng.int(after.length), 1);
      else after.splice(rng.int(after.length + 1), 0, rng.pick(alphabet));
    }
    const [a, b] = [before.join(''), after.join('')];
    assert.equal(applyExact(a, makePatch(a, b)), b, JSON.stringify([a, b]));
  }
});

test('applyExact refuses moved context and malformed text', () => {
  const patch = makePatch('the cat sat', 'the cat sat down');
  assert.throws(() => applyExact('the dog sat', patch), PatchConflict);
  assert.throws(() => applyExact('x', '@@ nonsense'), MalformedPatch);
  assert.throws(() => applyExact('abc', '@@ -1,2 +1,4 @@\n ab\n+X\n c\n'), MalformedPatch);
  assert.throws(() => applyExact('abc', '@@ -1,3 +1,4 @@\n ab\n+%E0%A4\n c\n'), MalformedPatch);
});

test('merge3 keeps both sides, theirs first where they touch', () => {
  assert.equal(merge3('the cat sat', 'the big cat sat', 'the cat sat down'), 'the big cat sat down');
  assert.equal(merge3('abc', 'aXbc', 'aYbc'), 'aYXbc');
  assert.equal(merge3('abcdef', 'aXf', 'abYZef'), 'aYZXf');
  assert.equal(merge3('a😀b', 'a😀😁b', 'a😀𝔘b'), 'a😀𝔘😁b');
});

test('mapPosition follows the text around the cursor and never lands inside a character', () => {
  assert.equal(mapPosition('ab', 'Xab', 2), 3);
  assert.equal(mapPosition('the cat', 'the big cat', 5), 9);
  const rng = seeded(5);
  const alphabet = ['a', ' ', '😀', '😁', '𝔘'];
  for (let n = 0; n < 500; n += 1) {
    const a = Array.from({ length: rng.int(12) }, () => rng.pick(alphabet)).join('');
    const b = Array.from({ length: rng.int(12) }, () => rng.pick(alphabet)).join('');
    const boundaries = [0, ...[...a].map((_, i) => [...a].slice(0, i + 1).join('').length)];
    const mapped = mapPosition(a, b, rng.pick(boundaries));
    assert.ok(mapped >= 0 && mapped <= b.length);
    assert.ok(!(/[\uDC00-\uDFFF]/.test(b[mapped] ?? '') && mapped > 0), JSON.stringify([a, b, mapped]));
  }
});

test('merge3 slides an insertion out of a passage the other side deleted', () => {
  // Ours deleted "[x] "; theirs typed "[y] " right after it, which the diff reads as " [y]" inside it.
  assert.equal(merge3('[x] The', 'The', '[x] [y] The'), '[y] The');
});

test('merges of look-alike words neither fuse, nor duplicate, nor lose a word', () => {
  // Character diffs of "section 11 or section 134" can cut a word or name the wrong copy of a repeated one;
  // two drafters editing different (possibly neighbouring) words must get every word whole, once.
  const words = ['section', '11', '134', '13', 'or', '1', 'and', '3', '31', '(a)', '1,', 'the', 'then', '😀', '𝔘3'];
  const rng = seeded(2024);
  const count = (list) => list.reduce((map, word) => map.set(word, (map.get(word) || 0) + 1), new Map());
  const edit = (base, low, high) => {
    const out = [...base];
    const at = low + rng.int(high - low);
    const roll = rng();
    const added = [];
    const removed = [];
    if (roll < 0.5) {
      for (let n = 1 + rng.int(3); n > 0; n -= 1) added.push(rng.pick(words));
      out.splice(at, 0, ...added);
    } else if (roll < 0.75) {
      removed.push(...out.splice(at, 1));
    } else {
      removed.push(out[at]);
      out[at] = rng.pick(words);
      added.push(out[at]);
    }
    return { text: out.join(' '), added, removed };
  };
  for (let run = 0; run < 3000; run += 1) {
    const base = Array.from({ length: 3 + rng.int(8) }, () => rng.pick(words));
    const cut = 1 + rng.int(base.length - 1);
    const [first, second] = rng() < 0.5 ? [[0, cut], [cut, base.length]] : [[cut, base.length], [0, cut]];
    const ours = edit(base, ...first);
    const theirs = edit(base, ...second);
    const merged = merge3(base.join(' '), ours.text, theirs.text);
    const expected = count([...base, ...ours.added, ...theirs.added]);
    for (const word of [...ours.removed, ...theirs.removed]) expected.set(word, expected.get(word) - 1);
    for (const [word, n] of expected) if (n === 0) expected.delete(word);
    assert.deepEqual(count(merged.split(' ')), expected, JSON.stringify([base.join(' '), ours.text, theirs.text, merged]));
  }
});
