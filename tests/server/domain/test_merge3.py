"""Three-way merges (``merge3``) by their properties, against the edit scripts the texts were made by.

A script is a list of changes ``(start, end, typed)`` of base positions. For "what each side kept" to be well
defined, ``scripted_merge`` builds texts of distinct characters: the base's own, and each side's typed characters
from a pool of its own, so that the script a side was made by is the only reading of its text. Each side's changes
are more characters apart than they are long (a word retyped around a letter or two reads as one replacement,
docs/sync.md). Texts of ordinary words, where "the " typed before "the " reads the same wherever it is put, are
checked for what holds under every reading. ``tests/server/domain/test_textpatch.py`` runs the same cases through
the browser's ``merge3`` and expects the same texts.
"""

from __future__ import annotations

import random
import time
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.merge3 import merge3, merge_edit
from server.domain.textpatch import make_patch

Change = tuple[int, int, str]

LETTERS = (
    [chr(c) for c in range(ord("a"), ord("z") + 1)]
    + [chr(c) for c in range(0x3B1, 0x3CA) if c != 0x3C2]  # Greek
    + [chr(c) for c in range(0x430, 0x450)]  # Cyrillic
)
ASTRAL_LETTERS = [chr(c) for c in range(0x1D504, 0x1D51C) if chr(c).isalpha()]  # Fraktur capitals: two UTF-16 units
PUNCTUATION = list(",;().:")
BASE_SPACES = [" ", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004", "\u2005", "\u2006"]
# Each side types from its own pool: capitals and low digits for ours, Hebrew and high digits for theirs, and spaces.
POOLS = {
    "ours": [chr(c) for c in range(ord("A"), ord("Z") + 1)] + list("01234") + ["\u2007", "\u2008", "\u2009"],
    "theirs": [chr(c) for c in range(0x5D0, 0x5EB)] + list("56789") + ["\u200a", "\u202f", "\u205f"],
}
# A side's changes are at least this many kept characters apart: more than a change is long (at most 4).
APART = 5


def distinct_base(rng: random.Random, *, astral: bool = False) -> str:
    """Words of distinct letters (a punctuation mark at the end of some), between distinct spaces."""
    letters = rng.sample(LETTERS + (ASTRAL_LETTERS if astral else []), 40)
    punctuation, spaces = rng.sample(PUNCTUATION, len(PUNCTUATION)), rng.sample(BASE_SPACES, len(BASE_SPACES))
    out: list[str] = []
    for word in range(rng.randint(2, 7)):
        if word:
            out.append(spaces.pop())
        out += [letters.pop() for _ in range(rng.randint(1, 5))]
        if punctuation and rng.random() < 0.2:
            out.append(punctuation.pop())
    return "".join(out)


def script(rng: random.Random, pool: list[str], low: int, high: int, count: int) -> list[Change]:
    """Up to ``count`` changes within base positions ``[low, high]``, ``APART`` kept characters apart, each
    typing fresh characters of ``pool``."""
    typable = rng.sample(pool, len(pool))
    changes: list[Change] = []
    at = low
    while len(changes) < count and at <= high:
        start = rng.randint(at, min(high, at + 8))
        end = min(high, start + rng.choice([0, 0, 1, 2, 3]))
        typed = "".join(typable.pop() for _ in range(rng.choice([0, 1, 2, 3, 4] if end > start else [1, 2, 3, 4])))
        if end > start or typed:
            changes.append((start, end, typed))
        at = end + APART
    return changes


def apply(base: str, changes: list[Change]) -> str:
    out, position = [], 0
    for start, end, typed in sorted(changes):
        out += [base[position:start], typed]
        position = end
    return "".join(out) + base[position:]


def scripted_merge(rng: random.Random, *, astral: bool = False) -> tuple[str, list[Change], list[Change]]:
    """A base and both sides' scripts: passages apart, anywhere, or one replacement each over a shared passage."""
    base = distinct_base(rng, astral=astral)
    kind = rng.choice(["apart", "anywhere", "overlapping"])
    if kind == "apart":
        cut = rng.randint(1, len(base) - 1)
        left, right = (0, cut - 1), (cut + 1, len(base))
        if rng.random() < 0.5:
            left, right = right, left
        return (base, script(rng, POOLS["ours"], *left, rng.randint(1, 3)),
                script(rng, POOLS["theirs"], *right, rng.randint(1, 3)))
    if kind == "anywhere":
        return (base, script(rng, POOLS["ours"], 0, len(base), rng.randint(1, 3)),
                script(rng, POOLS["theirs"], 0, len(base), rng.randint(1, 3)))
    a, b, c, d = sorted(rng.sample(range(len(base) + 1), 4))
    first, second = ((a, c), (b, d)) if rng.random() < 0.5 else ((b, d), (a, c))  # whose replacement starts first
    return (base, [(*first, "".join(rng.sample(POOLS["ours"], rng.randint(0, 4))))],
            [(*second, "".join(rng.sample(POOLS["theirs"], rng.randint(0, 4))))])



def violations(base: str, ours: list[Change], theirs: list[Change], merged: str) -> list[str]:
    """Which of the merge properties ``merged`` breaks, given the scripts both sides were made by."""
    found: list[str] = []
    deleted = {i for start, end, _ in ours + theirs for i in range(start, end)}
    base_chars = set(base)
    # (1) Changes apart (an unchanged character between any two) apply exactly as made.
    apart = all(max(s1, s2) > min(e1, e2) for s1, e1, _ in ours for s2, e2, _ in theirs)
    if apart and merged != apply(base, ours + theirs):
        found.append("changes apart were not applied exactly")
    # (2) What both kept, once and in order; (3) what either deleted, gone.
    if [char for char in merged if char in base_chars] != [c for i, c in enumerate(base) if i not in deleted]:
        found.append("a character both kept was lost, doubled or moved, or a deleted one is back")
    for name, changes in (("ours", ours), ("theirs", theirs)):
        typed = "".join(t for _, _, t in changes)
        if [char for char in merged if char in set(typed)] != list(typed):
            found.append(f"{name}: a typed character was lost, doubled or reordered")
        for start, _, run in changes:
            at = merged.find(run)
            if run and at < 0:
                found.append(f"{name}: {run!r} is not whole")
            # ... and where it was typed: after exactly the kept characters before its change.
            elif run and sum(char in base_chars for char in merged[:at]) != sum(
                i not in deleted for i in range(start)
            ):
                found.append(f"{name}: {run!r} is out of place")
    if set(merged) - base_chars - set("".join(t for *_, t in ours + theirs)):
        found.append("characters nobody typed")
    # (4) Two insertions at one point: theirs first unless that glues two tokens into one and ours first does not.
    for start, end, mine in ours:
        for other_start, other_end, other in theirs:
            if start == end == other_start == other_end and mine and other:
                glued = not other[-1].isspace() and not mine[0].isspace() and (mine[-1].isspace() or other[0].isspace())
                if (mine + other if glued else other + mine) not in merged:
                    found.append("insertions at one point in the wrong order")
    return found


def test_the_audited_merges() -> None:
    # Theirs replaced "XY" by "YXXX "; ours typed "YY " after "XY": apart changes that only touch, each in place.
    # (Before: "YXXX ThisXYYY This Act", "This" doubled: the word diff read both as retyping "XYThis".)
    assert merge3("XYThis Act", "XYYY This Act", "YXXX This Act") == "YXXX YY This Act"
    # Theirs replaced "YXXX ThisXYYY This " by "REPL_" (its "REPL_A" + "ct" spells "REPL_" + the base's "Act"), ours
    # "YYY This Act may be " by "REPL_B": one region, the union deleted, both typed runs whole, theirs first.
    # (Before: "REPL_ActThisXREPL_Bcited as the", "ThisX" and "ct", which one side deleted, were back.)
    base = "YXXX ThisXYYY This Act may be cited as the"
    assert merge3(base, base[:10] + "REPL_B" + base[30:], "REPL_A" + base[20:]) == "REPL_REPL_Bcited as the"
    # Theirs retyped "shall" as "must" (the shared "s" is chance), ours "Clerk shall" as "Speaker": overlapping
    # replacements, both words whole, theirs first. Neither typed a space between them, so none is there.
    # (Before: "The mutSpeaker open the consultation", the "s" read as kept by theirs and deleted by ours.)
    assert merge3(
        "The Clerk shall open the consultation", "The Speaker open the consultation",
        "The Clerk must open the consultation",
    ) == "The mustSpeaker open the consultation"


@settings(max_examples=2500, deadline=None)
@given(st.randoms(use_true_random=True))
def test_merges_keep_what_both_kept_unite_deletions_and_keep_typed_runs_whole(rng: random.Random) -> None:
    base, ours, theirs = scripted_merge(rng)
    our_text, their_text = apply(base, ours), apply(base, theirs)
    merged = merge3(base, our_text, their_text)
    assert violations(base, ours, theirs, merged) == [], (base, our_text, their_text, merged)


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=True))
def test_a_merge_with_an_unchanged_side_or_the_same_text_is_the_other_text(rng: random.Random) -> None:
    base, ours, theirs = scripted_merge(rng, astral=True)
    our_text, their_text = apply(base, ours), apply(base, theirs)
    assert merge3(base, our_text, base) == our_text
    assert merge3(base, base, their_text) == their_text
    # The same text made by both: what it deletes is deleted once, what it types is there at least once.
    both = merge3(base, their_text, their_text)
    deleted = {i for start, end, _ in theirs for i in range(start, end)}
    assert [char for char in both if char in set(base)] == [c for i, c in enumerate(base) if i not in deleted]
    assert not Counter(their_text) - Counter(both)


