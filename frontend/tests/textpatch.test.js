import assert from 'node:assert/strict';
import { test } from 'node:test';
import { patchMake, patchToText } from 'diff-match-patch-es';
import { merge3 } from '../src/sync/merge3.js';
import { MalformedPatch, PatchConflict, applyExact, makePatch, mapPosition } from '../src/sync/textpatch.js';
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

// Three-way merges by their properties, against the edit scripts the texts were made by (as
// tests/server/domain/test_merge3.py, which also runs these kinds of cases through merge3.js and Python's
// merge3 and expects the same texts). A script is a list of changes [start, end, typed] of base positions. The
// texts are of distinct characters (the base's own, each side's typed ones from a pool of its own), so the script
// a side was made by is the only reading of its text; a side's changes are more characters apart than they are long.
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
const LETTERS = [...range(0x61, 0x7a), ...range(0x3b1, 0x3c9).filter((c) => c !== '\u03c2'), ...range(0x430, 0x44f)];
const PUNCTUATION = [...',;().:'];
const BASE_SPACES = [' ', ...range(0x2000, 0x2006)];
const POOLS = {
  ours: [...range(0x41, 0x5a), ...'01234', '\u2007', '\u2008', '\u2009'],
  theirs: [...range(0x5d0, 0x5ea), ...'56789', '\u200a', '\u202f', '\u205f'],
};
const APART = 5;

