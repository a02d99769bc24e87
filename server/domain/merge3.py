"""Three-way merge of a provision's text that two sides edited from the same base.

``merge3`` merges a drafter's text with what the others made of the same base meanwhile; it never fails and
never drops an insertion, so a client can always fold a colleague's change into what it is typing.
``merge_edit`` rebases an edit (a ``textpatch`` patch) made against an older revision onto the current text by
that merge, and refuses it (``PatchConflict``) where both sides deleted or replaced overlapping passages.

The browser's ``frontend/src/sync/merge3.js`` takes the same steps in the same order: the browser and the
server must make the same text of the same edits. So this module works on the unit strings of ``textpatch``
(``to_units``) as the browser works on JavaScript strings, and reads words and spaces as JavaScript does.

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Final

from diff_match_patch import diff_match_patch

from server.domain.textpatch import (
    DELETE,
    EQUAL,
    INSERT,
    AppliedEdit,
    PatchConflict,
    align_diffs,
    apply_exact,
    compose_check,
    is_high,
    is_low,
    to_units,
)

__all__ = ["merge3", "merge_edit"]

# What separates words, exactly as JavaScript's \s reads it (Python's \s also takes U+001C-U+001F and U+0085, and
# not U+FEFF): the browser and the server must cut a text into the same words to merge it alike.
_SPACES: Final = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_TOKEN: Final = re.compile(f"[^{_SPACES}]+|[{_SPACES}]+")
_SPACE: Final = re.compile(f"[{_SPACES}]")
_ALNUM: Final = re.compile("[A-Za-z0-9]")
_LONE_SURROGATE: Final = re.compile("[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]")
# Distinct tokens a word diff can name with one UTF-16 unit each, as the browser's (surrogates skipped); beyond,
# both fall back to the character diff.
_MAX_TOKENS: Final = 0xFFFF - 0x100 - 0x800
# Larger replacements (characters deleted times characters typed, past their common ends) are not diffed by
# character: two unrelated passages share only letters by chance, and the diff would cost seconds.
_REFINE_LIMIT: Final = 40_000


def _boundary_score(one: str, two: str) -> int:
    """diff-match-patch's score of a boundary between ``one`` and ``two``, as its JavaScript port reads characters.

    Each port scores by its own language's letters and spaces (Python's counts "é" as a letter, JavaScript's
    ``[a-z0-9]`` does not); merges slide edits by this score, so the server scores as the browser does.
    """
    if not one or not two:
        return 6
    char1, char2 = one[-1], two[0]
    other1, other2 = not _ALNUM.match(char1), not _ALNUM.match(char2)
    space1, space2 = other1 and bool(_SPACE.match(char1)), other2 and bool(_SPACE.match(char2))
    break1, break2 = space1 and char1 in "\r\n", space2 and char2 in "\r\n"
    if (break1 and one.endswith(("\n\n", "\n\r\n"))) or (
        break2 and two.startswith(("\n\n", "\n\r\n", "\r\n\n", "\r\n\r\n"))
    ):
        return 5
    if break1 or break2:
        return 4
    if other1 and not space1 and space2:
        return 3
    if space1 or space2:
        return 2
    return 1 if other1 or other2 else 0


class _BrowserDiff(diff_match_patch):  # type: ignore[misc]
    """diff-match-patch sliding edits to word boundaries exactly as ``diff-match-patch-es`` does in the browser."""

    def diff_cleanupSemanticLossless(self, diffs: list[tuple[int, str]]) -> None:
        pointer = 1
        while pointer < len(diffs) - 1:
            if diffs[pointer - 1][0] == EQUAL and diffs[pointer + 1][0] == EQUAL:
                equality1, edit, equality2 = diffs[pointer - 1][1], diffs[pointer][1], diffs[pointer + 1][1]
                common = self.diff_commonSuffix(equality1, edit)
                if common:
                    shared = edit[-common:]
                    equality1, edit, equality2 = equality1[:-common], shared + edit[:-common], shared + equality2
                best = (equality1, edit, equality2)
                best_score = _boundary_score(equality1, edit) + _boundary_score(edit, equality2)
                while edit and equality2 and edit[0] == equality2[0]:
                    equality1, edit, equality2 = equality1 + edit[0], edit[1:] + equality2[0], equality2[1:]
                    score = _boundary_score(equality1, edit) + _boundary_score(edit, equality2)
                    if score >= best_score:  # trailing rather than leading spaces on edits
                        best_score, best = score, (equality1, edit, equality2)
                if diffs[pointer - 1][1] != best[0]:
                    if best[0]:
                        diffs[pointer - 1] = (EQUAL, best[0])
                    else:
                        del diffs[pointer - 1]
                        pointer -= 1
                    diffs[pointer] = (diffs[pointer][0], best[1])
                    if best[2]:
                        diffs[pointer + 1] = (EQUAL, best[2])
                    else:
                        del diffs[pointer + 1]
                        pointer -= 1
            pointer += 1


def _by_chance(diffs: list[tuple[int, str]], index: int) -> bool:
    """Whether the equality at ``index`` is a letter shared by chance: no longer than the changes on either side
    of it, and those changes both delete and type ("shall" → "must" shares only its "s").

    Between insertions only, or deletions only, it is text the side kept.
    """

    def around(step: int) -> dict[int, int]:
        count = {INSERT: 0, DELETE: 0}
        i = index + step
        while 0 <= i < len(diffs) and diffs[i][0] != EQUAL:
            count[diffs[i][0]] += len(diffs[i][1])
            i += step
        return count

    before, after, length = around(-1), around(1), len(diffs[index][1])
    return (
        0 < index < len(diffs) - 1
        and length <= max(before.values())
        and length <= max(after.values())
        and before[INSERT] + after[INSERT] > 0
        and before[DELETE] + after[DELETE] > 0
    )


def _grouped(diffs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Each run of edits between two equalities as one deletion and one insertion."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(diffs):
        if diffs[i][0] == EQUAL:
            out.append(diffs[i])
            i += 1
            continue
        run = {DELETE: "", INSERT: ""}
        while i < len(diffs) and diffs[i][0] != EQUAL:
            run[diffs[i][0]] += diffs[i][1]
            i += 1
        out += [(op, run[op]) for op in (DELETE, INSERT) if run[op]]
    return out


def _refine(dmp: Any, deleted: str, inserted: str) -> list[tuple[int, str]]:
    """The text between two aligned words by character: what both passages share is kept, except letters shared
    by chance (``_by_chance``), which are read as deleted and typed again, one at a time until none is left.

    A merge unites deletions and keeps insertions: reading kept text as retyped lets it come back or be doubled;
    reading a chance letter as kept cuts the word typed around it when the other side deletes that letter.
    """
    head = dmp.diff_commonPrefix(deleted, inserted)
    tail = dmp.diff_commonSuffix(deleted[head:], inserted[head:])
    if (len(deleted) - head - tail) * (len(inserted) - head - tail) > _REFINE_LIMIT:
        return [(EQUAL, deleted[:head]), (DELETE, deleted[head : len(deleted) - tail]),
                (INSERT, inserted[head : len(inserted) - tail]), (EQUAL, deleted[len(deleted) - tail :])]
    diffs: list[tuple[int, str]] = dmp.diff_main(deleted, inserted, False)
    while chance := [i for i, (op, _) in enumerate(diffs) if op == EQUAL and _by_chance(diffs, i)]:
        index = chance[0]
        diffs[index : index + 1] = [(DELETE, diffs[index][1]), (INSERT, diffs[index][1])]
        diffs = _grouped(diffs)
    dmp.diff_cleanupSemanticLossless(diffs)
    return diffs


def _common_ends(dmp: Any, old: str, new: str) -> tuple[int, int]:
    """Where two texts stop being worth tokenizing: the start of the first word after the last space both share at
    their start, and the length of what both share at their end from a space after a word on (0: none).

    A long provision is tokenized only around the edits.
    """
    head = dmp.diff_commonPrefix(old, new) - 1
    while head > 0 and not (_SPACE.match(old[head - 1]) and not _SPACE.match(old[head])):
        head -= 1
    head = max(head, 0)
    tail = dmp.diff_commonSuffix(old[head:], new[head:]) - 1
    while tail > 0 and not (not _SPACE.match(old[len(old) - tail - 1]) and _SPACE.match(old[len(old) - tail])):
        tail -= 1
    return head, max(tail, 0)


def _token_diff(old: str, new: str) -> list[tuple[int, str]]:
    """A diff whose edits start and end on word boundaries, refined to characters inside replacements.

    Character diffs of look-alike text ("section 134 or section 13") can cut a deleted word in two or
    attribute a deletion to the neighbouring copy; merged with another drafter's edit beside it, the
    pieces fuse words. So words are aligned first, and characters are diffed only between aligned words
    (``_refine``), where two drafters typing in the same word still merge letter by letter.
    """
    dmp = _BrowserDiff()
    prefix = dmp.diff_commonPrefix(old, new)
    suffix = dmp.diff_commonSuffix(old[prefix:], new[prefix:])
    if prefix + suffix in (len(old), len(new)):
        # One run typed or deleted: read as such, whole, though it holds words like those around it.
        typed = prefix + suffix == len(old)
        run = new if typed else old
        diffs = [(EQUAL, old[:prefix]), (INSERT if typed else DELETE, run[prefix : len(run) - suffix]),
                 (EQUAL, old[len(old) - suffix :])]
        diffs = [diff for diff in diffs if diff[1]]
        dmp.diff_cleanupSemanticLossless(diffs)
        return diffs
    head, tail = _common_ends(dmp, old, new)
    out: list[tuple[int, str]] = [(EQUAL, old[:head])]
    for op, data in _word_diff(dmp, old[head : len(old) - tail], new[head : len(new) - tail]):
        if op == out[-1][0]:
            out[-1] = (op, out[-1][1] + data)
        else:
            out.append((op, data))
    if out[-1][0] == EQUAL:
        out[-1] = (EQUAL, out[-1][1] + old[len(old) - tail :])
    else:
        out.append((EQUAL, old[len(old) - tail :]))
    diffs = [(op, data) for op, data in out if data]
    # A word diff places an insertion among repeated words arbitrarily ("] [x" for "[x] "); slide each edit
    # to the boundary the character diff would choose, so both sides of a merge place alike edits alike.
    dmp.diff_cleanupSemanticLossless(diffs)
    return diffs


def _word_diff(dmp: Any, old: str, new: str) -> list[tuple[int, str]]:
    """Tokens (words and runs of spaces) aligned, each gap between aligned words refined (``_refine``).

    Words are aligned first and the spaces between them after: were spaces tokens of the same weight, a word
    moved by one place ("[c] [a]" -> "[x] [c]") would tie with two one-word replacements, and a merge of those
    with the other side's move of the same word keeps it twice.
    """
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    # One character per distinct token (surrogates skipped), so the diff engine compares tokens.
    tokens = list(dict.fromkeys(old_tokens + new_tokens))
    if len(tokens) > _MAX_TOKENS:
        diffs: list[tuple[int, str]] = dmp.diff_main(old, new, False)
        dmp.diff_cleanupSemanticLossless(diffs)
        return diffs
    codes = {token: chr(i + 0x100 if i + 0x100 < 0xD800 else i + 0x900) for i, token in enumerate(tokens)}
    old_codes, new_codes = list(map(codes.__getitem__, old_tokens)), list(map(codes.__getitem__, new_tokens))

    def decode(coded: str) -> str:
        return "".join(tokens[(ord(c) if ord(c) < 0xD800 else ord(c) - 0x800) - 0x100] for c in coded)

    # Each run of one operation as its pieces, joined once at the end: a long provision is thousands of pieces.
    runs: list[tuple[int, list[str]]] = []

    def push(op: int, text: str) -> None:
        if not text:
            return
        if runs and runs[-1][0] == op:
            runs[-1][1].append(text)
        else:
            runs.append((op, [text]))

    def gap(old_coded: str, new_coded: str) -> None:
        """The tokens between two aligned words, by character (``_refine``)."""
        if old_coded == new_coded:
            push(EQUAL, decode(old_coded))
        else:
            for op, text in _refine(dmp, decode(old_coded), decode(new_coded)):
                push(op, text)

    # Words and spaces alternate: a text's words are its even tokens, or its odd ones when it starts with a space.
    old_words = range(int(bool(_SPACE.match(old))), len(old_tokens), 2)
    new_words = range(int(bool(_SPACE.match(new))), len(new_tokens), 2)
    old_at = new_at = old_from = new_from = 0
    words_diff = dmp.diff_main("".join(old_codes[old_words.start :: 2]), "".join(new_codes[new_words.start :: 2]),
                               False)
    for op, data in words_diff:
        if op == EQUAL:
            # A run of aligned words: the tokens before it are a gap; the run itself is one equality unless a
            # space inside it changed, when each space between its words is a gap of its own.
            old_first, new_first = old_words[old_at], new_words[new_at]
            old_last, new_last = old_words[old_at + len(data) - 1], new_words[new_at + len(data) - 1]
            gap("".join(old_codes[old_from:old_first]), "".join(new_codes[new_from:new_first]))
            if old_codes[old_first : old_last + 1] == new_codes[new_first : new_last + 1]:
                push(EQUAL, "".join(old_tokens[old_first : old_last + 1]))
            else:
                for k in range(len(data)):
                    old_index, new_index = old_words[old_at + k], new_words[new_at + k]
                    if k:
                        gap("".join(old_codes[old_from:old_index]), "".join(new_codes[new_from:new_index]))
                    push(EQUAL, old_tokens[old_index])
                    old_from, new_from = old_index + 1, new_index + 1
            old_from, new_from = old_last + 1, new_last + 1
        if op != INSERT:
            old_at += len(data)
        if op != DELETE:
            new_at += len(data)
    gap("".join(old_codes[old_from:]), "".join(new_codes[new_from:]))
    return [(op, "".join(pieces)) for op, pieces in runs]


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    insert: str


def _edits(base: str, other: str) -> list[_Edit]:
    """The edits that turn ``base`` into ``other`` (unit strings), as replaced ranges of ``base``."""
    edits: list[_Edit] = []
    position = 0
    for op, data in align_diffs(_token_diff(base, other)):
        if op == EQUAL:
            position += len(data)
            continue
        end = position + len(data) if op == DELETE else position
        inserted = data if op == INSERT else ""
        if edits and edits[-1].end == position:
            edits[-1] = _Edit(edits[-1].start, end, edits[-1].insert + inserted)
        else:
            edits.append(_Edit(position, end, inserted))
        position = end
    return edits


def _splits_pair(text: str, at: int) -> bool:
    return 0 < at < len(text) and is_high(text[at - 1]) and is_low(text[at])


def _placements(base: str, edit: _Edit) -> list[_Edit]:
    """Every placement of a pure insertion or deletion that leaves the same text, the diff's own first.

    Deleting one "11 " of "11 11 11" or inserting "or " before "or " reads the same wherever the run
    is cut; which copy a diff names is arbitrary, and the choice matters only against the other side's edits.
    """
    found = [edit]
    if edit.insert and edit.start == edit.end:
        for step in (1, -1):
            start, insert = edit.start, edit.insert
            while True:
                at = start if step > 0 else start - 1
                if not 0 <= at < len(base) or base[at] != (insert[0] if step > 0 else insert[-1]):
                    break
                insert = insert[1:] + base[at] if step > 0 else base[at] + insert[:-1]
                start += step
                if not _splits_pair(base, start) and not _LONE_SURROGATE.search(insert):
                    found.append(_Edit(start, start, insert))
    elif not edit.insert:
        for step in (1, -1):
            start, end = edit.start, edit.end
            while (end < len(base) and base[end] == base[start]) if step > 0 else (
                start > 0 and base[start - 1] == base[end - 1]
            ):
                start, end = start + step, end + step
                if not _splits_pair(base, start) and not _splits_pair(base, end):
                    found.append(_Edit(start, end, ""))
    return found


def _clashes(base: str, edit: _Edit, others: list[_Edit]) -> bool:
    """Whether ``edit`` overlaps another side's deletion, or an insertion is wedged into one (``_wedged``)."""
    for other in others:
        if edit.start == edit.end:
            if other.start < other.end and _wedged(base, edit, other):
                return True
        elif other.start == other.end:
            if _wedged(base, other, edit):
                return True
        elif max(edit.start, other.start) < min(edit.end, other.end):
            return True
    return False


