"""When an activity is late: one rule for the digest, the overview and the tracker."""

from __future__ import annotations

from datetime import date

import pytest

from c2cbot.domain.activities import ACTIVITY_STATUS, is_late, status_label

TODAY = date(2026, 5, 11)


@pytest.mark.parametrize(
    ("due_on", "status", "late"),
    [
        (date(2026, 5, 10), "on_track", True),  # due yesterday, still open
        (date(2026, 5, 10), "planned", True),
        (date(2026, 5, 10), "blocked", True),
        (date(2026, 5, 11), "delayed", False),  # due today: not late yet
        (date(2026, 5, 12), "delayed", False),
        (date(2026, 1, 1), "done", False),  # finished ones are never late
        (date(2026, 1, 1), "cancelled", False),
        (None, "planned", False),  # no due date, no lateness
    ],
)
def test_late_means_past_due_and_not_finished(due_on: date | None, status: str, late: bool) -> None:
    assert is_late(due_on, status, TODAY) is late


def test_every_status_has_a_name_and_unknown_ones_read_as_planned() -> None:
    assert status_label("on_track") == "On track" and status_label("cancelled") == "Cancelled"
    assert status_label("whatever") == ACTIVITY_STATUS["planned"]
