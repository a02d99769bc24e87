"""Schema checks of one piece of a document (a provision, its content, num or heading) in isolation.

Validating a whole bill after every keystroke would cost a second on a large one; a new piece is instead
placed in a minimal valid document at the spot it will occupy and that small document is validated against
the same strict schema, which takes well under a millisecond. eId uniqueness across the real document is
the caller's job (`AknDocument` keeps an index of them).
"""

from __future__ import annotations

import copy

from lxml import etree

from akn.validation import Problem, schema_problems
from akn.vocabulary import AKN_NS, HIERARCHY_ELEMENTS

__all__ = ["fragment_problems"]

_A = f"{{{AKN_NS}}}"
_CHECK = "parley-fragment-check"
_TEMPLATE = etree.fromstring(
    f"""<akomaNtoso xmlns="{AKN_NS}"><act name="check"><meta><identification source="#{_CHECK}">
<FRBRWork><FRBRthis value="/akn/xx/act/2000-01-01/1/!main"/><FRBRuri value="/akn/xx/act/2000-01-01/1"/>
<FRBRdate date="2000-01-01" name="Generation"/><FRBRauthor href="#{_CHECK}"/><FRBRcountry value="xx"/>
</FRBRWork><FRBRExpression><FRBRthis value="/akn/xx/act/2000-01-01/1/eng@2000-01-01/!main"/>
<FRBRuri value="/akn/xx/act/2000-01-01/1/eng@2000-01-01"/><FRBRdate date="2000-01-01" name="Generation"/>
<FRBRauthor href="#{_CHECK}"/><FRBRlanguage language="eng"/></FRBRExpression><FRBRManifestation>
<FRBRthis value="/akn/xx/act/2000-01-01/1/eng@2000-01-01/!main.xml"/>
<FRBRuri value="/akn/xx/act/2000-01-01/1/eng@2000-01-01.xml"/><FRBRdate date="2000-01-01" name="Generation"/>
<FRBRauthor href="#{_CHECK}"/></FRBRManifestation></identification></meta><body/></act></akomaNtoso>""".encode()
)


def _leaf(parent: etree._Element, suffix: str) -> etree._Element:
    leaf = etree.SubElement(parent, _A + "section", eId=f"{_CHECK}-{suffix}")
    etree.SubElement(leaf, _A + "content")
    return leaf


def fragment_problems(fragment: etree._Element) -> list[Problem]:
    """Strict-schema problems of `fragment` placed where its name says it goes; empty when valid.

    `fragment` is moved into a scratch document: pass a piece that is not yet in a document.
    """
    tag = fragment.tag
    assert isinstance(tag, str)
    name = tag[len(_A) :] if tag.startswith(_A) else tag
    root = copy.deepcopy(_TEMPLATE)
    body = root[0][1]
    if name in HIERARCHY_ELEMENTS:
        body.append(fragment)
    else:
        section = etree.SubElement(body, _A + "section", eId=f"{_CHECK}-1")
        if name in ("num", "heading"):
            section.append(fragment)
            etree.SubElement(section, _A + "content")
        elif name == "intro":
            section.append(fragment)
            _leaf(section, "2")
        elif name == "wrapUp":
            _leaf(section, "2")
            section.append(fragment)
        else:
            section.append(fragment)
    problems = schema_problems(root)
    # Paths and lines refer to the scratch document: keep only what helps the author.
    return [Problem(p.code, p.message, None, None, p.severity) for p in problems]
