"""Taking an answer to the question asked: typed, or tapped on the question's buttons.

What is understood goes to the runner (``ChatTurn.accept``), which stores it and moves
on; what is not is refused with the reason, and the question is asked again.
"""

from __future__ import annotations

from c2cbot.domain import values
from c2cbot.domain.display import join_list, period_label
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows import (
    answering,
    corrections,
    hooks,
    kpi_review,
    partnerships,
    readback,
    too_long,
    walk,
)
from c2cbot.flows.actions import FinishPicking, Pick, Toggle
from c2cbot.flows.answering import Option, Parsed
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.invites import redeem
from c2cbot.flows.messages import Outbound
from c2cbot.flows.schema import Kind, Question
from c2cbot.flows.walk import Position

STALE = N_("That button belongs to an earlier question. Here is where we are now:")
ANSWERED = N_("This request has already been answered or closed. Thank you!")


async def typed(turn: ChatTurn, text: str) -> None:
    """Text sent while a question is open: its answer, checked by the question's hook."""
    conversation, position = turn.conversation, turn.position
    assert conversation is not None and position is not None
    question = walk.question_at(conversation, position)
    try:
        kept = too_long.kept_part(turn, typed=text)
        if kept is None and too_long.too_long(question, position, text):
            too_long.offer(turn, question, text)  # the question stays open
            return
        parsed = kept or await _interpret(turn, question, position, text)
        if parsed is not None:
            parsed = await _checked(turn, question, position, parsed)
    except InvalidValue as problem:
        await _refused(turn, problem)
        return
    if parsed is None:
        await turn.ask()  # the invite code was refused: ask for it again
    else:
        readback.read_back(turn, question, position, parsed)
        await turn.accept(conversation, position, question, parsed)


async def picked(turn: ChatTurn, action: Pick) -> None:
    """One option tapped (yes/no, a choice, a rating, "add another?")."""
    conversation, position = turn.conversation, turn.position
    assert conversation is not None and position is not None
    question = walk.question_at(conversation, position)
    if action.option == too_long.KEEP and (kept := too_long.kept_part(turn, picked=action)):
        await turn.accept(conversation, position, question, kept)  # "Keep the first part"
        return
    kind = Kind.YESNO if position.more else question.type
    options = (
        await turn.options(question) if not position.more else [Option("yes", ""), Option("no", "")]
    )
    option = next((o for o in options if o.id == action.option), None)
    if option is None or kind is Kind.MULTI:
        await stale(turn)
        return
    if kind is Kind.YESNO:
        parsed = answering.yes_no(option.id == "yes", turn.texts, turn.language)
    elif kind is Kind.RATING:
        parsed = Parsed(int(option.id), "★" * int(option.id) + "☆" * (5 - int(option.id)))
    else:
        parsed = Parsed(option.id, option.label)
    try:
        checked = await _checked(turn, question, position, parsed)
    except InvalidValue as problem:
        await _refused(turn, problem)
        return
    await _mark_answered(turn, parsed)
    await turn.accept(conversation, position, question, checked)


async def toggled(turn: ChatTurn, action: Toggle) -> None:
    """An option of a multiple choice tapped: picked, or unpicked if it was."""
    conversation, position = turn.conversation, turn.position
    assert conversation is not None and position is not None
    question = walk.question_at(conversation, position)
    options = await turn.options(question)
    if question.type is not Kind.MULTI or action.option not in {o.id for o in options}:
        await stale(turn)
        return
    chosen: list[str] = list(turn.state.get("picked") or [])
    chosen.remove(action.option) if action.option in chosen else chosen.append(action.option)
    turn.state["picked"] = chosen
    await turn.ask(update=True)


