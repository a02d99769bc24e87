"""The library's refusals keep their sentence and values, so that an application can show them in its reader's
language, while reading exactly as before in English."""

from __future__ import annotations

import ast
import copy
import pickle
from pathlib import Path

import pytest

from akn import InvalidMarkupError, NotAknError, ProvisionNotFoundError, from_markup, parse_akn
from akn.errors import AknError, DocumentTooLargeError
from akn.plaintext import InvalidBillTextError
from akn.wording import Wording

AKN_DIR = Path(__file__).resolve().parents[2] / "akn"
ERRORS = {name for name, value in vars(__import__("akn.errors", fromlist=["*"])).items()
          if isinstance(value, type) and issubclass(value, AknError)} | {"InvalidBillTextError"}


def test_a_markup_error_keeps_its_sentence_and_its_place() -> None:
    with pytest.raises(InvalidMarkupError) as raised:
        from_markup("In force {{b from today")
    message = raised.value.message
    assert message == "expected }} to close the {{ opened here (line 1, column 10)"
    assert isinstance(message, Wording)
    assert message.template == "%(message)s (line %(line)s, column %(column)s)"
    inner = message.values["message"]
    assert isinstance(inner, Wording) and inner.template == "expected }} to close the {{ opened here"
    assert (message.values["line"], message.values["column"]) == (1, 10)


def test_values_keep_what_was_found_as_it_was_found() -> None:
    with pytest.raises(ProvisionNotFoundError) as missing:
        raise ProvisionNotFoundError("sec_9")
    assert missing.value.message == "expected the eId of a provision of this document, found 'sec_9', which is not one"
    assert isinstance(missing.value.message, Wording) and missing.value.message.values == {"eid": "sec_9"}
    too_large = DocumentTooLargeError(2_000_000, 1_000_000)
    assert str(too_large) == "expected a document of at most 1,000,000 bytes, found 2,000,000 bytes"
    with pytest.raises(NotAknError) as foreign:
        parse_akn(b"<html/>")
    assert foreign.value.message.values["found"] == "<html>"  # type: ignore[attr-defined]
    bill_text = InvalidBillTextError(Wording("expected the text of a bill, found nothing", {}), line=1)
    assert str(bill_text) == "expected the text of a bill, found nothing (line 1)"


def test_a_wording_survives_copying_and_pickling_with_its_sentence() -> None:
    said = InvalidMarkupError(Wording("expected an attribute name", {}), 3, 7).message
    assert isinstance(said, Wording)
    # The bytes unpickled are the ones just made here.
    for again in (copy.copy(said), copy.deepcopy(said), pickle.loads(pickle.dumps(said))):  # noqa: S301
        assert again == said and isinstance(again, Wording)
        assert again.template == said.template and again.values == said.values
        assert isinstance(again.values["message"], Wording)


def _refusals_written_as_plain_text(path: Path) -> list[str]:
    """Calls of an error class of the library (or a problem, or a warning) whose message is a literal or an
    f-string, not a wording()."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        callee = node.func
        name = callee.id if isinstance(callee, ast.Name) else callee.attr if isinstance(callee, ast.Attribute) else ""
        position = 1 if name in ("Problem", "warn") else 0
        if (name in ERRORS or name in ("error", "Problem", "warn")) and len(node.args) > position:
            first = node.args[position]
            if isinstance(first, ast.JoinedStr) or (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_every_refusal_of_the_library_is_a_wording() -> None:
    modules = sorted(AKN_DIR.glob("*.py"))
    assert len(modules) > 10
    assert [place for module in modules for place in _refusals_written_as_plain_text(module)] == []
