"""The amendment procedure's rules: legal steps, who takes them, conflicts and the marshalled order."""

from __future__ import annotations

import json

import pytest

from server.domain.amendments import (
    AmendmentAction,
    AmendmentEvent,
    AmendmentState,
    Footprint,
    Mover,
    Outdating,
    Placed,
    StandingProblem,
    conflict_graph,
    conflicts,
    event_for,
    is_legal,
    marshal,
    mover_of,
    outdated_reason,
)
from server.domain.instructions import compare_texts
from server.services.translation import translated

S = AmendmentState
TEXT = "the Authority may waive the levy in writing where the person shows hardship"


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.DRAFT, S.TABLED), (S.DRAFT, S.WITHDRAWN), (S.TABLED, S.ADMISSIBLE), (S.TABLED, S.INADMISSIBLE),
        (S.TABLED, S.WITHDRAWN), (S.ADMISSIBLE, S.ADOPTED), (S.ADMISSIBLE, S.REJECTED),
        (S.ADMISSIBLE, S.WITHDRAWN), (S.ADMISSIBLE, S.FALLEN), (S.TABLED, S.FALLEN),
    ],
)
def test_legal_steps(current: AmendmentState, target: AmendmentState) -> None:
    assert is_legal(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.DRAFT, S.ADOPTED), (S.DRAFT, S.ADMISSIBLE), (S.TABLED, S.ADOPTED), (S.ADOPTED, S.WITHDRAWN),
        (S.REJECTED, S.ADOPTED), (S.INADMISSIBLE, S.ADMISSIBLE), (S.WITHDRAWN, S.TABLED),
        (S.FALLEN, S.ADOPTED), (S.TABLED, S.TABLED), (S.ADMISSIBLE, S.DRAFT),
    ],
)
def test_illegal_steps(current: AmendmentState, target: AmendmentState) -> None:
    assert not is_legal(current, target)


def test_proposer_tables_and_withdraws_clerk_rules_and_records_votes() -> None:
    assert mover_of(S.TABLED) is Mover.PROPOSER and mover_of(S.WITHDRAWN) is Mover.PROPOSER
    assert {mover_of(s) for s in (S.ADMISSIBLE, S.INADMISSIBLE, S.ADOPTED, S.REJECTED, S.FALLEN)} == {Mover.CLERK}
    assert event_for(S.ADOPTED) == AmendmentEvent.ADOPTED == "amendment.adopted"


def _text(amendment_id: int, new: str, eid: str = "sec_3__subsec_2", base: str = TEXT) -> Footprint:
    spans = tuple(c.span() for c in compare_texts(base, new))
    return Footprint(amendment_id, eid, AmendmentAction.TEXT, base, spans)


def test_overlapping_word_changes_conflict() -> None:
    a = _text(1, TEXT.replace("Authority", "Commission"))
    b = _text(2, TEXT.replace("the Authority may", "a tribunal shall"))
    assert conflicts(a, b) and conflicts(b, a)


def test_changes_to_different_words_of_one_provision_do_not_conflict() -> None:
    a = _text(1, TEXT.replace("Authority", "Commission"))
    b = _text(2, TEXT.replace("hardship", "undue hardship"))
    assert not conflicts(a, b)


def test_insertions_at_the_same_place_conflict() -> None:
    a = _text(1, TEXT.replace("shows hardship", "shows real hardship"))
    b = _text(2, TEXT.replace("shows hardship", "shows grave hardship"))
    assert conflicts(a, b)


def test_insertion_after_a_word_another_leaves_out_conflicts() -> None:
    a = _text(1, TEXT.replace("in writing ", ""))
    b = _text(2, TEXT.replace("in writing", "in writing promptly"))
    assert conflicts(a, b)


def test_amendments_to_different_provisions_do_not_conflict() -> None:
    assert not conflicts(_text(1, "x", eid="sec_1"), _text(2, "y", eid="sec_2"))


