"""Akoma Ntoso 3.0 core: safe parsing, validation, naming, FRBR, provisions and their markup.

Pure: no I/O beyond reading the bytes it is given; never imports `server`, `config`, Flask or SQLAlchemy.
See akn/README.md for the module map.
"""

from akn.bill import SectionDraft, new_bill
from akn.document import AknDocument, TextChange
from akn.errors import (
    AknError,
    DocumentTooLargeError,
    InvalidFrbrUriError,
    InvalidMarkupError,
    InvalidStructureError,
    NotAknError,
    ProvisionNotFoundError,
    SchemaInvalidError,
    UnsafeXmlError,
    XmlSyntaxError,
)
from akn.frbr import FrbrMetadata, FrbrUri
from akn.inline import from_markup, inline_from_markup, inline_to_markup, to_markup
from akn.parsing import parse_akn, parse_xml
from akn.provisions import Provision
from akn.validation import Problem

__all__ = [
    "AknDocument",
    "AknError",
    "DocumentTooLargeError",
    "FrbrMetadata",
    "FrbrUri",
    "InvalidFrbrUriError",
    "InvalidMarkupError",
    "InvalidStructureError",
    "NotAknError",
    "Problem",
    "Provision",
    "ProvisionNotFoundError",
    "SchemaInvalidError",
    "SectionDraft",
    "TextChange",
    "UnsafeXmlError",
    "XmlSyntaxError",
    "from_markup",
    "inline_from_markup",
    "inline_to_markup",
    "new_bill",
    "parse_akn",
    "parse_xml",
    "to_markup",
]
