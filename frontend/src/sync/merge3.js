// Three-way merge of a provision's text that two sides edited from the same base: merge3 never fails and
// never drops an insertion, so what a drafter types and what a colleague changed meanwhile always join
// (docs/sync.md, "The client's algorithm"). The server side is server/domain/merge3.py; both take the same
// steps in the same order, since the browser and the server must make the same text of the same edits.
import {
  DIFF_DELETE,
  DIFF_EQUAL,
  DIFF_INSERT,
  diffCleanupSemanticLossless,
  diffCommonPrefix,
  diffCommonSuffix,
  diffMain,
} from 'diff-match-patch-es';
import { alignDiffs, isHigh, isLow, isWellFormed, minimalDiff } from './textpatch.js';

const TOKEN = /\S+|\s+/gu;
const WORD = /^[\p{L}\p{N}_]$/u;
// Distinct words a token diff can name with one UTF-16 unit each (surrogates skipped).
const MAX_TOKENS = 0xffff - 0x100 - 0x800;

// Whether the character ending at `end` (starting at `start`) of `text` is a word character; astral
// characters are read whole, as Python reads them.
const wordBefore = (text, end) => end > 0 && WORD.test(String.fromCodePoint(text.codePointAt(
  end > 1 && isLow(text[end - 1]) && isHigh(text[end - 2]) ? end - 2 : end - 1)));
const wordAfter = (text, start) => start < text.length && WORD.test(String.fromCodePoint(text.codePointAt(start)));

// Larger replacements (characters deleted times characters typed, past their common ends) are not diffed
// by character: two unrelated passages share only letters by chance, and the diff would cost seconds.
const REFINE_LIMIT = 40000;

// Whether the equality at `index` is a letter shared by chance: no longer than the changes on either side of
// it, and those changes both delete and type ("shall" -> "must" shares only its "s"). Between insertions
// only, or deletions only, it is text the side kept.
function byChance(diffs, index) {
  const around = (step) => {
    const count = { [DIFF_INSERT]: 0, [DIFF_DELETE]: 0 };
    for (let i = index + step; i >= 0 && i < diffs.length && diffs[i][0] !== DIFF_EQUAL; i += step) {
      count[diffs[i][0]] += diffs[i][1].length;
    }
    return count;
  };
  const [before, after] = [around(-1), around(1)];
  const { length } = diffs[index][1];
  return index > 0 && index < diffs.length - 1 && length <= Math.max(before[DIFF_INSERT], before[DIFF_DELETE]) &&
    length <= Math.max(after[DIFF_INSERT], after[DIFF_DELETE]) && before[DIFF_INSERT] + after[DIFF_INSERT] > 0 &&
    before[DIFF_DELETE] + after[DIFF_DELETE] > 0;
}

// The text between two aligned words by character: what both passages share is kept, except letters shared
// by chance (byChance), which are read as deleted and typed again, one at a time until none is left. A merge
// unites deletions and keeps insertions: reading kept text as retyped lets it come back or be doubled; reading
// a chance letter as kept cuts the word typed around it when the other side deletes that letter.
function refine(deleted, inserted) {
  const head = diffCommonPrefix(deleted, inserted);
  const tail = diffCommonSuffix(deleted.slice(head), inserted.slice(head));
  if ((deleted.length - head - tail) * (inserted.length - head - tail) > REFINE_LIMIT) {
    return [[DIFF_EQUAL, deleted.slice(0, head)], [DIFF_DELETE, deleted.slice(head, deleted.length - tail)],
      [DIFF_INSERT, inserted.slice(head, inserted.length - tail)], [DIFF_EQUAL, deleted.slice(deleted.length - tail)]];
  }
  let diffs = diffMain(deleted, inserted, undefined, false);
  for (;;) {
    const index = diffs.findIndex((diff, i) => diff[0] === DIFF_EQUAL && byChance(diffs, i));
    if (index < 0) break;
    diffs.splice(index, 1, [DIFF_DELETE, diffs[index][1]], [DIFF_INSERT, diffs[index][1]]);
    diffs = grouped(diffs);
  }
  diffCleanupSemanticLossless(diffs);
  return diffs;
}

