"""What a completed step changes in the partnership's records, as the step files name it.

A coordinator's answers are the partnership's: Partner's signed MoU sets its dates (the
renewal reminder follows), Plan's activities become tracked activities with owners and
the plan review date is scheduled, Do's rhythm sets how often owners are asked for
progress, and Act's confirmed targets change the KPI plans. When both cities'
coordinators answer, the later answer sets the record (both answers stay in the history
and the exports). A member's answers are their own contribution: kept, and shown with
their name, but they change no record; the member is told so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from c2cbot.domain.text import N_
from c2cbot.flows.commanding import ChatTurn, coordinates
from c2cbot.flows.criteria_summary import criteria_summary
from c2cbot.flows.messages import Outbound
from c2cbot.flows.plan_ports import PlannedActivity
from c2cbot.flows.schema import Conversation

#: Do's "how often should progress be checked", in days between follow-ups.
RHYTHM_DAYS: Mapping[str, int] = {"weekly": 7, "biweekly": 14, "monthly": 30, "quarterly": 91}

CONTRIBUTION = N_(
    "Your answers are kept as your contribution. The partnership's dates, plan and "
    "targets follow its coordinators' answers."
)
MOU_RECORDED = N_(
    "The MoU (signed on {signed}, ending on {expires}) is on the partnership's record. "
    "I will remind the coordinators to renew it three months before it ends."
)
MOU_NO_END = N_(
    "The MoU signed on {signed} is on the partnership's record. Once you know when it "
    "ends, tell me in the Partner step and I will remind you to renew it."
)
PLAN_RECORDED = N_(
    "Activities now followed up: {added} new, {updated} updated. I will ask each owner "
    "for progress every {days} days, and before the due date."
)
REVIEW_SET = N_("The plan review is set for {day}; I will remind the coordinators that day.")
RHYTHM_SET = N_("From now on I will ask the activity owners for progress every {days} days.")
TARGETS_HEADER = N_("The new targets, as I understood them:")
TARGET_LINE = N_("{kpi}: {old} → {new}")
NO_TARGET = N_("no target")
TARGETS_CHANGED = N_("KPI targets changed: {count}.")
TARGETS_KEPT = N_("The KPI targets stay as they were.")


async def partner_agreement(turn: ChatTurn, conversation: Conversation) -> None:
    """The criteria scores for both cities, and a signed MoU's dates for the record."""
    values = _values(turn)
    turn.replies.append(Outbound(criteria_summary(conversation, values, turn.translate)))
    if values.get("mou_status") != "signed" or not values.get("mou_signed"):
        return
    if not _for_the_partnership(turn):
        return
    assert turn.partnership_id is not None
    signed, expires = date.fromisoformat(values["mou_signed"]), _date(values.get("mou_expiry"))
    await turn.ledger.plan.record_mou(turn.partnership_id, signed, expires)
    if expires is None:
        turn.say(MOU_NO_END, signed=_shown(turn, signed))
    else:
        turn.say(MOU_RECORDED, signed=_shown(turn, signed), expires=_shown(turn, expires))


async def plan_activities(turn: ChatTurn, _conversation: Conversation) -> None:
    """The plan's activities tracked, each followed up with its owner; the review scheduled."""
    if not _for_the_partnership(turn):
        return
    assert turn.partnership_id is not None
    values = _values(turn)
    review = _date(values.get("review_date"))
    saved = await turn.ledger.plan.record_plan(
        turn.partnership_id,
        turn.person.stakeholder_id,
        list(planned_activities(values)),
        review,
        turn.now,
    )
    view = await turn.ledger.schedules.schedule_view(turn.partnership_id, turn.now)
    turn.say(PLAN_RECORDED, added=saved.added, updated=saved.updated, days=view.follow_up_days)
    if review is not None:
        turn.say(REVIEW_SET, day=_shown(turn, review))


def planned_activities(values: Mapping[str, Any]) -> Iterator[PlannedActivity]:
    """The ``activities`` group's items, in the order given; pure."""
    item = 0
    while f"activities#{item}.title" in values:
        yield _activity({k: values.get(f"activities#{item}.{k}") for k in _ACTIVITY_FIELDS})
        item += 1


_ACTIVITY_FIELDS = ("title", "owner", "funding", "start", "due", "expected_result")


def _activity(answer: Mapping[str, Any]) -> PlannedActivity:
    return PlannedActivity(
        title=str(answer["title"]),
        owner_id=_int(answer["owner"]),
        funding=answer["funding"],
        starts_on=_date(answer["start"]),
        due_on=_date(answer["due"]),
        expected_result=answer["expected_result"],
    )


async def progress_rhythm(turn: ChatTurn, _conversation: Conversation) -> None:
    """Do's rhythm becomes the interval between the activity owners' progress prompts."""
    days = RHYTHM_DAYS.get(str(_values(turn).get("frequency")))
    if days is None or not _for_the_partnership(turn):
        return
    assert turn.partnership_id is not None
    await turn.ledger.schedules.set_follow_up_days(turn.partnership_id, days)
    turn.say(RHYTHM_SET, days=days)


async def act_targets(turn: ChatTurn, _conversation: Conversation) -> None:
    """Targets the coordinator confirmed change the KPI plans; nothing changes otherwise."""
    values = _values(turn)
    turn.state.pop(MEASURED, None)
    changes = target_changes(values)
    if not changes or not _for_the_partnership(turn):
        return
    assert turn.partnership_id is not None
    if values.get("confirm_targets") is not True:
        turn.say(TARGETS_KEPT)
        return
    count = await turn.ledger.plan.set_kpi_targets(turn.partnership_id, changes)
    turn.say(TARGETS_CHANGED, count=count)


async def targets_read_back(turn: ChatTurn) -> str:
    """Each KPI's target now and the one asked for, before the coordinator confirms."""
    assert turn.partnership_id is not None
    known = {t.kpi_key: t for t in await turn.ledger.plan.kpi_targets(turn.partnership_id)}
    lines = [turn.translate(TARGETS_HEADER)]
    for key, new in target_changes(_values(turn)).items():
        if key in known:
            old = known[key].target
            lines.append(
                "• "
                + turn.translate(
                    TARGET_LINE,
                    kpi=turn.translate(known[key].name),
                    old=_number(turn, old) if old is not None else turn.translate(NO_TARGET),
                    new=_number(turn, new),
                )
            )
    return "\n".join(lines)


MEASURED = "kpis_measured"
"""How many KPIs with targets the partnership measures, noted while Act is answered."""


def target_changes(values: Mapping[str, Any]) -> dict[str, Decimal]:
    """The new target of each KPI named in Act, the last one given winning; pure."""
    changes: dict[str, Decimal] = {}
    item = 0
    while f"target_changes#{item}.kpi" in values:
        target = values.get(f"target_changes#{item}.target")
        if target is not None:
            changes[str(values[f"target_changes#{item}.kpi"])] = Decimal(str(target))
        item += 1
    return changes


def _for_the_partnership(turn: ChatTurn) -> bool:
    """A coordinator's answers set the record; a member hears that theirs are kept."""
    if turn.partnership_id is None:
        return False
    if not coordinates(turn):
        turn.say(CONTRIBUTION)
        return False
    return True


def _values(turn: ChatTurn) -> Mapping[str, Any]:
    values: Mapping[str, Any] = turn.state.get("values", {})
    return values


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _shown(turn: ChatTurn, day: date) -> str:
    return turn.texts.format_date(turn.language, day)


def _number(turn: ChatTurn, value: Decimal) -> str:
    return turn.texts.format_number(turn.language, value.normalize())
