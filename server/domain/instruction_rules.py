"""What an amendment must be for its instruction to say it: the rules checked before an amendment is drafted.

An instruction changes words. A change of formatting or markup alone (bold taken off, a word made a reference)
would read ``leave out "not less than" and insert "not less than"``, an instruction that says no change: such
changes are the clerks' editorial matter, not an amendment's. The instruction leaves them unsaid, and an
amendment that makes no other change is refused. A new provision is cited, amended and named (its eId) by its
number, which the bill's consolidation cannot invent: it needs one.

Each rule gives the refusal as a :class:`Wording` (None when the amendment keeps the rule), for the service to
refuse with, as it refuses an amendment that changes nothing.

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from server.domain.citation import bare_number
from server.domain.drafting_style import WESTMINSTER
from server.domain.text_changes import TextChange
from server.domain.wording import Wording, wording

__all__ = ["NUMBERED_UNITS", "formatting_problem", "numbering_problem"]

# The provisions a bill numbers, and by their numbers cites them ("section 4A", "paragraph (ca)"). The other
# provision elements (hcontainer, alinea, indent, proviso, level, list, sublist) commonly go unnumbered.
NUMBERED_UNITS: Final = frozenset(
    "article book chapter clause division paragraph part point rule section subchapter subclause subdivision"
    " subparagraph subpart subrule subsection subtitle title tome transitional".split()
)


def formatting_problem(provision: str, changes: Sequence[TextChange]) -> Wording | None:
    """Why a text amendment to ``provision`` (its citation) cannot be made when its ``changes`` change formatting or
    markup alone (see :attr:`TextChange.markup_only`), or None. Made together with changes of words, such changes
    are carried with them unworded, as the formatting of the new text."""
    if not changes or not all(change.markup_only for change in changes):
        return None
    quotes = ", ".join(WESTMINSTER.quoted(change.left_out) for change in changes)
    return wording("the proposed text of %(provision)s changes only the formatting or markup of %(quotes)s (bold, "
                   "italics, a reference, a term), not its words: an amendment changes words, and formatting alone "
                   "is an editorial matter for the clerks", provision=provision, quotes=quotes)


def numbering_problem(name: str, num: str | None) -> Wording | None:
    """Why a new provision ``name`` numbered ``num`` cannot be inserted (it has no number, and a bill numbers
    such provisions), or None."""
    if name in NUMBERED_UNITS and bare_number(num) is None:
        # Read by MPs and drafters under a field labelled "Number": in their words, not the API's ('num').
        return wording("a new provision needs a number: the bill cites and names its provisions by their numbers, "
                       "and one without a number could be neither cited nor amended")
    return None
