// What a provision's comment list becomes before it is drawn: threads of replies, with the notices of hidden
// comments and the places of withdrawn ones where those stood (and the reader's own comments waiting for a clerk),
// and each campaign once. Pure functions: no DOM, no requests.

/** How the panel shows a time of the API (ISO 8601 UTC): "2026-11-02 09:30". */
export const shown = (iso) => iso.slice(0, 16).replace('T', ' ');

/**
 * The threads of a provision: its comments, the notices of its hidden comments (`{id, reply_to, reason}`), the
 * reader's own held ones (`held` of the list) and the places of withdrawn comments that have replies (`withdrawn`
 * of the list: `{id, reply_to}`), each where its comment stood, in the order of posting. `roots` are what the list
 * shows at the top level (a reply whose comment is not shown at all comes there); `byParent` maps an id to the
 * replies under it. Notices carry `notice: true`, held comments `waiting: true`, withdrawn places `withdrawn: true`.
 */
export function threads(comments, hidden = [], held = [], withdrawn = []) {
  const items = [
    ...comments,
    ...hidden.map((notice) => ({ ...notice, notice: true })),
    ...held.map((comment) => ({ ...comment, waiting: true })),
    ...withdrawn.map((place) => ({ ...place, withdrawn: true })),
  ].sort((a, b) => a.id - b.id);
  const known = new Set(items.map((item) => item.id));
  const roots = [];
  const byParent = new Map();
  for (const item of items) {
    const parent = item.reply_to ?? null;
    if (parent === null || !known.has(parent)) {
      roots.push(item);
      continue;
    }
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(item);
  }
  return { roots, byParent };
}

/** Whether `comment` is the entry of a campaign that stands for others here (the list is `campaigns=grouped`). */
export const standsForOthers = (comment) => comment.cluster?.grouped > 1;

/**
 * `comments` with each campaign's entry once: a campaign that changed between two pages of the list may come
 * twice (docs/api-consultation.md), and once is enough.
 */
export function onceEachCampaign(comments) {
  const seen = new Set();
  return comments.filter((comment) => {
    if (!standsForOthers(comment)) return true;
    if (seen.has(comment.cluster.id)) return false;
    seen.add(comment.cluster.id);
    return true;
  });
}
