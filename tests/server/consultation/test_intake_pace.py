"""The intake's bound follows the pace of the writes: as many pending as are answered within the target wait."""

from __future__ import annotations

import pytest

from server.errors import IntakeBusy
from server.http.intake import PACE_SECONDS, IntakeGate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _answer(gate: IntakeGate, clock: Clock, writes: int, over: float) -> None:
    """``writes`` writes admitted and answered one after another, spread evenly over ``over`` seconds."""
    for _ in range(writes):
        with gate.admit():
            clock.now += over / writes


def test_a_quiet_process_admits_its_floor() -> None:
    gate = IntakeGate(128, floor=16, target_wait=0.1, clock=Clock())
    assert gate.pace == 0 and gate.limit == 16


def test_the_bound_is_what_the_last_seconds_pace_answers_within_the_target_wait() -> None:
    clock = Clock()
    gate = IntakeGate(128, floor=16, target_wait=0.1, clock=clock)
    _answer(gate, clock, 400, over=0.99)  # 400 writes answered in the last second
    assert gate.pace == 400
    assert gate.limit == 40  # 40 ahead of a write at 400 a second: a wait of 100 ms
    clock.now += 0.05
    _answer(gate, clock, 250, over=0.98)  # the pace of the last second alone counts
    assert gate.pace == 250 and gate.limit == 25


def test_the_bound_stays_between_the_floor_and_the_ceiling() -> None:
    clock = Clock()
    gate = IntakeGate(64, floor=16, target_wait=0.1, clock=clock)
    _answer(gate, clock, 2000, over=0.99)
    assert gate.limit == 64
    clock.now += PACE_SECONDS + 0.01  # a pause: the answers of the burst are behind us
    assert gate.pace == 0 and gate.limit == 16
    _answer(gate, clock, 50, over=0.5)
    assert gate.limit == 16  # 5 by the pace; never fewer than the floor
    # A ceiling below the floor wins: an operator who allows 3 gets 3.
    assert IntakeGate(3, floor=16, clock=clock).limit == 3


def test_admission_holds_places_up_to_the_bound_and_refuses_beyond_it() -> None:
    clock = Clock()
    gate = IntakeGate(128, floor=2, target_wait=0.1, clock=clock)
    with gate.admit(), gate.admit():
        assert gate.pending == 2 and gate.full
        with pytest.raises(IntakeBusy) as refused, gate.admit():
            pass
        assert refused.value.details["retry_after"] == 1
        assert gate.pending == 2, "a refused write holds no place"
    assert gate.pending == 0 and not gate.full
    assert gate.pace == 2, "an answered write counts toward the pace, a refused one does not"


def test_a_write_that_fails_gives_its_place_back_and_counts_as_answered() -> None:
    gate = IntakeGate(4, floor=1, clock=Clock())
    with pytest.raises(RuntimeError), gate.admit():
        raise RuntimeError("the write failed")
    assert gate.pending == 0 and gate.pace == 1


@pytest.mark.parametrize(("ceiling", "floor", "target"), [(0, 16, 0.1), (16, 0, 0.1), (16, 16, 0.0)])
def test_bounds_that_admit_nothing_are_refused(ceiling: int, floor: int, target: float) -> None:
    with pytest.raises(ValueError):
        IntakeGate(ceiling, floor=floor, target_wait=target)


def test_a_place_given_back_without_a_write_sets_no_pace() -> None:
    gate = IntakeGate(4, floor=2, clock=Clock())
    gate.enter()
    gate.enter()
    assert gate.pending == 2
    gate.leave(wrote=False)  # refused by its schema, say, after it was let in
    gate.leave(wrote=True)
    assert gate.pending == 0 and gate.pace == 1
