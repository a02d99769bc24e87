"""The provision tree of a document: parts, chapters, sections, subsections, paragraphs, articles...

A provision is an element of the schema's hierarchy (`HIERARCHY_ELEMENTS`) reached from the document's body
through other provisions only: hierarchy elements quoted inside a provision's text (`<quotedStructure>`,
`<embeddedStructure>`) belong to that text, not to the tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from akn.inline import inline_to_markup, to_markup
from akn.naming import container_prefix, implicit_eids, is_fully_named
from akn.vocabulary import AKN_NS, HIERARCHY_ELEMENTS

__all__ = [
    "BODY_ELEMENTS",
    "Provision",
    "body_of",
    "child_provisions",
    "iter_provisions",
    "provision_text",
    "text_container",
    "to_provision",
]

_A = f"{{{AKN_NS}}}"
HIERARCHY_TAGS = tuple(_A + name for name in sorted(HIERARCHY_ELEMENTS))
# Where each document type keeps its main content.
BODY_ELEMENTS = ("body", "mainBody", "judgmentBody", "debateBody", "amendmentBody", "portionBody")
_BODY_TAGS = tuple(_A + name for name in BODY_ELEMENTS)


@dataclass(slots=True)
class Provision:
    """One provision: its identifiers, element name, num and heading (markup), text and children.

    `text` is the markup of its `<content>`, or of its `<intro>` when it has child provisions (''
    when it has neither). `wid` is the provision's permanent identity: its wId, or its eId while it has
    never been renumbered (the wId is written from the eId the first time eIds are regenerated).
    """

    eid: str | None
    wid: str | None
    name: str
    num: str | None
    heading: str | None
    text: str
    children: list[Provision] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form (children included)."""
        return {
            "eid": self.eid,
            "wid": self.wid,
            "name": self.name,
            "num": self.num,
            "heading": self.heading,
            "text": self.text,
            "children": [child.to_dict() for child in self.children],
        }


def body_of(document: etree._Element) -> etree._Element | None:
    """The element holding a document's provisions (`<body>`, `<mainBody>`...), if it has one."""
    for child in document.iterchildren(*_BODY_TAGS):
        return child
    return None


def child_provisions(element: etree._Element) -> list[etree._Element]:
    """The provisions directly under a body or provision, in document order."""
    return list(element.iterchildren(*HIERARCHY_TAGS))


def iter_provisions(container: etree._Element) -> Iterator[etree._Element]:
    """Every provision under a body or provision, in document order."""
    stack = [iter(container.iterchildren(*HIERARCHY_TAGS))]
    while stack:
        element = next(stack[-1], None)
        if element is None:
            stack.pop()
            continue
        yield element
        stack.append(iter(element.iterchildren(*HIERARCHY_TAGS)))


def text_container(element: etree._Element) -> etree._Element | None:
    """The `<content>` of a provision, else its `<intro>`, else None."""
    content = element.find(_A + "content")
    if content is not None:
        return content
    return element.find(_A + "intro")


def provision_text(element: etree._Element) -> str:
    """The markup of a provision's text (see `Provision.text`).

    When every element of the text carries an eId, those the naming convention would give anyway are
    left out of the markup (`AknDocument.set_provision_text` gives them back), so documents that name
    every paragraph and term read as cleanly as those that do not.
    """
    container = text_container(element)
    if container is None:
        return ""
    implicit = None
    if is_fully_named(container):
        implicit = implicit_eids(container, container_prefix(element, container))
    return to_markup(container, implicit)


def to_provision(element: etree._Element, *, recursive: bool = True) -> Provision:
    """A `Provision` for a provision element (with its descendants when `recursive`)."""
    num = element.find(_A + "num")
    heading = element.find(_A + "heading")
    tag = element.tag
    assert isinstance(tag, str)
    return Provision(
        eid=element.get("eId"),
        wid=element.get("wId") or element.get("eId"),
        name=tag[len(_A) :] if tag.startswith(_A) else tag,
        num=None if num is None else inline_to_markup(num),
        heading=None if heading is None else inline_to_markup(heading),
        text=provision_text(element),
        children=[to_provision(child) for child in child_provisions(element)] if recursive else [],
    )
