"""Admission by expected wait, on a clock the test moves: how many callbacks may wait."""

from __future__ import annotations

import pytest

from c2cbot.channels._tencent.admission import MEMORY, ROOM, SLACK, ExpectedWait
from tests.support.clock import SetSeconds

DEADLINE = 4.0  # the Official Account's default reply deadline


def engine_finishing(
    clock: SetSeconds, per_second: float, runs: int, concurrency: int
) -> ExpectedWait:
    """An estimate after ``runs`` runs, ``concurrency`` at a time, ``per_second`` finishing."""
    expected = ExpectedWait(clock)
    in_flight = [expected.started() for _ in range(concurrency)]
    for _ in range(runs):
        clock.now += 1 / per_second
        expected.finished(in_flight.pop(0))
        in_flight.append(expected.started())
    for started_at in in_flight:  # the last ones end at the same pace: none left
        clock.now += 1 / per_second
        expected.finished(started_at)
    return expected


def admits(expected: ExpectedWait, deadline: float) -> bool:
    return expected.worth_waiting(deadline) > 0


def admitted_while_piling_up(expected: ExpectedWait, limit: int = 10_000) -> int:
    """Callbacks arriving at once, each starting its run: how many may wait for theirs."""
    admitted = 0
    while admitted < limit and admits(expected, DEADLINE):
        expected.started()
        admitted += 1
    return admitted


def test_with_no_evidence_a_callback_waits() -> None:
    expected = ExpectedWait(SetSeconds())
    assert expected.of_next() == 0.0
    assert admits(expected, DEADLINE)


def test_a_fast_engine_admits_far_more_than_ten_in_flight() -> None:
    clock = SetSeconds()
    fast = engine_finishing(clock, per_second=500, runs=2000, concurrency=20)
    admitted = admitted_while_piling_up(fast)
    # 500 runs a second, 1 s of room: about five hundred runs may be ahead of the last one.
    assert admitted == pytest.approx(500 * DEADLINE * ROOM, rel=0.05)
    assert fast.in_flight == admitted


def test_a_slower_engine_admits_fewer() -> None:
    clock = SetSeconds()
    slower = engine_finishing(clock, per_second=4, runs=50, concurrency=2)
    admitted = admitted_while_piling_up(slower)
    # A quarter of a second per run: the fifth has four ahead, which fill the 1 s of room.
    assert admitted == 1 + 4 * DEADLINE * ROOM


def test_an_engine_slower_than_the_deadline_admits_none() -> None:
    clock = SetSeconds()
    slow = ExpectedWait(clock)
    for _ in range(3):  # one at a time, each longer than the whole deadline
        started_at = slow.started()
        clock.now += DEADLINE + 1
        slow.finished(started_at)
    assert slow.of_next() > DEADLINE
    assert admitted_while_piling_up(slow) == 0


def test_an_engine_that_stalls_stops_admitting_before_anything_finishes() -> None:
    """Runs in flight and none finishing: every second busy counts against the next run."""
    clock = SetSeconds()
    stalled = ExpectedWait(clock)
    stalled.started()
    assert admits(stalled, DEADLINE)
    clock.now += DEADLINE
    assert not admits(stalled, DEADLINE)


def test_the_estimate_follows_the_engine_when_it_recovers() -> None:
    clock = SetSeconds()
    expected = engine_finishing(clock, per_second=0.2, runs=5, concurrency=1)
    assert not admits(expected, DEADLINE)
    for _ in range(1000):  # then quick runs again, one at a time, for ten seconds
        started_at = expected.started()
        clock.now += 0.01
        expected.finished(started_at)
    assert expected.of_next() == pytest.approx(0.01, rel=0.1)
    assert admitted_while_piling_up(expected) > 10


def test_a_quiet_spell_fades_old_slowness_back_to_waiting() -> None:
    """With nothing finishing, old evidence fades: a callback waits again, as by default."""
    clock = SetSeconds()
    expected = engine_finishing(clock, per_second=0.2, runs=5, concurrency=1)
    assert not admits(expected, DEADLINE)
    clock.now += 5 * MEMORY
    assert admits(expected, DEADLINE)


def test_the_room_left_is_a_share_of_the_deadline() -> None:
    clock = SetSeconds()
    expected = ExpectedWait(clock)
    for _ in range(10):
        started_at = expected.started()
        clock.now += DEADLINE * ROOM
        expected.finished(started_at)
    assert expected.of_next() == pytest.approx(DEADLINE * ROOM)
    assert not admits(expected, DEADLINE * 0.99)
    assert admits(expected, DEADLINE * 1.01)


def test_a_clock_that_steps_back_changes_nothing() -> None:
    clock = SetSeconds()
    expected = engine_finishing(clock, per_second=100, runs=100, concurrency=4)
    before = expected.of_next()
    clock.now -= 60
    assert expected.of_next() == before


def test_memory_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ExpectedWait(SetSeconds(), memory=0)


def test_an_admitted_callback_waits_twice_its_expected_wait_not_the_deadline() -> None:
    """If the engine slows down after the guess, the callback gives up before the deadline."""
    clock = SetSeconds()
    fast = engine_finishing(clock, per_second=500, runs=500, concurrency=5)
    assert fast.of_next() * SLACK < DEADLINE * ROOM
    assert fast.worth_waiting(DEADLINE) == DEADLINE * ROOM  # the least an admitted one waits
    expected = fast.of_next()
    while fast.of_next() * SLACK <= DEADLINE * ROOM:  # runs pile up
        expected = fast.of_next()
        fast.started()
    waiting = fast.worth_waiting(DEADLINE)
    assert waiting == pytest.approx(fast.of_next() * SLACK) and waiting < DEADLINE
    assert fast.of_next() > expected
    slow = engine_finishing(SetSeconds(), per_second=0.2, runs=5, concurrency=1)
    assert slow.worth_waiting(DEADLINE) == 0.0
