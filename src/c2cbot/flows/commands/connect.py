"""/connect: one person on several channels.

``/connect`` shows a short-lived, single-use code; ``/connect CODE`` sent on another
channel makes that channel the code's person's: one stakeholder, one history, one
conversation, one schedule. If the other channel's person had already answered
something, they are merged into the code's person and every answer is kept; the
code's person's conversation goes on, and the person is told that what was open on
the merged side was closed. The store decides what a code is and when two people are
"someone else" (``store/ledger_links.py``); refusals change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from c2cbot.domain.text import N_
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.commands.declaration import Audience, ChatCommand
from c2cbot.flows.link_ports import LinkOutcome, LinkResult
from c2cbot.flows.schema import Conversation, OptionSource, Question

CODE = N_(
    "Your code: {code}\n"
    "To talk to me on another app as well (Telegram, WeChat, WeCom or the browser chat), "
    "send /connect {code} there within {minutes} minutes. The code works once. Both will "
    "then share your answers, where you are in the steps and your prompts."
)
LINKED = N_(
    "Done: this chat is now linked to you. You continue where you were, and your answers "
    "and prompts are shared by all your linked apps. /channel chooses where prompts go."
)
MERGED = N_(
    "Done: this chat is now linked to you, and everything you had answered here is kept "
    "with your other answers. You continue where you were on your other app; what was "
    "open here was closed. /channel chooses where prompts go."
)
REFUSED = {
    LinkOutcome.ALREADY: N_("This chat is already linked to you. /channel lists your apps."),
    LinkOutcome.OWN_CODE: N_(
        "This code was made in this chat. Send it from the other app you want to link."
    ),
    LinkOutcome.UNKNOWN: N_(
        "I don't know that code. Please check it, or send /connect on your other app for a new one."
    ),
    LinkOutcome.EXPIRED: N_(
        "That code has expired. Please send /connect on your other app for a new one."
    ),
    LinkOutcome.USED: N_(
        "That code has already been used; each code works once. Please send /connect on your "
        "other app for a new one."
    ),
    LinkOutcome.TOO_MANY: N_(
        "Too many wrong codes. For your safety, please try again in {minutes} minutes."
    ),
    LinkOutcome.SOMEONE_ELSE: N_(
        "This chat belongs to someone else: another person who gave another name and city. "
        "I have linked nothing. If you really are one person, please ask the bot's operator "
        "to merge you."
    ),
}


async def connect(turn: ChatTurn, argument: str) -> None:
    """``/connect`` shows a code; ``/connect CODE`` links this chat to the code's person."""
    if argument:
        await _redeem(turn, argument)
        return
    inbound = turn.inbound
    made = await turn.ledger.links.new_code(inbound.channel, inbound.external_id, turn.now)
    turn.say(CODE, code=made.code, minutes=made.minutes)
    await turn.reask(menu=False)


async def _redeem(turn: ChatTurn, code: str) -> None:
    inbound = turn.inbound
    questions = frozenset(member_questions(turn.conversations))
    result = await turn.ledger.links.redeem(
        code, inbound.channel, inbound.external_id, turn.now, questions
    )
    if result.outcome in (LinkOutcome.LINKED, LinkOutcome.MERGED):
        await _become_linked(turn)
        turn.say(LINKED if result.outcome is LinkOutcome.LINKED else MERGED)
        await turn.reask()
        return
    _refused(turn, result)
    await turn.reask(menu=False)


def _refused(turn: ChatTurn, result: LinkResult) -> None:
    turn.say(REFUSED[result.outcome], minutes=result.wait_minutes)


async def _become_linked(turn: ChatTurn) -> None:
    """The rest of the turn is the code's person's: their profile, membership and state."""
    inbound = turn.inbound
    person = await turn.ledger.people.person(
        inbound.channel, inbound.external_id, inbound.chat_id, turn.language, None
    )
    turn.person, turn.partnership_id, turn.role = person, person.partnership_id, person.role
    turn.language = person.language
    turn.state = await turn.ledger.states.load_state(person.stakeholder_id)


def member_questions(conversations: Mapping[str, Conversation]) -> Iterator[tuple[str, str]]:
    """(conversation, question) whose answers name a member by id, as answers store them."""
    for conversation in conversations.values():
        for question in conversation.questions:
            yield from _naming_members(conversation.id, question, None)


def _naming_members(
    conversation: str, question: Question, group: str | None
) -> Iterator[tuple[str, str]]:
    name = question.id if group is None else f"{group}.{question.id}"
    if question.options_from is OptionSource.PARTNERSHIP_MEMBERS:
        yield conversation, name
    for sub in question.questions or ():
        yield from _naming_members(conversation, sub, question.id)


COMMANDS = (
    ChatCommand(
        "connect",
        N_("Link another app to you, with a code"),
        Audience.EVERYONE,
        connect,
        examples=(N_("/connect CODE – link this app with the code shown on your other one"),),
    ),
)
