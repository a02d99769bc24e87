"""The errors `akn` raises: one class per failure, each with a stable snake_case `code`.

Callers map the classes (or their `code`) to responses; the message always says what was expected and
what was found, so it can be shown to the person who sent the document or the markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

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
        where = ""
        if line is not None:
            where = f" (line {line}" + (f", column {column})" if column is not None else ")")
        super().__init__(message + where)
        self.line = line
        self.column = column


class UnsafeXmlError(AknError):
    """The bytes use an XML feature that is never accepted: DOCTYPE, entities, XInclude, excessive nesting."""

    code = "unsafe_xml"


class DocumentTooLargeError(AknError):
    """The bytes exceed the size limit given to the parser."""

    code = "document_too_large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"expected a document of at most {limit:,} bytes, found {size:,} bytes")
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
            message = "the document is not valid against the Akoma Ntoso 3.0 schema"
        else:
            line = f"line {first.line}: " if first.line else ""
            more = f" ({len(problems) - 1} more)" if len(problems) > 1 else ""
            message = f"not valid Akoma Ntoso 3.0: {line}{first.message}{more}"
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
        super().__init__(f"expected the eId of a provision of this document, found {eid!r}, which is not one")
        self.eid = eid


class InvalidStructureError(AknError):
    """A structural change that would leave the document invalid (e.g. deleting the last provision)."""

    code = "invalid_structure"
