"""Where each amendment is taken in the marshalled list: its provision's place in the bill as it now stands.

Amendments amend the version that was the latest when they were proposed, and the bill changes between versions
(provisions inserted, moved, renumbered, left out): the place an amendment recorded in its own version says
nothing of where it falls among amendments made to another. The marshalled list follows the bill's current (latest
published) version instead, where each amendment finds its provision by ``wId``, as it does at adoption:

- an amendment to a provision's words, or leaving it out, is taken where the provision stands;
- one inserting a new provision after X is taken where the new provision will stand: after the amendments to X
  and to everything X holds (after section 5's subsections, for a new section 5A), and where several such places
  meet, the deeper one's first (a new subsection 5(4) before a new section 5A);
- one whose provision the current version no longer has is taken where that provision was: right after the last
  provision before it, in the version it was made on, that the current version still has (after that one's own
  amendments, and after the insertions after provisions as deep as the lost one or deeper, before those after
  provisions that held it), or at the top of the bill when there is none. Such an amendment cannot be adopted as
  worded (``amendment_outdated``), but it stays on the list, where its proposer and the House look for it, until
  it is withdrawn or ruled out.

:func:`amendments.marshal` then keeps conflicting amendments together and orders amendments to one provision by
their first word.

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from akn import AknDocument
from server.domain.amendments import AmendmentAction, Placed

__all__ = ["BillOrder", "bill_order", "placed"]


@dataclass(frozen=True)
class BillOrder:
    """The provisions of one version of a bill in document order (as ``AknDocument.eids`` lists them), by wId.

    ``index[wid]`` is the provision's place; ``end[wid]`` the place of the last provision it holds (its own when it
    holds none); ``depth[wid]`` how many provisions hold it.
    """

    wids: tuple[str, ...]
    index: Mapping[str, int]
    end: Mapping[str, int]
    depth: Mapping[str, int]

    def survivor_before(self, ordinal: int, current: BillOrder) -> int:
        """The place in ``current`` of the last provision before place ``ordinal`` of this version that
        ``current`` still has; -1 when none has survived."""
        for k in range(min(ordinal, len(self.wids)) - 1, -1, -1):
            found = current.index.get(self.wids[k])
            if found is not None:
                return found
        return -1


def bill_order(document: AknDocument) -> BillOrder:
    """Where every provision of ``document`` stands (one pass over its tree)."""
    elements = [element for element in document.tree_nodes() if element.get("eId")]
    wids = tuple(element.get("wId") or str(element.get("eId")) for element in elements)
    place: dict[etree._Element, int] = {}
    holder: list[int] = []
    depth: list[int] = []
    for k, element in enumerate(elements):
        parent = element.getparent()
        while parent is not None and parent not in place:
            parent = parent.getparent()
        above = -1 if parent is None else place[parent]
        holder.append(above)
        depth.append(0 if above < 0 else depth[above] + 1)
        place[element] = k
    end = list(range(len(elements)))
    for k in range(len(elements) - 1, -1, -1):
        if holder[k] >= 0:
            end[holder[k]] = max(end[holder[k]], end[k])
    index: dict[str, int] = {}
    for k, wid in enumerate(wids):
        index.setdefault(wid, k)
    return BillOrder(wids, index, {w: end[k] for w, k in index.items()}, {w: depth[k] for w, k in index.items()})


def placed(
    current: BillOrder, *, amendment_id: int, wid: str, action: AmendmentAction, first_word: int = 0,
    number: int | None = None, made_on: BillOrder | None = None, ordinal: int = 0,
) -> Placed:
    """Where the amendment ``amendment_id`` to provision ``wid`` is taken in ``current``.

    ``made_on`` is the version the amendment was made on and ``ordinal`` its provision's place there: needed only
    when ``current`` has no provision ``wid`` any more (see the module's docstring).
    """
    at = current.index.get(wid)
    if at is None:
        anchor = made_on.survivor_before(ordinal, current) if made_on is not None else -1
        depth = made_on.depth.get(wid, 0) if made_on is not None else 0
        return Placed(amendment_id, anchor, action, first_word, number, gone_from=ordinal, depth=depth)
    if action is AmendmentAction.INSERT_AFTER:
        return Placed(amendment_id, current.end[wid], action, first_word, number, depth=current.depth[wid])
    return Placed(amendment_id, at, action, first_word, number)