def _wedged(base: str, insertion: _Edit, deletion: _Edit) -> bool:
    """Whether an insertion falls inside a deleted passage, or is glued to a word at its edge."""
    at = insertion.start
    if deletion.start < at < deletion.end:
        return True
    if at == deletion.start:
        return _word_before(insertion.insert, len(insertion.insert)) and _word_after(base, at)
    if at == deletion.end:
        return _word_after(insertion.insert, 0) and _word_before(base, at)
    return False


def _code_point_at(text: str, at: int) -> str:
    """The character at ``at`` of a unit string (both halves of a surrogate pair), as JavaScript's codePointAt."""
    if is_high(text[at]) and at + 1 < len(text) and is_low(text[at + 1]):
        return chr(0x10000 + ((ord(text[at]) - 0xD800) << 10) + ord(text[at + 1]) - 0xDC00)
    return text[at]


def _is_word(char: str) -> bool:
    """A letter, digit or "_", as the browser's ``[\\p{L}\\p{N}_]``."""
    return char == "_" or unicodedata.category(char)[0] in "LN"


def _word_before(text: str, end: int) -> bool:
    """Whether the character that ends at ``end`` of a unit string is a word character."""
    if end <= 0:
        return False
    return _is_word(_code_point_at(text, end - 2 if end > 1 and is_low(text[end - 1]) and is_high(text[end - 2])
                                   else end - 1))


