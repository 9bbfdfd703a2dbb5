"""Facts for the digest tests: a busy week, a quiet one and a meeting, built by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from c2cbot.domain.digests import (
    ActionItem,
    CityBalance,
    CityName,
    KpiTrend,
    MeetingFacts,
    MeetingKind,
    Participant,
    WeeklyFacts,
    Written,
)
from c2cbot.domain.steps import Step

BONN = CityName("bonn", {"en": "Bonn", "zh_Hans": "波恩", "de": "Bonn"}, "Europe/Berlin", "eu")
CHENGDU = CityName(
    "chengdu", {"en": "Chengdu", "zh_Hans": "成都", "de": "Chengdu"}, "Asia/Shanghai", "cn"
)
CITIES = (BONN, CHENGDU)


def weekly(**changes: object) -> WeeklyFacts:
    facts = WeeklyFacts(
        partnership_id=1,
        partnership="Bonn–Chengdu",
        cities=CITIES,
        week_start=date(2026, 11, 23),
        week_end=date(2026, 11, 29),
        loop="new_partnership",
        step=Step.DO,
        steps_done=(Step.REPLICATE, Step.PARTNER, Step.PLAN),
        answers_by_step=(("plan", 4), ("kpi_count", 3), ("kpi_money", 2), ("progress", 5)),
        kpis=(
            KpiTrend(
                "joint_projects",
                "Joint projects",
                "count",
                "projects",
                None,
                Decimal(2),
                Decimal(10),
                (("2026-Q2", Decimal(4)), ("2026-Q3", None), ("2026-Q4", Decimal("7.0000"))),
            ),
            KpiTrend(
                "trade_volume",
                "Trade volume with the partner",
                "money",
                None,
                "EUR",
                None,
                Decimal(2_500_000),
                (("2026-Q3", Decimal("1234567.5")), ("2026-Q4", Decimal("1034567.5"))),
            ),
            KpiTrend(
                "partnership_quality",
                "Quality of the partnership",
                "rating",
                None,
                None,
                None,
                None,
                (("2026-Q4", Decimal(4)),),
            ),
            KpiTrend(
                "visitors",
                "Foreign visitors and tourists",
                "count",
                "visitors",
                None,
                None,
                Decimal(5000),
                (),
            ),
        ),
        upcoming=(
            ActionItem(
                Written("Send the draft MoU to Chengdu", "en"),
                "Anna Berg",
                "bonn",
                date(2026, 12, 4),
            ),
            ActionItem(
                Written(
                    "准备代表团访问波恩的日程",
                    "zh_Hans",
                    {"en": "Prepare the programme of the delegation's visit to Bonn"},
                ),
                "李明",
                "chengdu",
                date(2026, 12, 10),
            ),
        ),
        overdue=(
            ActionItem(
                Written("Book <rooms> & translators", "en"),
                None,
                None,
                date(2026, 11, 20),
                "delayed",
            ),
        ),
        silent=(
            Participant("Jonas Weber", "bonn", "Stadt Bonn"),
            Participant("王芳", "chengdu"),
        ),
        balance=(CityBalance("bonn", 9, 3, 1), CityBalance("chengdu", 5, 2, 0)),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def quiet_week() -> WeeklyFacts:
    return weekly(
        answers_by_step=(),
        balance=(CityBalance("bonn", 0, 0, 0), CityBalance("chengdu", 0, 0, 0)),
        upcoming=(),
        silent=(),
    )


def meeting(**changes: object) -> MeetingFacts:
    facts = MeetingFacts(
        meeting_id=7,
        partnership="Bonn–Chengdu",
        cities=CITIES,
        kind=MeetingKind.WEB_CONFERENCE,
        starts_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        timezone="Europe/Berlin",
        place=Written("https://meet.example.org/bonn-chengdu", "en"),
        participants=(
            Participant("Anna Berg", "bonn", "Stadt Bonn"),
            Participant("Jonas Weber", "bonn"),
            Participant("李明", "chengdu", "成都市外办"),
        ),
        agenda=(
            Written("Climate partnership: next steps", "en"),
            Written("学生交流项目", "zh_Hans", {"en": "Student exchange programme"}),
        ),
        decisions=(
            Written(
                "Launch the joint e-bus pilot in March 2027.",
                "en",
                {"zh_Hans": "2027年3月启动联合电动公交试点。"},
            ),
            Written("下次会议在成都举行。", "zh_Hans"),
        ),
        action_items=(
            ActionItem(
                Written("Send the draft MoU to Chengdu", "en"),
                "Anna Berg",
                "bonn",
                date(2026, 12, 4),
            ),
            ActionItem(Written("确认访问日期", "zh_Hans"), None, None, date(2026, 11, 20)),
        ),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
