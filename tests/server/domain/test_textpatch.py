"""Provision text patches: exact and rebased application, the UTF-16 wire rule, three-way merges."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from server.domain.merge3 import merge3, merge_edit
from server.domain.textpatch import (
    MalformedPatch,
    PatchConflict,
    TextPatchError,
    apply_edit,
    apply_exact,
    compose_check,
    make_patch,
    map_position,
    rebase_apply,
)
from tests.server.domain.test_merge3 import apply, scripted_merge, typed_in_a_sentence

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / ".." / "shared" / "akn-corpus"
FRONTEND = ROOT / "frontend"
AKN = "{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}"
EMOJI = "%F0%9F%98%80"

# Characters that stress the wire rule: astral (two UTF-16 units), combining, percent and plus signs.
TRICKY = ["😀", "😁", "\U0001d518", "𠀀", "é", "e\u0301", "%", "+", "#", "\n", "[", "]"]


def statute_paragraphs() -> list[str]:
    """Paragraph texts from real AKN documents of the shared corpus."""
    if not CORPUS.is_dir():
        pytest.skip(f"the AKN corpus is not at {CORPUS}")
    texts: list[str] = []
    for name in ("indigo__basic_in.xml", "indigo__swahili_in.xml", "indigo__tables_in.xml"):
        path = CORPUS / name
        if not path.exists():
            continue
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        texts += [" ".join("".join(str(part) for part in p.itertext()).split()) for p in tree.iter(f"{AKN}p")]
    texts = [text for text in texts if len(text) > 20]
    if not texts:
        pytest.skip("no paragraph text found in the corpus documents")
    return texts


def redraft(text: str, rng: random.Random) -> str:
    """A drafter's edit: a few words inserted, deleted or replaced, sometimes with tricky characters."""
    words = text.split(" ")
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        at = rng.randrange(len(words) + 1)
        if roll < 0.4:
            words.insert(at, rng.choice(["shall", "may", "the Cabinet Secretary", *TRICKY]))
        elif roll < 0.7 and len(words) > 1:
            del words[min(at, len(words) - 1)]
        elif words:
            index = min(at, len(words) - 1)
            words[index] = words[index][::-1] + rng.choice(TRICKY)
    return " ".join(words)


def test_patches_of_redrafted_statute_text_apply_exactly_and_when_rebased() -> None:
    rng = random.Random(20261121)
    for text in statute_paragraphs():
        new = redraft(text, rng)
        patch = make_patch(text, new)
        assert apply_exact(text, patch) == new
        assert rebase_apply(text, patch, exact=False) == new


def test_equal_texts_make_an_empty_patch_that_changes_nothing() -> None:
    assert make_patch("same", "same") == ""
    assert apply_exact("same", "") == "same"
    assert rebase_apply("same", "", exact=False) == "same"


def test_offsets_count_utf16_code_units() -> None:
    # Six emoji are twelve code units; the hunk starts after three of them: unit 6, written 7.
    patch = make_patch("😀" * 6 + "abc", "😀" * 6 + "abXc")
    assert patch == f"@@ -7,9 +7,10 @@\n {EMOJI * 3}ab\n+X\n c\n"


def test_an_edit_inside_a_surrogate_pair_is_sent_as_whole_characters() -> None:
    # 😀 and 😁 share their high surrogate; the plain library would emit half a character.
    patch = make_patch("a😀b", "a😁b")
    assert patch == "@@ -1,4 +1,4 @@\n a\n-%F0%9F%98%80\n+%F0%9F%98%81\n b\n"
    assert apply_exact("a😀b", patch) == "a😁b"


