"""Redline between two expressions of a document.

Provisions are matched by `wId` (which records a provision's identifier before renumbering), then by
`eId`; a provision without either is matched by its position under its matched parent. The result is a
JSON-able report, an AKN document (the new expression with `<ins>`/`<del>` marks) or HTML rendered from it.
"""

from __future__ import annotations

import copy
import difflib
import gc
import itertools
import re
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal, TypedDict

from diff_match_patch import diff_match_patch
from lxml import etree

from akn.naming import eid_number
from akn.numbers import unit_of
from akn.render import (
    BLOCK_FLOWS,
    MARKER_ELEMENTS,
    SECTIONING,
    TEXT_BLOCKS,
    identifier,
    local_name,
    render,
)

__all__ = ["Change", "ChangeKind", "Redline", "redline", "redline_akn", "redline_html", "word_diff"]

ChangeKind = Literal["changed", "added", "removed", "moved", "renumbered"]
DiffOp = Literal["equal", "insert", "delete"]
KINDS: tuple[ChangeKind, ...] = ("changed", "added", "removed", "moved", "renumbered")


class Change(TypedDict):
    """One change to one provision; `eid` is the new eId, or the old one for a removed provision."""

    kind: ChangeKind
    eid: str | None
    wid: str | None
    old_eid: str | None
    new_eid: str | None
    num: str
    heading: str
    diff: list[tuple[DiffOp, str]]


class Redline(TypedDict):
    """All changes in reading order, and how many of each kind (plus `unchanged` provisions)."""

    changes: list[Change]
    summary: dict[str, int]


# Words, runs of spaces and single punctuation marks: the units a reader sees change.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_SPACES = re.compile(r"\s+")
_DMP_OPS: dict[int, DiffOp] = {0: "equal", 1: "insert", -1: "delete"}
_CONTAINERS = frozenset({"preface", "preamble", "conclusions"})
_PROVISION_TAGS = SECTIONING | _CONTAINERS
_SUBTREE_COMPARE_LIMIT = 24
_ID_ATTRIBUTES = ("eId", "wId", "GUID", "id", "{http://www.w3.org/XML/1998/namespace}id")


def word_diff(old: str, new: str) -> list[tuple[DiffOp, str]]:
    """Word-level diff: `[("equal"|"insert"|"delete", text), ...]` that turns `old` into `new`."""
    vocabulary: dict[str, str] = {}
    words: list[str] = []

    def encode(text: str) -> str:
        # One character per word lets diff-match-patch, which works on characters, diff whole words.
        chars = []
        for token in _TOKEN.findall(text):
            char = vocabulary.get(token)
            if char is None:
                code = len(words) + 0x100
                char = vocabulary[token] = chr(code + 0x800 if code >= 0xD800 else code)
                words.append(token)
            chars.append(char)
        return "".join(chars)

    def decode(chars: str) -> str:
        return "".join(words[(code := ord(c)) - (0x900 if code >= 0xE000 else 0x100)] for c in chars)

    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0
    diffs = dmp.diff_main(encode(old), encode(new), False)
    dmp.diff_cleanupSemantic(diffs)
    result: list[tuple[DiffOp, str]] = []
    for op, chars in diffs:
        if not chars:
            continue
        kind, text = _DMP_OPS[op], decode(chars)
        if result and result[-1][0] == kind:
            result[-1] = (kind, result[-1][1] + text)
        else:
            result.append((kind, text))
    return result


@dataclass(eq=False, slots=True)
class _Provision:
    element: etree._Element
    key: str
    eid: str | None
    wid: str | None
    parent: _Provision | None
    order: int
    children: list[_Provision] = field(default_factory=list)


def _namespace(root: etree._Element) -> str:
    return etree.QName(root).namespace or ""


