"""The French catalogue: every message of the interface is translated, and the compiled file is current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from server.http.i18n import TRANSLATIONS

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = TRANSLATIONS / "fr" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "N_": None}


def _messages(directory: Path, method: str, pattern: str) -> set[str]:
    found = extract_from_dir(str(directory), method_map=[(pattern, method)], keywords=KEYWORDS)
    return {message if isinstance(message, str) else message[0]
            for _file, _line, message, _comments, _context in found}


def test_every_message_of_the_pages_and_the_browser_is_translated() -> None:
    used = _messages(ROOT / "frontend" / "templates", "jinja2", "**.html")
    used |= _messages(ROOT / "server" / "http", "python", "**.py")
    with (CATALOGUE / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    translated = {message.id for message in catalogue if message.id and message.string}
    assert used, "the extractor found the interface's messages"
    assert sorted(used - translated) == []


def test_the_compiled_catalogue_matches_its_source() -> None:
    with (CATALOGUE / "messages.po").open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle, locale="fr") if m.id}
    with (CATALOGUE / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "run: pybabel compile -d server/translations"