def tricky_text(*extra: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from([*extra, *TRICKY]), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(tricky_text("a", " "), tricky_text("a", "b", " "))
def test_any_edit_round_trips(old: str, new: str) -> None:
    patch = make_patch(old, new)
    assert apply_exact(old, patch) == new
    assert rebase_apply(old, patch, exact=False) == new
    assert compose_check(old, new) == patch


def test_a_stale_patch_is_rebased_onto_the_current_text() -> None:
    base = "The Minister may make regulations for the purposes of this Act."
    mine = "The Minister may, by notice, make regulations for the purposes of this Act."
    current = "Subject to section 2, the Minister may make regulations for the purposes of this Act."
    patch = make_patch(base, mine)
    with pytest.raises(PatchConflict):
        apply_exact(current, patch)
    assert rebase_apply(current, patch, exact=False) == (
        "Subject to section 2, the Minister may, by notice, make regulations for the purposes of this Act."
    )


def test_a_rebased_deletion_never_deletes_a_look_alike() -> None:
    base = "Subject to section 3 and section 4, the Board may act."
    mine = "Subject to section 4, the Board may act."
    # Someone already removed "section 3 and "; fuzzy matching would now delete "section 4".
    current = "Subject to section 4, the Board may act."
    with pytest.raises(PatchConflict) as refused:
        rebase_apply(current, make_patch(base, mine), exact=False)
    assert refused.value.code == "edit_conflict"


def test_a_rebased_deletion_refuses_rather_than_swallow_what_a_colleague_typed_beside_it() -> None:
    base = "The Board may [x] make rules."
    patch = make_patch(base, "The Board may make rules.")
    with pytest.raises(PatchConflict):
        rebase_apply("The Board may [y] [x] make rules.", patch, exact=False)
    # Farther away, the deletion moves with the text.
    assert rebase_apply("Now the Board may [x] make rules.", patch, exact=False) == "Now the Board may make rules."


def test_a_hunk_that_no_longer_matches_refuses_the_whole_edit() -> None:
    base = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"
    mine = "ALPHA beta gamma delta epsilon zeta eta theta iota kappa lambda MU"
    current = "omega psi chi phi upsilon tau sigma rho pi omicron xi nu lambda mu"
    with pytest.raises(PatchConflict):
        rebase_apply(current, make_patch(base, mine), exact=False)


@pytest.mark.parametrize(
    "patch_text",
    [
        "@@ nonsense @@\n+x\n",
        "not a patch",
        "@@ -1,2 +1,4 @@\n ab\n+X\n c\n",  # header counts disagree with the lines
        "@@ -1,3 +1,4 @@\n ab\n+%E0%A4\n c\n",  # truncated UTF-8
        "@@ -1,3 +1,4 @@\n ab\n*X\n c\n",  # unknown line kind
        "@@ -0,0 +1,1 @@\n+\ud800\n",  # a raw lone surrogate, which no encoding holds
    ],
)
def test_malformed_patch_text_is_refused_with_its_own_code(patch_text: str) -> None:
    with pytest.raises(MalformedPatch) as refused:
        rebase_apply("abc", patch_text, exact=True)
    assert refused.value.code == "malformed_patch"
    assert isinstance(refused.value, TextPatchError)


def test_text_with_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(MalformedPatch):
        make_patch("a\ud83d", "b")


def test_apply_edit_returns_the_canonical_patch_to_broadcast() -> None:
    base = "Members shall elect a chairperson."
    current = "The Members shall elect a chairperson."
    sent = make_patch(base, "Members shall elect a chairperson 😀 and a deputy.")
    edit = apply_edit(current, sent, exact=False)
    assert edit.text == "The Members shall elect a chairperson 😀 and a deputy."
    assert apply_exact(current, edit.patch) == edit.text


def test_merge3_keeps_both_sides_and_puts_theirs_first_where_they_touch() -> None:
    assert merge3("the cat sat", "the big cat sat", "the cat sat down") == "the big cat sat down"
    assert merge3("abc", "aXbc", "aYbc") == "aYXbc"
    assert merge3("abcdef", "aXf", "abYZef") == "aYZXf"
    assert merge3("a😀b", "a😀😁b", "a😀\U0001d518b") == "a😀\U0001d518😁b"
    assert merge3("[x] The", "The", "[x] [y] The") == "[y] The"


words = st.lists(st.sampled_from(["shall", "may", "Board", "😀", "\U0001d518", "section 3"]), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(words, st.data())
def test_merge3_keeps_every_insertion_of_either_side(base_words: list[str], data: st.DataObject) -> None:
    base = " ".join(base_words) + " "
    starts = [0] + [i + 1 for i, char in enumerate(base) if char == " "]
    ours_at = data.draw(st.sampled_from(starts))
    theirs_at = data.draw(st.sampled_from(starts))
    ours = base[:ours_at] + "«ours» " + base[ours_at:]
    theirs = base[:theirs_at] + "«theirs» " + base[theirs_at:]
    merged = merge3(base, ours, theirs)
    assert merged.count("«ours» ") == 1
    assert merged.count("«theirs» ") == 1
    assert merged.replace("«ours» ", "").replace("«theirs» ", "") == base
    assert merge3(base, ours, base) == ours
    assert merge3(base, base, theirs) == theirs


# Words that look alike character by character: a character diff can cut them, or name the wrong copy.
LOOK_ALIKES = ["section", "11", "134", "13", "or", "1", "and", "3", "31", "(a)", "1,", "the", "then"]


def word_edit(words: list[str], data: st.DataObject, low: int, high: int) -> tuple[list[str], list[str], list[str]]:
    """One drafter's edit of the words in ``[low, high)``: insert a phrase, delete a word or replace one."""
    at = data.draw(st.integers(low, high - 1))
    kind = data.draw(st.sampled_from(["insert", "delete", "replace"]))
    edited = list(words)
    if kind == "insert":
        phrase = data.draw(st.lists(st.sampled_from(LOOK_ALIKES), min_size=1, max_size=3))
        edited[at:at] = phrase
        return edited, phrase, []
    if kind == "delete":
        return edited[:at] + edited[at + 1 :], [], [words[at]]
    edited[at] = data.draw(st.sampled_from(LOOK_ALIKES))
    return edited, [edited[at]], [words[at]]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(LOOK_ALIKES), min_size=3, max_size=10), st.data())
