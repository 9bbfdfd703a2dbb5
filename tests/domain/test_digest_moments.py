"""When the next weekly digest goes out: the job's rule, read forward for the overview."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from c2cbot.domain.digest_moments import latest_digest_day, next_digest_at


@pytest.mark.parametrize(
    ("now", "weekday", "at", "zone", "expected_utc"),
    [
        # Wednesday 10:00 in Gothenburg, asked on a Monday: this week's Wednesday.
        (datetime(2026, 5, 4, 9, tzinfo=UTC), 3, "10:00", "Europe/Stockholm", (2026, 5, 6, 8)),
        # Asked at the very moment: the next one is a week later.
        (datetime(2026, 5, 6, 8, tzinfo=UTC), 3, "10:00", "Europe/Stockholm", (2026, 5, 13, 8)),
        # Across the change to summer time: still 09:00 local, one hour earlier in UTC.
        (datetime(2026, 3, 25, 12, tzinfo=UTC), 1, "09:00", "Europe/Stockholm", (2026, 3, 30, 7)),
        # Shanghai's Monday starts while it is still Sunday in UTC.
        (datetime(2026, 5, 3, 12, tzinfo=UTC), 1, "09:00", "Asia/Shanghai", (2026, 5, 4, 1)),
        # Nonsense reads as the job reads it: Monday, 09:00, UTC.
        (datetime(2026, 5, 5, 12, tzinfo=UTC), 9, "25:99", "Mars/Olympus", (2026, 5, 11, 9)),
    ],
)
def test_the_next_digest_is_the_first_moment_after_now(
    now: datetime, weekday: int, at: str, zone: str, expected_utc: tuple[int, ...]
) -> None:
    moment = next_digest_at(weekday, at, zone, now)
    assert moment.astimezone(UTC) == datetime(*expected_utc, tzinfo=UTC)
    assert moment > now
    assert latest_digest_day(weekday, at, zone, now) < moment.date()