// Each run of edits between two equalities as one deletion and one insertion.
function grouped(diffs) {
  const out = [];
  for (let i = 0; i < diffs.length;) {
    if (diffs[i][0] === DIFF_EQUAL) {
      out.push(diffs[i]);
      i += 1;
      continue;
    }
    const run = { [DIFF_DELETE]: '', [DIFF_INSERT]: '' };
    for (; i < diffs.length && diffs[i][0] !== DIFF_EQUAL; i += 1) run[diffs[i][0]] += diffs[i][1];
    for (const op of [DIFF_DELETE, DIFF_INSERT]) if (run[op]) out.push([op, run[op]]);
  }
  return out;
}

// Where two texts stop being worth tokenizing: the start of the first word after the last space both share at
// their start, and the length of what both share at their end from a space after a word on (0: none). A long
// provision is tokenized only around the edits.
function commonEnds(oldText, newText) {
  const space = (unit) => /\s/.test(unit);
  let head = diffCommonPrefix(oldText, newText) - 1;
  while (head > 0 && !(space(oldText[head - 1]) && !space(oldText[head]))) head -= 1;
  head = Math.max(head, 0);
  let tail = diffCommonSuffix(oldText.slice(head), newText.slice(head)) - 1;
  const at = (n) => oldText.length - n;
  while (tail > 0 && !(!space(oldText[at(tail) - 1]) && space(oldText[at(tail)]))) tail -= 1;
  return [head, Math.max(tail, 0)];
}

// The diff a merge reads each side's edits from: edits on word boundaries, refined to characters inside
// replacements. Character diffs of look-alike text ("section 134 or section 13") can cut a deleted word in two
// or name the neighbouring copy; merged with another drafter's edit beside it, the pieces fuse words. So words
// are aligned first (wordDiff), and characters are diffed only between aligned words (refine), where drafters
// typing in the same word still merge letter by letter. Mirrors _token_diff in server/domain/merge3.py.
function tokenDiff(oldText, newText) {
  const prefix = diffCommonPrefix(oldText, newText);
  const suffix = diffCommonSuffix(oldText.slice(prefix), newText.slice(prefix));
  if (prefix + suffix === oldText.length || prefix + suffix === newText.length) {
    // One run typed or deleted: read as such, whole, though it holds words like those around it.
    const typed = prefix + suffix === oldText.length;
    const run = typed ? newText : oldText;
    const diffs = [[DIFF_EQUAL, oldText.slice(0, prefix)], [typed ? DIFF_INSERT : DIFF_DELETE, run.slice(prefix, run.length - suffix)],
      [DIFF_EQUAL, oldText.slice(oldText.length - suffix)]].filter((diff) => diff[1] !== '');
    diffCleanupSemanticLossless(diffs);
    return diffs;
  }
  const [head, tail] = commonEnds(oldText, newText);
  const out = [[DIFF_EQUAL, oldText.slice(0, head)]];
  for (const diff of wordDiff(oldText.slice(head, oldText.length - tail), newText.slice(head, newText.length - tail))) {
    if (diff[0] === out[out.length - 1][0]) out[out.length - 1] = [diff[0], out[out.length - 1][1] + diff[1]];
    else out.push(diff);
  }
  if (out[out.length - 1][0] === DIFF_EQUAL) out[out.length - 1][1] += oldText.slice(oldText.length - tail);
  else out.push([DIFF_EQUAL, oldText.slice(oldText.length - tail)]);
  const diffs = out.filter((diff) => diff[1] !== '');
  // A word diff places an insertion among repeated words arbitrarily ("] [x" for "[x] "); slide each edit
  // to the boundary the character diff would choose, so both sides of a merge place alike edits alike.
  diffCleanupSemanticLossless(diffs);
  return diffs;
}