def _word_after(text: str, start: int) -> bool:
    """Whether the character that starts at ``start`` of a unit string is a word character."""
    return start < len(text) and _is_word(_code_point_at(text, start))


def _cuts_words(base: str, edit: _Edit) -> bool:
    """Whether the edit splits a word of ``base`` or glues an inserted word to one."""
    left, right = _word_before(base, edit.start), _word_after(base, edit.end)
    if edit.insert:
        return (left and _word_after(edit.insert, 0)) or (_word_before(edit.insert, len(edit.insert)) and right)
    return (left and _word_after(base, edit.start)) or (_word_before(base, edit.end) and right)


def _place(base: str, edit: _Edit, others: list[_Edit]) -> _Edit:
    """Move an edit that clashes with the other side's to an equivalent placement that does not.

    Among the placements that clash with nothing, those that keep words whole come first, then the
    nearest to where the diff put it; with none free, the diff's own placement stays (and ``merge_edit``
    reports a conflict where deletions overlap).
    """
    if not _clashes(base, edit, others):
        return edit
    free = [option for option in _placements(base, edit) if not _clashes(base, option, others)]
    if not free:
        return edit
    return min(free, key=lambda option: (_cuts_words(base, option), abs(option.start - edit.start)))


def _settle(base: str, edit: _Edit) -> _Edit:
    """Place a pure insertion as words are typed: starting a word, its space after it ("x " not " x").

    Two sides that inserted at one spot then meet at the same point, and a word typed before another
    drafter's word is not read as glued to the end of the one before.
    """
    if edit.start != edit.end:
        return edit

    def typed(option: _Edit) -> bool:
        return not _cuts_words(base, option) and not _SPACE.match(option.insert)

    if typed(edit):
        return edit
    options = [option for option in _placements(base, edit) if typed(option)]
    return min(options, key=lambda option: abs(option.start - edit.start)) if options else edit