def test_the_same_correction_made_by_both_is_made_once() -> None:
    assert merge3("teh cat sat", "the cat sat", "the cat sat down") == "the cat sat down"
    assert merge3("the cat sat", "the cat", "the cat") == "the cat"
    # Typing in one word still merges letter by letter.
    assert merge3("the regultion of", "the regulation of", "the Regultion of") == "the Regulation of"


def test_the_same_words_typed_by_both_at_one_point_are_kept_twice() -> None:
    # Two drafters writing on at the end of a provision both type " the": neither keystroke is dropped (the
    # browser audit's " the Clerk" and " the Speaker" came out " the SpeakerClerk").
    assert merge3("The Act.", "The Act. the", "The Act. the") == "The Act. the the"
    assert merge3("the cat sat", "the fat cat sat down", "the fat cat sat") == "the fat fat cat sat down"


SENTENCES = [
    "This Act may be cited as the Consultation Act",
    "The Clerk shall open the consultation within 14 days",
    "XYThis Act",
    "section 3 or section 13 of the Act",
    "the Minister may by notice in the Gazette",
    "11 11 11 11 and 3 and 13",
]
PIECES = ["X", "Y", " ", "XX", "YY ", "the ", "Act", "This", "s", "e ", "13", "(a)", "1", "and "]


