"""Finding one's way: /steps, /status, /back, /skip and /cancel."""

from __future__ import annotations

from c2cbot.domain.display import is_chinese
from c2cbot.domain.text import N_
from c2cbot.flows import corrections, steps_menu, walk
from c2cbot.flows.actions import OpenStep
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, Button, ChatCommand
from c2cbot.flows.correction_views import how_to_change
from c2cbot.flows.messages import Outbound
from c2cbot.flows.standing import where_it_stands
from c2cbot.flows.walk import Position

NOT_IN_CONVERSATION = N_("You are not in a conversation right now.")
WHERE = N_("You are in “{title}”, question {number} of {total}.")
NOWHERE_BACK = N_("There is no earlier question to go back to.")
NOTHING_TO_SKIP = N_("There is nothing to skip right now.")
NOT_SKIPPABLE = N_("This question needs an answer, so it can't be skipped.")
STOPPED = N_("Stopped. Everything you answered so far is saved.")


async def steps(turn: ChatTurn, _argument: str) -> None:
    await steps_menu.show(turn)


async def status(turn: ChatTurn, _argument: str) -> None:
    """Which conversation, and which question of how many; then that question again."""
    conversation, position = turn.conversation, turn.position
    if conversation is None or position is None:
        turn.say(NOT_IN_CONVERSATION)
        await steps_menu.show(turn)
        return
    number, total = turn.progress(conversation, position)
    where = turn.translate(
        WHERE, title=turn.translate(conversation.title), number=number, total=total
    )
    between = "" if is_chinese(turn.language) else " "  # no space after "。"
    said = between.join(filter(None, (where, how_to_change(turn))))
    standing = await where_it_stands(turn)
    turn.replies.append(Outbound(f"{said}\n{standing}" if standing else said))
    await turn.reask()


async def back(turn: ChatTurn, _argument: str) -> None:
    """The question before, passing over those that need no answer again."""
    trail = turn.state.get("trail") or []
    conversation = turn.conversation
    if conversation is None or not trail:
        turn.say(NOWHERE_BACK)
        await turn.reask()
        return
    while len(trail) > 1 and turn.already_satisfied(conversation, Position.from_json(trail[-1])):
        trail.pop()  # nothing to answer there again (the invite of someone who joined)
    turn.state["pos"] = trail.pop()
    turn.state["picked"] = []
    await turn.ask()


async def skip(turn: ChatTurn, _argument: str) -> None:
    """Leave out an optional question (and forget an answer given to it before /back)."""
    conversation, position = turn.conversation, turn.position
    if conversation is None or position is None:
        turn.say(NOTHING_TO_SKIP)
        await steps_menu.show(turn)
        return
    if not walk.question_at(conversation, position).optional or position.more:
        turn.say(NOT_SKIPPABLE)
        await turn.reask()
        return
    turn.state.setdefault("values", {}).pop(position.key, None)
    await turn.advance(conversation, position)


async def cancel(turn: ChatTurn, _argument: str) -> None:
    if turn.conversation:
        turn.state.update(conv=None, pos=None, trail=[], picked=[])
        turn.say(STOPPED)
    if not await corrections.resume(turn):
        await steps_menu.show(turn)


COMMANDS = (
    ChatCommand(
        "steps",
        N_("The eight steps and how far you are"),
        Audience.EVERYONE,
        steps,
        buttons=(Button(OpenStep, steps_menu.open_step),),
    ),
    ChatCommand("status", N_("Where you are now"), Audience.EVERYONE, status),
    ChatCommand("back", N_("Go back one question"), Audience.EVERYONE, back),
    ChatCommand("skip", N_("Leave out an optional question"), Audience.EVERYONE, skip),
    ChatCommand(
        "cancel", N_("Stop this conversation; your answers are kept"), Audience.EVERYONE, cancel
    ),
)