async def finished(turn: ChatTurn, _action: FinishPicking) -> None:
    """ "Done" under a multiple choice: the options picked so far are the answer."""
    conversation, position = turn.conversation, turn.position
    assert conversation is not None and position is not None
    question = walk.question_at(conversation, position)
    options = {o.id: o.label for o in await turn.options(question)}
    chosen = [p for p in turn.state.get("picked") or [] if p in options]
    try:
        answering.check_selection(question, chosen)
    except InvalidValue as problem:
        turn.say(problem.reason, **problem.params)
        await turn.ask()
        return
    parsed = Parsed(chosen, join_list((options[p] for p in chosen), turn.language))
    await _mark_answered(turn, parsed)
    await turn.accept(conversation, position, question, parsed)


async def stale(turn: ChatTurn) -> None:
    """A button of an earlier message: say so, and show where we are."""
    turn.say(STALE)
    await turn.reask()


async def open_prompt(turn: ChatTurn, prompt_id: int) -> None:
    """Answer a scheduled prompt (a KPI value, an activity's progress) now."""
    opened = await turn.ledger.prompts.open_prompt(prompt_id, turn.person.stakeholder_id)
    if opened is None:
        turn.say(ANSWERED)
        await turn.reask()
        return
    conversation_id, context = opened
    if context.get("partnership_id") not in (None, turn.partnership_id):
        await partnerships.switch_to(turn, int(context["partnership_id"]))  # answer it there
    shown = {k: turn.translate(v) for k, v in context.items() if k in ("kpi", "unit") and v}
    if context.get("period"):
        shown["period"] = period_label(str(context["period"]), turn.language)
    corrections.hold_edit(turn.state)  # an answer being corrected waits for the report
    await turn.start(conversation_id, {**context, **shown, "prompt_id": prompt_id})


async def _interpret(
    turn: ChatTurn, question: Question, position: Position, text: str
) -> Parsed | None:
    if position.more or question.type is Kind.YESNO:
        return answering.yes_no(_typed_yes_no(text), turn.texts, turn.language)
    if question.type is Kind.INVITE:
        joined = await redeem(turn, text)
        return None if joined is None else Parsed(joined.partnership_id, joined.partnership_name)
    options = await turn.options(question)
    if question.type is Kind.CHOICE:
        option = answering.parse_choice(options, text)
        return Parsed(option.id, option.label)
    if question.type is Kind.MULTI:
        chosen = answering.parse_multi(options, values.normalise(text))
        answering.check_selection(question, [o.id for o in chosen])
        return Parsed([o.id for o in chosen], join_list((o.label for o in chosen), turn.language))
    if question.type is Kind.RATING:
        return answering.parse_rating(options, text)
    home = None
    if question.type is Kind.MONEY:
        home = await turn.ledger.people.home_currency(turn.person.stakeholder_id)
    return kpi_review.parse_typed(question, text, turn.context, turn.texts, turn.language, home)


async def _checked(
    turn: ChatTurn, question: Question, position: Position, parsed: Parsed
) -> Parsed:
    """The question's ``check`` hook, typed or tapped: the answer it makes, or refused."""
    if question.check and not position.more:
        return await hooks.CHECKS[question.check](turn, position, parsed)
    return parsed


async def _refused(turn: ChatTurn, problem: InvalidValue) -> None:
    """Why an answer cannot be taken, then the question again (if the refusal left it open)."""
    turn.say(problem.reason, **problem.params)
    await turn.reask(menu=False)


async def _mark_answered(turn: ChatTurn, parsed: Parsed) -> None:
    """Edit the question's message to show the choice, where the channel told us which."""
    source = turn.inbound.source_message_id
    if source is None:
        return
    asked = await turn.asking(update=True)
    text = f"{asked.message([], update=True).text}\n\n✓ {parsed.display}"
    turn.replies.append(Outbound(text, extra={"edit": source}))


def _typed_yes_no(text: str) -> bool:
    """Yes/no as a word, or as the number of its numbered option (1 yes, 2 no)."""
    number = values.normalise(text).rstrip(".。")
    return number == "1" if number in ("1", "2") else values.parse_yes_no(text)
