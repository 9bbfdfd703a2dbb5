"""Correcting the answers of a step: go through them keeping or changing each, or change one.

Opening a step that has answers shows them (``correction_views.overview``): "go through
all" walks the step again with each answer shown and a one-tap keep; a question chosen
from the list (or from /status) is asked alone, then the person returns to where they
were. Nothing is retyped: the person's current answers are the run's values from the
start, so conditional questions, the progress line and the step's ``on_complete`` hook
all see the whole step.

What is stored: a changed answer adds a row like any answer (the history stays); a kept
answer adds nothing. When the step is complete again, an answer that no longer applies
(its ``when`` fails after a change, a list item beyond the new end) gets a withdrawal row
(``flows.answer_history``), so it stops being current without being deleted.

The run's state keeps what correcting needs under ``correcting``: the conversation it
belongs to, the answers it started with (``before``), and the jump being made (``jump``:
where to return, and the positions that need no answer again). A prompt's conversation
open when an edit begins, or an edit open when a prompt is opened, waits in ``paused``
and is resumed when the other one ends, so neither clobbers the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from c2cbot.domain.text import N_
from c2cbot.flows import walk
from c2cbot.flows.actions import EditAnswer
from c2cbot.flows.answer_history import CurrentAnswer, withdrawal
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.recording import answer_record
from c2cbot.flows.schema import Conversation, Kind
from c2cbot.flows.walk import Position

KEY = "correcting"
PAUSED = "paused"
_RUN = ("conv", "pos", "trail", "values", "picked", "context", KEY)
_MOST_PAUSED = 3

NOTHING_TO_KEEP = N_("There is no earlier answer to keep here.")
SAVED = N_("Your changes to “{title}” are saved.")
BACK_TO = N_("Let's go on where you were.")


def correcting(state: dict[str, Any]) -> dict[str, Any] | None:
    """The correction under way in the open conversation, if one is."""
    data = state.get(KEY)
    return data if isinstance(data, dict) and data.get("conv") == state.get("conv") else None


async def current_values(turn: ChatTurn, conversation: Conversation) -> dict[str, Any]:
    """The person's current answers to ``conversation``, as a run's values."""
    if turn.partnership_id is None:
        return {}
    stakeholder = turn.person.stakeholder_id
    current = await turn.ledger.answers.current(stakeholder, turn.partnership_id, conversation.id)
    return prefill(conversation, current)


def prefill(conversation: Conversation, current: Iterable[CurrentAnswer]) -> dict[str, Any]:
    """Stored answers as values keyed by position (``walk.Position.key``), with the
    "add another?" of each list item answered by whether a next item exists."""
    tops = {q.id: q for q in conversation.questions}
    values: dict[str, Any] = {}
    items: dict[str, set[int]] = defaultdict(set)
    for answer in current:
        top, _, sub = answer.question.partition(".")
        question = tops.get(top)
        if question is None:
            continue  # a question the file no longer has
        if question.type is not Kind.GROUP:
            if not sub and answer.item is None:
                values[top] = answer.value
        elif answer.item is not None and sub in {q.id for q in question.questions or ()}:
            values[f"{top}#{answer.item}.{sub}"] = answer.value
            items[top].add(answer.item)
    for group, numbers in items.items():
        values.update({f"{group}#{n}?": n + 1 in numbers for n in numbers})
    return values


async def edit(turn: ChatTurn, action: EditAnswer) -> None:
    """A question of a step chosen to change (or 0: go through all of them)."""
    conversation = turn.conversations.get(action.conversation)
    if (
        conversation is None
        or conversation.step is None
        or turn.partnership_id is None
        or not 0 <= action.number <= len(conversation.questions)
    ):
        await turn.reask()  # forged, or a button of a step that is gone
        return
    inside = turn.state.get("conv") == conversation.id and turn.position is not None
    if action.number == 0 or not inside:
        begin(turn, conversation, await current_values(turn, conversation))
    values = turn.state.setdefault("values", {})
    if action.number == 0:
        position = walk.first(conversation, values)
    else:
        position = walk.entering(conversation, action.number - 1, values)
    if position is None or (inside and position.to_json() == turn.state.get("pos")):
        await turn.reask()  # nothing to ask there, or the question they are at already
        return
    if action.number:
        _jump(turn, conversation, turn.state.get("pos") if inside else None)
    turn.state.update(pos=position.to_json(), picked=[])
    await turn.ask()


def begin(turn: ChatTurn, conversation: Conversation, values: dict[str, Any]) -> None:
    """Open ``conversation`` to correct it, starting from the person's answers."""
    if turn.state.get("conv") not in (None, conversation.id) and correcting(turn.state) is None:
        pause(turn.state)  # a prompt's report (or another step) under way: it waits
    before = sorted(k for k in values if not k.endswith("?"))
    turn.state.update(conv=conversation.id, pos=None, trail=[], values=dict(values), picked=[])
    turn.state.update(context={}, correcting={"conv": conversation.id, "before": before})