def _tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def _collect(root: etree._Element) -> list[_Provision]:
    """The document's provisions in document order, leaving out quoted and noted ones."""
    ns = _namespace(root)
    tags = [_tag(ns, name) for name in _PROVISION_TAGS]
    # Fences (quotations, notes, metadata) are few: what lies inside them is found once, up front, instead of
    # every provision walking up its ancestors to look for one.
    fenced: set[etree._Element] = set()
    for fence in root.iter(*(_tag(ns, name) for name in (*BLOCK_FLOWS, "meta"))):
        fenced.update(fence.iter(*tags))
    found: dict[etree._Element, _Provision] = {}
    provisions: list[_Provision] = []
    counters: dict[tuple[str, str], int] = {}
    get_found = found.get
    for element in root.iter(*tags):
        if fenced and element in fenced:
            continue
        # The nearest enclosing provision: usually the parent itself.
        parent = None
        ancestor = element.getparent()
        while ancestor is not None:
            parent = get_found(ancestor)
            if parent is not None:
                break
            ancestor = ancestor.getparent()
        eid = element.get("eId") or identifier(element)
        if eid is None:
            name = local_name(element)
            # No identifier: fall back to the position under the parent, stable when nothing moved.
            scope = parent.key if parent else ""
            counters[(scope, name)] = position = counters.get((scope, name), 0) + 1
            key = f"{scope}/{name}[{position}]"
        else:
            key = eid
        provision = _Provision(element, key, eid, element.get("wId"), parent, len(provisions))
        found[element] = provision
        provisions.append(provision)
        if parent is not None:
            parent.children.append(provision)
    return provisions


def _text_slots(block: etree._Element) -> list[tuple[etree._Element, bool]]:
    """Every place text can sit in a block: (element, False) for its text, (element, True) for its tail."""
    slots: list[tuple[etree._Element, bool]] = [(block, False)]

    def walk(element: etree._Element) -> None:
        for child in element:
            name = local_name(child)
            if name and name not in BLOCK_FLOWS and name not in MARKER_ELEMENTS:
                slots.append((child, False))
                walk(child)
            slots.append((child, True))

    walk(block)
    return slots


def _slot_text(slot: tuple[etree._Element, bool]) -> str:
    element, is_tail = slot
    return (element.tail if is_tail else element.text) or ""


def _raw_text(block: etree._Element) -> str:
    return "".join(_slot_text(slot) for slot in _text_slots(block))


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _blocks(element: etree._Element, is_provision: set[etree._Element]) -> list[etree._Element]:
    """The text blocks an element owns, in order, stopping at provisions nested in it."""
    found: list[etree._Element] = []

    def flows(inline: etree._Element) -> None:
        for child in inline:
            name = local_name(child)
            if name in BLOCK_FLOWS:
                walk(child)
            elif name:
                flows(child)

    def walk(parent: etree._Element) -> None:
        for child in parent:
            name = local_name(child)
            if not name or name == "meta" or child in is_provision:
                continue
            if name in TEXT_BLOCKS:
                found.append(child)
                flows(child)
            else:
                walk(child)

    walk(element)
    return found


def _text(blocks: list[etree._Element], *, skip_num: bool = False) -> str:
    return "\n".join(_normal(_raw_text(block)) for block in blocks
                     if not (skip_num and local_name(block) == "num"))


@dataclass
class _Analysis:
    old: list[_Provision]
    new: list[_Provision]
    old_to_new: dict[_Provision, _Provision]
    new_to_old: dict[_Provision, _Provision]
    changed: set[_Provision]
    moved: set[_Provision]
    renumbered: set[_Provision]
    old_members: set[etree._Element]
    new_members: set[etree._Element]


def _match(old: list[_Provision], new: list[_Provision]) -> dict[_Provision, _Provision]:
    by_wid: dict[str, _Provision] = {}
    by_key: dict[str, _Provision] = {}
    for provision in new:
        if provision.wid:
            by_wid.setdefault(provision.wid, provision)
        by_key.setdefault(provision.key, provision)
    matches: dict[_Provision, _Provision] = {}
    taken: set[_Provision] = set()
    # First pass: a new wId names the identifier the provision had, so it may equal an old wId or eId.
    for provision in old:
        for key in (provision.wid, provision.eid):
            candidate = by_wid.get(key) if key else None
            if candidate is not None and candidate not in taken:
                matches[provision] = candidate
                taken.add(candidate)
                break
    for provision in old:
        if provision in matches:
            continue
        candidate = by_key.get(provision.key)
        if candidate is None or candidate in taken:
            continue
        if candidate.wid and candidate.wid != (provision.wid or provision.eid):
            continue  # the new one says it used to be another provision
        matches[provision] = candidate
        taken.add(candidate)
    return matches


