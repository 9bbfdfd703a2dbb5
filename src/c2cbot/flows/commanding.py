"""What chat commands and conversation hooks may use of a person's turn, or a group's.

Commands (``flows/commands/``) and hooks (``flows/hooks.py``) are written against these
protocols, not against ``flows.turn.Turn``, so the runner can change inside without them
noticing, and they can be tried with a small fake.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from c2cbot.domain.roles import coordinating
from c2cbot.flows.answering import Option, Parsed
from c2cbot.flows.asking import Asking
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.notice import PrivacyFacts
from c2cbot.flows.ports import DigestPreviews, Ledger, Person
from c2cbot.flows.schema import Conversation, Question
from c2cbot.flows.texts import Texts
from c2cbot.flows.walk import Position


class CommandTurn(Protocol):
    """Who is talking, where, when, and a voice to answer them with."""

    ledger: Ledger
    digests: DigestPreviews
    person: Person
    partnership_id: int | None
    role: str | None
    texts: Texts
    language: str
    now: datetime
    replies: list[Outbound]

    def say(self, message: str, **params: object) -> None: ...


class ChatTurn(CommandTurn, Protocol):
    """A private chat's turn: the above, plus the conversation the person is in and how to
    move it along (the runner in ``flows.turn``)."""

    state: dict[str, Any]
    inbound: Inbound
    inbound_id: int
    conversations: Mapping[str, Conversation]
    privacy: PrivacyFacts

    @property
    def conversation(self) -> Conversation | None: ...

    @property
    def position(self) -> Position | None: ...

    @property
    def context(self) -> dict[str, Any]: ...

    def translate(self, message: str, **params: object) -> str: ...

    async def start(self, conversation_id: str, context: dict[str, Any] | None = None) -> None: ...

    async def ask(self, update: bool = False) -> None: ...

    async def asking(self, update: bool) -> Asking: ...

    async def reask(self, menu: bool = True) -> None: ...

    async def options(self, question: Question) -> list[Option]: ...

    async def accept(
        self, conversation: Conversation, position: Position, question: Question, parsed: Parsed
    ) -> None: ...

    async def advance(self, conversation: Conversation, position: Position) -> None: ...

    def already_satisfied(self, conversation: Conversation, position: Position) -> bool: ...

    def progress(self, conversation: Conversation, position: Position) -> tuple[int, int]: ...

    async def set_language(self, code: str) -> None: ...


class GroupChat(Protocol):
    """A command sent in a partnership's group chat: who sent it, where, and a voice."""

    ledger: Ledger
    digests: DigestPreviews
    person: Person
    inbound: Inbound
    texts: Texts
    now: datetime
    replies: list[Outbound]

    def translate(self, message: str, **params: object) -> str: ...

    def say(self, message: str, **params: object) -> None: ...


def translate(turn: CommandTurn, message: str, **params: object) -> str:
    text = turn.texts.gettext(turn.language, message)
    return text.format(**params) if params else text


def coordinates(turn: CommandTurn) -> bool:
    return coordinator_role(turn.role)


def coordinator_role(role: str | None) -> bool:
    """Whether a membership role may invite and change schedules; unknown roles may not."""
    return coordinating(role)


async def local_today(turn: CommandTurn) -> date:
    """Today on the person's wall calendar (their zone, else their partnership's)."""
    zone = await turn.ledger.schedules.local_zone(turn.person.stakeholder_id)
    return turn.now.astimezone(ZoneInfo(zone)).date()


async def group_coordinator(group: GroupChat) -> bool:
    """Whether the sender coordinates the partnership this group is linked to."""
    inbound = group.inbound
    partnership_id = await group.ledger.chats.group_partnership(inbound.channel, inbound.chat_id)
    if partnership_id is None:
        return False
    role = await group.ledger.chats.role_in(group.person.stakeholder_id, partnership_id)
    return coordinator_role(role)
