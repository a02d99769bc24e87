// Track changes for the amendment composer: a word-level diff between the published text and the member's
// text, as [op, text] pieces (op: -1 deleted, 0 kept, 1 inserted), and those pieces as <del>/<ins> nodes.
import { DIFF_DELETE, DIFF_EQUAL, DIFF_INSERT, diffCleanupSemantic, diffMain } from 'diff-match-patch-es';

const TOKEN = /\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

/** Splits a text into words, runs of spaces and single marks: the units a reader sees change. */
export function tokens(text) {
  return text.match(TOKEN) ?? [];
}

/** The word-level difference between `before` and `after`, merged into readable runs. */
export function wordDiff(before, after) {
  // Each distinct token becomes one character, so the character diff works on words.
  const table = new Map();
  const encode = (list) => list.map((token) => {
    if (!table.has(token)) table.set(token, String.fromCharCode(0xe000 + table.size));
    return table.get(token);
  }).join('');
  const oldTokens = tokens(before);
  const newTokens = tokens(after);
  if (table.size + oldTokens.length + newTokens.length > 0x1800) {
    // Beyond the private-use area: fall back to a character diff (still correct, less tidy).
    const diffs = diffMain(before, after);
    diffCleanupSemantic(diffs);
    return merge(diffs.map(([op, text]) => [op, text]));
  }
  const decode = new Map();
  const a = encode(oldTokens);
  const b = encode(newTokens);
  for (const [token, code] of table) decode.set(code, token);
  const diffs = diffMain(a, b, { diffTimeout: 0 });
  return merge(diffs.map(([op, text]) => [op, [...text].map((code) => decode.get(code)).join('')]));
}

function merge(pieces) {
  const out = [];
  for (const [op, text] of pieces) {
    if (!text) continue;
    const last = out[out.length - 1];
    if (last && last[0] === op) last[1] += text;
    else out.push([op, text]);
  }
  return out;
}

/** True when the diff changes anything. */
export function changes(pieces) {
  return pieces.some(([op]) => op !== DIFF_EQUAL);
}

/** The pieces as DOM nodes: text, <ins> and <del> (text is never parsed as HTML). */
export function renderPieces(pieces, doc = document) {
  return pieces.map(([op, text]) => {
    if (op === DIFF_EQUAL) return doc.createTextNode(text);
    const element = doc.createElement(op === DIFF_INSERT ? 'ins' : 'del');
    element.textContent = text;
    return element;
  });
}

export { DIFF_DELETE, DIFF_EQUAL, DIFF_INSERT };