def _aligned(base: str, ours: str, theirs: str) -> tuple[list[_Edit], list[_Edit]]:
    """Both sides' edits from ``base`` (unit strings), each placed clear of the other's where the text allows."""
    their_edits = [_settle(base, edit) for edit in _edits(base, theirs)]
    our_edits = [_place(base, _settle(base, edit), their_edits) for edit in _edits(base, ours)]
    their_edits = [_place(base, edit, our_edits) for edit in their_edits]
    return our_edits, their_edits


def _join_insertions(theirs: str, ours: str) -> str:
    """Both sides' insertions at one point: theirs first, unless that glues the two into one token (a run without
    spaces: a word, "3(2)(a)", "[a]") and ours first does not.

    "1" typed before "3" (making "134") and "section 3 " typed at the same point read "section 3 134"
    with ours first but "1section 3 134" with theirs first.
    """

    def glues(first: str, second: str) -> bool:
        return not _SPACE.match(first[-1]) and not _SPACE.match(second[0])

    return ours + theirs if theirs and ours and glues(theirs, ours) and not glues(ours, theirs) else theirs + ours


def _weave(base: str, our_edits: list[_Edit], their_edits: list[_Edit]) -> str:
    """The edits of both sides applied to ``base`` in its order.

    Edits that share a character of ``base``, an insertion strictly inside the other side's deleted passage, or
    two insertions at one point make one region: the union of their deletions is deleted and each side's
    insertions are kept whole, theirs first (``_join_insertions``); where both sides made the very same change it
    is made once if it deletes something (the same words typed by both at one point are kept twice). Edits that
    only touch keep their order in the text: an insertion where the other side's
    replacement begins stands before it, one where it ends after it.
    """
    edits = sorted(
        [(edit, 0) for edit in their_edits] + [(edit, 1) for edit in our_edits],
        key=lambda item: (item[0].start, item[0].end > item[0].start, item[1]),
    )
    pieces: list[str] = []
    position = index = 0
    while index < len(edits):
        region = [edits[index]]
        start, end = edits[index][0].start, edits[index][0].end
        index += 1
        while index < len(edits) and (
            edits[index][0].start < end if end > start else edits[index][0].start == edits[index][0].end == start
        ):
            region.append(edits[index])
            end = max(end, edits[index][0].end)
            index += 1
        theirs = [edit for edit, side in region if side == 0]
        ours = [edit for edit, side in region if side == 1]
        pieces.append(base[position:start])
        if theirs == ours and any(edit.end > edit.start for edit in theirs):
            # The same correction made by both (both retyped "teh" as "the"). The same letters typed by both at
            # one point were typed twice, and both are kept: two drafters writing on at one point both type " the",
            # and dropping either copy loses keystrokes. (A letter both insert in a word, "regultion", doubles;
            # told apart from typing by where it falls, it lost 8% of such races' keystrokes.)
            pieces.append("".join(edit.insert for edit in theirs))
        else:
            pieces.append(_join_insertions("".join(edit.insert for edit in theirs), "".join(e.insert for e in ours)))
        position = end
    pieces.append(base[position:])
    return "".join(pieces)


