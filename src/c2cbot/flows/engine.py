"""The channel-free conversation engine: one inbound message, one transaction.

``Engine.handle`` dedupes the message, loads the person's state, validates and
stores the answer, moves on and writes the replies to the outbox — all in one
database transaction (in a savepoint of a transaction shared with messages that
arrived at the same time), so a crash anywhere loses no answer and sends nothing twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from c2cbot.clock import Clock, system_clock
from c2cbot.flows import offers
from c2cbot.flows.commits import GroupCommit
from c2cbot.flows.groups import GroupTurn
from c2cbot.flows.locks import KeyedLocks
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.notice import DEFAULT_PRIVACY, PrivacyFacts
from c2cbot.flows.ports import DigestPreviews, Ledger, Observer, Person, Store
from c2cbot.flows.schema import Conversation
from c2cbot.flows.texts import Texts
from c2cbot.flows.turn import Turn


class Engine:
    """Drives every conversation for every channel; channels only translate transport."""

    def __init__(
        self,
        store: Store,
        conversations: Mapping[str, Conversation],
        texts: Texts,
        digests: DigestPreviews,
        clock: Clock = system_clock,
        observer: Observer | None = None,
        privacy: PrivacyFacts = DEFAULT_PRIVACY,
    ) -> None:
        self._store = store
        self._privacy = privacy
        self._conversations = conversations
        self._texts, self._digests = texts, digests
        self._clock = clock
        self._locks = KeyedLocks()
        self._observer = observer
        self._commits = GroupCommit(store, self._handle_in, parallel=store.parallel_batches)

    async def handle(self, inbound: Inbound) -> bool:
        """Process one inbound message; ``False`` when it was a duplicate and ignored.

        Returns once the message's effects are committed, in a transaction it may share
        with messages of other people that arrived at the same time (``GroupCommit``).
        """
        key = f"{inbound.channel}:{inbound.external_id}"
        async with self._locks.hold(key):
            handled, answers = await self._commits.submit(inbound)
        if answers is not None:  # chat events (blocked, left a group) are not counted
            self._observe(inbound.channel, duplicate=not handled, answers=answers)
        return handled

    async def _handle_in(self, ledger: Ledger, inbound: Inbound) -> tuple[bool, int | None]:
        """One message in its savepoint: whether it was new, and how many answers it stored."""
        chat = inbound.chat_id if offers.may_pick(inbound) else None
        inbound_id = await ledger.inbox.claim(
            inbound.channel, inbound.dedupe_key, sender=inbound.external_id, chat=chat
        )
        if inbound_id is None:
            return False, 0
        if inbound.event and inbound.event != "unsupported":
            await ledger.chats.chat_event(
                inbound.channel, inbound.chat_id, inbound.event, inbound.text
            )
            return True, None
        language = self._texts.choose_language(inbound.language_hint)
        # In a group the chat is the group; the person's own chat is their private one.
        own_chat = inbound.external_id if inbound.is_group else inbound.chat_id
        person = await ledger.people.person(
            inbound.channel, inbound.external_id, own_chat, language, inbound.display_name
        )
        return True, await self._turn(ledger, person, inbound, inbound_id)

    async def _turn(self, ledger: Ledger, person: Person, inbound: Inbound, inbound_id: int) -> int:
        """Run the person's turn (or a group command); how many answers it stored."""
        if inbound.is_group:
            group = GroupTurn(ledger, person, inbound, self._texts, self._digests, self._clock())
            await group.run()
            await reply(ledger, inbound, None, _in_language(group.replies, person.language))
            return 0
        state = await ledger.states.load_state(person.stakeholder_id)
        turn = Turn(
            ledger,
            person,
            state,
            inbound,
            inbound_id,
            self._conversations,
            self._texts,
            self._digests,
            self._clock(),
            self._privacy,
        )
        await turn.run()
        person = turn.person  # /connect may have made the sender someone they already were
        await ledger.states.save_state(person.stakeholder_id, turn.partnership_id, turn.state)
        replies = _in_language(turn.replies, turn.language)
        await reply(ledger, inbound, person.stakeholder_id, replies)
        return turn.answers_stored

    def _observe(self, channel: str, *, duplicate: bool, answers: int) -> None:
        if self._observer is not None:
            self._observer.inbound(channel, duplicate)
            if answers:
                self._observer.answers_stored(answers)


async def reply(
    ledger: Ledger, inbound: Inbound, stakeholder_id: int | None, replies: list[Outbound]
) -> None:
    """Answer ``inbound`` through the outbox; a callback waiting to answer in place takes
    its replies from there (``delivery.in_place``)."""
    await ledger.outbox.enqueue_all(inbound.channel, inbound.chat_id, stakeholder_id, replies)


def _in_language(replies: list[Outbound], language: str) -> list[Outbound]:
    """Tag replies with their reader's language, for channel-side hints such as numbering."""
    return [dataclasses.replace(reply, language=language) for reply in replies]
