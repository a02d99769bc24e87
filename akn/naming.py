"""eIds and wIds after the Akoma Ntoso Naming Convention (AKN-NC 1.0, section 5.5.3).

An eId is its context's eId, `__`, the element's abbreviation and `_` with the cleaned `<num>`:
`chp_1__sec_3__subsec_2__para_a`. Unnumbered elements that usually carry a num take `nn` and a count
(`para_nn_1`); others take their position among same-named siblings (`hcontainer_2`). Containers such as
`<intro>` add their name to the context (`sec_2__intro__p_1`). The table and rules are those of the
convention as implemented by bluebell, Laws.Africa's reference implementation, which the tests compare
against; `<num>` is read as its whole text rather than its first text node.

The number is the `<num>` without the unit's own name written before it (`akn.numbers`): `<num>SEC. 2.</num>`
gives `sec_2`, as the convention's examples do and as a citation reads it ("section 2"). bluebell keeps such a
label (`sec_SEC-2`); that is the one place where the two differ.

A wId records the eId a provision had when first seen and never changes afterwards (AKN-NC 5.5.3.4), so a
provision keeps its identity through renumbering.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from lxml import etree

from akn.inline import kept_out_of_markup
from akn.numbers import unit_of, without_unit_label
from akn.vocabulary import AKN_NS, HIERARCHY_ELEMENTS, XML_NS

__all__ = [
    "ABBREVIATIONS",
    "NO_EID",
    "PREFIX_ONLY",
    "EidGenerator",
    "EidMismatch",
    "assign_subtree_eids",
    "clean_num",
    "container_prefix",
    "eid_mismatches",
    "eid_number",
    "eid_prefix",
    "fill_implicit_eids",
    "implicit_eids",
    "is_fully_named",
    "is_nameable",
    "num_text",
    "renumber_tree",
    "restore_eids",
]

ABBREVIATIONS = {
    "alinea": "al",
    "amendmentBody": "body",
    "article": "art",
    "attachment": "att",
    "blockList": "list",
    "chapter": "chp",
    "citation": "cit",
    "citations": "cits",
    "clause": "cl",
    "component": "cmp",
    "components": "cmpnts",
    "componentRef": "cref",
    "debateBody": "body",
    "debateSection": "dbsect",
    "division": "dvs",
    "documentRef": "dref",
    "eventRef": "eref",
    "judgmentBody": "body",
    "listIntroduction": "intro",
    "listWrapUp": "wrapup",
    "mainBody": "body",
    "paragraph": "para",
    "quotedStructure": "qstr",
    "quotedText": "qtext",
    "recital": "rec",
    "recitals": "recs",
    "section": "sec",
    "subchapter": "subchp",
    "subclause": "subcl",
    "subdivision": "subdvs",
    "subparagraph": "subpara",
    "subsection": "subsec",
    "temporalGroup": "tmpg",
    "wrapUp": "wrapup",
}

# Elements that never get an eId under the convention (documents, bodies, num/heading, plain inlines).
NO_EID = frozenset(
    "akomaNtoso act amendment amendmentList bill debate debateReport doc documentCollection judgment"
    " officialGazette portion statement amendmentBody attachments body collectionBody components coverPage"
    " debateBody judgmentBody mainBody meta portionBody br tr td th num heading subheading content"
    " abbr b i u sub sup ins del inline img remark span".split()
)

# Elements without an eId of their own that add their name to their descendants' eIds.
PREFIX_ONLY = frozenset(
    "arguments background conclusions decision header intro introduction motivation preamble preface"
    " remedies wrapUp".split()
)

# Elements expected to carry a <num>: unnumbered ones are named `nn` plus a count.
NUMBERED = frozenset(
    "alinea article book chapter clause division indent item level list paragraph part point proviso rule"
    " section subchapter subclause subdivision sublist subparagraph subpart subrule subsection subtitle title"
    " tome transitional".split()
)

_PUNCT = r"\u2000-\u206f\u2e00-\u2e7f!\"#$%&'()*+,\-./:;<=>?@\[\]^_`{|}~"
_LEADING = re.compile(rf"^[\s{_PUNCT}]+")
_TRAILING = re.compile(rf"[\s{_PUNCT}]+$")
_SPACE = re.compile(r"\s")
_INNER = re.compile(rf"[{_PUNCT}]+")
# Ordinal indicators decorate a number ("Artículo 1º", "2.ª", "3°"); the number is the same without them.
_ORDINAL = re.compile("[\u00aa\u00b0\u00ba]")

_NUM = f"{{{AKN_NS}}}num"
_PORTION_BODY = f"{{{AKN_NS}}}portionBody"
_XML_ID = f"{{{XML_NS}}}id"
_HIERARCHY_TAGS = frozenset(f"{{{AKN_NS}}}{name}" for name in HIERARCHY_ELEMENTS)
_NOTES = (f"{{{AKN_NS}}}authorialNote", f"{{{AKN_NS}}}noteRef")


@functools.lru_cache(maxsize=4096)
def clean_num(num: str) -> str:
    """The eId form of a `<num>`: outer punctuation and all whitespace dropped, inner punctuation to `-`.

    Ordinal indicators (`º`, `ª`, `°`) are dropped wherever they stand.
    `(a)` gives `a`, `3.` gives `3`, `1.2.` gives `1-2`, `3 bis` gives `3bis`, `2º.` gives `2`.
    """
    num = _ORDINAL.sub("", num)
    num = _LEADING.sub("", num)
    num = _TRAILING.sub("", num)
    num = _SPACE.sub("", num)
    return _INNER.sub("-", num)


@functools.lru_cache(maxsize=4096)
def eid_number(unit: str, num: str) -> str:
    """The number a `<num>` gives the eId of a `unit` (element name, or an hcontainer's `name`): its label
    dropped, then cleaned. `("section", "SEC. 2.")` gives `2`, `("part", "PART 1")` gives `1`."""
    return clean_num(without_unit_label(unit, num))


def num_text(element: etree._Element) -> str:
    """The text of `element`'s own `<num>`, footnotes left out ('' when it has none)."""
    # The schema puts <num> first; looking there first is much cheaper than find().
    num = element[0] if len(element) else None
    if num is None or num.tag != _NUM:
        num = element.find(_NUM)
        if num is None:
            return ""
    if len(num) == 0:
        return num.text or ""
    parts = [num.text or ""]
    for child in num:
        if child.tag not in _NOTES:
            parts.extend(str(text) for text in child.itertext())
        parts.append(child.tail or "")
    return "".join(parts)


def local_name(element: etree._Element) -> str:
    """The local name of an AKN element, '' for comments, PIs and elements of other namespaces."""
    tag = element.tag
    if not isinstance(tag, str) or not tag.startswith(_AKN_PREFIX):
        return ""
    return tag[_AKN_PREFIX_LEN:]


_AKN_PREFIX = f"{{{AKN_NS}}}"
_AKN_PREFIX_LEN = len(_AKN_PREFIX)


class EidGenerator:
    """Hands out eIds in document order within one naming scope, keeping counters as the convention does."""

    def __init__(self, taken: Callable[[str], bool] | None = None) -> None:
        self._positions: dict[tuple[str, str], int] = {}
        self._uses: dict[str, int] = {}
        self._taken = taken

    def eid(self, prefix: str, name: str, num: str, unit: str = "") -> str:
        """The next eId for a `name` element with `num` (raw `<num>` text) inside `prefix`.

        `unit` is what the element stands for when its name does not say (an hcontainer's `name`).
        """
        base = (f"{prefix}__" if prefix else "") + ABBREVIATIONS.get(name, name)
        cleaned = eid_number(unit or name, num) if num else ""
        unnumbered = False
        if not cleaned and name in NUMBERED:
            cleaned, unnumbered = "nn", True
        if not cleaned:
            key = (prefix, name)
            self._positions[key] = self._positions.get(key, 0) + 1
            cleaned = str(self._positions[key])
        return self._unique(f"{base}_{cleaned}", unnumbered)

    def _unique(self, eid: str, unnumbered: bool) -> str:
        taken = self._taken
        if taken is None:
            while True:
                count = self._uses[eid] = self._uses.get(eid, 0) + 1
                if count == 1 and not unnumbered:
                    return eid
                # Unnumbered elements always end with their count; duplicates get one to tell them apart.
                eid, unnumbered = f"{eid}_{count}", False
        count = self._uses[eid] = self._uses.get(eid, 0) + 1
        if count == 1 and not unnumbered and not taken(eid):
            return eid
        if count == 1 and not unnumbered:
            count = 2  # used elsewhere in the document: the first free suffix starts at 2
        while True:
            candidate = f"{eid}_{count}"
            if candidate not in self._uses and not taken(candidate):
                self._uses[candidate] = 1
                return candidate
            count += 1


@dataclass(frozen=True, slots=True)
class EidMismatch:
    """An element whose eId is missing or differs from the one the convention gives it."""

    element: etree._Element
    actual: str | None
    expected: str


def _context(element: etree._Element) -> tuple[str, bool]:
    """The eId prefix an element's own eId builds on, and whether it is metadata (never checked)."""
    parts: list[str] = []
    node = element.getparent()
    prefix = ""
    while node is not None:
        name = local_name(node)
        if name == "meta":
            return "", True
        if name in PREFIX_ONLY:
            parts.append(name.lower())
        elif name and name not in NO_EID:
            eid = node.get("eId")
            if eid:
                prefix = eid
                break
        node = node.getparent()
    parts.reverse()
    return "__".join([prefix, *parts] if prefix else parts), False


def eid_prefix(element: etree._Element) -> str:
    """The eId context an element's own eId builds on (its parent's eId plus containers like `intro`)."""
    return _context(element)[0]


def _iter_candidates(element: etree._Element) -> Iterator[etree._Element]:
    """Descendants of `element` that carry an eId or are provisions, in document order."""
    # One walk in C with a `get` per element: far quicker than an ElementPath predicate, which lxml
    # evaluates in Python.
    hierarchy = _HIERARCHY_TAGS
    for node in element.iterdescendants(etree.Element):
        if node.get("eId") is not None or node.tag in hierarchy:
            yield node


def _candidates(element: etree._Element) -> list[etree._Element]:
    """`_iter_candidates` as a list (for renaming, which changes what it walks)."""
    return list(_iter_candidates(element))


def _nameable_name(tag: str) -> str:
    """The local name of an AKN element the convention gives an eId, else ''."""
    if not tag.startswith(_AKN_PREFIX):
        return ""
    name = tag[_AKN_PREFIX_LEN:]
    return "" if name in NO_EID or name in PREFIX_ONLY else name


def _owner(element: etree._Element) -> tuple[etree._Element | None, str, bool]:
    """The nearest ancestor whose eId is `element`'s context, that context, and whether it is metadata."""
    parts: list[str] = []
    node = element.getparent()
    while node is not None:
        name = local_name(node)
        if name == "meta":
            return None, "", True
        if name in PREFIX_ONLY:
            parts.append(name.lower())
        elif name and name not in NO_EID:
            eid = node.get("eId")
            if eid:
                parts.append(eid)
                parts.reverse()
                return node, "__".join(parts), False
        node = node.getparent()
    parts.reverse()
    return None, "__".join(parts), False


def eid_mismatches(root: etree._Element) -> Iterator[EidMismatch]:
    """Every eId (and every provision without one) that departs from the convention, in document order.

    Each element is judged against the eId its parent actually has, so one wrong eId is reported once
    rather than again in every descendant. The counters that tell apart equal nums live with the element
    whose eId is their context and are dropped once its subtree has been read, so checking a document
    holds only the counters of one branch at a time.
    """
    # [context element, its eId, its counters (made when first needed)]: the named ancestors of the
    # element being judged, outermost first; the first entry is the document's top level.
    scopes: list[list[Any]] = [[None, "", None]]
    # Tag → local name of the elements the convention names ('' for the others), filled as tags are met.
    names: dict[str, str] = {}
    hierarchy = _HIERARCHY_TAGS
    # Reading a tag builds a string: when every provision has an eId (a quick walk in C tells), elements
    # without one are passed over without it.
    unnamed = any(node.get("eId") is None for node in root.iterdescendants(*hierarchy))
    # `_iter_candidates`, inlined: this loop runs once per element of the document.
    for element in root.iterdescendants(etree.Element):
        actual = element.get("eId")
        if actual is None and (not unnamed or element.tag not in hierarchy):
            continue
        tag = element.tag
        name = names.get(tag)
        if name is None:
            name = names[tag] = _nameable_name(tag)
        if not name:
            continue
        parent = element.getparent()
        if actual and parent is not None and parent.tag == _PORTION_BODY:
            # A portion holds a provision of another document under its eId there, which references to it use:
            # that eId is the context of what it holds, not judged against the portion's own structure.
            del scopes[1:]
            scopes.append([element, actual, None])
            continue
        # Document order: a context not in this element's ancestry is finished and never seen again.
        for depth in range(len(scopes) - 1, 0, -1):
            if scopes[depth][0] is parent:
                del scopes[depth + 1 :]
                prefix = scopes[depth][1]
                break
        else:
            owner, prefix, is_meta = _owner(element)
            if is_meta:
                continue
            while len(scopes) > 1 and scopes[-1][0] is not owner:
                scopes.pop()
            if scopes[-1][0] is not owner:
                scopes.append([owner, "" if owner is None else owner.get("eId"), None])
        scope = scopes[-1]
        if scope[2] is None:
            scope[2] = EidGenerator()
        expected = scope[2].eid(prefix, name, num_text(element), unit_of(element, name))
        if actual:
            scopes.append([element, actual, None])
        if actual != expected:
            yield EidMismatch(element, actual, expected)


def _rename(
    element: etree._Element,
    generator: EidGenerator,
    renames: dict[str, str],
    contexts: dict[etree._Element, str],
    prefix: str | None = None,
) -> None:
    name = local_name(element)
    if not name or name in NO_EID or name in PREFIX_ONLY:
        return
    if prefix is None:
        parent = element.getparent()
        prefix = contexts.get(parent) if parent is not None else None
    if prefix is None:
        prefix, is_meta = _context(element)
        if is_meta:
            return
    old = element.get("eId")
    new = generator.eid(prefix, name, num_text(element), unit_of(element, name))
    contexts[element] = new
    if name in HIERARCHY_ELEMENTS and element.get("wId") is None:
        # A provision a tool named with `xml:id` alone (LEOS) is first seen under that name.
        element.set("wId", old or element.get(_XML_ID) or new)
    if old != new:
        element.set("eId", new)
        if old is not None:
            renames[old] = new


def renumber_tree(document: etree._Element) -> dict[str, str]:
    """Regenerate every eId under a document element from nums and context; returns old eId -> new eId.

    Elements without an eId keep having none, except provisions, which always get one. Each provision
    lacking a wId first gets its old eId (else its `xml:id`) as wId, so its identity survives the renaming. Elements are
    renamed in document order, so each builds on its parent's new eId.
    """
    renames: dict[str, str] = {}
    generator = EidGenerator()
    contexts: dict[etree._Element, str] = {}
    for element in _candidates(document):
        _rename(element, generator, renames, contexts)
    return renames


def assign_subtree_eids(
    element: etree._Element, prefix: str, position: int, taken: Callable[[str], bool]
) -> dict[str, str]:
    """Name `element` (at `position` among same-named siblings) and its descendants for a new context.

    Used when a provision is inserted, moved or renumbered: only that subtree changes. `taken` says which
    eIds the rest of the document already uses. Returns old eId -> new eId for the elements renamed.
    """
    name = local_name(element)
    generator = EidGenerator(taken)
    if not eid_number(unit_of(element, name), num_text(element)) and name not in NUMBERED:
        # Position-named elements (hcontainer_2) count their earlier siblings.
        generator._positions[(prefix, name)] = position - 1
    renames: dict[str, str] = {}
    contexts: dict[etree._Element, str] = {}
    _rename(element, generator, renames, contexts, prefix)
    inner = EidGenerator()
    for descendant in _candidates(element):
        _rename(descendant, inner, renames, contexts)
    return renames


def is_nameable(element: etree._Element) -> bool:
    """True for AKN elements that the convention gives an eId of their own."""
    name = local_name(element)
    return bool(name) and name not in NO_EID and name not in PREFIX_ONLY


def container_prefix(provision: etree._Element, container: etree._Element) -> str:
    """The eId context of what a provision's `<content>`, `<intro>` or `<wrapUp>` holds."""
    eid = provision.get("eId") or eid_prefix(provision)
    name = local_name(container)
    return f"{eid}__{name.lower()}" if name in PREFIX_ONLY else eid


def is_fully_named(container: etree._Element) -> bool | None:
    """Whether every element under `container` that could carry an eId does (None: there are none)."""
    found = False
    for element in container.iterdescendants(tag=etree.Element):
        if is_nameable(element):
            if element.get("eId") is None:
                return False
            found = True
    return True if found else None


def implicit_eids(container: etree._Element, prefix: str) -> dict[etree._Element, str]:
    """The eId the convention gives each nameable element under `container` (whose context is `prefix`).

    Elements that already have an eId still count (as renumbering counts them), and their own eId is the
    context of their descendants.
    """
    generator = EidGenerator()
    expected: dict[etree._Element, str] = {}
    stack: list[tuple[Iterator[etree._Element], str]] = [(container.iterchildren(tag=etree.Element), prefix)]
    while stack:
        children, context = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        name = local_name(child)
        if name in PREFIX_ONLY:
            inner = f"{context}__{name.lower()}" if context else name.lower()
        elif name and name not in NO_EID:
            expected[child] = generator.eid(context, name, num_text(child), unit_of(child, name))
            inner = child.get("eId") or expected[child]
        else:
            inner = context
        stack.append((child.iterchildren(tag=etree.Element), inner))
    return expected


def fill_implicit_eids(container: etree._Element, prefix: str) -> None:
    """Give every nameable element under `container` lacking an eId the one the convention gives it."""
    for element, eid in implicit_eids(container, prefix).items():
        if element.get("eId") is None:
            element.set("eId", eid)


def restore_eids(old: etree._Element, fresh: etree._Element, prefix: str, *, conventional: bool) -> None:
    """Give the elements of `fresh`, a provision's text read from markup, the eIds (and the other names and
    attributes of other vocabularies, `akn.inline.kept_out_of_markup`) their counterparts in `old` (the text it
    replaces) had, where the markup left them out (`akn.inline.MARKUP_FORM` 3), then, when `conventional`, the
    convention's eId to every element still without one.

    Counterparts are found as a diff pairs lines: the same element with the same words, or, in a stretch that
    changed, the element of the same name at the same place in it (a term whose words were edited). Elements the
    convention names none (a `<span>`) keep theirs too. When `conventional`, an eId that the convention gave is
    given by it again, from the element's new place; only a document's own names are kept. An eId that would
    then stand twice is given up for the convention's.
    """
    before = implicit_eids(old, prefix)
    olds = list(old.iterdescendants(tag=etree.Element))
    news = list(fresh.iterdescendants(tag=etree.Element))
    pairs = SequenceMatcher(None, [_likeness(e) for e in olds], [_likeness(e) for e in news], autojunk=False)
    kept: dict[etree._Element, str] = {}
    taken = {str(e.get("eId")) for e in news if e.get("eId") is not None}
    for tag, i1, i2, j1, j2 in pairs.get_opcodes():
        if tag not in ("equal", "replace"):
            continue
        for was, now in zip(olds[i1:i2], news[j1:j2], strict=False):
            if was.tag == now.tag:
                for key, value in was.attrib.items():
                    if key != "eId" and key not in now.attrib and kept_out_of_markup(str(key)):
                        now.set(key, value)
            eid = was.get("eId")
            if eid is None or now.get("eId") is not None or was.tag != now.tag or eid in taken:
                continue
            if conventional and eid == before.get(was):
                continue
            now.set("eId", eid)
            kept[now] = eid
            taken.add(eid)
    if not conventional:
        return
    fill_implicit_eids(fresh, prefix)
    counts = Counter(str(e.get("eId")) for e in fresh.iterdescendants(tag=etree.Element) if e.get("eId"))
    clashing = [element for element, eid in kept.items() if counts[eid] > 1]
    if clashing:
        for element in clashing:
            del element.attrib["eId"]
        fill_implicit_eids(fresh, prefix)


def _likeness(element: etree._Element) -> tuple[Any, ...]:
    """What makes two elements of a provision's text the same one, whatever eId each carries: name, other
    attributes and words."""
    attributes = tuple(sorted((str(k), str(v)) for k, v in element.attrib.items() if k not in ("eId", "wId")))
    return element.tag, attributes, " ".join("".join(str(t) for t in element.itertext()).split())
