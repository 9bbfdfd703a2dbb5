"""What the templates show, worked out from the facts once: trends, shares, totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from c2cbot.digests import formats
from c2cbot.digests.markup import Safe, escape
from c2cbot.digests.template_language import Lang, Pair
from c2cbot.domain.digests import (
    MEETING_KIND_NAMES,
    ActionItem,
    CityBalance,
    CityName,
    KpiTrend,
    MeetingFacts,
    Participant,
    WeeklyFacts,
)
from c2cbot.domain.kpi_values import RATING
from c2cbot.domain.steps import LOOPS, STEP_NAMES, Loop, Step, number_on
from c2cbot.domain.text import N_

KPI_REPORTS = N_("KPI reports")
#: What the weekly digest calls each conversation's answers.
CONVERSATION_NAMES: dict[str, str] = {
    "progress": N_("Progress updates"),
    "onboarding": N_("Joining"),
    "meeting": N_("Meeting notes"),
    **{step.value: name for step, name in STEP_NAMES.items()},
}
#: Shown at most, so a big partnership's digest stays a digest.
MAX_KPIS = 12
MAX_ITEMS = 15
MAX_SILENT = 20


@dataclass(frozen=True)
class KpiRow:
    trend: KpiTrend
    latest: Decimal | None
    previous: Decimal | None
    arrow: str  # ↑ ↓ → or "" with nothing to compare
    share: Decimal | None  # latest / target


@dataclass(frozen=True)
class Track:
    """The partnership's place on its loop through the eight steps."""

    loop: Loop | None
    number: int | None  # 1-based position of the current step on the loop
    marks: tuple[tuple[str, Step], ...]  # (mark, step) in loop order


def kpi_rows(facts: WeeklyFacts) -> list[KpiRow]:
    return [_kpi_row(trend) for trend in facts.kpis[:MAX_KPIS]]


def _kpi_row(trend: KpiTrend) -> KpiRow:
    known = [value for _, value in trend.values if value is not None]
    latest = known[-1] if known else None
    previous = known[-2] if len(known) > 1 else None
    share = latest / trend.target if latest is not None and trend.target else None
    return KpiRow(trend, latest, previous, _arrow(latest, previous), share)


def _arrow(latest: Decimal | None, previous: Decimal | None) -> str:
    if latest is None or previous is None:
        return ""
    if latest > previous:
        return "↑"
    return "↓" if latest < previous else "→"


def answer_rows(facts: WeeklyFacts) -> list[tuple[str, int]]:
    """Answers per conversation, under names people know; KPI conversations merge."""
    totals: dict[str, int] = {}
    for key, count in facts.answers_by_step:
        name = KPI_REPORTS if key.startswith("kpi_") else CONVERSATION_NAMES.get(key, key)
        totals[name] = totals.get(name, 0) + count
    return [(name, count) for name, count in totals.items() if count]


def answers_total(facts: WeeklyFacts) -> int:
    return sum(count for _, count in facts.answers_by_step)


def track(facts: WeeklyFacts) -> Track:
    loop = LOOPS.get(facts.loop)
    if loop is None:
        return Track(None, None, ())
    marks = tuple((_mark(facts, s), s) for s in loop.steps)
    return Track(loop, number_on(loop, facts.step), marks)


def _mark(facts: WeeklyFacts, step: Step) -> str:
    if step == facts.step:
        return "▶"
    return "✓" if step in facts.steps_done else "○"


def contributions(balance: CityBalance) -> int:
    return balance.answers + balance.reports + balance.actions_done


def balance_shares(facts: WeeklyFacts) -> list[tuple[CityBalance, Decimal]]:
    """Each city's share of all contributions this week (empty when nobody contributed)."""
    total = sum(contributions(b) for b in facts.balance)
    if not total:
        return []
    return [(b, Decimal(contributions(b)) / total) for b in facts.balance]


