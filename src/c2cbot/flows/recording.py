"""An answer as the answers table keeps it: one builder for answers and withdrawals alike."""

from __future__ import annotations

from typing import Any

from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.ports import AnswerRecord
from c2cbot.flows.schema import Conversation
from c2cbot.flows.walk import Position


def answer_record(
    turn: ChatTurn, conversation: Conversation, position: Position, value: Any, display: str
) -> AnswerRecord:
    """An answer as stored: who, in which partnership, step and channel, in which language."""
    name = position.question if position.sub is None else f"{position.question}.{position.sub}"
    return AnswerRecord(
        stakeholder_id=turn.person.stakeholder_id,
        partnership_id=turn.partnership_id,
        conversation=conversation.id,
        step=conversation.step,
        question=name,
        item=position.item,
        value=value,
        display=display,
        language=turn.language,
        channel=turn.inbound.channel,
        inbound_id=turn.inbound_id,
    )