function shuffled(rng, list) {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function distinctBase(rng) {
  const letters = shuffled(rng, LETTERS);
  const punctuation = shuffled(rng, PUNCTUATION);
  const spaces = shuffled(rng, BASE_SPACES);
  let out = '';
  for (let word = 0, words = 2 + rng.int(6); word < words; word += 1) {
    if (word) out += spaces.pop();
    for (let n = 1 + rng.int(5); n > 0; n -= 1) out += letters.pop();
    if (punctuation.length && rng() < 0.2) out += punctuation.pop();
  }
  return out;
}

function script(rng, pool, low, high, count) {
  const typable = shuffled(rng, pool);
  const changes = [];
  for (let at = low; changes.length < count && at <= high;) {
    const start = at + rng.int(Math.min(high, at + 8) - at + 1);
    const end = Math.min(high, start + rng.pick([0, 0, 1, 2, 3]));
    let typed = '';
    for (let n = end > start ? rng.int(5) : 1 + rng.int(4); n > 0; n -= 1) typed += typable.pop();
    if (end > start || typed) changes.push([start, end, typed]);
    at = end + APART;
  }
  return changes;
}

function apply(base, changes) {
  let out = '';
  let position = 0;
  for (const [start, end, typed] of [...changes].sort((a, b) => a[0] - b[0])) {
    out += base.slice(position, start) + typed;
    position = end;
  }
  return out + base.slice(position);
}

function scriptedMerge(rng) {
  const base = distinctBase(rng);
  const kind = rng.pick(['apart', 'anywhere', 'overlapping']);
  if (kind === 'apart') {
    const cut = 1 + rng.int(base.length - 1);
    let [left, right] = [[0, cut - 1], [cut + 1, base.length]];
    if (rng() < 0.5) [left, right] = [right, left];
    return [base, script(rng, POOLS.ours, ...left, 1 + rng.int(3)), script(rng, POOLS.theirs, ...right, 1 + rng.int(3))];
  }
  if (kind === 'anywhere') {
    return [base, script(rng, POOLS.ours, 0, base.length, 1 + rng.int(3)),
      script(rng, POOLS.theirs, 0, base.length, 1 + rng.int(3))];
  }
  const [a, b, c, d] = shuffled(rng, [...Array(base.length + 1).keys()]).slice(0, 4).sort((x, y) => x - y);
  const [first, second] = rng() < 0.5 ? [[a, c], [b, d]] : [[b, d], [a, c]];
  const typed = (pool) => shuffled(rng, pool).slice(0, rng.int(5)).join('');
  return [base, [[...first, typed(POOLS.ours)]], [[...second, typed(POOLS.theirs)]]];
}

// Which merge properties `merged` breaks, given both sides' scripts.
function violations(base, ours, theirs, merged) {
  const found = [];
  const deleted = new Set();
  for (const [start, end] of [...ours, ...theirs]) for (let i = start; i < end; i += 1) deleted.add(i);
  const baseChars = new Set(base);
  const apart = ours.every(([s1, e1]) => theirs.every(([s2, e2]) => Math.max(s1, s2) > Math.min(e1, e2)));
  // (1) Changes apart apply exactly as made.
  if (apart && merged !== apply(base, [...ours, ...theirs])) found.push('changes apart were not applied exactly');
  // (2) What both kept, once and in order; (3) what either deleted, gone.
  const kept = [...base].filter((_, i) => !deleted.has(i)).join('');
  if ([...merged].filter((char) => baseChars.has(char)).join('') !== kept) {
    found.push('a character both kept was lost, doubled or moved, or a deleted one is back');
  }
  for (const [name, changes] of [['ours', ours], ['theirs', theirs]]) {
    const typed = changes.map((change) => change[2]).join('');
    const typedChars = new Set(typed);
    if ([...merged].filter((char) => typedChars.has(char)).join('') !== typed) {
      found.push(`${name}: a typed character was lost, doubled or reordered`);
    }
    for (const [start, , run] of changes) {
      const at = merged.indexOf(run);
      if (run && at < 0) found.push(`${name}: ${run} is not whole`);
      else if (run && [...merged.slice(0, at)].filter((char) => baseChars.has(char)).length !==
          [...Array(start).keys()].filter((i) => !deleted.has(i)).length) {
        found.push(`${name}: ${run} is out of place`);
      }
    }
  }
  const known = new Set([...base, ...[...ours, ...theirs].map((change) => change[2]).join('')]);
  if ([...merged].some((char) => !known.has(char))) found.push('characters nobody typed');
  // (4) Two insertions at one point: theirs first unless that glues two tokens into one and ours first does not.
  const space = (char) => /\s/.test(char);
  for (const [start, end, mine] of ours) {
    for (const [otherStart, otherEnd, other] of theirs) {
      if (start === end && otherStart === otherEnd && start === otherStart && mine && other) {
        const glued = !space(other.at(-1)) && !space(mine[0]) && (space(mine.at(-1)) || space(other[0]));
        if (!merged.includes(glued ? mine + other : other + mine)) found.push('insertions at one point in the wrong order');
      }
    }
  }
  return found;
}

test('the audited merges: nothing doubled, nothing deleted comes back, typed words whole', () => {
  // Theirs replaced "XY" by "YXXX "; ours typed "YY " after "XY": changes that only touch, each in place.
  assert.equal(merge3('XYThis Act', 'XYYY This Act', 'YXXX This Act'), 'YXXX YY This Act');
  // Theirs replaced "YXXX ThisXYYY This " by "REPL_" ("REPL_A" + "ct" spells "REPL_" + the base's "Act"), ours
  // "YYY This Act may be " by "REPL_B": one region, the union deleted, both typed runs whole, theirs first.
  const base = 'YXXX ThisXYYY This Act may be cited as the';
  assert.equal(merge3(base, base.slice(0, 10) + 'REPL_B' + base.slice(30), 'REPL_A' + base.slice(20)), 'REPL_REPL_Bcited as the');
  // Theirs retyped "shall" as "must" (the shared "s" is chance), ours "Clerk shall" as "Speaker": both whole.
  assert.equal(merge3('The Clerk shall open the consultation', 'The Speaker open the consultation',
    'The Clerk must open the consultation'), 'The mustSpeaker open the consultation');
});

test('merges keep what both kept, unite deletions and keep typed runs whole (scripted, 6,000 cases)', () => {
  const rng = seeded(20261207);
  for (let n = 0; n < 6000; n += 1) {
    const [base, ours, theirs] = scriptedMerge(rng);
    const [ourText, theirText] = [apply(base, ours), apply(base, theirs)];
    const merged = merge3(base, ourText, theirText);
    assert.deepEqual(violations(base, ours, theirs, merged), [], JSON.stringify([base, ourText, theirText, merged]));
    // (5) An unchanged side gives the other text; the same text on both deletes what it deletes once and holds
    // what it types at least once (what both typed at one point was typed twice).
    assert.equal(merge3(base, ourText, base), ourText);
    assert.equal(merge3(base, base, theirText), theirText);
    const both = merge3(base, theirText, theirText);
    const deleted = new Set(theirs.flatMap(([start, end]) => Array.from({ length: end - start }, (_, k) => start + k)));
    assert.equal([...both].filter((c) => base.includes(c)).join(''), [...base].filter((_, i) => !deleted.has(i)).join(''));
    for (const c of new Set(theirText)) assert.ok(both.split(c).length >= theirText.split(c).length, JSON.stringify([base, theirText, both]));
  }
});

test('the same correction made by both is made once; typing in one word merges letter by letter', () => {
  assert.equal(merge3('teh cat sat', 'the cat sat', 'the cat sat down'), 'the cat sat down');
  assert.equal(merge3('the cat sat', 'the cat', 'the cat'), 'the cat');
  assert.equal(merge3('the regultion of', 'the regulation of', 'the Regultion of'), 'the Regulation of');
});

test('the same words typed by both at one point are kept twice', () => {
  assert.equal(merge3('The Act.', 'The Act. the', 'The Act. the'), 'The Act. the the');
  assert.equal(merge3('the cat sat', 'the fat cat sat down', 'the fat cat sat'), 'the fat fat cat sat down');
});

test('two runs typed anywhere in a sentence are both kept whole and once (4,000 cases)', () => {
  const sentences = ['This Act may be cited as the Consultation Act', 'The Clerk shall open the consultation within 14 days',
    'XYThis Act', 'section 3 or section 13 of the Act', 'the Minister may by notice in the Gazette', '11 11 11 11 and 3 and 13'];
  const pieces = ['X', 'Y', ' ', 'XX', 'YY ', 'the ', 'Act', 'This', 's', 'e ', '13', '(a)', '1', 'and '];
  // Every [point, run] such that typing run at point of base makes text.
  const readings = (base, text) => {
    const n = text.length - base.length;
    return [...Array(base.length + 1).keys()]
      .filter((p) => text.slice(0, p) === base.slice(0, p) && text.slice(p + n) === base.slice(p))
      .map((p) => [p, text.slice(p, p + n)]);
  };
  const rng = seeded(55);
  for (let n = 0; n < 4000; n += 1) {
    const base = rng.pick(sentences);
    const [ours, theirs] = [0, 1].map(() => {
      const at = rng.int(base.length + 1);
      const run = Array.from({ length: 1 + rng.int(3) }, () => rng.pick(pieces)).join('');
      return base.slice(0, at) + run + base.slice(at);
    });
    const merged = merge3(base, ours, theirs);
    const made = new Set();
    for (const [p, mine] of readings(base, ours)) {
      for (const [q, other] of readings(base, theirs)) {
        if (p === q) {
          made.add(base.slice(0, p) + other + mine + base.slice(p));
          made.add(base.slice(0, p) + mine + other + base.slice(p));
        } else {
          const [[a, x], [b, y]] = [[p, mine], [q, other]].sort((u, v) => u[0] - v[0]);
          made.add(base.slice(0, a) + x + base.slice(a, b) + y + base.slice(b));
        }
      }
    }
    assert.ok(made.has(merged), JSON.stringify([base, ours, theirs, merged]));
  }
});

test('a long provision with two small edits merges in milliseconds', () => {
  const rng = seeded(1);
  const words = ['the', 'Minister', 'shall', 'may', 'section', '3(2)(a)', 'by', 'notice', 'in', 'Gazette', 'of', 'any'];
  const base = Array.from({ length: 16000 }, () => rng.pick(words)).join(' ').slice(0, 100000);
  const middle = base.indexOf(' ', 50000) + 1;
  const started = performance.now();
  const merged = merge3(base, base.slice(0, middle) + 'quickly ' + base.slice(middle), base.slice(0, 1000) + base.slice(1010));
  const elapsed = performance.now() - started;
  assert.equal(merged, base.slice(0, 1000) + base.slice(1010, middle) + 'quickly ' + base.slice(middle));
  assert.ok(elapsed < 250, `${elapsed.toFixed(0)} ms`); // about 1 ms; the whole-text word diff took 55 ms
});