def _longest_increasing(values: list[int]) -> set[int]:
    """Indexes of one longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    tail_index: list[int] = []
    previous = [-1] * len(values)
    for index, value in enumerate(values):
        slot = bisect_left(tails, value)
        if slot == len(tails):
            tails.append(value)
            tail_index.append(index)
        else:
            tails[slot] = value
            tail_index[slot] = index
        previous[index] = tail_index[slot - 1] if slot else -1
    kept: set[int] = set()
    index = tail_index[-1] if tail_index else -1
    while index != -1:
        kept.add(index)
        index = previous[index]
    return kept


def _moves(new: list[_Provision], new_to_old: dict[_Provision, _Provision],
           old_to_new: dict[_Provision, _Provision]) -> set[_Provision]:
    moved: set[_Provision] = set()
    siblings: dict[_Provision | None, list[_Provision]] = {}
    for provision in new:
        former = new_to_old.get(provision)
        if former is None:
            continue
        old_parent = former.parent
        if (old_to_new.get(old_parent) if old_parent else None) is not provision.parent:
            moved.add(provision)
        else:
            siblings.setdefault(provision.parent, []).append(provision)
    for group in siblings.values():
        orders = [new_to_old[provision].order for provision in group]
        if all(earlier < later for earlier, later in itertools.pairwise(orders)):
            continue
        kept = _longest_increasing(orders)
        moved.update(provision for index, provision in enumerate(group) if index not in kept)
    return moved


@contextmanager
def _without_gc() -> Iterator[None]:
    # Indexing a large bill allocates ~10^5 small objects and no cycles worth collecting; the collector's
    # passes over them would double the time.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyse(old_root: etree._Element, new_root: etree._Element) -> _Analysis:
    with _without_gc():
        return _compare(old_root, new_root)


def _compare(old_root: etree._Element, new_root: etree._Element) -> _Analysis:
    old, new = _collect(old_root), _collect(new_root)
    old_to_new = _match(old, new)
    new_to_old = {after: before for before, after in old_to_new.items()}
    moved = _moves(new, new_to_old, old_to_new)
    old_members = {provision.element for provision in old}
    new_members = {provision.element for provision in new}
    renumbered: set[_Provision] = set()
    changed: set[_Provision] = set()
    identical: set[_Provision] = set()
    tostring = etree.tostring
    for after in new:
        before = new_to_old.get(after)
        if before is None:
            continue
        parent = after.parent
        if parent is not None and parent in identical and new_to_old.get(parent) is before.parent:
            # Inside an identical subtree: same text, same numbers.
            identical.add(after)
            continue
        if ((before.eid or "").rpartition("__")[2] != (after.eid or "").rpartition("__")[2] and after not in moved
                and _number(before) != _number(after)):
            # Only the provision whose own number changed; descendants just follow their parent's prefix. An eId
            # may change with the number unchanged (an imported `section-8` renamed `sec_8`): not a renumbering.
            renumbered.add(after)
        # Comparing serialised subtrees skips whole unchanged provisions in C; above a few dozen children
        # a change somewhere below is likely and the children are compared one by one anyway.
        if len(after.children) <= _SUBTREE_COMPARE_LIMIT and tostring(before.element) == tostring(after.element):
            identical.add(after)
            continue
        old_blocks = _blocks(before.element, old_members)
        new_blocks = _blocks(after.element, new_members)
        structural = after in moved or after in renumbered
        if _text(old_blocks, skip_num=structural) != _text(new_blocks, skip_num=structural):
            changed.add(after)
    return _Analysis(old, new, old_to_new, new_to_old, changed, moved, renumbered, old_members, new_members)


def _subtree_text(provision: _Provision, members: set[etree._Element],
                  matched: dict[_Provision, _Provision]) -> str:
    """Text of a provision and of its unmatched descendants (matched ones are reported on their own)."""
    parts = [_text(_blocks(provision.element, members))]
    parts += [_subtree_text(child, members, matched) for child in provision.children if child not in matched]
    return "\n".join(part for part in parts if part)


def _label(provision: _Provision) -> tuple[str, str]:
    num = next((kid for kid in provision.element if local_name(kid) == "num"), None)
    heading = next((kid for kid in provision.element if local_name(kid) == "heading"), None)
    return (_normal(_raw_text(num)) if num is not None else "",
            _normal(_raw_text(heading)) if heading is not None else "")


def _number(provision: _Provision) -> str:
    """A provision's number as its eId spells it ('' without one): "SEC. 8." and "8" are the same number."""
    element = provision.element
    return eid_number(unit_of(element, local_name(element)), _label(provision)[0])


