"""Synthetic AKN 3.0 bills of any size, for benchmarks and load tests.

`make_bill(sections)` returns the bytes of a strictly valid bill whose eIds follow the naming convention:
parts of up to 100 sections, each section with a heading and two subsections, the first with an
intro and two paragraphs, the other with content only; the text carries references and defined terms.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
SECTIONS_PER_PART = 100

_META = """<meta>
<identification source="#parley">
<FRBRWork>
<FRBRthis value="/akn/ke/bill/2026-11-21/{number}/!main"/>
<FRBRuri value="/akn/ke/bill/2026-11-21/{number}"/>
<FRBRdate date="2026-11-21" name="Generation"/>
<FRBRauthor href="#parliament"/>
<FRBRcountry value="ke"/>
<FRBRnumber value="{number}"/>
<FRBRname value="bill"/>
</FRBRWork>
<FRBRExpression>
<FRBRthis value="/akn/ke/bill/2026-11-21/{number}/eng@2026-11-21/!main"/>
<FRBRuri value="/akn/ke/bill/2026-11-21/{number}/eng@2026-11-21"/>
<FRBRdate date="2026-11-21" name="Generation"/>
<FRBRauthor href="#parliament"/>
<FRBRlanguage language="eng"/>
</FRBRExpression>
<FRBRManifestation>
<FRBRthis value="/akn/ke/bill/2026-11-21/{number}/eng@2026-11-21/!main.xml"/>
<FRBRuri value="/akn/ke/bill/2026-11-21/{number}/eng@2026-11-21.xml"/>
<FRBRdate date="2026-11-21" name="Generation"/>
<FRBRauthor href="#parley"/>
</FRBRManifestation>
</identification>
<references source="#parley">
<TLCOrganization eId="parley" href="/ontology/organization/parley" showAs="Parley"/>
<TLCOrganization eId="parliament" href="/ontology/organization/ke/parliament" showAs="Parliament"/>
<TLCTerm eId="trm_levy" href="/ontology/term/levy" showAs="levy"/>
</references>
</meta>"""


def _section(number: int, prefix: str) -> str:
    sec = f"{prefix}sec_{number}"
    subsection_1 = f"{sec}__subsec_1"
    paragraphs = "".join(
        f'<paragraph eId="{subsection_1}__para_{letter}"><num>({letter})</num><content><p>'
        f'the <term refersTo="#trm_levy">levy</term> under '
        f'<ref href="#sec_{other}">section {other}</ref> is due in thirty days;</p></content></paragraph>'
        for letter, other in (("a", number + 1), ("b", max(number - 1, 1)))
    )
    subsections = (
        f'<subsection eId="{subsection_1}"><num>(1)</num><intro><p>Subject to '
        f'<ref href="#{sec}">this section</ref>, a person shall—</p></intro>{paragraphs}</subsection>'
        f'<subsection eId="{sec}__subsec_2"><num>(2)</num><content><p>The Authority may waive the '
        f'<term refersTo="#trm_levy">levy</term> in writing where the person shows hardship, and shall '
        f"publish each waiver in the Gazette within fourteen days of granting it.</p></content></subsection>"
    )
    heading = escape(f"Assessment of levy {number}")
    return f'<section eId="{sec}"><num>{number}.</num><heading>{heading}</heading>{subsections}</section>'


def make_bill(sections: int, *, number: str = "12", parts: bool = True) -> bytes:
    """The bytes of a valid bill with `sections` sections, grouped in parts when `parts` is true."""
    body: list[str] = []
    section = 1
    part = 1
    while section <= sections:
        last = min(section + SECTIONS_PER_PART - 1, sections)
        if parts:
            prefix = f"part_{part}__"
            body.append(f'<part eId="part_{part}"><num>{part}</num><heading>Part {part}</heading>')
        else:
            prefix = ""
        body.extend(_section(n, prefix) for n in range(section, last + 1))
        if parts:
            body.append("</part>")
        section = last + 1
        part += 1
    title = escape(f"The Levies Bill, number {number}")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<akomaNtoso xmlns="{AKN_NS}"><bill name="bill">{_META.format(number=escape(number))}'
        f'<preface><longTitle><p>{title}</p></longTitle></preface>'
        f'<body>{"".join(body)}</body></bill></akomaNtoso>\n'
    )
    return xml.encode("utf-8")

