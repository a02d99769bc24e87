"""Provision text patches as they travel between drafters and the server.

A patch is diff-match-patch ``patch_toText`` output. The wire rule, shared with the browser
(``frontend/src/sync/textpatch.js``), is:

* offsets and lengths in ``@@ -a,b +c,d @@`` headers count **UTF-16 code units**, as the JavaScript
  library counts them (an emoji counts 2);
* hunk bodies are percent-encoded UTF-8 of whole characters: no hunk starts or ends inside a surrogate
  pair, so both ``encodeURI`` and Python's ``quote`` can encode it.

Python counts code points, so this module works on a *unit string*: the text with every astral
character spelled as its two surrogate code points. diff-match-patch then counts exactly as JavaScript
does, and only the edges (``patch_toText`` / ``patch_fromText``) convert back to real characters.
The unit-string helpers and the diff operation codes are public because the three-way merge
(``server.domain.merge3``) reads edits from the same unit strings; it imports them, never the reverse.

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from diff_match_patch import diff_match_patch

__all__ = [
    "DELETE",
    "EQUAL",
    "INSERT",
    "AppliedEdit",
    "MalformedPatch",
    "PatchConflict",
    "TextPatchError",
    "align_diffs",
    "apply_edit",
    "apply_exact",
    "compose_check",
    "is_high",
    "is_low",
    "make_patch",
    "map_position",
    "rebase_apply",
    "to_units",
]

# Stricter than the library's 0.5: placing a drafter's words at the wrong spot of a statute is worse than
# a conflict, which the client resolves by a three-way merge and a resend.
MATCH_THRESHOLD: Final = 0.35
PATCH_DELETE_THRESHOLD: Final = 0.35

DELETE: Final = -1
INSERT: Final = 1
EQUAL: Final = 0
# Characters diff-match-patch leaves unescaped; JavaScript's encodeURI leaves the same ones.
_SAFE: Final = "!~*'();/?:@&=+$,# "
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
_HEADER: Final = re.compile(r"^@@ -(\d+),?(\d*) \+(\d+),?(\d*) @@$")


class TextPatchError(Exception):
    """A patch could not be turned into new text; ``code`` is the error code sent to the client."""

    code = "text_patch_error"


class PatchConflict(TextPatchError):
    """A hunk's context is not in the current text (someone changed that passage meanwhile)."""

    code = "edit_conflict"


class MalformedPatch(TextPatchError):
    """The patch text is not diff-match-patch ``patch_toText`` output, or breaks the wire rule."""

    code = "malformed_patch"


@dataclass(frozen=True)
class AppliedEdit:
    """The outcome of an accepted edit: the new text and the canonical patch to broadcast."""

    text: str
    patch: str


def _engine() -> Any:
    dmp = diff_match_patch()
    dmp.Match_Threshold = MATCH_THRESHOLD
    dmp.Patch_DeleteThreshold = PATCH_DELETE_THRESHOLD
    return dmp


def _split_pair(match: re.Match[str]) -> str:
    point = ord(match.group()) - 0x10000
    return chr(0xD800 + (point >> 10)) + chr(0xDC00 + (point & 0x3FF))


def to_units(text: str) -> str:
    """Spell astral characters as surrogate pairs so that ``len`` counts UTF-16 code units."""
    return text if text.isascii() else _ASTRAL.sub(_split_pair, text)


def _from_units(units: str) -> str:
    """Join surrogate pairs back into characters; a lone surrogate raises ``UnicodeDecodeError``."""
    if units.isascii():
        return units
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def is_high(unit: str) -> bool:
    return "\ud800" <= unit <= "\udbff"


def is_low(unit: str) -> bool:
    return "\udc00" <= unit <= "\udfff"


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise MalformedPatch("The text contains a lone surrogate; expected well-formed Unicode.") from error