def _change(kind: ChangeKind, provision: _Provision, before: _Provision | None,
            after: _Provision | None, diff: list[tuple[DiffOp, str]]) -> Change:
    num, heading = _label(provision)
    return {
        "kind": kind,
        "eid": provision.eid,
        "wid": provision.wid,
        "old_eid": before.eid if before else None,
        "new_eid": after.eid if after else None,
        "num": num,
        "heading": heading,
        "diff": diff,
    }


def redline(old_root: etree._Element, new_root: etree._Element) -> Redline:
    """Compare two `<akomaNtoso>` roots: provisions added, removed, moved, renumbered and changed."""
    analysis = _analyse(old_root, new_root)
    keyed: list[tuple[tuple[int, int, int], Change]] = []
    for after in analysis.new:
        before = analysis.new_to_old.get(after)
        position = (after.order, 0, 0)
        if before is None:
            if after.parent is None or after.parent in analysis.new_to_old:
                text = _subtree_text(after, analysis.new_members, analysis.new_to_old)
                keyed.append((position, _change("added", after, None, after, [("insert", text)] if text else [])))
            continue
        if after in analysis.moved:
            keyed.append((position, _change("moved", after, before, after, [])))
        elif after in analysis.renumbered:
            keyed.append((position, _change("renumbered", after, before, after, [])))
        if after in analysis.changed:
            old_text = _text(_blocks(before.element, analysis.old_members))
            new_text = _text(_blocks(after.element, analysis.new_members))
            keyed.append(((after.order, 1, 0), _change("changed", after, before, after,
                                                       word_diff(old_text, new_text))))
    anchor = -1
    for before in analysis.old:
        counterpart = analysis.old_to_new.get(before)
        if counterpart is not None:
            anchor = counterpart.order
        elif before.parent is None or before.parent in analysis.old_to_new:
            text = _subtree_text(before, analysis.old_members, analysis.old_to_new)
            keyed.append(((anchor, 2, before.order),
                          _change("removed", before, before, None, [("delete", text)] if text else [])))
    keyed.sort(key=lambda item: item[0])
    changes = [change for _, change in keyed]
    summary: dict[str, int] = {kind: sum(1 for change in changes if change["kind"] == kind) for kind in KINDS}
    touched = analysis.changed | analysis.moved | analysis.renumbered
    summary["unchanged"] = sum(1 for after in analysis.new_to_old if after not in touched)
    return {"changes": changes, "summary": summary}


def _splice(slot: tuple[etree._Element, bool], pieces: list[tuple[DiffOp, str]], namespace: str) -> None:
    """Rewrite one text slot as its pieces, wrapping inserted and deleted words in `<ins>`/`<del>`."""
    element, is_tail = slot
    lead = ""
    marks: list[etree._Element] = []
    for op, text in pieces:
        if op == "equal":
            if marks:
                marks[-1].tail = (marks[-1].tail or "") + text
            else:
                lead += text
            continue
        mark = etree.Element(_tag(namespace, "ins" if op == "insert" else "del"))
        mark.text = text
        marks.append(mark)
    if not marks:
        return
    if is_tail:
        element.tail = lead or None
        anchor = element
        for mark in marks:
            anchor.addnext(mark)
            anchor = mark
    else:
        element.text = lead or None
        for index, mark in enumerate(marks):
            element.insert(index, mark)


def _mark_block(block: etree._Element, diff: list[tuple[DiffOp, str]]) -> None:
    """Place a diff of the block's text into the block, keeping its inline markup."""
    slots = _text_slots(block)
    texts = [_slot_text(slot) for slot in slots]
    pieces: list[list[tuple[DiffOp, str]]] = [[] for _ in slots]
    current, offset = 0, 0
    for op, text in diff:
        if op == "delete":
            pieces[current].append((op, text))
            continue
        remaining = text
        while remaining and current < len(slots):
            available = len(texts[current]) - offset
            if available <= 0:
                current, offset = current + 1, 0
                continue
            taken = remaining[:available]
            pieces[current].append((op, taken))
            offset += len(taken)
            remaining = remaining[len(taken):]
    namespace = _namespace(block)
    for slot, slot_pieces in zip(slots, pieces, strict=True):
        _splice(slot, slot_pieces, namespace)


def _mark_all(block: etree._Element, op: DiffOp) -> None:
    text = _raw_text(block)
    if text.strip():
        _mark_block(block, [(op, text)])


