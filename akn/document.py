"""`AknDocument`: a strictly valid AKN 3.0 document, its FRBR metadata, its provisions and their edits.

Documents are read with the safe parser and the strict schema, and every edit keeps them strictly valid:
new pieces are checked against the schema before they are spliced in, and eIds stay unique. Provisions (those
of embedded components included) are found by eId through a compact index that every edit keeps up to date.
Edits return what they changed (text before and after, eIds renamed, eIds removed) so that a caller can
record events; when eIds are renamed, the document's references to them (`<ref href="#...">` and the like,
see `akn.references`) are rewritten to follow.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

from lxml import etree

from akn.errors import (
    InvalidFrbrUriError,
    InvalidMarkupError,
    InvalidStructureError,
    ProvisionNotFoundError,
    SchemaInvalidError,
)
from akn.fragments import fragment_problems
from akn.frbr import FrbrMetadata, FrbrUri, read_identification, set_expression, write_identification
from akn.index import EidIndex
from akn.inline import from_markup, inline_from_markup, inline_to_markup, same_markup
from akn.naming import (
    assign_subtree_eids,
    container_prefix,
    eid_prefix,
    fill_implicit_eids,
    is_fully_named,
    renumber_tree,
    restore_eids,
)
from akn.parsing import DEFAULT_MAX_BYTES, check_akn_root, parse_akn
from akn.provisions import (
    HIERARCHY_TAGS,
    Provision,
    body_of,
    child_provisions,
    component_document,
    is_component,
    iter_provisions,
    iter_tree,
    provision_text,
    root_components,
    to_provision,
    tree_of,
)
from akn.references import internal_references, rewrite_references
from akn.validation import Problem, convention_problems, element_path, schema_problems, source_line
from akn.vocabulary import AKN_NS, DOCUMENT_TYPES, HIERARCHY_ELEMENTS
from akn.wording import wording

__all__ = ["EDITABLE_TYPES", "AknDocument", "TextChange"]

_A = f"{{{AKN_NS}}}"
# Parley edits bills and acts; other document types are read (and rendered) only.
EDITABLE_TYPES = frozenset({"bill", "act"})
_EDITABLE_TAGS = tuple(_A + name for name in sorted(EDITABLE_TYPES))
_DOCUMENT_TAGS = frozenset(_A + name for name in DOCUMENT_TYPES)
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
Position = Literal["before", "after"]


@dataclass(frozen=True, slots=True)
class TextChange:
    """The text of provision `eid` went from `before` to `after` (both canonical markup)."""

    eid: str
    before: str
    after: str


class AknDocument:
    """A strictly valid Akoma Ntoso 3.0 document (a bill or an act, or another type read-only)."""

    def __init__(
        self, tree: etree._ElementTree, warnings: Iterable[Problem] | Callable[[], list[Problem]] = ()
    ) -> None:
        """Wrap an already validated tree; use `from_bytes` for anything that comes from outside."""
        self.tree = tree
        self.root = tree.getroot()
        check_akn_root(self.root)
        self.document = next(child for child in self.root if isinstance(child.tag, str))
        # A callable defers the naming checks until someone reads the warnings (new expressions rarely do).
        self._warnings: list[Problem] | Callable[[], list[Problem]] = (
            warnings if callable(warnings) else list(warnings)
        )
        self._frbr: FrbrMetadata | None = None
        self._all_eids: EidIndex | None = None
        self._provisions = EidIndex()
        self._text_eids: bool | None = None
        ambiguous = self._reindex()
        if ambiguous:
            self._warn_ambiguous(ambiguous)

    @property
    def warnings(self) -> list[Problem]:
        """Naming-convention problems (level 2): reported, never fatal."""
        if callable(self._warnings):
            self._warnings = self._warnings()
        return self._warnings

    @warnings.setter
    def warnings(self, problems: list[Problem]) -> None:
        self._warnings = problems

    # reading ------------------------------------------------------------------------------------------

    @classmethod
    def from_bytes(cls, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> AknDocument:
        """Safe parse, strict schema validation and naming checks (the warnings) of untrusted bytes.

        Raises `UnsafeXmlError`, `DocumentTooLargeError`, `XmlSyntaxError`, `NotAknError` or
        `SchemaInvalidError` (with every schema problem).
        """
        tree = parse_akn(data, max_bytes=max_bytes)
        problems = schema_problems(tree)
        if problems:
            raise SchemaInvalidError(problems)
        return cls(tree, convention_problems(tree))

    @property
    def doctype(self) -> str:
        """The document element's name: `bill`, `act`, `debate`..."""
        return etree.QName(self.document).localname

    @property
    def frbr(self) -> FrbrMetadata:
        """The FRBR metadata of the document's `<identification>`."""
        if self._frbr is None:
            self._frbr = read_identification(self.document)
        return self._frbr

    @property
    def title(self) -> str:
        """The title: the work's title alias, else the first docTitle, shortTitle or longTitle, else a name made
        of the work's type, number and year ("Act 29 of 1998"), so that a document is never listed untitled."""
        if self.frbr.title:
            return self.frbr.title
        for tag in ("docTitle", "shortTitle", "longTitle"):
            for element in self.document.iter(_A + tag):
                text = " ".join("".join(str(t) for t in element.itertext()).split())
                if text:
                    return text
        return _named_from_work(self.frbr.work_uri)

    @property
    def editable(self) -> bool:
        """True for bills and acts, the document types whose provisions can be edited."""
        return self.doctype in EDITABLE_TYPES

    def provisions(self) -> list[Provision]:
        """The provision tree, top level first: the body's provisions, then the components (schedules,
        the documents of a collection), each a node whose children are its document's provisions."""
        return [to_provision(element) for element in (*tree_of(self.document), *root_components(self.root))]

    def provision(self, eid: str) -> Provision:
        """The provision with this eId, with its descendants; raises `ProvisionNotFoundError`."""
        return to_provision(self.provision_element(eid))

    def provision_text(self, eid: str) -> str:
        """The markup of one provision's text (its content, or its intro when it has children)."""
        return provision_text(self.provision_element(eid))

    def has_provision_text(self, eid: str, markup: str) -> bool:
        """Whether provision ``eid``'s text is ``markup``, as `provision_text` wrote it now or as an earlier form of
        the markup writer did (see `akn.inline.same_markup`). Raises `ProvisionNotFoundError`."""
        return same_markup(self.provision_text(eid), markup, self.provision_element(eid).nsmap)

    def read_only_type(self, eid: str) -> str | None:
        """Why provision ``eid`` cannot be edited: the type of the read-only document it is in (a `portion`, a
        `debate`, a collection's explanatory memorandum...), or None when it can (it is in a bill or an act, or in
        a schedule or collection document of one). Raises `ProvisionNotFoundError`."""
        return self._read_only_in(self.provision_element(eid))

    def provision_element(self, eid: str) -> etree._Element:
        """The element of the provision (or component) with this eId (a live part of the tree: do not
        change it)."""
        element = self._provisions.get(eid)
        if element is None:
            raise ProvisionNotFoundError(eid)
        return element

    def eids(self) -> list[str]:
        """The eIds of every node of the provision tree (components included), in document order."""
        return [eid for eid in (e.get("eId") for e in self.tree_nodes()) if eid]

    # editing ------------------------------------------------------------------------------------------

    def set_provision_text(self, eid: str, markup: str) -> TextChange:
        """Replace a provision's text (content, or intro when it has children) with `markup`.

        Raises `InvalidMarkupError` for markup that cannot be read or reuses an eId of the document,
        and `SchemaInvalidError` for markup the schema refuses where it would go.
        """
        element = self._editable(eid)
        has_children = next(element.iterchildren(*HIERARCHY_TAGS), None) is not None
        slot = "intro" if has_children else "content"
        existing = element.find(_A + slot)
        before = provision_text(element) if existing is not None else ""
        named = is_fully_named(existing) if existing is not None else None
        fresh = from_markup(markup, slot, element.nsmap)
        conventional = bool(named if named is not None else self._names_text_elements())
        if existing is not None:
            restore_eids(existing, fresh, container_prefix(element, fresh), conventional=conventional)
        elif conventional:
            fill_implicit_eids(fresh, container_prefix(element, fresh))
        dropped = _named_in(existing) if existing is not None else []
        removed = [str(old.get("eId")) for old in dropped]
        if slot == "intro" and len(fresh) == 0:
            if existing is not None:
                self._forget(dropped)
                element.remove(existing)
            return TextChange(eid, before, "")
        added = _eids_in(fresh)
        self._check_new_eids(added, set(removed))
        self._check_fragment(fresh)
        if existing is None:
            existing = etree.Element(_A + slot)
            _insert_after_heading(element, existing)
        else:
            for child in list(existing):
                existing.remove(child)
            existing.text = None
        existing.extend(list(fresh))
        self._forget(dropped)
        self._remember(existing)
        return TextChange(eid, before, provision_text(element))

    def insert_provision(
        self,
        ref_eid: str,
        position: Position = "after",
        name: str = "section",
        num: str | None = None,
        heading: str | None = None,
        text: str = "",
    ) -> Provision:
        """Insert a new provision before or after provision `ref_eid`; returns it, eId and wId set.

        `num` and `heading` are inline markup, `text` block markup. The new eId follows the naming
        convention in its context, made unique if need be; no other provision is renamed.
        """
        reference = self._editable(ref_eid)
        if name not in HIERARCHY_ELEMENTS:
            raise InvalidStructureError(
                wording("expected a provision element (%(elements)s), found %(name)r",
                        elements=", ".join(sorted(HIERARCHY_ELEMENTS)), name=name)
            )
        nsmap = reference.nsmap
        element = etree.Element(_A + name, nsmap=nsmap)  # type: ignore[arg-type]
        if num is not None and num != "":
            element.append(inline_from_markup(num, "num", nsmap))
        if heading is not None and heading != "":
            element.append(inline_from_markup(heading, "heading", nsmap))
        content = from_markup(text, "content", nsmap)
        element.append(content)
        self._check_new_eids(_eids_in(content), set())
        self._check_fragment(element)
        _place(reference, element, position)
        self._name_subtree(element)
        if self._names_text_elements():
            fill_implicit_eids(content, container_prefix(element, content))
            self._remember(content)
        return to_provision(element)

    def delete_provision(self, eid: str) -> list[str]:
        """Delete a provision and its descendants; returns the eIds of the provisions deleted."""
        element = self._editable(eid)
        parent = element.getparent()
        assert parent is not None
        if len(child_provisions(parent)) == 1:
            raise InvalidStructureError(
                wording("cannot delete %(eid)r: it is the only provision of its %(parent)s; delete or change that "
                        "instead", eid=eid, parent=etree.QName(parent).localname)
            )
        removed = [eid, *(e.get("eId") or "" for e in iter_provisions(element))]
        self._forget(_named_in(element))
        _remove_keeping_text(element)
        return [value for value in removed if value]

    def move_provision(self, eid: str, ref_eid: str, position: Position = "after") -> dict[str, str]:
        """Move a provision (with descendants) before or after `ref_eid`; returns old eId -> new eId.

        In a file of several documents, references follow as `renumber` has them: only those that addressed
        the provision in the document it leaves; other documents' references to their own eIds stay. The map
        leaves out an eId an earlier document also has, which addresses that document's element.
        """
        element = self._editable(eid)
        reference = self._editable(ref_eid)
        if element is reference or any(ancestor is element for ancestor in reference.iterancestors()):
            raise InvalidStructureError(wording("cannot move %(eid)r next to %(reference)r, which is inside it",
                                                eid=eid, reference=ref_eid))
        parent = element.getparent()
        assert parent is not None
        if parent is not reference.getparent() and len(child_provisions(parent)) == 1:
            raise InvalidStructureError(
                wording("cannot move %(eid)r: it is the only provision of its %(parent)s", eid=eid,
                        parent=etree.QName(parent).localname)
            )
        scopes = _Scopes.of(self.root, self.document)
        # Read before the move: the references that addressed it are read in the document it leaves.
        scope = 0 if scopes is None else scopes.index(element)
        self._forget(_named_in(element))
        _place(reference, element, position)
        return self._follow(self._name_subtree(element), scopes, scope)

    def set_num_heading(self, eid: str, num: str | None = None, heading: str | None = None) -> dict[str, str]:
        """Change a provision's num and/or heading (inline markup; '' removes, None keeps).

        A new num renames the provision and its descendants after the convention; returns old -> new eIds.
        References follow, and the map leaves eIds out, as for `move_provision`.
        """
        element = self._editable(eid)
        nsmap = element.nsmap
        renumbered = False
        if num is not None:
            old = element.find(_A + "num")
            if num != (None if old is None else inline_to_markup(old)):
                renumbered = True
                _replace_part(element, old, self._checked_part(num, "num", nsmap), 0)
        if heading is not None:
            old = element.find(_A + "heading")
            index = 1 if element.find(_A + "num") is not None else 0
            _replace_part(element, old, self._checked_part(heading, "heading", nsmap), index)
        if not renumbered:
            return {}
        scopes = _Scopes.of(self.root, self.document)
        scope = 0 if scopes is None else scopes.index(element)
        self._forget(_named_in(element))
        return self._follow(self._name_subtree(element), scopes, scope)

    def renumber(self) -> dict[str, str]:
        """Regenerate every eId from nums and context (AKN-NC); returns old eId -> new eId.

        Each provision lacking a wId first gets its current eId as wId, which then never changes. Each document
        of the file (the main one, each root component's) follows its own renames; in the map returned, an eId
        several of them had stands for the main document's element, as `provision_element` reads it.
        """
        self._require_editable()
        scopes = _Scopes.of(self.root, self.document)
        if scopes is not None:
            # The documents beside the main one are named each on its own, as the schema scopes their eIds.
            renames = scopes.rewrite(self.root, [renumber_tree(document) for document in scopes.documents])
        else:
            renames = renumber_tree(self.document)
            rewrite_references(self.root, renames)
        self._reindex()
        return renames

    def new_expression(
        self, date: datetime.date, version_label: str | None = None, sequence: int | None = None,
        *, served_at: FrbrUri | None = None,
    ) -> AknDocument:
        """A copy of this document as a new expression dated `date` (FRBR Expression and Manifestation).

        `sequence` tells apart several expressions of one date: the version part of the URI becomes
        `2026-11-21.2` (the FRBRdate stays the date itself). `served_at` is the URI of an expression of the work as
        an application serves it: when the document's own FRBR metadata names another work or language (it did
        not follow the naming convention, and the application named the work itself), the new expression is made
        of that work, with the whole identification written anew, so that it follows the convention.
        """
        own = self.frbr.uri
        uri = served_at or own
        if uri is None:
            try:
                uri = replace(FrbrUri.parse(self.frbr.work_uri), language=self.frbr.language or None)
            except InvalidFrbrUriError:
                raise InvalidFrbrUriError(
                    wording("expected FRBR URIs following the naming convention to make a new expression, found "
                            "%(uri)r", uri=self.frbr.expression_uri)
                ) from None
        tree = copy.deepcopy(self.tree)
        document = next(child for child in tree.getroot() if isinstance(child.tag, str))
        version = date.isoformat() if sequence is None else f"{date.isoformat()}.{sequence}"
        expression = replace(uri, expression_date=version, version_separator="@")
        if own is not None and (own.work_uri, own.language) == (expression.work_uri, expression.language):
            set_expression(document, expression, version_label)
        else:
            meta = document.find(_A + "meta")
            if meta is None:
                raise InvalidFrbrUriError(wording("expected a <meta> block to name the new expression in, found none"))
            write_identification(meta, expression, title=self.title, version_number=version_label)
            _define_identification_authors(meta, expression)
        return AknDocument(tree, lambda: convention_problems(tree))

    # output -------------------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Canonical bytes: UTF-8, an XML declaration, then Canonical XML (sorted attributes, stable
        namespace declarations, whitespace exactly as in the tree). The same document gives the same bytes.
        """
        return _XML_DECLARATION + etree.tostring(self.tree, method="c14n", with_comments=True)

    def validate(self) -> list[Problem]:
        """Strict schema problems of the document as it is now (empty when valid)."""
        return schema_problems(self.tree)

    def check_conventions(self) -> list[Problem]:
        """Recompute the naming convention warnings (and keep them in `warnings`)."""
        self.warnings = convention_problems(self.tree)
        return self.warnings

    # internals ----------------------------------------------------------------------------------------

    def _names_text_elements(self) -> bool:
        """Whether this document gives eIds to the paragraphs and inlines of provision text (as
        bluebell-made documents do), judged on the first provision text with such elements."""
        if self._text_eids is None:
            self._text_eids = False
            body = body_of(self.document)
            for count, container in enumerate(() if body is None else body.iter(_A + "content", _A + "intro")):
                named = is_fully_named(container)
                if named is not None:
                    self._text_eids = named
                    break
                if count > 100:
                    break
        return self._text_eids

    def tree_nodes(self) -> Iterator[etree._Element]:
        """Every node of the provision tree (provisions and components), the main document's first, then those
        of the components beside it, in document order (the order `eids` lists them; live parts of the tree:
        do not change them)."""
        yield from iter_tree(self.document)
        for component in root_components(self.root):
            yield component
            inner = component_document(component)
            assert inner is not None
            yield from iter_tree(inner)

    def _reindex(self) -> list[etree._Element]:
        """Index every provision and component; returns those left out because an earlier one has their eId
        (only documents beside the main one may repeat its eIds)."""
        self._all_eids = None
        self._provisions = EidIndex(self.tree_nodes())
        # The schema keeps one document's eIds unique: only documents beside it can repeat them.
        return self._provisions.duplicates() if root_components(self.root) else []

    def _warn_ambiguous(self, elements: list[etree._Element]) -> None:
        problems = [
            Problem(
                "eid_ambiguous",
                wording("<%(name)s> eId %(eid)r is also the eId of an earlier provision of another document of this "
                        "file; only that one can be addressed by it", name=etree.QName(element).localname,
                        eid=element.get("eId")),
                element_path(element),
                source_line(element),
                "warning",
            )
            for element in elements
        ]
        warnings = self._warnings
        if callable(warnings):
            deferred = warnings
            self._warnings = lambda: [*deferred(), *problems]
        else:
            self._warnings = [*warnings, *problems]

    @property
    def _eids(self) -> EidIndex:
        """Every eId of the document (metadata included), built when first needed."""
        if self._all_eids is None:
            self._all_eids = EidIndex(self.root.iterfind(".//*[@eId]"))
        return self._all_eids

    def _remember(self, element: etree._Element) -> None:
        """Index the eIds of `element` and its descendants."""
        if self._all_eids is None:
            return  # built from the tree when first needed
        for named in _named_in(element):
            self._all_eids.add(named)

    def _remember_provision(self, element: etree._Element) -> None:
        """Index a provision of the tree and the provisions under it."""
        self._remember(element)
        self._provisions.add(element)
        for provision in iter_provisions(element):
            self._provisions.add(provision)

    def _forget(self, elements: Iterable[etree._Element]) -> None:
        """Unindex these elements (still carrying their eIds). By element, not eId: another document of the
        file may have an element with the same eId, which must stay indexed."""
        for element in elements:
            if self._all_eids is not None:
                self._all_eids.remove(element)
            self._provisions.remove(element)

    def _require_editable(self) -> None:
        # A collection is renumbered when it holds a bill or an act, whose provisions are edited.
        holds = (self._read_only_in(node) is None for node in self.tree_nodes() if is_component(node))
        if not self.editable and not any(holds):
            raise _read_only(self.doctype)

    def _read_only_in(self, element: etree._Element) -> str | None:
        """The type of the read-only document ``element`` is in, or None when it can be edited: it is in a bill or
        an act (or in a file whose main document is one), as a collection's bill is."""
        if self.editable:
            return None
        # A component is read as the document it holds.
        inner = component_document(element) if is_component(element) else None
        doctype = None
        for holder in ([] if inner is None else [inner]) + list(element.iterancestors()):
            if holder.tag in _EDITABLE_TAGS:
                return None
            if doctype is None and holder.tag in _DOCUMENT_TAGS:
                doctype = etree.QName(holder).localname
        return doctype or self.doctype

    def _editable(self, eid: str) -> etree._Element:
        element = self.provision_element(eid)
        doctype = self._read_only_in(element)
        if doctype is not None:
            raise _read_only(doctype)
        if is_component(element):
            raise InvalidStructureError(
                wording("%(eid)r is a %(element)s holding a document of its own; edit its provisions instead",
                        eid=eid, element=etree.QName(element).localname)
            )
        return element

    def _check_new_eids(self, added: list[str], replaced: set[str]) -> None:
        for eid in added:
            if eid in self._eids and eid not in replaced:
                raise InvalidMarkupError(wording("expected a new eId, found %(eid)r, which the document already uses",
                                                 eid=eid))

    def _check_fragment(self, fragment: etree._Element) -> None:
        # The check moves the fragment into a scratch document; it is moved again when spliced in.
        problems = fragment_problems(fragment)
        if problems:
            raise SchemaInvalidError(problems)

    def _checked_part(self, markup: str, tag: str, nsmap: dict[str | None, str]) -> etree._Element | None:
        if markup == "":
            return None
        element = inline_from_markup(markup, tag, nsmap)
        self._check_new_eids(_eids_in(element), set())
        self._check_fragment(element)
        return element

    def _name_subtree(self, element: etree._Element) -> dict[str, str]:
        """Name a provision placed in a new context, then index it; returns the renames."""
        tag = element.tag
        assert isinstance(tag, str)
        position = 1 + sum(1 for _ in element.itersiblings(tag, preceding=True))
        renames = assign_subtree_eids(element, eid_prefix(element), position, self._eids.__contains__)
        self._remember_provision(element)
        return renames

    def _follow(self, renames: dict[str, str], scopes: _Scopes | None, scope: int) -> dict[str, str]:
        """Rewrite the references to what `renames` renamed in document `scope` of `scopes` (None: the file
        holds the main document only); returns the renames as `_Scopes.rewrite` does."""
        if scopes is None:
            rewrite_references(self.root, renames)
            return renames
        return scopes.rewrite(self.root, [renames if index == scope else {} for index in range(len(scopes.documents))])