def test_merges_of_look_alike_words_neither_fuse_nor_duplicate_nor_conflict(
    base_words: list[str], data: st.DataObject
) -> None:
    """Two drafters edit different words (possibly neighbours) of a passage full of look-alikes.

    Whatever copy of a repeated word each diff names, the merge holds exactly the words of the base, less what
    either deleted, plus what either inserted: no word cut, glued to another or doubled. The server's merge of
    the patch agrees with the client's ``merge3`` and reports no conflict, since no word was touched twice.
    """
    cut = data.draw(st.integers(1, len(base_words) - 1))
    first, second = (0, cut), (cut, len(base_words))
    if data.draw(st.booleans()):
        first, second = second, first
    ours, our_added, our_removed = word_edit(base_words, data, *first)
    theirs, their_added, their_removed = word_edit(base_words, data, *second)
    base, our_text, their_text = " ".join(base_words), " ".join(ours), " ".join(theirs)

    merged = merge3(base, our_text, their_text)

    expected = Counter(base_words)
    expected.subtract(our_removed + their_removed)
    expected.update(our_added + their_added)
    assert Counter(merged.split(" ")) == +expected, (base, our_text, their_text, merged)
    assert merge_edit(base, their_text, make_patch(base, our_text)).text == merged


def test_known_look_alike_merges() -> None:
    # A deletion named on the copy the other side rewrote moves to an identical copy.
    assert merge3("11 11 11 11 and", "11 11 11 and", "11 11 11 3 and").split(" ").count("3") == 1
    assert "3and" not in merge3("11 11 11 11 and", "11 11 11 and", "11 11 11 3 and")
    # "1" typed before "3" (making "134") stays with it; the phrase typed at the same point stays whole.
    assert merge3(
        "section 31 3 11 3 section 11 31",
        "section 31 3 11 section 3 11 3 section 11 31",
        "section 31 3 11 134 section 11 31",
    ) == "section 31 3 11 section 3 11 134 section 11 31"
    # Text inserted where the other side's replacement starts stands before it.
    assert merge3("section 3 section 13 11", "section 3 and 3 section 13 11", "section 3 1, 13 11") == (
        "section 3 and 3 1, 13 11"
    )
    # A word the other side moved is not kept twice when ours deleted the word beside it and typed another
    # ("[c] [a]" -> "[x] [c]" is an insertion and a deletion, not two one-word replacements).
    assert merge3("[c] [a] T M [b] [d] m", "[x] [c] T M [b] m", "[a] T M [b] [c] [d] m") == "[x] T M [b] [c] m"
    assert merge3("c a T", "x c T", "a T c") == "x T c"