def _mark_changed(before: etree._Element, after: etree._Element, old_members: set[etree._Element],
                  new_members: set[etree._Element]) -> None:
    old_blocks, new_blocks = _blocks(before, old_members), _blocks(after, new_members)
    old_texts = [_normal(_raw_text(block)) for block in old_blocks]
    new_texts = [_normal(_raw_text(block)) for block in new_blocks]
    matcher = difflib.SequenceMatcher(a=old_texts, b=new_texts, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1)
        for offset in range(pairs):
            old_block, new_block = old_blocks[i1 + offset], new_blocks[j1 + offset]
            _mark_block(new_block, word_diff(_raw_text(old_block), _raw_text(new_block)))
        for new_block in new_blocks[j1 + pairs:j2]:
            _mark_all(new_block, "insert")
        for old_block in old_blocks[i1 + pairs:i2]:
            _restore_block(old_block, new_blocks, j1 + pairs)


def _removed_copy(element: etree._Element, neighbour: etree._Element) -> etree._Element:
    removed = copy.deepcopy(element)
    # The copy must not claim identifiers that now belong to other provisions.
    for node in removed.iter():
        for attribute in _ID_ATTRIBUTES:
            if attribute in node.attrib:
                del node.attrib[attribute]
    removed.tail = neighbour.tail
    return removed


def _restore_block(old_block: etree._Element, new_blocks: list[etree._Element], at: int) -> None:
    """Put a deleted block back, struck through, next to a new block of the same kind."""
    name = local_name(old_block)
    if at < len(new_blocks) and local_name(new_blocks[at]) == name:
        neighbour, before = new_blocks[at], True
    elif at > 0 and local_name(new_blocks[at - 1]) == name:
        neighbour, before = new_blocks[at - 1], False
    else:
        return  # nowhere the schema allows it; the JSON report still lists the deletion
    restored = _removed_copy(old_block, neighbour)
    _mark_all(restored, "delete")
    if before:
        neighbour.addprevious(restored)
    else:
        neighbour.addnext(restored)


def _restore_provision(before: _Provision, analysis: _Analysis, new_root: etree._Element) -> None:
    """Put a removed provision back, with status="removed" and its words struck through."""
    if local_name(before.element) not in SECTIONING:
        return
    siblings = before.parent.children if before.parent else [p for p in analysis.old if p.parent is None]
    earlier = [p for p in siblings[:siblings.index(before)] if p in analysis.old_to_new]
    removed: etree._Element | None = None
    if earlier:
        neighbour = analysis.old_to_new[earlier[-1]].element
        removed = _removed_copy(before.element, neighbour)
        neighbour.addnext(removed)
    else:
        container = _counterpart_container(before, analysis, new_root)
        if container is None:
            return
        kids = list(container)
        if any(local_name(kid) == "content" for kid in kids):
            return
        lead = [i for i, kid in enumerate(kids) if local_name(kid) in {"num", "heading", "subheading", "intro"}]
        removed = _removed_copy(before.element, kids[lead[-1]] if lead else container)
        container.insert(lead[-1] + 1 if lead else 0, removed)
    removed.set("status", "removed")
    for block in _blocks(removed, set()):
        _mark_all(block, "delete")


def _counterpart_container(before: _Provision, analysis: _Analysis,
                           new_root: etree._Element) -> etree._Element | None:
    if before.parent is not None:
        after = analysis.old_to_new.get(before.parent)
        return after.element if after else None
    holder = before.element.getparent()
    if holder is None:
        return None
    return next(new_root.iter(_tag(_namespace(new_root), local_name(holder))), None)


def redline_akn(old_root: etree._Element, new_root: etree._Element) -> etree._Element:
    """The new expression (a copy) with `<ins>`/`<del>` marks in its text and removed provisions restored.

    The inputs are left untouched; the result stays valid against the AKN schema.
    """
    marked = copy.deepcopy(new_root)
    analysis = _analyse(old_root, marked)
    for after in analysis.new:
        before = analysis.new_to_old.get(after)
        if before is None:
            for block in _blocks(after.element, analysis.new_members):
                _mark_all(block, "insert")
        elif after in analysis.changed:
            _mark_changed(before.element, after.element, analysis.old_members, analysis.new_members)
    for before in analysis.old:
        if before not in analysis.old_to_new and (before.parent is None or before.parent in analysis.old_to_new):
            _restore_provision(before, analysis, marked)
    return marked


def redline_html(old_root: etree._Element, new_root: etree._Element) -> str:
    """The redline as HTML: the new expression rendered, with `<ins>`/`<del>` around changed words."""
    return render(redline_akn(old_root, new_root))