@dataclass(frozen=True, slots=True)
class _Scopes:
    """The documents of a file with root components (the main one first), each with eIds of its own, and the
    eIds each held before an edit renamed some."""

    documents: list[etree._Element]
    held: list[frozenset[str]]

    @classmethod
    def of(cls, root: etree._Element, main: etree._Element) -> _Scopes | None:
        """The documents of `root` as they are now; None when `main` is its only document."""
        components = root_components(root)
        if not components:
            return None
        documents = [main, *(cast(etree._Element, component_document(c)) for c in components)]
        return cls(documents, [frozenset(_eids_in(document)) for document in documents])

    def index(self, element: etree._Element) -> int:
        """The index of the document `element` is part of."""
        return next(self.documents.index(node) for node in element.iterancestors() if node in self.documents)

    def rewrite(self, root: etree._Element, maps: list[dict[str, str]]) -> dict[str, str]:
        """Rewrite the references under `root` after `maps[i]` renamed elements of document `i`.

        Two documents may each have a `sec_2`, renamed differently or only one of them: one map for all would
        let one document's rename retarget the other's references. A reference is read in its own document
        when that document held the eId; otherwise (a reference to another document) in the first document
        that held it. Returns the renames under that second reading, which the eIds of the main document
        always follow.
        """
        held = self.held
        # `held` is from before renaming: an eId a document keeps is in no map, yet must shadow others' maps.
        addressed: dict[str, str] = {}
        for index, renames in enumerate(maps):
            for old, new in renames.items():
                if not any(old in earlier for earlier in held[:index]):
                    addressed[old] = new
        scope_of = {document: index for index, document in enumerate(self.documents)}
        changes: list[tuple[etree._Element, str, str]] = []
        for element, attribute, target in internal_references(root):
            if target not in addressed and not any(target in renames for renames in maps):
                continue
            scope = next((scope_of[node] for node in element.iterancestors() if node in scope_of), None)
            renamed = maps[scope].get(target) if scope is not None and target in held[scope] else addressed.get(target)
            if renamed is not None:
                changes.append((element, attribute, renamed))
        # Rewritten only once all are read, from the eIds they had, so that swaps come out right.
        for element, attribute, new in changes:
            value = element.get(attribute, "")
            element.set(attribute, f"#{new}" if value.startswith("#") else new)
        return addressed


