"""Every schema-valid corpus document imports, exports and imports again unchanged."""

from __future__ import annotations

import pytest
from lxml import etree

from akn import AknDocument
from tests.akn.corpus import CORPUS, files, read


def _text(root: etree._Element) -> str:
    return "".join(str(t) for t in root.itertext())


def _eids(root: etree._Element) -> list[str | None]:
    return [e.get("eId") for e in root.iter() if isinstance(e.tag, str) and e.get("eId") is not None]


@pytest.mark.parametrize("name", files(valid=True))
def test_valid_documents_import_and_export_with_identical_text_and_eids(name: str) -> None:
    data = read(name)
    document = AknDocument.from_bytes(data)
    original = etree.fromstring(data)
    exported = document.to_bytes()
    again = AknDocument.from_bytes(exported)
    assert _text(again.root) == _text(original)
    assert _eids(again.root) == _eids(original)
    assert again.to_bytes() == exported
    assert again.validate() == []
    assert document.frbr.doctype == etree.QName(original[0] if isinstance(original[0].tag, str)
                                                else next(c for c in original if isinstance(c.tag, str))).localname


@pytest.mark.parametrize("name", files(valid=True, doc_types={"act", "bill"}))
def test_valid_bills_and_acts_expose_their_provisions(name: str) -> None:
    document = AknDocument.from_bytes(read(name))
    assert document.editable
    provisions = document.provisions()
    assert provisions
    for eid in document.eids():
        assert document.provision(eid).eid == eid


@pytest.mark.parametrize("name", files(valid=False))
def test_invalid_documents_are_refused_with_a_reason(name: str) -> None:
    with pytest.raises(Exception) as caught:
        AknDocument.from_bytes(read(name))
    code = getattr(caught.value, "code", None)
    assert code in {"schema_invalid", "not_akn", "xml_syntax"}
    message = str(caught.value)
    if code == "schema_invalid":
        assert message.startswith("not valid Akoma Ntoso 3.0: line ")


def test_corpus_present_or_skipped() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the AKN corpus is not at {CORPUS}")
    assert files(valid=True, doc_types={"bill"}) and files(valid=True, doc_types={"act"})


@pytest.mark.parametrize("name", files(valid=True, doc_types={"act", "bill"}))
def test_writing_back_every_unedited_text_changes_only_layout(name: str) -> None:
    # Pretty-printed documents hold line breaks and indentation in their text, which the markup writes as
    # layout (one space, or nothing at an element's edges): putting each provision's text back as it reads
    # changes no character but that whitespace, keeps the document valid, and reads back the same.
    document = AknDocument.from_bytes(read(name))
    words = "".join(_text(document.root).split())
    eids = _eids(document.root)
    for eid in document.eids():
        text = document.provision_text(eid)
        if not text or document.provision(eid).name == "component":
            continue
        assert "\\\n" not in text
        document.set_provision_text(eid, text)
        assert document.provision_text(eid) == text
    assert "".join(_text(document.root).split()) == words
    assert _eids(document.root) == eids
    assert document.validate() == []
