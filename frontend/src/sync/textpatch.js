// Provision text patches on the wire: diff-match-patch patch_toText output whose offsets count UTF-16
// code units and whose hunks hold whole characters only (docs/sync.md, "Wire rule"). The server side is
// server/domain/textpatch.py; both must agree byte for byte on what they accept. The surrogate and diff
// helpers are exported because the three-way merge (merge3.js) reads edits the same way; it imports them,
// never the reverse.
import {
  DIFF_DELETE,
  DIFF_EQUAL,
  DIFF_INSERT,
  diffCleanupSemanticLossless,
  diffMain,
  diffXIndex,
  patchFromText,
  patchMake,
  patchToText,
} from 'diff-match-patch-es';

/** An edit the current text cannot take; `code` is the protocol error code. */
export class PatchConflict extends Error {
  constructor(message) {
    super(message);
    this.name = 'PatchConflict';
    this.code = 'edit_conflict';
  }
}

/** Patch text that is not patch_toText output or breaks the wire rule. */
export class MalformedPatch extends Error {
  constructor(message) {
    super(message);
    this.name = 'MalformedPatch';
    this.code = 'malformed_patch';
  }
}

export const isHigh = (unit) => unit >= '\uD800' && unit <= '\uDBFF';
export const isLow = (unit) => unit >= '\uDC00' && unit <= '\uDFFF';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `text` has no lone surrogate (encodeURI would throw on it). */
export function isWellFormed(text) {
  return !LONE_SURROGATE.test(text);
}

// Adds `unit` to both the delete and the insert of the edit run around `index`; returns how many
// entries it had to create (a run may lack one of them).
function widenRun(diffs, index, unit, atEnd) {
  let start = index;
  let end = index;
  while (start > 0 && diffs[start - 1][0] !== DIFF_EQUAL) start -= 1;
  while (end + 1 < diffs.length && diffs[end + 1][0] !== DIFF_EQUAL) end += 1;
  const run = new Map(diffs.slice(start, end + 1).map((diff) => [diff[0], diff]));
  let added = 0;
  for (const op of [DIFF_DELETE, DIFF_INSERT]) {
    if (!run.has(op)) {
      run.set(op, [op, '']);
      diffs.splice(op === DIFF_DELETE ? start + added : end + 1 + added, 0, run.get(op));
      added += 1;
    }
  }
  for (const op of [DIFF_DELETE, DIFF_INSERT]) {
    const diff = run.get(op);
    diff[1] = atEnd ? diff[1] + unit : unit + diff[1];
  }
  return added;
}

// Diffing code units may keep the shared high surrogate of 😀→😁 as an equality, and encodeURI throws
// on the lone halves; trim every equality to whole characters and give the halves to the edit beside it.
export function alignDiffs(diffs) {
  for (let i = 0; i < diffs.length; i += 1) {
    let text = diffs[i][1];
    if (diffs[i][0] === DIFF_EQUAL && text && i > 0 && isLow(text[0])) {
      diffs[i][1] = text.slice(1);
      i += widenRun(diffs, i - 1, text[0], true);
    }
    text = diffs[i][1];
    if (diffs[i][0] === DIFF_EQUAL && text && i + 1 < diffs.length && isHigh(text[text.length - 1])) {
      diffs[i][1] = text.slice(0, -1);
      widenRun(diffs, i + 1, text[text.length - 1], false);
    }
  }
  return diffs.filter((diff) => diff[1] !== '');
}

// Context is cut at a fixed number of code units; drop a half character at either end of it.
function trimContext(patches) {
  for (const patch of patches) {
    const first = patch.diffs[0];
    if (first[0] === DIFF_EQUAL && first[1] && isLow(first[1][0])) {
      first[1] = first[1].slice(1);
      patch.start1 += 1;
      patch.start2 += 1;
      patch.length1 -= 1;
      patch.length2 -= 1;
    }
    const last = patch.diffs[patch.diffs.length - 1];
    if (last[0] === DIFF_EQUAL && last[1] && isHigh(last[1][last[1].length - 1])) {
      last[1] = last[1].slice(0, -1);
      patch.length1 -= 1;
      patch.length2 -= 1;
    }
    patch.diffs = patch.diffs.filter((diff) => diff[1] !== '');
  }
}

// The smallest edits, each slid to the nearest word boundary. Never diffCleanupSemantic: it turns
// "insert here, insert there" into "replace the passage between", and replacing a passage wipes out
// whatever another drafter typed into it meanwhile.
export function minimalDiff(oldText, newText) {
  const diffs = diffMain(oldText, newText, undefined, false);
  diffCleanupSemanticLossless(diffs);
  return diffs;
}

/** The patch (wire form) that turns `oldText` into `newText`; '' when they are equal. */
export function makePatch(oldText, newText) {
  if (!isWellFormed(oldText) || !isWellFormed(newText)) {
    throw new MalformedPatch('The text contains a lone surrogate; expected well-formed Unicode.');
  }
  if (oldText === newText) return '';
  const patches = patchMake(oldText, alignDiffs(minimalDiff(oldText, newText)));
  trimContext(patches);
  return patchToText(patches);
}

function parse(patchText) {
  let patches;
  try {
    patches = patchFromText(patchText);
  } catch (error) {
    throw new MalformedPatch(`Expected diff-match-patch patch text: ${error.message}`);
  }
  for (const patch of patches) {
    const before = patch.diffs.filter((d) => d[0] !== DIFF_INSERT).map((d) => d[1]).join('');
    const after = patch.diffs.filter((d) => d[0] !== DIFF_DELETE).map((d) => d[1]).join('');
    if (before.length !== patch.length1 || after.length !== patch.length2) {
      throw new MalformedPatch(
        `A hunk header counts ${patch.length1},${patch.length2} code units; its lines hold ` +
          `${before.length},${after.length}.`,
      );
    }
    patch.before = before;
    patch.after = after;
  }
  return patches;
}

/** Applies a patch made against exactly `text`; every hunk's context must be where it says. */
export function applyExact(text, patchText) {
  let result = text;
  parse(patchText).forEach((patch, index) => {
    const found = result.slice(patch.start2, patch.start2 + patch.length1);
    if (found !== patch.before) {
      throw new PatchConflict(
        `Hunk ${index + 1} expected ${JSON.stringify(patch.before.slice(0, 60))} at offset ` +
          `${patch.start2}, found ${JSON.stringify(found.slice(0, 60))}.`,
      );
    }
    result = result.slice(0, patch.start2) + patch.after + result.slice(patch.start2 + patch.length1);
  });
  if (!isWellFormed(result)) throw new PatchConflict('The edit would split a character in two.');
  return result;
}

/** Where `position` (a UTF-16 offset) in `oldText` lands in `newText`, never inside a character. */
export function mapPosition(oldText, newText, position) {
  if (oldText === newText) return position;
  let mapped = diffXIndex(minimalDiff(oldText, newText), position);
  if (mapped > 0 && mapped < newText.length && isLow(newText[mapped]) && isHigh(newText[mapped - 1])) {
    mapped += 1;
  }
  return mapped;
}
