"""The errors `akn` raises: one class per failure, each with a stable snake_case `code`.

Callers map the classes (or their `code`) to responses; the message always says what was expected and
what was found, so it can be shown to the person who sent the document or the markup. Messages are
`akn.wording.Wording`s: English text that an application can also show in its reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from akn.wording import wording

if TYPE_CHECKING:
    from akn.validation import Problem

__all__ = [
    "AknError",
    "DocumentTooLargeError",
    "InvalidFrbrUriError",
    "InvalidMarkupError",
    "InvalidStructureError",
    "NotAknError",
    "ProvisionNotFoundError",
    "SchemaInvalidError",
    "UnsafeXmlError",
    "XmlSyntaxError",
]


class AknError(Exception):
    """Base class of every error raised by `akn`."""

    code: str = "akn_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Located(AknError):
    """An error tied to a place in the input (1-based line and column, when known)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        if line is None:
            super().__init__(message)
        elif column is None:
            super().__init__(wording("%(message)s (line %(line)s)", message=message, line=line))
        else:
            super().__init__(wording("%(message)s (line %(line)s, column %(column)s)", message=message, line=line,
                                     column=column))
        self.line = line
        self.column = column


class UnsafeXmlError(AknError):
    """The bytes use an XML feature that is never accepted: DOCTYPE, entities, XInclude, excessive nesting."""

    code = "unsafe_xml"


class DocumentTooLargeError(AknError):
    """The bytes exceed the size limit given to the parser."""

    code = "document_too_large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(wording("expected a document of at most %(limit)s bytes, found %(size)s bytes",
                                 limit=f"{limit:,}", size=f"{size:,}"))
        self.size = size
        self.limit = limit


class XmlSyntaxError(_Located):
    """The bytes are not well-formed XML (or not well-formed UTF-8)."""

    code = "xml_syntax"


class NotAknError(AknError):
    """Well-formed XML whose root is not an Akoma Ntoso 3.0 `akomaNtoso` element."""

    code = "not_akn"


class SchemaInvalidError(AknError):
    """The document breaks the strict AKN 3.0 schema; `problems` lists every error, in document order."""

    code = "schema_invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0] if problems else None
        if first is None:
            message = wording("the document is not valid against the Akoma Ntoso 3.0 schema")
        else:
            found = (wording("line %(line)s: %(problem)s", line=first.line, problem=first.message) if first.line
                     else first.message)
            message = wording("not valid Akoma Ntoso 3.0: %(problem)s", problem=found)
            if len(problems) > 1:
                message = wording("%(message)s (%(count)s more)", message=message, count=len(problems) - 1)
        super().__init__(message)
        self.problems = list(problems)


class InvalidMarkupError(_Located):
    """Provision markup that cannot be read (unclosed `{{`, unknown element, bad attribute...)."""

    code = "invalid_markup"


class InvalidFrbrUriError(AknError):
    """A string that is not an Akoma Ntoso FRBR URI."""

    code = "invalid_frbr_uri"


class ProvisionNotFoundError(AknError):
    """No provision of the document has the eId asked for."""

    code = "provision_not_found"

    def __init__(self, eid: str) -> None:
        super().__init__(wording("expected the eId of a provision of this document, found %(eid)r, which is not one",
                                 eid=eid))
        self.eid = eid


class InvalidStructureError(AknError):
    """A structural change that would leave the document invalid (e.g. deleting the last provision)."""

    code = "invalid_structure"