def test_leaving_out_a_provision_conflicts_with_amending_it_or_its_parts() -> None:
    leave_out = Footprint(1, "sec_3", AmendmentAction.DELETE)
    assert conflicts(leave_out, _text(2, "x", eid="sec_3__subsec_2"))
    assert conflicts(leave_out, Footprint(3, "sec_3", AmendmentAction.INSERT_AFTER))
    assert not conflicts(leave_out, _text(4, "x", eid="sec_30"))


def test_two_new_provisions_after_the_same_one_conflict() -> None:
    assert conflicts(Footprint(1, "sec_4", AmendmentAction.INSERT_AFTER),
                     Footprint(2, "sec_4", AmendmentAction.INSERT_AFTER))


def test_changes_made_against_different_texts_are_left_to_the_clerk() -> None:
    a = _text(1, TEXT.replace("Authority", "Commission"))
    b = _text(2, "the levy", base="an older text")
    assert conflicts(a, b)


def test_conflict_graph_links_both_ways_and_reaches_inside_deleted_provisions() -> None:
    footprints = [
        Footprint(1, "part_1__sec_3", AmendmentAction.DELETE),
        _text(2, "x", eid="part_1__sec_3__subsec_2"),
        _text(3, TEXT.replace("hardship", "undue hardship"), eid="part_1__sec_4"),
        _text(4, TEXT.replace("shows hardship", "shows grave hardship"), eid="part_1__sec_4"),
        _text(5, TEXT.replace("Authority", "Board"), eid="part_1__sec_4"),
    ]
    graph = conflict_graph(footprints)
    assert graph == {1: {2}, 2: {1}, 3: {4}, 4: {3}, 5: set()}


def test_marshalled_list_follows_the_bill_and_keeps_conflicting_ones_together() -> None:
    items = [
        Placed(10, ordinal=5, action=AmendmentAction.TEXT, first_word=3, number=1),
        Placed(11, ordinal=2, action=AmendmentAction.TEXT, first_word=7, number=2),
        Placed(12, ordinal=2, action=AmendmentAction.INSERT_AFTER, number=3),
        Placed(13, ordinal=2, action=AmendmentAction.TEXT, first_word=1, number=4),
        Placed(14, ordinal=9, action=AmendmentAction.DELETE, number=5),
    ]
    graph = {10: {14}, 14: {10}}
    assert marshal(items, graph) == [[13], [11], [12], [10, 14]]


@pytest.mark.parametrize(
    ("problem", "english", "french"),
    [
        (StandingProblem(Outdating.PROVISION_GONE, {}), "its provision is no longer in the bill",
         "sa disposition ne figure plus dans le projet de loi"),
        (StandingProblem(Outdating.TEXT_CHANGED, {"provision": "section 5(2)"}),
         "the text of section 5(2) has changed since", "le texte de section 5(2) a changé depuis"),
        (StandingProblem(Outdating.NUMBER_TAKEN, {"taken": "sec_3", "num": "3"}), "sec_3 is numbered 3 already",
         "sec_3 porte déjà le numéro 3"),
        (StandingProblem(Outdating.NUMBER_TAKEN, {"taken": None, "num": "3"}),
         "an unnamed provision is numbered 3 already", "une disposition sans identifiant porte déjà le numéro 3"),
    ],
)
def test_why_an_amendment_is_outdated_is_kept_as_parts_and_read_in_either_language(
    problem: StandingProblem, english: str, french: str
) -> None:
    """An outdated amendment that falls keeps why in its event as JSON parts, written in the reader's language."""
    kept = json.loads(json.dumps({"version": 2, **problem.as_data()}))
    assert StandingProblem.from_data(kept) == problem
    assert (str(problem.wording()), translated(problem.wording(), "fr")) == (english, french)
    reason = outdated_reason(kept)
    assert str(reason) == f"outdated by version 2: {english}"
    assert translated(reason, "fr") == f"rendu caduc par la version 2 : {french}"
