"""The rows every chat turn touches: the inbound claim, the conversation state, the answers.

These parts run for every inbound message, so they use the prebuilt Core statements of
``store/per_message.py`` rather than the ORM (the rules: ``c2cbot.store``'s docstring).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from c2cbot.domain.steps import LOOPS, Step, next_step
from c2cbot.flows.answer_history import CityAnswers, CurrentAnswer
from c2cbot.flows.ports import AnswerRecord
from c2cbot.store import current_answers, per_message
from c2cbot.store.ledger_base import LedgerPart, Tx
from c2cbot.store.models import Partnership


class SqlInbox(LedgerPart):
    """``flows.ports.Inbox``: each inbound message's dedupe key, claimed once."""

    async def claim(
        self, channel: str, dedupe_key: str, *, sender: str | None = None, chat: str | None = None
    ) -> int | None:
        """On PostgreSQL, with ``sender``, the sender, their conversation state and (with
        ``chat``) the chat's newest outbox payload are read in the same statement
        (``per_message.CLAIM_AND_KNOWN``) for ``SqlPeople.person``, ``SqlStates.load_state``
        and ``SqlKpiPlans.last_offer``: three round trips less. SQLite has no INSERT in a
        WITH clause, and there a statement is a function call."""
        dialect = self._tx.dialect
        parameters = {"channel": channel, "dedupe_key": dedupe_key[:200], "now": self._clock()}
        if sender is None or dialect != "postgresql":
            return (await self._core(per_message.CLAIM[dialect], parameters)).scalar_one_or_none()
        parameters |= {"external_id": sender, "chat_id": chat}  # NULL: no payload read
        row = (await self._core(per_message.CLAIM_AND_KNOWN, parameters)).one_or_none()
        if row is None:
            return None
        if chat is not None:
            self._tx.last_payloads[(channel, chat)] = row.last_payload
        self._tx.known[(channel, sender)] = row if row.stakeholder_id is not None else None
        if row.stakeholder_id is not None:
            state = None if row.state_version is None else (row.state_data, row.state_version)
            self._tx.states[row.stakeholder_id] = state
        return int(row.inbound_id)


class SqlStates(LedgerPart):
    """``flows.ports.States``: where each person is in their conversation."""

    def __init__(self, tx: Tx) -> None:
        super().__init__(tx)
        self._versions: dict[int, int] = {}  # conversation states read, for save_state

    async def load_state(self, stakeholder_id: int) -> dict[str, Any]:
        if stakeholder_id in self._tx.states:  # read and locked with the inbound claim
            state = self._tx.states.pop(stakeholder_id)
        else:
            parameters = {"stakeholder_id": stakeholder_id}
            row = (await self._core(per_message.LOAD_STATE, parameters)).one_or_none()
            state = None if row is None else (row.data, row.version)
        if state is None:
            return {}
        data, version = state
        self._versions[stakeholder_id] = version  # save_state updates, no second SELECT
        return dict(data)

    async def save_state(
        self, stakeholder_id: int, partnership_id: int | None, data: dict[str, Any]
    ) -> None:
        self._tx.states.pop(stakeholder_id, None)  # what the claim read is old now
        read = self._versions.get(stakeholder_id)
        version = 0 if read is None else read + 1
        self._versions[stakeholder_id] = version
        await self._tx.write(
            per_message.state_write(stakeholder_id, partnership_id, data, version, self._clock())
        )


class SqlAnswers(LedgerPart):
    """``flows.ports.Answers``: answers kept, and the partnership's step moved on."""

    async def record(self, answer: AnswerRecord) -> None:
        stamped = {**answer.__dict__, "answered_at": self._clock()}
        await self._tx.write(per_message.answer_write(stamped))

    async def answered(self, stakeholder_id: int, partnership_id: int) -> dict[str, set[str]]:
        return await current_answers.answered(self.session, stakeholder_id, partnership_id)

    async def current(
        self, stakeholder_id: int, partnership_id: int, conversation: str
    ) -> list[CurrentAnswer]:
        return await current_answers.current(
            self.session, stakeholder_id, partnership_id, conversation
        )

    async def by_city(self, partnership_id: int) -> list[CityAnswers]:
        return await current_answers.by_city(self.session, partnership_id)

    async def advance_step(self, partnership_id: int, finished: str) -> str | None:
        partnership = await self.session.get_one(Partnership, partnership_id, with_for_update=True)
        loop = LOOPS.get(partnership.loop)
        if loop is None or partnership.step != finished:
            return None
        following = next_step(loop, Step(finished))
        if following is None:
            return None
        await self.session.execute(
            update(Partnership).where(Partnership.id == partnership_id).values(step=following.value)
        )
        return following.value