_BEFORE_INTRO = frozenset(_A + name for name in ("num", "heading", "subheading"))


def _eid_values(element: etree._Element) -> list[Any]:
    # Attribute results are "smart strings" that know their element (getparent).
    return cast(list[Any], element.xpath(".//@eId"))


def _eids_in(element: etree._Element) -> list[str]:
    return [str(value) for value in _eid_values(element)]


def _named_in(element: etree._Element) -> list[etree._Element]:
    return cast(list[etree._Element], element.xpath("descendant-or-self::*[@eId]"))


def _insert_after_heading(element: etree._Element, part: etree._Element) -> None:
    index = 0
    for index, child in enumerate(element):  # noqa: B007 - the index after the loop is the point
        if child.tag not in _BEFORE_INTRO:
            break
    else:
        index = len(element)
    element.insert(index, part)


def _replace_part(
    element: etree._Element, old: etree._Element | None, new: etree._Element | None, index: int
) -> None:
    if old is not None and new is not None:
        new.tail = old.tail
        element.replace(old, new)
    elif old is not None:
        _remove_keeping_text(old)
    elif new is not None:
        element.insert(index, new)


def _place(reference: etree._Element, element: etree._Element, position: Position) -> None:
    if position == "after":
        reference.addnext(element)
    elif position == "before":
        reference.addprevious(element)
    else:
        raise InvalidStructureError(wording("expected position 'before' or 'after', found %(position)r",
                                        position=position))