def is_overdue(item: ActionItem, today: date) -> bool:
    return item.due_on is not None and item.due_on < today and item.status != "done"


class _Names:
    """Helpers both views share: the partnership's title, owners and people by city."""

    cities: tuple[CityName, ...]
    partnership: str

    def title(self, lang: Lang) -> str:
        """The partnership as its cities are called in ``lang``: 波恩–成都, Bonn–Chengdu."""
        names = [lang.city(city.key) for city in self.cities]
        return "–".join(names) if len(names) > 1 else self.partnership

    @staticmethod
    def owner(item: ActionItem, lang: Lang | Pair, nobody: Safe) -> Safe:
        if not item.owner:
            return nobody
        name = escape(item.owner, lang.markup)
        city = lang.city(item.owner_city)
        return Safe(f"{name}{lang.parenthesised(lang.safe(city))}") if city else name


def by_city(
    people: Sequence[Participant], limit: int
) -> list[tuple[str | None, list[tuple[str, str | None]]]]:
    """People grouped by city, in the order the cities first appear; with organisations
    (``L.people`` writes them in the reader's punctuation)."""
    groups: dict[str | None, list[tuple[str, str | None]]] = {}
    for person in people[:limit]:
        groups.setdefault(person.city, []).append((person.name, person.organisation))
    return list(groups.items())


class WeeklyView(_Names):
    """The weekly facts as the template reads them."""

    def __init__(self, facts: WeeklyFacts) -> None:
        self.facts = facts
        self.cities = facts.cities
        self.partnership = facts.partnership
        self.track = track(facts)
        self.kpi_rows = kpi_rows(facts)
        self.answer_rows = answer_rows(facts)
        self.answers_total = answers_total(facts)
        self.upcoming = facts.upcoming[:MAX_ITEMS]
        self.more_upcoming = max(0, len(facts.upcoming) - MAX_ITEMS)
        self.overdue = facts.overdue[:MAX_ITEMS]
        self.more_overdue = max(0, len(facts.overdue) - MAX_ITEMS)
        self.silent_by_city = by_city(facts.silent, MAX_SILENT)
        self.more_silent = max(0, len(facts.silent) - MAX_SILENT)
        self.shares = balance_shares(facts)

    def marks(self, lang: Lang) -> list[str]:
        return [f"{mark} {lang.step(step)}" for mark, step in self.track.marks]

    def shares_text(self, lang: Lang) -> str:
        shares = [f"{lang.city(b.city)} {lang.pct(share)}" for b, share in self.shares]
        return formats.list_separator(lang.code).join(shares)

    @staticmethod
    def kpi_value(row: KpiRow, value: Decimal, lang: Lang) -> str:
        """A KPI value as its kind is read: money with currency, ratings of 5, counts."""
        trend = row.trend
        if trend.kind == "money" and trend.currency:
            return lang.money(value, trend.currency)
        if trend.kind == "rating":
            return str(lang.gettext(RATING, value=lang.n(value)))
        if trend.unit:
            return f"{lang.n(value)} {lang.word(trend.unit)}"
        return lang.n(value)


class MeetingView(_Names):
    """The meeting facts as the template reads them."""

    def __init__(self, facts: MeetingFacts, now: datetime) -> None:
        self.facts = facts
        self.cities = facts.cities
        self.partnership = facts.partnership
        self.today = now.astimezone(ZoneInfo(facts.timezone)).date()
        self.kind_name = MEETING_KIND_NAMES[facts.kind]
        self.participants_by_city = by_city(facts.participants, len(facts.participants))

    @property
    def clocks(self) -> list[tuple[str | None, str]]:
        """Each partner city's clock; without cities, the one the notes were taken in."""
        if not self.cities:
            return [(None, self.facts.timezone)]
        return [(city.key, city.timezone) for city in self.cities]

    def overdue(self, item: ActionItem) -> bool:
        return is_overdue(item, self.today)