def _from_unit_text(units: str) -> str:
    """A unit string as text; a lone surrogate (never made from well-formed input) stays, as in JavaScript."""
    return units if units.isascii() else units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def merge3(base: str, ours: str, theirs: str) -> str:
    """Merge two texts edited from the same ``base``; never fails and never drops an insertion.

    Edits of passages apart apply as made. Where they overlap (or insert at the same point), the union
    of what either deleted is deleted and both insertions are kept whole, ``theirs`` (already on the server)
    first; the same change made by both is made once if it deletes something, and kept twice if it only inserts
    (two drafters typed those words). Mirrors ``merge3`` in ``frontend/src/sync/merge3.js``.
    """
    # Both sides making the same text is no reason to make it once: two drafters who typed the same words at one
    # point typed them twice (``_weave`` makes once only the same correction).
    if theirs == base:
        return ours
    if ours == base:
        return theirs
    units = to_units(base)
    return _from_unit_text(_weave(units, *_aligned(units, to_units(ours), to_units(theirs))))


def merge_edit(base: str, current: str, patch_text: str) -> AppliedEdit:
    """Rebase an edit made against ``base`` onto ``current`` by a three-way merge.

    The patch applies exactly to its own base; the other drafters' changes since are the edits from ``base`` to
    ``current``. Where both sides deleted or replaced overlapping passages the edit is a conflict; otherwise both
    apply, and every insertion is kept whole (``merge3``).
    """
    ours = apply_exact(base, patch_text)
    our_edits, their_edits = _aligned(to_units(base), to_units(ours), to_units(current))
    theirs = [e for e in their_edits if e.end > e.start]
    for edit in our_edits:
        if edit.end > edit.start and any(max(edit.start, t.start) < min(edit.end, t.end) for t in theirs):
            raise PatchConflict("The edit changes words another drafter changed meanwhile.")
    merged = merge3(base, ours, current)
    return AppliedEdit(text=merged, patch=compose_check(current, merged))