def typed_in_a_sentence(rng: random.Random) -> tuple[str, str, str]:
    """One run typed by each side at any character of an ordinary sentence (the auditor's fuzz)."""
    base = rng.choice(SENTENCES)
    texts = []
    for _ in range(2):
        at, run = rng.randint(0, len(base)), "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 3)))
        texts.append(base[:at] + run + base[at:])
    return base, texts[0], texts[1]


def readings(base: str, text: str) -> set[tuple[int, str]]:
    """Every (point, run) such that typing run at point of ``base`` makes ``text``."""
    n = len(text) - len(base)
    return {(p, text[p : p + n]) for p in range(len(base) + 1) if text[:p] == base[:p] and text[p + n :] == base[p:]}


@settings(max_examples=1500, deadline=None)
@given(st.randoms(use_true_random=True))
def test_two_runs_typed_anywhere_in_a_sentence_are_both_kept_whole_and_once(rng: random.Random) -> None:
    base, ours, theirs = typed_in_a_sentence(rng)
    merged = merge3(base, ours, theirs)
    made = set()
    for p, mine in readings(base, ours):
        for q, other in readings(base, theirs):
            if p == q:
                made |= {base[:p] + other + mine + base[p:], base[:p] + mine + other + base[p:]}
            else:
                (a, x), (b, y) = sorted([(p, mine), (q, other)])
                made.add(base[:a] + x + base[a:b] + y + base[b:])
    assert merged in made, (base, ours, theirs, merged)


def test_a_long_provision_with_two_small_edits_merges_in_milliseconds() -> None:
    rng = random.Random(1)
    words = ["the", "Minister", "shall", "may", "section", "3(2)(a)", "by", "notice", "in", "Gazette", "of", "any"]
    base = " ".join(rng.choice(words) for _ in range(16_000))[:100_000]
    middle = base.index(" ", 50_000) + 1
    ours, theirs = base[:middle] + "quickly " + base[middle:], base[:1000] + base[1010:]
    started = time.perf_counter()
    merged = merge3(base, ours, theirs)
    elapsed = time.perf_counter() - started
    assert merged == base[:1000] + base[1010:middle] + "quickly " + base[middle:]
    assert merge_edit(base, theirs, make_patch(base, ours)).text == merged
    assert elapsed < 0.25, f"{elapsed * 1000:.0f} ms"  # about 1 ms; the whole-text word diff took 40 ms