def test_map_position_follows_the_text_around_the_cursor() -> None:
    assert map_position("the cat", "the big cat", 5) == 9
    assert map_position("the cat", "the cat", 3) == 3
    assert map_position("the big cat", "the cat", 9) == 5


NODE_SCRIPT = """
import { readFileSync } from 'node:fs';
const [textpatchUrl, merge3Url, dmpUrl] = process.argv.slice(2);
const tp = await import(textpatchUrl);
const m3 = await import(merge3Url);
const dmp = await import(dmpUrl);
const input = JSON.parse(readFileSync(0, 'utf8'));
const plain = (a, b) => { try { return dmp.patchToText(dmp.patchMake(a, b)); } catch { return null; } };
const guard = (fn) => { try { return fn(); } catch (error) { return { error: error.message }; } };
console.log(JSON.stringify({
  made: input.pairs.map(([a, b]) => ({ ours: tp.makePatch(a, b), plain: plain(a, b) })),
  applied: input.python.map(([a, patch]) => ({
    exact: guard(() => tp.applyExact(a, patch)),
    plain: guard(() => dmp.patchApply(dmp.patchFromText(patch), a)),
  })),
  merged: input.merges.map(([base, ours, theirs]) => m3.merge3(base, ours, theirs)),
}));
"""


def cross_pairs() -> list[tuple[str, str]]:
    rng = random.Random(7)
    alphabet = ["a", "b", " ", *TRICKY]
    pairs = [("a😀b", "a😁b"), ("x\U0001d518y", "x\U0001d518zy"), ("", "😀")]
    pairs.append(("😀" * 20 + "end", "😀" * 20 + "the end"))
    for _ in range(150):
        old = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        new = list(old)
        for _ in range(rng.randint(1, 5)):
            if new and rng.random() < 0.4:
                del new[rng.randrange(len(new))]
            else:
                new.insert(rng.randint(0, len(new)), rng.choice(alphabet))
        pairs.append((old, "".join(new)))
    return pairs


def merge_cases() -> list[tuple[str, str, str]]:
    """Two drafters' word edits of look-alike passages, neighbours included, astral characters too."""
    rng = random.Random(11)
    vocabulary = [*LOOK_ALIKES, "😀", "\U0001d518" + "3", "é"]

    def edited(words: list[str], low: int, high: int) -> str:
        out, at, roll = list(words), rng.randrange(low, high), rng.random()
        if roll < 0.5:
            out[at:at] = [rng.choice(vocabulary) for _ in range(rng.randint(1, 3))]
        elif roll < 0.75:
            del out[at]
        else:
            out[at] = rng.choice(vocabulary)
        return " ".join(out)

    cases = [("[c] [a] T M [b] [d] m", "[x] [c] T M [b] m", "[a] T M [b] [c] [d] m"), ("c a T", "x c T", "a T c")]
    # Characters Python's \s and JavaScript's disagree on: both sides cut words where JavaScript does.
    cases += [("may\x85the", "may", "act"), ("may\ufeffthe", "may", "act"), ("a", "\x1cba", "")]
    # More distinct words than the browser can code in one UTF-16 unit each: both fall back to characters.
    filler = " ".join(f"w{n}" for n in range(63_300))
    cases.append((f"{filler} [c] [a] T", f"{filler} [x] [c] T", f"{filler} [a] T [c]"))
    for _ in range(600):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(3, 10))]
        cut = rng.randint(1, len(words) - 1)
        cases.append((" ".join(words), edited(words, 0, cut), edited(words, cut, len(words))))
    # The audited merges, and test_merge3's: scripted changes of distinct characters (astral ones too), runs typed
    # anywhere in a sentence, a long provision.
    audited = "YXXX ThisXYYY This Act may be cited as the"
    cases += [("XYThis Act", "XYYY This Act", "YXXX This Act"),
              (audited, audited[:10] + "REPL_B" + audited[30:], "REPL_A" + audited[20:]),
              ("The Clerk shall open the consultation", "The Speaker open the consultation",
               "The Clerk must open the consultation"),
              ("the cat sat", "the fat cat sat down", "the fat cat sat")]
    for n in range(600):
        base, ours, theirs = scripted_merge(rng, astral=n % 3 == 0)
        cases.append((base, apply(base, ours), apply(base, theirs)))
    cases += [typed_in_a_sentence(rng) for _ in range(400)]
    long = " ".join(rng.choice(vocabulary) for _ in range(20_000))
    cases.append((long, long[:50_000] + "quickly " + long[50_000:], long[:1000] + long[1010:]))
    return cases


