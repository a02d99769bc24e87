// Structure edits regenerate eIds; the sync module keys provisions by eId. These hooks re-key what a
// BillSync holds without touching its algorithm (see docs/protocol.md, `structure`).

/** Moves each provision held under an old eId to its new one (`renames` maps old → new). */
export function applyRenames(sync, renames = {}) {
  const entries = Object.entries(renames ?? {}).filter(([from, to]) => from !== to);
  if (!entries.length) return;
  const moving = entries.map(([from, to]) => [to, sync.provisions.get(from)]).filter(([, provision]) => provision);
  for (const [from] of entries) sync.provisions.delete(from);
  for (const [to, provision] of moving) {
    provision.eid = to;
    sync.provisions.set(to, provision);
  }
}

/** Forgets provisions the server no longer has (`present`: the eIds of the latest snapshot). */
export function forgetMissing(sync, present) {
  const keep = new Set(present);
  for (const eid of [...sync.provisions.keys()]) {
    if (!keep.has(eid) && sync.provisions.get(eid).settled) sync.provisions.delete(eid);
  }
}