def _jump(turn: ChatTurn, conversation: Conversation, back: list[Any] | None) -> None:
    """Ask one question, then return to ``back`` (or finish): positions the person passed
    before the jump need no answer again; only questions the change opens are asked."""
    data = turn.state.get(KEY)
    if correcting(turn.state) is None or not isinstance(data, dict):
        data = turn.state[KEY] = {"conv": conversation.id, "before": []}
    values = turn.state.get("values") or {}
    passed = [p.key for p in walk.walked(conversation, values)]
    if back is not None:
        key = Position.from_json(back).key
        # up to where they were; if the walk no longer passes there, what has an answer
        passed = (
            passed[: passed.index(key)] if key in passed else [k for k in passed if k in values]
        )
    data["jump"] = {"back": back, "passed": passed}


def passes_over(state: dict[str, Any], position: Position) -> bool:
    """During a jump: whether ``position`` was passed before it (no need to ask again).

    Reaching the position the person jumped from ends the jump: from there on, they
    answer as before.
    """
    data = correcting(state)
    jump = data.get("jump") if data else None
    if not jump:
        return False
    if jump.get("back") == position.to_json():
        data["jump"] = None  # type: ignore[index]
        return False
    return position.key in jump.get("passed", ())


def kept_until(turn: ChatTurn, conversation: Conversation, position: Position) -> Position:
    """For "keep the whole list": the last position of the list that has an answer."""
    values = turn.state.get("values") or {}
    trail = turn.state.setdefault("trail", [])
    while True:
        following = walk.after(conversation, position, values)
        if following is None or following.question != position.question:
            return position
        if following.key not in values:
            return position
        trail.append(position.to_json())
        position = following


async def settle(turn: ChatTurn, conversation: Conversation) -> bool:
    """A step complete: withdraw answers that stopped applying; whether it was corrected.

    Called as the step completes, before its ``on_complete`` hook, which then sees only
    answers that apply.
    """
    if conversation.step is None:
        return False
    data = correcting(turn.state)
    values = turn.state.setdefault("values", {})
    applying = {p.key for p in walk.walked(conversation, values)}
    before = set(data.get("before", ())) if data else set()
    for key in sorted(before | set(values)):
        if key in applying and key in values:
            continue
        if not key.endswith("?"):
            await _withdraw(turn, conversation, Position.from_key(key))
        values.pop(key, None)
    if data is None:
        return False
    turn.say(SAVED, title=turn.translate(conversation.title))
    return True


async def _withdraw(turn: ChatTurn, conversation: Conversation, position: Position) -> None:
    kind = walk.question_at(conversation, position).type.value
    record = answer_record(turn, conversation, position, withdrawal(kind), "")
    await turn.ledger.answers.record(record)


def pause(state: dict[str, Any]) -> None:
    """Put the open conversation aside, to be resumed when the next one ends."""
    if not state.get("conv") or not state.get("pos"):
        return
    paused: list[dict[str, Any]] = list(state.get(PAUSED) or [])
    paused.append({name: state.get(name) for name in _RUN})
    state[PAUSED] = paused[-_MOST_PAUSED:]


def hold_edit(state: dict[str, Any]) -> None:
    """A prompt is being opened: a correction under way waits for it."""
    if correcting(state) is not None:
        pause(state)


async def resume(turn: ChatTurn) -> bool:
    """After a conversation ended (or was cancelled): the one put aside, asked again."""
    turn.state.pop(KEY, None)
    paused: Sequence[dict[str, Any]] = turn.state.get(PAUSED) or []
    if not paused:
        return False
    *rest, last = paused
    turn.state[PAUSED] = rest
    turn.state.update(last)
    if turn.conversation is None or turn.position is None:
        turn.state.update(conv=None, pos=None)
        return False
    turn.say(BACK_TO)
    await turn.ask()
    return True