// Tokens (words and runs of spaces) aligned, each gap between aligned words refined. Words are aligned first
// and the spaces between them after: were spaces tokens of the same weight, a word moved by one place
// ("[c] [a]" -> "[x] [c]") would tie with two one-word replacements, and a merge of those with the other
// side's move of the same word keeps it twice.
function wordDiff(oldText, newText) {
  const oldTokens = oldText.match(TOKEN) || [];
  const newTokens = newText.match(TOKEN) || [];
  // One UTF-16 unit per distinct token (surrogates skipped), so the diff engine compares tokens.
  const tokens = [...new Set([...oldTokens, ...newTokens])];
  if (tokens.length > MAX_TOKENS) return minimalDiff(oldText, newText);
  const codes = new Map(tokens.map((token, i) => [token, String.fromCharCode(i + 0x100 < 0xd800 ? i + 0x100 : i + 0x900)]));
  const oldCodes = oldTokens.map((token) => codes.get(token));
  const newCodes = newTokens.map((token) => codes.get(token));
  const decode = (coded) => {
    let out = '';
    for (const unit of coded) {
      const point = unit.charCodeAt(0);
      out += tokens[(point < 0xd800 ? point : point - 0x800) - 0x100];
    }
    return out;
  };
  // Each run of one operation as its pieces, joined once at the end: a long provision is thousands of pieces.
  const runs = [];
  const push = (op, text) => {
    if (!text) return;
    const last = runs[runs.length - 1];
    if (last && last[0] === op) last[1].push(text);
    else runs.push([op, [text]]);
  };
  // The tokens between two aligned words: their own diff, one word replacing another diffed by character.
  const gap = (oldCoded, newCoded) => {
    if (oldCoded === newCoded) push(DIFF_EQUAL, decode(oldCoded));
    else for (const [op, text] of refine(decode(oldCoded), decode(newCoded))) push(op, text);
  };
  // Words and spaces alternate: a text's words are its even tokens, or its odd ones when it starts with a space.
  const oldStart = /^\s/.test(oldText) ? 1 : 0;
  const newStart = /^\s/.test(newText) ? 1 : 0;
  const everyOther = (coded, from) => coded.filter((_, i) => i % 2 === from).join('');
  const oldWord = (k) => oldStart + 2 * k;
  const newWord = (k) => newStart + 2 * k;
  const sameCodes = (a, b, count) => {
    for (let i = 0; i < count; i += 1) if (oldCodes[a + i] !== newCodes[b + i]) return false;
    return true;
  };
  let oldAt = 0;
  let newAt = 0;
  let oldFrom = 0;
  let newFrom = 0;
  for (const [op, data] of diffMain(everyOther(oldCodes, oldStart), everyOther(newCodes, newStart), undefined, false)) {
    if (op === DIFF_EQUAL) {
      // A run of aligned words: the tokens before it are a gap; the run itself is one equality unless a
      // space inside it changed, when each space between its words is a gap of its own.
      const [oldFirst, newFirst] = [oldWord(oldAt), newWord(newAt)];
      const [oldLast, newLast] = [oldWord(oldAt + data.length - 1), newWord(newAt + data.length - 1)];
      gap(oldCodes.slice(oldFrom, oldFirst).join(''), newCodes.slice(newFrom, newFirst).join(''));
      if (sameCodes(oldFirst, newFirst, oldLast - oldFirst + 1)) {
        push(DIFF_EQUAL, oldTokens.slice(oldFirst, oldLast + 1).join(''));
      } else {
        for (let k = 0; k < data.length; k += 1) {
          const [oldIndex, newIndex] = [oldWord(oldAt + k), newWord(newAt + k)];
          if (k) gap(oldCodes.slice(oldFrom, oldIndex).join(''), newCodes.slice(newFrom, newIndex).join(''));
          push(DIFF_EQUAL, oldTokens[oldIndex]);
          oldFrom = oldIndex + 1;
          newFrom = newIndex + 1;
        }
      }
      oldFrom = oldLast + 1;
      newFrom = newLast + 1;
    }
    if (op !== DIFF_INSERT) oldAt += data.length;
    if (op !== DIFF_DELETE) newAt += data.length;
  }
  gap(oldCodes.slice(oldFrom).join(''), newCodes.slice(newFrom).join(''));
  return runs.map(([op, pieces]) => [op, pieces.join('')]);
}

