"""The channel-free conversation engine: one inbound message, one transaction.

``Engine.handle`` dedupes the message, loads the person's state, validates and
stores the answer, moves on and writes the replies to the outbox — all in one
database transaction, so a crash anywhere loses no answer and sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from c2cbot.flows.locks import KeyedLocks
from c2cbot.flows.messages import Inbound
from c2cbot.flows.ports import Observer, Store
from c2cbot.flows.schema import Conversation
from c2cbot.flows.texts import Texts
from c2cbot.flows.turn import Turn

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Engine:
    """Drives every conversation for every channel; channels only translate transport."""

    def __init__(
        self,
        store: Store,
        conversations: Mapping[str, Conversation],
        texts: Texts,
        clock: Clock = _utcnow,
        observer: Observer | None = None,
    ) -> None:
        self._store = store
        self._conversations = conversations
        self._texts = texts
        self._clock = clock
        self._locks = KeyedLocks()
        self._observer = observer

    async def handle(self, inbound: Inbound) -> bool:
        """Process one inbound message; ``False`` when it was a duplicate and ignored."""
        async with self._locks.hold(f"{inbound.channel}:{inbound.external_id}"):
            async with self._store.transaction() as ledger:
                inbound_id = await ledger.claim(inbound.channel, inbound.dedupe_key)
                if inbound_id is None:
                    self._observe(inbound.channel, duplicate=True, answers=0)
                    return False
                language = self._texts.choose_language(inbound.language_hint)
                person = await ledger.person(
                    inbound.channel, inbound.external_id, inbound.chat_id, language,
                    inbound.display_name,
                )
                state = await ledger.load_state(person.stakeholder_id)
                turn = Turn(
                    ledger, person, state, inbound, inbound_id,
                    self._conversations, self._texts, self._clock(),
                )
                await turn.run()
                await ledger.save_state(person.stakeholder_id, turn.partnership_id, turn.state)
                await turn.flush()
        self._observe(inbound.channel, duplicate=False, answers=turn.answers_stored)
        return True

    def _observe(self, channel: str, *, duplicate: bool, answers: int) -> None:
        if self._observer is not None:
            self._observer.inbound(channel, duplicate)
            if answers:
                self._observer.answers_stored(answers)
