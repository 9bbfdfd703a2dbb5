"""The words of prompts, reminders and notices, in each reader's language.

Messages are rendered when they are sent, not when they are planned, so a person who
changes their language, or an activity renamed meanwhile, reads what is true at that
moment. A prompt whose subject has gone (a KPI plan stopped, an activity finished or
re-dated, an escalated question answered) renders as ``None``: it is closed unsent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from c2cbot.domain.display import period_label
from c2cbot.domain.text import N_
from c2cbot.flows.actions import OpenPrompt
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.texts import Texts
from c2cbot.store.planning_snapshot import Task
from c2cbot.store.prompt_reads import Lookup
from c2cbot.store.prompts import ACTIVITY_KINDS, ANSWERABLE, ANSWERED, KPI, UNREACHABLE, PromptRow

ANSWER_NOW = N_("Answer now")
KPI_ROUND = N_("Time to report the KPI “{kpi}” for {period} ({partnership}).")
FOLLOW_UP = N_(
    "How is the activity “{activity}” going? A short update helps both cities ({partnership})."
)
DUE_SOON = N_("The activity “{activity}” is due on {date} ({partnership}). How is it going?")
OVERDUE = N_(
    "The activity “{activity}” was due on {date} ({partnership}). Please tell us where it stands."
)
OVERDUE_NOTE = N_(
    "The activity “{activity}” of {partnership} was due on {date} and is not done yet. "
    "Responsible: {name}."
)
ESCALATION = N_(
    "{name} has not answered my question about {subject} ({partnership}), even after a "
    "reminder. Could you follow up with them?"
)
UNREACHABLE_PERSON = N_(
    "I cannot reach {name} on any channel to ask about {subject} ({partnership}). Could you "
    "pass the question on, or ask them to write to me?"
)
SILENT = N_(
    "{name} has not answered any of my questions for four weeks ({partnership}). Is someone "
    "else the right contact now? You can invite them with /invite."
)
MOU_RENEWAL = N_(
    "The memorandum of understanding of {partnership} expires on {date}. It is time to "
    "prepare its renewal with your partners."
)
PLAN_REVIEW = N_(
    "The action plan of {partnership} is due for review on {date}. Please review it with "
    "your partners."
)
REMINDER = N_("A reminder, in case my earlier message got lost:")
SUBJECT_KPI = N_("the KPI “{kpi}” for {period}")
SUBJECT_ACTIVITY = N_("the activity “{activity}”")
NO_NAME = N_("a member without a name")


@dataclass(frozen=True)
class Writer:
    """Renders one prompt for one reader: their language, the lookup, the catalogues."""

    row: PromptRow
    lookup: Lookup
    language: str
    texts: Texts

    def say(self, message: str, **params: object) -> str:
        """A message of ours, translated, with ``params`` filled in."""
        return self.translate(message).format(**params)

    def translate(self, name: str) -> str:
        """A catalogue name (a KPI's), translated as is: names may contain braces."""
        return self.texts.gettext(self.language, name)

    def date(self, day: date) -> str:
        return self.texts.format_date(self.language, day)

    def period(self, key: str) -> str:
        return period_label(key, self.language)

    @property
    def partnership(self) -> str:
        team = self.lookup.teams.get(self.row.partnership_id)
        return team.title(self.language) if team else ""

    def name(self, stakeholder_id: int | None) -> str:
        person = self.lookup.people.get(stakeholder_id) if stakeholder_id is not None else None
        return person.name if person and person.name else self.say(NO_NAME)


def compose(row: PromptRow, lookup: Lookup, language: str, texts: Texts) -> Outbound | None:
    """The message for a prompt, with an "Answer now" button if it asks for an answer."""
    writer = Writer(row, lookup, language, texts)
    render = _BODIES.get(row.kind)
    body = render(writer) if render else None
    if body is None:
        return None
    answer_now = Choice(OpenPrompt(row.id).encode(), writer.say(ANSWER_NOW))
    choices = (answer_now,) if row.kind in ANSWERABLE else ()
    return Outbound(body, choices, language=language)


def reminder(row: PromptRow, lookup: Lookup, language: str, texts: Texts) -> Outbound | None:
    """The prompt again, introduced as a reminder."""
    message = compose(row, lookup, language, texts)
    if message is None:
        return None
    intro = texts.gettext(language, REMINDER)
    return Outbound(f"{intro}\n\n{message.text}", message.choices, language=language)


def _kpi(writer: Writer) -> str | None:
    plan = writer.lookup.plans.get(writer.row.subject_id)
    if plan is None or not plan.active:
        return None
    kpi = writer.translate(plan.name)
    return writer.say(
        KPI_ROUND,
        kpi=kpi,
        period=writer.period(writer.row.period_key),
        partnership=writer.partnership,
    )


def _task(writer: Writer, dated: bool = True) -> Task | None:
    """The activity, unless it is finished or (for dated prompts) its due date moved."""
    task = writer.lookup.tasks.get(writer.row.subject_id)
    if task is None or task.finished:
        return None
    if dated and (task.due_on is None or task.due_on.isoformat() != writer.row.period_key):
        return None
    return task


def _follow_up(writer: Writer) -> str | None:
    task = _task(writer, dated=False)
    if task is None:
        return None
    return writer.say(FOLLOW_UP, activity=task.title, partnership=writer.partnership)


def _dated(message: str) -> Callable[[Writer], str | None]:
    def body(writer: Writer) -> str | None:
        task = _task(writer)
        if task is None or task.due_on is None:
            return None
        when = writer.date(task.due_on)
        return writer.say(message, activity=task.title, date=when, partnership=writer.partnership)

    return body


def _overdue_note(writer: Writer) -> str | None:
    task = _task(writer)
    if task is None or task.due_on is None:
        return None
    owner = writer.name(task.owner_id) if task.owner_id else task.owner_name or writer.say(NO_NAME)
    return writer.say(
        OVERDUE_NOTE,
        activity=task.title,
        partnership=writer.partnership,
        date=writer.date(task.due_on),
        name=owner,
    )


def _escalation(writer: Writer) -> str | None:
    """About another prompt: unanswered after a reminder, or its person unreachable."""
    about = writer.lookup.prompts.get(writer.row.subject_id)
    if about is None or about.status == ANSWERED:
        return None
    subject = _subject(writer, about)
    if subject is None:
        return None
    message = UNREACHABLE_PERSON if about.status == UNREACHABLE else ESCALATION
    name = writer.name(about.stakeholder_id)
    return writer.say(message, name=name, subject=subject, partnership=writer.partnership)


def _subject(writer: Writer, about: PromptRow) -> str | None:
    """What an escalated prompt asked, in a few words."""
    if about.kind == KPI:
        plan = writer.lookup.plans.get(about.subject_id)
        kpi = writer.translate(plan.name) if plan else None
        return (
            writer.say(SUBJECT_KPI, kpi=kpi, period=writer.period(about.period_key))
            if kpi
            else None
        )
    task = writer.lookup.tasks.get(about.subject_id)
    if about.kind not in ACTIVITY_KINDS or task is None or task.finished:
        return None
    return writer.say(SUBJECT_ACTIVITY, activity=task.title)


def _silent(writer: Writer) -> str | None:
    if writer.row.subject_id not in writer.lookup.people:
        return None
    name = writer.name(writer.row.subject_id)
    return writer.say(SILENT, name=name, partnership=writer.partnership)


def _on_date(message: str, field: str) -> Callable[[Writer], str | None]:
    """A notice about the partnership's MoU expiry or plan review, if that date still holds."""

    def body(writer: Writer) -> str | None:
        team = writer.lookup.teams.get(writer.row.partnership_id)
        day: date | None = getattr(team, field, None)
        if team is None or day is None or day.isoformat() != writer.row.period_key:
            return None
        return writer.say(message, partnership=team.name, date=writer.date(day))

    return body


_BODIES: dict[str, Callable[[Writer], str | None]] = {
    KPI: _kpi,
    "progress": _follow_up,
    "due_week": _dated(DUE_SOON),
    "due_day": _dated(DUE_SOON),
    "overdue": _dated(OVERDUE),
    "overdue_note": _overdue_note,
    "escalation": _escalation,
    "silent": _silent,
    "mou": _on_date(MOU_RENEWAL, "mou_expires"),
    "plan_review": _on_date(PLAN_REVIEW, "plan_review_on"),
}