def test_patches_cross_between_the_browser_module_and_the_server(tmp_path: Path) -> None:
    """Real node runs frontend/src/sync/textpatch.js, merge3.js and diff-match-patch-es; Python applies theirs and
    vice versa."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    dmp_entry = FRONTEND / "node_modules" / "diff-match-patch-es" / "dist" / "index.mjs"
    if not dmp_entry.exists():
        pytest.skip("frontend dependencies are not installed (run `npm ci` in frontend/)")
    pairs = cross_pairs()
    python = [(old, make_patch(old, new)) for old, new in pairs]
    merges = merge_cases()
    script = tmp_path / "cross.mjs"
    script.write_text(NODE_SCRIPT, encoding="utf-8")
    run = subprocess.run(
        [node, str(script), (FRONTEND / "src" / "sync" / "textpatch.js").as_uri(),
         (FRONTEND / "src" / "sync" / "merge3.js").as_uri(), dmp_entry.as_uri()],
        input=json.dumps({"pairs": pairs, "python": python, "merges": merges}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=True,
    )
    answer = json.loads(run.stdout)
    plain_applied = 0
    for (old, new), made, (_, ours), applied in zip(pairs, answer["made"], python, answer["applied"], strict=True):
        # Each side applies the other's patch. (They need not be the same text: the two libraries slide
        # edits to word boundaries by different ideas of a letter, e.g. whether é is one.)
        assert apply_exact(old, made["ours"]) == new
        assert applied["exact"] == new, (old, new, ours)
        # The plain JavaScript library reads the server's patches too (offsets in UTF-16 units).
        assert applied["plain"][0] == new and all(applied["plain"][1])
        if made["plain"] is not None:
            assert apply_exact(old, made["plain"]) == new
            plain_applied += 1
    assert plain_applied > len(pairs) // 2
    # The browser merges concurrent edits exactly as the server does.
    assert answer["merged"] == [merge3(*case) for case in merges]


@pytest.mark.parametrize(
    ("current", "base", "typed"),
    [
        # The fuzzy match put "new" inside a copy of itself: "Cabet in notin".
        ("Minister shall the Act in days or may Minister", "Minister shall the Act in or may Minister",
         "Minister shall the Act Cabinet in not or may Minister"),
        # A colleague's insertion inside the hunk's context: "[b6] " would land inside "may".
        ("Minister may [c7] [c4u] make", "Minister may [c4u] make", "Minister [b7] may [b6] [c4u] [b9u] make"),
        # Verbatim context at the end of the text, a colleague's "(a)" glued after it: "3 applies(a)".
        ("Section 3(a)", "Section 3", "Section 3 applies"),
        # And at its start: "XIt".
        ("Xshall apply", "shall apply", "It shall apply"),
        ("X", "", "Hello"),
    ],
)
def test_an_insertion_typed_between_words_is_refused_rather_than_placed_inside_one(
    current: str, base: str, typed: str
) -> None:
    with pytest.raises(PatchConflict, match="inside a token"):
        rebase_apply(current, make_patch(base, typed), exact=False)


def test_typing_inside_a_word_or_between_words_still_finds_its_place_when_the_text_moved() -> None:
    assert rebase_apply("Z the regultion of clerks", make_patch("the regultion of clerks", "the regulation of clerks"),
                        exact=False) == "Z the regulation of clerks"
    assert rebase_apply("the clerk shall keep a register Z",
                        make_patch("the clerk shall keep a register", "the clerk shall keep a public register"),
                        exact=False) == "the clerk shall keep a public register Z"
    # A crafted patch with an empty insertion inserts nothing (and does not fail).
    assert rebase_apply("abXd efg", "@@ -1,4 +1,4 @@\n+\n abcd\n", exact=False) == "abXd efg"
