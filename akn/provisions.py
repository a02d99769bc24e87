"""The provision tree of a document: parts, chapters, sections, subsections, paragraphs, articles...

A provision is an element of the schema's hierarchy (`HIERARCHY_ELEMENTS`) reached from the document's body
through other provisions only: hierarchy elements quoted inside a provision's text (`<quotedStructure>`,
`<embeddedStructure>`) belong to that text, not to the tree.

Documents embed other documents as components: a bill's schedules (`<attachments>/<attachment>`, or
`<components>/<component>`), the documents of a `<documentCollection>` (`<collectionBody>/<component>`), and
those of `<akomaNtoso>`'s own `<components>`. Each such component that holds a document (rather than a
`<documentRef>` to one elsewhere) is a node of the tree, named `attachment` or `component`, whose children are
the provisions of that document's body and its own components. Their eIds are those the documents carry
(the naming convention prefixes them with the component's: `att_1__para_2`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree

from akn.inline import EVERY_ELEMENT, escape_text, inline_to_markup, markup_form, to_markup
from akn.naming import container_prefix, implicit_eids, is_fully_named
from akn.numbers import named_unit
from akn.vocabulary import AKN_NS, DOCUMENT_TYPES, HIERARCHY_ELEMENTS

__all__ = [
    "BODY_ELEMENTS",
    "COMPONENT_ELEMENTS",
    "Provision",
    "body_of",
    "child_provisions",
    "component_document",
    "components_of",
    "is_component",
    "iter_provisions",
    "iter_tree",
    "provision_text",
    "root_components",
    "text_container",
    "to_provision",
    "tree_of",
]

_A = f"{{{AKN_NS}}}"
HIERARCHY_TAGS = tuple(_A + name for name in sorted(HIERARCHY_ELEMENTS))
_HIERARCHY_TAG_SET = frozenset(HIERARCHY_TAGS)
# Where each document type keeps its main content.
BODY_ELEMENTS = ("body", "mainBody", "judgmentBody", "debateBody", "amendmentBody", "portionBody")
_BODY_TAGS = tuple(_A + name for name in BODY_ELEMENTS)
# Components that hold a whole document of their own.
COMPONENT_ELEMENTS = frozenset({"attachment", "component"})
_COMPONENT_TAGS = tuple(_A + name for name in sorted(COMPONENT_ELEMENTS))
_COMPONENT_HOLDERS = tuple(_A + name for name in ("attachments", "components", "collectionBody"))
_DOCUMENT_TAGS = frozenset(_A + name for name in DOCUMENT_TYPES)


@dataclass(slots=True)
class Provision:
    """One provision: its identifiers, element name, num and heading (markup), text and children.

    `text` is the markup of its `<content>`, or of its `<intro>` when it has child provisions (''
    when it has neither). `wid` is the provision's permanent identity: its wId, or its eId while it has
    never been renumbered (the wId is written from the eId the first time eIds are regenerated). `unit` is the
    unit an `<hcontainer>` stands for by its `name` ("regulation", "schedule"; see `akn.numbers.named_unit`),
    which its element name does not say; None for other provisions.
    """

    eid: str | None
    wid: str | None
    name: str
    num: str | None
    heading: str | None
    text: str
    children: list[Provision] = field(default_factory=list)
    unit: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form (children included)."""
        return {
            "eid": self.eid,
            "wid": self.wid,
            "name": self.name,
            "num": self.num,
            "heading": self.heading,
            "text": self.text,
            "unit": self.unit,
            "children": [child.to_dict() for child in self.children],
        }


def body_of(document: etree._Element) -> etree._Element | None:
    """The element holding a document's provisions (`<body>`, `<mainBody>`...), if it has one."""
    for child in document.iterchildren(*_BODY_TAGS):
        return child
    return None


def is_component(element: etree._Element) -> bool:
    """True for an `<attachment>` or `<component>` (holding a document or not)."""
    return element.tag in _COMPONENT_TAGS


def component_document(component: etree._Element) -> etree._Element | None:
    """The document an `<attachment>` or `<component>` holds (None for a `<documentRef>`, `<interstitial>`...)."""
    for child in component:
        if child.tag in _DOCUMENT_TAGS:
            return child
    return None


def components_of(document: etree._Element) -> list[etree._Element]:
    """The components of a document that hold documents, in document order: its `<attachments>`, its
    `<components>` and, for a `<documentCollection>`, the components of its `<collectionBody>`."""
    return [
        component
        for holder in document.iterchildren(*_COMPONENT_HOLDERS)
        for component in holder.iterchildren(*_COMPONENT_TAGS)
        if component_document(component) is not None
    ]


