"""/schedule: coordinators see the partnership's schedules and change them in the chat.

``/schedule`` shows how often activities are followed up, the reminder delay, each KPI
plan (frequency, who reports, when the next round opens) and the next prompts, with a
button for each setting. Typed forms work where there are no buttons:
``/schedule followup 10``, ``/schedule reminders 4`` (``standard`` for the bot's own),
``/schedule kpi 2 quarterly`` (2 being the KPI's number in the list). Impossible values
(0 days, an unknown frequency or KPI) are refused with the reason.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from c2cbot.domain.people import HELIX_NAMES, HelixRole
from c2cbot.domain.schedules import INTERVAL_DAYS, Frequency, every_days
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue, parse_number
from c2cbot.flows import answering
from c2cbot.flows.actions import ChangeSchedule, ScheduleSetting
from c2cbot.flows.commanding import ChatTurn, CommandTurn, translate
from c2cbot.flows.commands.declaration import Audience, Button, ChatCommand
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.ports import PlanLine, ScheduleView

REMINDER_RANGE = (1, 30)
SHOWN_PLANS = 8
FREQUENCY_NAMES = {
    Frequency.WEEKLY: N_("every week"),
    Frequency.BIWEEKLY: N_("every two weeks"),
    Frequency.MONTHLY: N_("every month"),
    Frequency.QUARTERLY: N_("every quarter"),
    Frequency.YEARLY: N_("every year"),
}
OFFERED_FREQUENCIES = (Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.YEARLY)
PROMPT_KINDS = {
    "kpi": N_("KPI report"),
    "progress": N_("progress update"),
    "due_week": N_("due in a week"),
    "due_day": N_("due tomorrow"),
    "overdue": N_("overdue"),
}
OVERVIEW = N_(
    "Schedules of your partnership\n"
    "Activities are followed up every {days} days.\n"
    "Unanswered questions are reminded after {reminder}."
)
REMINDER_DAYS = N_("{days} working days")
REMINDER_STANDARD = N_("the standard number of working days")
KPI_LINE = N_("{number}. {kpi}: {frequency}, reported by {who}; next round opens {date}, 10:00")
NO_KPIS = N_("No KPIs are measured yet: choosing them is part of the step Measure.")
NEXT_PROMPTS = N_("Next questions (your local time):")
NOTHING_PLANNED = N_("No questions are waiting to go out.")
PROMPT_LINE = N_("{when}: {name}, {kind} – {subject}")
CHANGE_HINT = N_(
    "Tap what you want to change, or type for example /schedule followup 10, "
    "/schedule reminders 4 or /schedule kpi 1 quarterly."
)
BUTTON_FOLLOW_UP = N_("Follow-up interval")
BUTTON_REMINDERS = N_("Reminder delay")
BUTTON_KPI = N_("KPI {number}: how often")
ASK_FOLLOW_UP = N_("How often should activities be followed up?")
ASK_REMINDERS = N_("After how many working days should an unanswered question be reminded?")
ASK_FREQUENCY = N_("How often should “{kpi}” be reported?")
EVERY_DAYS = N_("every {days} days")
STANDARD = N_("Standard")
FOLLOW_UP_SET = N_("Done: activities are now followed up every {days} days.")
REMINDERS_SET = N_("Done: unanswered questions are now reminded after {reminder}.")
FREQUENCY_SET = N_("Done: “{kpi}” is now reported {frequency}.")
BAD_DAYS = N_("Please choose a number of days from {low} to {high}.")
UNKNOWN_KPI = N_("There is no KPI number {number}. Send /schedule to see the list.")
UNKNOWN_SETTING = N_(
    "I don't know that setting. You can change followup, reminders or kpi; "
    "send /schedule to see them."
)
UNKNOWN_FREQUENCY = N_("Please choose one of: {choices}.")
WHO_HELIX = N_("{helix} in each city")
SOMEONE = N_("the member responsible")
_FOLLOW_UP_WORDS = ("followup", "follow-up", "follow", "跟进")
_REMINDER_WORDS = ("reminders", "reminder", "提醒")
_KPI_WORDS = ("kpi", "kpis", "指标")
_STANDARD_WORDS = ("standard", "default", "标准", "默认")
FOLLOW_UP, REMINDERS, KPI = (
    ScheduleSetting.FOLLOW_UP,
    ScheduleSetting.REMINDERS,
    ScheduleSetting.KPI,
)


async def show_or_change(turn: ChatTurn, argument: str) -> None:
    """``/schedule`` shows the schedules; with a setting and a value it changes one."""
    assert turn.partnership_id is not None  # the registry lets only coordinators in
    words = argument.split()
    try:
        if not words:
            await _show(turn, turn.partnership_id)
        else:
            await _change(turn, turn.partnership_id, words[0].casefold(), words[1:])
    except InvalidValue as problem:
        turn.say(problem.reason, **problem.params)
    await turn.reask(menu=False)


async def on_button(turn: ChatTurn, action: ChangeSchedule) -> None:
    """A setting's button asks for its value; a value's button sets it."""
    try:
        await _pressed(turn, action)
    except InvalidValue as problem:
        turn.say(problem.reason, **problem.params)
    await turn.reask(menu=False)


async def _pressed(turn: CommandTurn, action: ChangeSchedule) -> None:
    assert turn.partnership_id is not None  # the registry lets only coordinators in
    value = action.value
    if action.setting is ScheduleSetting.FOLLOW_UP:
        await (_set_follow_up(turn, value) if value else _ask_follow_up(turn))
    elif action.setting is ScheduleSetting.REMINDERS:
        await (_set_reminders(turn, value) if value else _ask_reminders(turn))
    else:
        view = await turn.ledger.schedules.schedule_view(turn.partnership_id, turn.now)
        plan = next((p for p in view.plans if p.id == action.plan_id), None)
        if plan is not None:
            await (_set_frequency(turn, plan, value) if value else _ask(turn, plan))


# ----- showing


async def _show(turn: CommandTurn, partnership_id: int) -> None:
    view = await turn.ledger.schedules.schedule_view(partnership_id, turn.now)
    lines = [
        translate(turn, OVERVIEW, days=view.follow_up_days, reminder=_reminder(turn, view)),
        "",
    ]
    plans = view.plans[:SHOWN_PLANS]
    lines += [_plan_line(turn, number, plan) for number, plan in enumerate(plans, 1)]
    lines += [] if plans else [translate(turn, NO_KPIS)]
    lines += ["", await _upcoming(turn, view), "", translate(turn, CHANGE_HINT)]
    choices = [
        Choice(ChangeSchedule(FOLLOW_UP).encode(), translate(turn, BUTTON_FOLLOW_UP)),
        Choice(ChangeSchedule(REMINDERS).encode(), translate(turn, BUTTON_REMINDERS)),
    ]
    choices += [
        Choice(ChangeSchedule(KPI, plan.id).encode(), translate(turn, BUTTON_KPI, number=number))
        for number, plan in enumerate(plans, 1)
    ]
    turn.replies.append(Outbound("\n".join(lines), tuple(choices)))


def _reminder(turn: CommandTurn, view: ScheduleView) -> str:
    if view.reminder_days is None:
        return translate(turn, REMINDER_STANDARD)
    return translate(turn, REMINDER_DAYS, days=view.reminder_days)


def _plan_line(turn: CommandTurn, number: int, plan: PlanLine) -> str:
    when = turn.texts.format_date(turn.language, plan.next_round) if plan.next_round else "–"
    return translate(
        turn,
        KPI_LINE,
        number=number,
        kpi=turn.texts.gettext(turn.language, plan.name),
        frequency=_frequency_name(turn, plan.frequency),
        who=_who(turn, plan),
        date=when,
    )


def _who(turn: CommandTurn, plan: PlanLine) -> str:
    if plan.responsible_name:
        return plan.responsible_name
    try:
        helix = HELIX_NAMES[HelixRole(plan.responsible_helix or "")]
    except ValueError:
        return translate(turn, SOMEONE)
    return translate(turn, WHO_HELIX, helix=translate(turn, helix))


def _frequency_name(turn: CommandTurn, frequency: str) -> str:
    try:
        return translate(turn, FREQUENCY_NAMES[Frequency(frequency)])
    except ValueError:
        return frequency


async def _upcoming(turn: CommandTurn, view: ScheduleView) -> str:
    if not view.upcoming:
        return translate(turn, NOTHING_PLANNED)
    zone = ZoneInfo(await turn.ledger.schedules.local_zone(turn.person.stakeholder_id))
    lines = [translate(turn, NEXT_PROMPTS)]
    for prompt in view.upcoming:
        local = prompt.due_at.astimezone(zone)
        when = f"{turn.texts.format_date(turn.language, local.date())} {local:%H:%M}"
        kind = translate(turn, PROMPT_KINDS.get(prompt.kind, prompt.kind))
        name = prompt.name or "–"
        subject = turn.texts.gettext(turn.language, prompt.subject) if prompt.subject else ""
        lines.append(translate(turn, PROMPT_LINE, when=when, name=name, kind=kind, subject=subject))
    return "\n".join(lines)


# ----- changing


async def _change(turn: CommandTurn, partnership_id: int, setting: str, rest: list[str]) -> None:
    value = " ".join(rest)
    if setting in _FOLLOW_UP_WORDS and value:
        await _set_follow_up(turn, value)
    elif setting in _REMINDER_WORDS and value:
        await _set_reminders(turn, value)
    elif setting in _KPI_WORDS and len(rest) >= 2:
        view = await turn.ledger.schedules.schedule_view(partnership_id, turn.now)
        number = _days(rest[0], (1, max(1, len(view.plans))), UNKNOWN_KPI)
        if number > len(view.plans):
            raise InvalidValue(UNKNOWN_KPI, number=number)
        await _set_frequency(turn, view.plans[number - 1], " ".join(rest[1:]))
    else:
        turn.say(UNKNOWN_SETTING)


async def _ask_follow_up(turn: CommandTurn) -> None:
    choices = tuple(
        Choice(
            ChangeSchedule(FOLLOW_UP, value=str(d)).encode(), translate(turn, EVERY_DAYS, days=d)
        )
        for d in (7, 14, 28)
    )
    turn.replies.append(Outbound(translate(turn, ASK_FOLLOW_UP), choices))


async def _ask_reminders(turn: CommandTurn) -> None:
    choices = [Choice(ChangeSchedule(REMINDERS, value=str(d)).encode(), str(d)) for d in (2, 3, 5)]
    standard = ChangeSchedule(REMINDERS, value="standard")
    choices.append(Choice(standard.encode(), translate(turn, STANDARD)))
    turn.replies.append(Outbound(translate(turn, ASK_REMINDERS), tuple(choices)))


async def _ask(turn: CommandTurn, plan: PlanLine) -> None:
    kpi = turn.texts.gettext(turn.language, plan.name)
    choices = tuple(
        Choice(ChangeSchedule(KPI, plan.id, f.value).encode(), translate(turn, FREQUENCY_NAMES[f]))
        for f in OFFERED_FREQUENCIES
    )
    turn.replies.append(Outbound(translate(turn, ASK_FREQUENCY, kpi=kpi), choices))


async def _set_follow_up(turn: CommandTurn, value: str) -> None:
    assert turn.partnership_id is not None
    days = every_days(_days(value, INTERVAL_DAYS, BAD_DAYS))
    await turn.ledger.schedules.set_follow_up_days(turn.partnership_id, days)
    turn.say(FOLLOW_UP_SET, days=days)


async def _set_reminders(turn: CommandTurn, value: str) -> None:
    assert turn.partnership_id is not None
    standard = value.casefold() in _STANDARD_WORDS
    days = None if standard else _days(value, REMINDER_RANGE, BAD_DAYS)
    await turn.ledger.schedules.set_reminder_days(turn.partnership_id, days)
    view = await turn.ledger.schedules.schedule_view(turn.partnership_id, turn.now)
    turn.say(REMINDERS_SET, reminder=_reminder(turn, view))


async def _set_frequency(turn: CommandTurn, plan: PlanLine, typed: str) -> None:
    assert turn.partnership_id is not None
    frequency = _parse_frequency(turn, typed)
    await turn.ledger.schedules.set_kpi_frequency(turn.partnership_id, plan.id, frequency.value)
    kpi = turn.texts.gettext(turn.language, plan.name)
    turn.say(FREQUENCY_SET, kpi=kpi, frequency=_frequency_name(turn, frequency.value))


def _parse_frequency(turn: CommandTurn, typed: str) -> Frequency:
    """A frequency by its stored name (``quarterly``) or its name in the person's language."""
    options = [answering.Option(f.value, translate(turn, FREQUENCY_NAMES[f])) for f in Frequency]
    try:
        return Frequency(answering.parse_choice(options, typed).id)
    except InvalidValue:
        names = ", ".join(f.value for f in Frequency)
        raise InvalidValue(UNKNOWN_FREQUENCY, choices=names) from None


def _days(text: str, bounds: tuple[int, int], problem: str) -> int:
    low, high = bounds
    try:
        number = int(parse_number(text, integer=True))
    except InvalidValue:
        raise InvalidValue(problem, low=low, high=high, number=text[:10]) from None
    if not low <= number <= high:
        raise InvalidValue(problem, low=low, high=high, number=number)
    return number


COMMANDS = (
    ChatCommand(
        "schedule",
        N_("See and change schedules (coordinators)"),
        Audience.COORDINATORS,
        show_or_change,
        buttons=(Button(ChangeSchedule, on_button),),
    ),
)
