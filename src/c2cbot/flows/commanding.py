"""What the chat commands in ``leave`` and ``schedule_commands`` need of a person's turn."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from c2cbot.domain.people import BotRole, may_invite
from c2cbot.flows.messages import Outbound
from c2cbot.flows.ports import Ledger, Person
from c2cbot.flows.texts import Texts


class CommandTurn(Protocol):
    """The parts of ``flows.turn.Turn`` a command uses: who, where, when, and a voice."""

    ledger: Ledger
    person: Person
    partnership_id: int | None
    role: str | None
    texts: Texts
    language: str
    now: datetime
    replies: list[Outbound]

    def say(self, message: str, **params: object) -> None: ...


def translate(turn: CommandTurn, message: str, **params: object) -> str:
    text = turn.texts.gettext(turn.language, message)
    return text.format(**params) if params else text


def coordinates(turn: CommandTurn) -> bool:
    try:
        return turn.role is not None and may_invite(BotRole(turn.role))
    except ValueError:
        return False


async def local_today(turn: CommandTurn) -> date:
    """Today on the person's wall calendar (their zone, else their partnership's)."""
    zone = await turn.ledger.local_zone(turn.person.stakeholder_id)
    return turn.now.astimezone(ZoneInfo(zone)).date()
