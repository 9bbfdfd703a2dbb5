"""On PostgreSQL the inbound claim also reads (and locks) the sender's conversation state
and the chat's newest message, so a turn's ``load_state`` and ``last_offer`` cost no round
trip; what the claim read is used once: after the turn wrote the state or a message to
the chat, it is read again."""

from __future__ import annotations

from c2cbot.flows.messages import Choice, Outbound
from c2cbot.runtime import Bot
from c2cbot.store.ledger import SqlStore
from tests.driver import Driver
from tests.flows.walker import load_conversations, onboard
from tests.store.test_round_trips import statements


async def onboarded(bot: Bot, person: Driver, invite: str) -> int:
    await onboard(person, load_conversations(bot.settings.conversations_dir), "en", invite)
    store = SqlStore(bot.database)
    async with store.batch() as batch, batch.each() as ledger:
        found = await ledger.people.person(person.channel, person.user, person.user, "en", None)
    assert found is not None and found.stakeholder_id is not None
    return found.stakeholder_id


async def test_the_state_read_with_the_claim_is_the_state(
    bot: Bot, person: Driver, invite: str
) -> None:
    stakeholder = await onboarded(bot, person, invite)
    store = SqlStore(bot.database)
    async with store.batch() as batch, batch.each() as ledger:
        expected = await ledger.states.load_state(stakeholder)  # read on its own
    assert expected  # onboarding left a state
    with statements(bot.database) as sent:
        async with store.batch() as batch, batch.each() as ledger:
            await ledger.inbox.claim(person.channel, "claim-1", sender=person.user)
            assert await ledger.states.load_state(stakeholder) == expected
    reads = [statement for statement in sent if "FROM conversation_states" in statement]
    assert len(reads) == 1  # with the claim on PostgreSQL, on its own on SQLite


async def test_a_state_written_after_the_claim_is_read_again(
    bot: Bot, person: Driver, invite: str
) -> None:
    stakeholder = await onboarded(bot, person, invite)
    store = SqlStore(bot.database)
    async with store.batch() as batch, batch.each() as ledger:
        await ledger.inbox.claim(person.channel, "claim-2", sender=person.user)
        old = await ledger.states.load_state(stakeholder)
        await ledger.states.save_state(stakeholder, None, {**old, "marker": 1})
        assert (await ledger.states.load_state(stakeholder))["marker"] == 1
    async with store.batch() as batch, batch.each() as ledger:
        await ledger.inbox.claim(person.channel, "claim-3", sender=person.user)
        assert (await ledger.states.load_state(stakeholder))["marker"] == 1  # committed


async def test_the_chats_last_message_read_with_the_claim_is_used_once_and_not_after_a_write(
    bot: Bot, person: Driver, invite: str
) -> None:
    await onboarded(bot, person, invite)
    chat = (person.channel, person.user)
    store = SqlStore(bot.database)
    async with store.batch() as batch, batch.each() as ledger:
        expected = await ledger.kpi_plans.last_offer(*chat)  # read on its own
    with statements(bot.database) as sent:
        async with store.batch() as batch, batch.each() as ledger:
            await ledger.inbox.claim(
                person.channel, "claim-4", sender=person.user, chat=person.user
            )
            assert await ledger.kpi_plans.last_offer(*chat) == expected
    assert len([s for s in sent if s.startswith("SELECT outbox.payload")]) == (
        1 if bot.database.is_sqlite else 0
    )
    menu = Outbound("Which step?", choices=(Choice("s:aim", "Aim"),))
    async with store.batch() as batch, batch.each() as ledger:
        await ledger.inbox.claim(person.channel, "claim-5", sender=person.user, chat=person.user)
        await ledger.outbox.enqueue_all(*chat, None, [menu])
        assert await ledger.kpi_plans.last_offer(*chat) == menu.choices  # read again