def align_diffs(diffs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Move edit boundaries that fall inside a surrogate pair out to the whole character.

    Diffing code units may keep the shared high surrogate of 😀→😁 as an equality; encodeURI then
    throws on the lone halves. Every equality is trimmed to whole characters and what is trimmed
    is added to both sides of the neighbouring edit.
    """
    out: list[list[Any]] = [[op, text] for op, text in diffs]
    i = 0
    while i < len(out):
        op, text = out[i]
        if op == EQUAL and text and i > 0 and is_low(text[0]):
            out[i][1] = text[1:]
            i += _widen_run(out, i - 1, text[0], at_end=True)
        op, text = out[i]
        if op == EQUAL and text and i + 1 < len(out) and is_high(text[-1]):
            out[i][1] = text[:-1]
            _widen_run(out, i + 1, text[-1], at_end=False)
        i += 1
    return [(op, text) for op, text in out if text]


def _widen_run(out: list[list[Any]], index: int, unit: str, *, at_end: bool) -> int:
    """Add ``unit`` to both the delete and the insert of the edit run around ``index``.

    Returns how many entries were inserted (a run may lack its delete or its insert).
    """
    start = end = index
    while start > 0 and out[start - 1][0] != EQUAL:
        start -= 1
    while end + 1 < len(out) and out[end + 1][0] != EQUAL:
        end += 1
    ops = {entry[0]: entry for entry in out[start : end + 1]}
    added = 0
    for op in (DELETE, INSERT):
        if op not in ops:
            ops[op] = [op, ""]
            out.insert(start + added if op == DELETE else end + 1 + added, ops[op])
            added += 1
    for op in (DELETE, INSERT):
        ops[op][1] = ops[op][1] + unit if at_end else unit + ops[op][1]
    return added


def _trim_context(patches: list[Any]) -> None:
    """Shorten hunk context that begins or ends inside a surrogate pair by that half character.

    diff-match-patch cuts context at a fixed number of code units; the edits themselves are already
    whole characters (``align_diffs``), so only the outer context can hold half a pair.
    """
    for patch in patches:
        op, first = patch.diffs[0]
        if op == EQUAL and first and is_low(first[0]):
            patch.diffs[0] = (EQUAL, first[1:])
            patch.start1 += 1
            patch.start2 += 1
            patch.length1 -= 1
            patch.length2 -= 1
        op, last = patch.diffs[-1]
        if op == EQUAL and last and is_high(last[-1]):
            patch.diffs[-1] = (EQUAL, last[:-1])
            patch.length1 -= 1
            patch.length2 -= 1
        patch.diffs = [(op, data) for op, data in patch.diffs if data]


def _hunk_text(patch: Any) -> str:
    """``patch_obj.__str__`` over whole characters (the library encodes the unit string itself)."""
    lines = [_header(patch)]
    for op, data in patch.diffs:
        sign = {INSERT: "+", DELETE: "-", EQUAL: " "}[op]
        lines.append(sign + urllib.parse.quote(_from_units(data).encode("utf-8"), _SAFE) + "\n")
    return "".join(lines)


def _header(patch: Any) -> str:
    def coords(start: int, length: int) -> str:
        if length == 0:
            return f"{start},0"
        if length == 1:
            return str(start + 1)
        return f"{start + 1},{length}"

    return f"@@ -{coords(patch.start1, patch.length1)} +{coords(patch.start2, patch.length2)} @@\n"


def _minimal_diff(old: str, new: str) -> list[tuple[int, str]]:
    """The smallest edits, each slid to the nearest word boundary.

    Never ``diff_cleanupSemantic``: it turns "insert here, insert there" into "replace the passage
    between", and replacing a passage wipes out whatever another drafter typed into it meanwhile.
    """
    dmp = _engine()
    diffs: list[tuple[int, str]] = dmp.diff_main(old, new, False)
    dmp.diff_cleanupSemanticLossless(diffs)
    return diffs


def make_patch(old: str, new: str) -> str:
    """The patch (wire form) that turns ``old`` into ``new``; ``""`` when they are equal."""
    _check_text(old)
    _check_text(new)
    if old == new:
        return ""
    before = to_units(old)
    patches = _engine().patch_make(before, align_diffs(_minimal_diff(before, to_units(new))))
    _trim_context(patches)
    return "".join(_hunk_text(patch) for patch in patches)


def _parse(patch_text: str) -> list[Any]:
    """Parse wire text into patches over unit strings, checking headers against bodies."""
    for line in patch_text.split("\n"):
        if line.startswith("@@"):
            if not _HEADER.match(line):
                raise MalformedPatch(f"Expected a hunk header '@@ -a,b +c,d @@', found {line[:80]!r}.")
            continue
        try:
            urllib.parse.unquote_to_bytes(line[1:]).decode("utf-8")
        except UnicodeError as error:  # undecodable bytes, or a raw lone surrogate that no encoding holds
            raise MalformedPatch(f"A hunk line is not percent-encoded UTF-8: {line[:80]!r}.") from error
    try:
        patches: list[Any] = _engine().patch_fromText(patch_text)
    except ValueError as error:
        raise MalformedPatch(f"Expected diff-match-patch patch text: {error}") from error
    for patch in patches:
        patch.diffs = [(op, to_units(data)) for op, data in patch.diffs]
        old = sum(len(data) for op, data in patch.diffs if op != INSERT)
        new = sum(len(data) for op, data in patch.diffs if op != DELETE)
        if (old, new) != (patch.length1, patch.length2):
            raise MalformedPatch(
                f"Hunk header {_header(patch).strip()!r} counts {patch.length1},{patch.length2} UTF-16 "
                f"code units but its lines hold {old},{new}."
            )
    return patches


def _checked_result(units: str) -> str:
    try:
        return _from_units(units)
    except UnicodeDecodeError as error:
        raise PatchConflict("The edit would split a character in two; it overlaps a concurrent edit.") from error


def apply_exact(current: str, patch_text: str) -> str:
    """Apply a patch made against exactly ``current``; every hunk's context must be where it says."""
    _check_text(current)
    text = to_units(current)
    for number, patch in enumerate(_parse(patch_text), start=1):
        expected = "".join(data for op, data in patch.diffs if op != INSERT)
        found = text[patch.start2 : patch.start2 + patch.length1]
        if found != expected:
            raise PatchConflict(
                f"Hunk {number} expected {_from_units(expected)[:60]!r} at offset {patch.start2}, "
                f"found {_checked_result(found)[:60]!r}."
            )
        replacement = "".join(data for op, data in patch.diffs if op != DELETE)
        text = text[: patch.start2] + replacement + text[patch.start2 + patch.length1 :]
    return _checked_result(text)


def rebase_apply(current: str, patch_text: str, *, exact: bool) -> str:
    """Apply a drafter's patch to the current text.

    ``exact=True`` when the patch's base revision is the current one: it must apply exactly.
    ``exact=False`` when the text moved on since. A hunk goes where its text and context still are,
    verbatim (the occurrence nearest to where it was). Failing that, a hunk that only inserts is placed
    by diff-match-patch's fuzzy match, unless that would put its words inside a token of the current
    text where the drafter typed between tokens (the fuzzy match can, once a colleague typed inside the
    hunk's context); a hunk that deletes is refused: fuzzy deletion would delete a look-alike
    ("section 4" for a "section 3" that someone else already removed) or swallow what a colleague just
    typed next to it. Any hunk that cannot be placed refuses the whole edit (``PatchConflict``); an
    edit is never applied in part.
    """
    if exact:
        return apply_exact(current, patch_text)
    _check_text(current)
    dmp = _engine()
    text = to_units(current)
    for number, patch in enumerate(_parse(patch_text), start=1):
        before = "".join(data for op, data in patch.diffs if op != INSERT)
        deletes = any(op == DELETE for op, _ in patch.diffs)
        at = _nearest(text, before, patch.start2, dmp.Match_Distance)
        if at >= 0:
            after = "".join(data for op, data in patch.diffs if op != DELETE)
            placed = text[:at] + after + text[at + len(before) :]
        elif deletes:
            raise PatchConflict(f"Hunk {number} deletes text that is no longer there.")
        else:
            placed, (ok,) = dmp.patch_apply([patch], text)
            if not ok:
                raise PatchConflict(f"Hunk {number} no longer matches the current text.")
        # Even a verbatim context can have a colleague's word glued to it where it ends with the text.
        if not deletes and _glues_words(text, str(placed), patch):
            raise PatchConflict(f"Hunk {number} would put its words inside a token of the current text.")
        text = str(placed)
    return _checked_result(text)


def _glues_words(old: str, new: str, patch: Any) -> bool:
    """Whether placing the insert-only ``patch`` made ``old`` into ``new`` other than by adding the whole tokens
    (runs without spaces: words, references such as "3(2)(a)") the drafter typed between tokens.

    A placement inside a token splits it, one next to a token sticks to it, and the fuzzy match can even put a
    word inside a copy of itself ("nenew w"): each changes the tokens of the text, which is what is compared. A
    drafter who typed inside a token (a letter added to a word) is not held to it.
    """
    before = "".join(data for op, data in patch.diffs if op != INSERT)
    after = "".join(data for op, data in patch.diffs if op != DELETE)
    added = Counter(after.split()) - Counter(before.split())
    if Counter(after.split()) != Counter(before.split()) + added:
        return False  # typed inside a token: its placement is the fuzzy match's
    return Counter(new.split()) != Counter(old.split()) + added


def _nearest(text: str, needle: str, expected: int, distance: int) -> int:
    """The start of the occurrence of ``needle`` nearest to ``expected``, within ``distance``; else -1."""
    best = -1
    at = text.find(needle)
    while at >= 0:
        if abs(at - expected) <= distance and (best < 0 or abs(at - expected) < abs(best - expected)):
            best = at
        at = text.find(needle, at + 1)
    return best


def compose_check(current: str, new: str) -> str:
    """The canonical patch ``current`` → ``new`` (what the server broadcasts), verified to apply exactly."""
    patch = make_patch(current, new)
    if apply_exact(current, patch) != new:
        raise PatchConflict("The canonical patch does not reproduce the new text.")
    return patch


def apply_edit(current: str, patch_text: str, *, exact: bool) -> AppliedEdit:
    """Apply an edit and compute the canonical patch to broadcast: ``rebase_apply`` + ``compose_check``."""
    new = rebase_apply(current, patch_text, exact=exact)
    return AppliedEdit(text=new, patch=compose_check(current, new))


def map_position(old: str, new: str, position: int) -> int:
    """Where ``position`` in ``old`` lands in ``new`` (a cursor kept beside the same characters)."""
    if old == new:
        return position
    return int(_engine().diff_xIndex(_minimal_diff(old, new), position))
