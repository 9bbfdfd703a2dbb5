"""An activity's status and when it is late: one rule for the chat, digests and workspace.

Activities come from the Plan step and from meetings' action items; the progress prompts
ask their owners how they go. The statuses are the progress conversation's answers
(``planned`` until the first one), and ``cancelled`` is kept as finished by planning. An
activity is late when its due date has passed and it is not finished: the weekly digest
lists it as overdue, the overview and the activities page mark it, and they never
disagree because they all ask :func:`is_late`.
"""

from __future__ import annotations

from datetime import date

from c2cbot.domain.text import N_

#: Finished activities are asked about no more and are never late.
FINISHED_ACTIVITY = ("done", "cancelled")

#: How pages and digests name each status, in this order.
ACTIVITY_STATUS = {
    "planned": N_("Planned"),
    "on_track": N_("On track"),
    "delayed": N_("Delayed"),
    "blocked": N_("Blocked"),
    "done": N_("Done"),
    "cancelled": N_("Cancelled"),
}


def status_label(status: str) -> str:
    """The untranslated name of ``status``; an unknown one reads as planned, since nobody
    has reported on it in words the bot knows."""
    return ACTIVITY_STATUS.get(status, ACTIVITY_STATUS["planned"])


def is_late(due_on: date | None, status: str, today: date) -> bool:
    """Past its due date on ``today`` and not finished; without a due date never late."""
    return due_on is not None and due_on < today and status not in FINISHED_ACTIVITY
