"""The scales a rating question is answered on: five steps, each named by what it means.

A rating of 1 to 5 means nothing until its ends are named, and a question that names
them in its help while the bot adds a generic "1 = very poor, 5 = excellent" shows two
scales at once. So each rating question names one scale here, and its five options are
that scale's words ("Far behind" … "Fully on track"); the value kept is still 1 to 5.
"""

from __future__ import annotations

from enum import StrEnum

from c2cbot.domain.text import N_


class RatingScale(StrEnum):
    """Which words a rating question's five options carry (``scale:`` in its file)."""

    QUALITY = "quality"
    AMOUNT = "amount"
    PROGRESS = "progress"
    FIT = "fit"
    IMPORTANCE = "importance"


SCALE_WORDS: dict[RatingScale, tuple[str, str, str, str, str]] = {
    RatingScale.QUALITY: (N_("Very poor"), N_("Poor"), N_("Fair"), N_("Good"), N_("Excellent")),
    RatingScale.AMOUNT: (
        N_("Very little"),
        N_("A little"),
        N_("Somewhat"),
        N_("A lot"),
        N_("A great deal"),
    ),
    RatingScale.PROGRESS: (
        N_("Far behind"),
        N_("Behind"),
        N_("Partly on track"),
        N_("Mostly on track"),
        N_("Fully on track"),
    ),
    RatingScale.FIT: (
        N_("No longer fit"),
        N_("Fit poorly"),
        N_("Fit in part"),
        N_("Fit well"),
        N_("Fit very well"),
    ),
    RatingScale.IMPORTANCE: (
        N_("Not important"),
        N_("Slightly important"),
        N_("Important"),
        N_("Very important"),
        N_("Vital"),
    ),
}


def stars(rating: int) -> str:
    """A rating as people read it back: ★★★★☆ for 4."""
    return "★" * rating + "☆" * (5 - rating)