def root_components(root: etree._Element) -> list[etree._Element]:
    """The components of `<akomaNtoso>` itself (beside its document) that hold documents."""
    return [
        component
        for holder in root.iterchildren(_A + "components")
        for component in holder.iterchildren(*_COMPONENT_TAGS)
        if component_document(component) is not None
    ]


def tree_of(document: etree._Element) -> list[etree._Element]:
    """The top of a document's provision tree: its body's provisions, then its components."""
    body = body_of(document)
    return ([] if body is None else child_provisions(body)) + components_of(document)


def iter_tree(document: etree._Element) -> Iterator[etree._Element]:
    """Every node of a document's provision tree (provisions and components), in document order."""
    body = body_of(document)
    if body is not None:
        yield from iter_provisions(body)
    for component in components_of(document):
        yield component
        inner = component_document(component)
        assert inner is not None
        yield from iter_tree(inner)


def _document_title(document: etree._Element | None) -> str | None:
    """A component's heading when it has none of its own: its document's title (as markup), if any."""
    if document is None:
        return None
    for alias in document.iterfind(f"{_A}meta/{_A}identification/{_A}FRBRWork/{_A}FRBRalias[@name='title']"):
        title = " ".join((alias.get("value") or "").split())
        if title:
            return escape_text(title)
    for element in document.iter(_A + "docTitle"):
        title = " ".join("".join(str(text) for text in element.itertext()).split())
        if title:
            return escape_text(title)
    return None


def child_provisions(element: etree._Element) -> list[etree._Element]:
    """The provisions directly under a body or provision, in document order."""
    # Testing each child's tag is far cheaper than a 28-tag filter set up again for every element.
    return [child for child in element if child.tag in _HIERARCHY_TAG_SET]


def iter_provisions(container: etree._Element) -> Iterator[etree._Element]:
    """Every provision under a body or provision, in document order."""
    # One walk over the hierarchy elements in C; those whose parent is not the container or a provision
    # met before (quoted provisions) are passed over. `chain` holds the provisions above the current one.
    chain = [container]
    for element in container.iter(*HIERARCHY_TAGS):
        if element is container:
            continue
        parent = element.getparent()
        for depth in range(len(chain) - 1, -1, -1):
            if chain[depth] is parent:
                del chain[depth + 1 :]
                chain.append(element)
                yield element
                break


def text_container(element: etree._Element) -> etree._Element | None:
    """The `<content>` of a provision, else its `<intro>`, else None."""
    content = element.find(_A + "content")
    if content is not None:
        return content
    return element.find(_A + "intro")


def provision_text(element: etree._Element) -> str:
    """The markup of a provision's text (see `Provision.text`).

    The names of its paragraphs and inlines (eIds, a tool's `xml:id`) and attributes of other vocabularies are
    left out of the markup (`AknDocument.set_provision_text` gives them back), so that drafters and members
    edit words, not names: documents that name every paragraph and term, after the convention or in their own
    way, read as cleanly as those that do not. Markup of an earlier
    form (`akn.inline.MARKUP_FORM`) left out only the eIds the convention gives, where every element had one.
    """
    container = text_container(element)
    if container is None:
        return ""
    implicit: Mapping[etree._Element, str] | None = None
    if markup_form() >= 3:
        implicit = EVERY_ELEMENT
    elif is_fully_named(container):
        implicit = implicit_eids(container, container_prefix(element, container))
    return to_markup(container, implicit)


def to_provision(element: etree._Element, *, recursive: bool = True) -> Provision:
    """A `Provision` for a provision or component element (with its descendants when `recursive`).

    A component's text is '' and its children are the provisions and components of the document it holds.
    """
    num = element.find(_A + "num")
    heading = element.find(_A + "heading")
    tag = element.tag
    assert isinstance(tag, str)
    if tag in _COMPONENT_TAGS:
        inner = component_document(element)
        return Provision(
            eid=element.get("eId"),
            wid=element.get("wId") or element.get("eId"),
            name=tag[len(_A) :],
            num=None if num is None else inline_to_markup(num),
            heading=inline_to_markup(heading) if heading is not None else _document_title(inner),
            text="",
            children=[to_provision(node) for node in tree_of(inner)] if recursive and inner is not None else [],
        )
    name = tag[len(_A) :] if tag.startswith(_A) else tag
    return Provision(
        eid=element.get("eId"),
        wid=element.get("wId") or element.get("eId"),
        name=name,
        num=None if num is None else inline_to_markup(num),
        heading=None if heading is None else inline_to_markup(heading),
        text=provision_text(element),
        children=[to_provision(child) for child in child_provisions(element)] if recursive else [],
        unit=named_unit(element, name),
    )
