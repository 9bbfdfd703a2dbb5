"""The reader's language on a workspace page: translations, dates, names of cities.

Dates are the reader's: a moment becomes the day it was where they live, written as
their language writes dates (Babel's long format: "4 May 2026", "2026年5月4日",
"4. Mai 2026").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from c2cbot.domain.text import N_
from c2cbot.flows.texts import Texts

FORMER_MEMBER = N_("Former member")


class Wording:
    """Everything a page says, in one reader's language and time zone."""

    def __init__(self, texts: Texts, language: str, timezone: str = "UTC") -> None:
        self.texts, self.language = texts, language
        self.zone = _zone(timezone)

    def __call__(self, message: str, **params: object) -> str:
        text = self.texts.gettext(self.language, message)
        return text.format(**params) if params else text

    def day(self, day: date) -> str:
        return self.texts.format_date(self.language, day)

    def day_of(self, moment: datetime) -> str:
        """The day ``moment`` was where the reader lives."""
        return self.day(moment.astimezone(self.zone).date())

    def moment(self, at: datetime) -> str:
        """A day and a time where the reader lives ("4 May 2026 09:00")."""
        local = at.astimezone(self.zone)
        return f"{self.day(local.date())} {local:%H:%M}"

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()

    def language_name(self, code: str) -> str:
        """A language as the bot's language menu names it (English, 简体中文, Deutsch)."""
        return self.texts.languages.get(code) or code

    def person(self, name: str | None) -> str:
        """A person's name; an erased person's answers stay, under no name."""
        return name or self(FORMER_MEMBER)

    def named(self, names: Mapping[str, str]) -> str:
        """A city's name in the reader's language ("en", "zh_Hans"/"zh", "de" keys)."""
        short = self.language.split("_")[0]
        return names.get(self.language) or names.get(short) or names.get("en") or ""


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