// The edits turning `base` into `other`, as replaced ranges of `base`.
function edits(base, other) {
  const diffs = alignDiffs(tokenDiff(base, other));
  const out = [];
  let position = 0;
  for (const [op, data] of diffs) {
    if (!data) continue;
    if (op === DIFF_EQUAL) {
      position += data.length;
      continue;
    }
    const end = op === DIFF_DELETE ? position + data.length : position;
    const inserted = op === DIFF_INSERT ? data : '';
    const last = out[out.length - 1];
    if (last && last.end === position) {
      out[out.length - 1] = { start: last.start, end, insert: last.insert + inserted };
    } else {
      out.push({ start: position, end, insert: inserted });
    }
    position = end;
  }
  return out;
}

const splitsPair = (text, at) => at > 0 && at < text.length && isHigh(text[at - 1]) && isLow(text[at]);

// Every placement of a pure insertion or deletion that leaves the same text, the diff's own first:
// deleting one "11 " of "11 11 11" reads the same wherever the run is cut.
function placements(base, edit) {
  const found = [edit];
  if (edit.insert && edit.start === edit.end) {
    for (const step of [1, -1]) {
      let { start, insert } = edit;
      for (;;) {
        const unit = step > 0 ? base[start] : base[start - 1];
        if (unit === undefined || unit !== (step > 0 ? insert[0] : insert[insert.length - 1])) break;
        insert = step > 0 ? insert.slice(1) + unit : unit + insert.slice(0, -1);
        start += step;
        if (!splitsPair(base, start) && isWellFormed(insert)) found.push({ start, end: start, insert });
      }
    }
  } else if (!edit.insert) {
    for (const step of [1, -1]) {
      let { start, end } = edit;
      while (step > 0 ? end < base.length && base[end] === base[start] : start > 0 && base[start - 1] === base[end - 1]) {
        start += step;
        end += step;
        if (!splitsPair(base, start) && !splitsPair(base, end)) found.push({ start, end, insert: '' });
      }
    }
  }
  return found;
}

// Whether an insertion falls inside a deleted passage, or is glued to a word at its edge.
function wedged(base, insertion, deletion) {
  const at = insertion.start;
  if (deletion.start < at && at < deletion.end) return true;
  if (at === deletion.start) return wordBefore(insertion.insert, insertion.insert.length) && wordAfter(base, at);
  if (at === deletion.end) return wordAfter(insertion.insert, 0) && wordBefore(base, at);
  return false;
}

function clashes(base, edit, others) {
  return others.some((other) => {
    if (edit.start === edit.end) return other.start < other.end && wedged(base, edit, other);
    if (other.start === other.end) return wedged(base, other, edit);
    return Math.max(edit.start, other.start) < Math.min(edit.end, other.end);
  });
}

// Whether the edit splits a word of `base` or glues an inserted word to one.
function cutsWords(base, edit) {
  const left = wordBefore(base, edit.start);
  const right = wordAfter(base, edit.end);
  if (edit.insert) {
    return (left && wordAfter(edit.insert, 0)) || (wordBefore(edit.insert, edit.insert.length) && right);
  }
  return (left && wordAfter(base, edit.start)) || (wordBefore(base, edit.end) && right);
}

// Moves an edit that clashes with the other side's to an equivalent placement that does not: those that
// keep words whole first, then the nearest; with none free, the diff's own placement stays.
function place(base, edit, others) {
  if (!clashes(base, edit, others)) return edit;
  const free = placements(base, edit).filter((option) => !clashes(base, option, others));
  if (!free.length) return edit;
  const score = (option) => (cutsWords(base, option) ? 1e9 : 0) + Math.abs(option.start - edit.start);
  return free.reduce((best, option) => (score(option) < score(best) ? option : best));
}

