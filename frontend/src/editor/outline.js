// The bill's outline as the editor receives it (the page's `editor-outline`, or `provisions` of
// GET /api/bills/<id>): nested `{eid, wid, name, num, heading, label, children}`, where `num` and `heading` are
// markup (what a retitle edits) and `label` their words. Pure functions, no DOM.

/** The provision's wId, which no structure edit changes (its eId when it has none). */
export const widOf = (node) => node.wid ?? node.eid;

/** Every node in document order, with its depth and whether it has sub-provisions. */
export function flatten(nodes, depth = 0, out = []) {
  for (const node of nodes) {
    out.push({ ...node, depth, hasChildren: node.children.length > 0 });
    flatten(node.children, depth + 1, out);
  }
  return out;
}

/**
 * What drafters call the provision: "3A. Register", in words (a heading's abbreviation markup and side notes are not
 * shown); its eId when it has neither number nor heading.
 */
export function labelOf(node) {
  return (node.label ?? [node.num, node.heading].filter(Boolean).join(' ')) || node.eid;
}

/**
 * How messages, questions and screen readers name a provision, out of its place in the page: its label when it
 * has a heading ("21. Transitional provision"), else its citation ("Section 13(2)"), where the label, "(2)",
 * would not say which one.
 */
export function nameOf(node) {
  if (node.heading || !node.citation) return labelOf(node);
  return node.citation[0].toUpperCase() + node.citation.slice(1);
}

/** The list holding the node `eid` among its siblings, or null. */
export function siblingsOf(nodes, eid) {
  for (const node of nodes) if (node.eid === eid) return nodes;
  for (const node of nodes) {
    const found = siblingsOf(node.children, eid);
    if (found) return found;
  }
  return null;
}

function find(nodes, matches) {
  for (const node of nodes) {
    if (matches(node)) return node;
    const found = find(node.children, matches);
    if (found) return found;
  }
  return null;
}

/** The node whose eId is `eid`, or null. */
export const findByEid = (nodes, eid) => find(nodes, (node) => node.eid === eid);

/** The node whose wId is `wid`, or null. */
export const findByWid = (nodes, wid) => find(nodes, (node) => widOf(node) === wid);