def _named_from_work(work_uri: str) -> str:
    # The title is data in the document's language, not the interface's: these few words stay English, as the
    # citations of provisions do.
    try:
        work = FrbrUri.parse(work_uri)
    except InvalidFrbrUriError:
        return work_uri
    kind = (work.subtype or work.doctype).replace("_", " ")
    return f"{kind[:1].upper()}{kind[1:]} {work.number} of {work.date[:4]}"


def _remove_keeping_text(element: etree._Element) -> None:
    """Remove an element; its tail (layout whitespace) goes to what precedes it, so no text is lost."""
    parent = element.getparent()
    assert parent is not None
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


# The <meta> children that come before <references> in the schema's sequence.
_BEFORE_REFERENCES = frozenset(
    _A + name for name in
    ("identification", "publication", "classification", "lifecycle", "workflow", "analysis", "temporalData")
)


def _read_only(doctype: str) -> InvalidStructureError:
    return InvalidStructureError(
        wording("expected a bill or an act to edit, found a %(doctype)s, which is read-only", doctype=doctype)
    )


def _define_identification_authors(meta: etree._Element, uri: FrbrUri) -> None:
    """Define in `<references>` the `#parley` and `#parliament` that a rewritten identification names as its
    source and authors, unless the document already defines those ids: a reference to an undefined id tells an
    open-data reader nothing about who made the expression."""
    document = meta.getparent()
    defined = {element.get("eId") for element in (meta if document is None else document).iter() if element.get("eId")}
    wanted = [
        (name, href, shown)
        for name, href, shown in (
            ("parley", "/ontology/organization/parley", "Parley"),
            ("parliament", f"/ontology/organization/{uri.place}/parliament", "Parliament"),
        )
        if name not in defined
    ]
    if not wanted:
        return
    references = meta.find(_A + "references")
    if references is None:
        references = etree.Element(_A + "references", source="#parley")
        before = [child for child in meta if child.tag in _BEFORE_REFERENCES]
        if before:
            before[-1].addnext(references)
        else:
            meta.insert(0, references)
    for name, href, shown in wanted:
        etree.SubElement(references, _A + "TLCOrganization", eId=name, href=href, showAs=shown)