// Both sides' insertions at one point: theirs first, unless that glues the two into one token (a run without
// spaces: a word, "3(2)(a)", "[a]") and ours first does not.
function joinInsertions(theirs, ours) {
  const glues = (first, second) => /\S$/.test(first) && /^\S/.test(second);
  return theirs && ours && glues(theirs, ours) && !glues(ours, theirs) ? ours + theirs : theirs + ours;
}

// Places a pure insertion as words are typed: starting a word, its space after it ("x " not " x"), so
// two sides that inserted at one spot meet at the same point and nothing reads as glued to the word before.
function settle(base, edit) {
  if (edit.start !== edit.end) return edit;
  const typed = (option) => !cutsWords(base, option) && !/^\s/.test(option.insert);
  if (typed(edit)) return edit;
  const options = placements(base, edit).filter(typed);
  if (!options.length) return edit;
  return options.reduce((best, option) =>
    Math.abs(option.start - edit.start) < Math.abs(best.start - edit.start) ? option : best);
}

// Both sides' edits, each placed clear of the other's where the text allows.
function aligned(base, ours, theirs) {
  let theirEdits = edits(base, theirs).map((edit) => settle(base, edit));
  const ourEdits = edits(base, ours).map((edit) => place(base, settle(base, edit), theirEdits));
  theirEdits = theirEdits.map((edit) => place(base, edit, ourEdits));
  return [ourEdits, theirEdits];
}

// The edits of both sides applied to `base` in its order. Edits that share a character of `base`, or an
// insertion strictly inside the other side's deleted passage, or two insertions at one point, make one
// region: the union of their deletions is deleted and each side's insertions are kept whole, theirs first
// (joinInsertions); where both sides made the very same change that deletes something it is made once (the
// same words typed by both at one point are kept twice). Edits that only touch keep their order in the text:
// an insertion where the other side's replacement begins stands before it, one where it ends after it.
function weave(base, ourEdits, theirEdits) {
  const all = [...theirEdits.map((edit) => ({ ...edit, side: 0 })), ...ourEdits.map((edit) => ({ ...edit, side: 1 }))];
  const deletes = (edit) => (edit.end > edit.start ? 1 : 0);
  all.sort((a, b) => a.start - b.start || deletes(a) - deletes(b) || a.side - b.side);
  const pieces = [];
  let position = 0;
  for (let i = 0; i < all.length;) {
    const region = [all[i]];
    const { start } = all[i];
    let { end } = all[i];
    for (i += 1; i < all.length && (end > start ? all[i].start < end : all[i].start === start && !deletes(all[i])); i += 1) {
      region.push(all[i]);
      end = Math.max(end, all[i].end);
    }
    const side = (which) => region.filter((edit) => edit.side === which);
    const key = (list) => JSON.stringify(list.map((edit) => [edit.start, edit.end, edit.insert]));
    const insert = (list) => list.map((edit) => edit.insert).join('');
    pieces.push(base.slice(position, start));
    // The same correction made by both is made once; the same words typed by both at one point were typed twice.
    const same = key(side(0)) === key(side(1)) && region.some(deletes);
    pieces.push(same ? insert(side(0)) : joinInsertions(insert(side(0)), insert(side(1))));
    position = end;
  }
  pieces.push(base.slice(position));
  return pieces.join('');
}

/**
 * Merges two texts edited from the same `base`; never fails and never drops an insertion. Edits of
 * passages apart apply as made. Where the edits overlap (or insert at the same point) the union of what
 * either deleted is deleted and both insertions are kept whole, `theirs` (already on the server) first.
 * Mirrors merge3 in server/domain/merge3.py.
 */
export function merge3(base, ours, theirs) {
  // The same text made by both sides is not made once: two drafters who typed the same words at one point typed
  // them twice (weave makes once only the same correction).
  if (theirs === base) return ours;
  if (ours === base) return theirs;
  const [ourEdits, theirEdits] = aligned(base, ours, theirs);
  return weave(base, ourEdits, theirEdits);
}
