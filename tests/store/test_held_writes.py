"""A turn's closing writes are held and sent together on PostgreSQL (``store/held_writes.py``):
nothing read in the same transaction misses them, two writes to one table keep their
order, and a message that fails takes its held writes with it. On SQLite each write runs
at once, so the same assertions hold there too."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from c2cbot.flows.messages import Outbound
from c2cbot.flows.ports import AnswerRecord
from c2cbot.runtime import Bot
from c2cbot.store import per_message
from c2cbot.store.held_writes import HeldWrite, together
from c2cbot.store.ledger import SqlStore
from c2cbot.store.models import Answer, ConversationState, OutboxMessage
from c2cbot.store.outbox import outbox_row
from tests.driver import Driver
from tests.store.test_round_trips import statements
from tests.store.test_state_with_claim import onboarded


def an_answer(stakeholder: int, question: str, text: str) -> AnswerRecord:
    return AnswerRecord(
        stakeholder_id=stakeholder,
        partnership_id=None,
        conversation="aim",
        step="aim",
        question=question,
        item=None,
        value={"text": text},
        display=text,
        language="en",
        channel="telegram",
        inbound_id=None,
    )


async def answer_count(bot: Bot, stakeholder: int) -> int:
    async with bot.database.sessions() as session:
        query = select(func.count()).where(Answer.stakeholder_id == stakeholder)
        return int((await session.execute(query)).scalar_one())


async def ready(bot: Bot, person: Driver, invite: str) -> tuple[int, SqlStore, int]:
    """An onboarded person, the store, and how many answers they have so far."""
    stakeholder = await onboarded(bot, person, invite)
    return stakeholder, SqlStore(bot.database), await answer_count(bot, stakeholder)


async def visions(bot: Bot, stakeholder: int) -> list[str]:
    """The person's answers to "vision", in the order they were stored."""
    async with bot.database.sessions() as session:
        query = (
            select(Answer.display)
            .where(Answer.stakeholder_id == stakeholder, Answer.question == "vision")
            .order_by(Answer.id)
        )
        return list((await session.execute(query)).scalars())


async def test_an_orm_query_after_a_held_write_sees_it(
    bot: Bot, person: Driver, invite: str
) -> None:
    stakeholder, store, before = await ready(bot, person, invite)
    async with store.transaction() as ledger:
        await ledger.answers.record(an_answer(stakeholder, "vision", "A green city"))
        await ledger.states.load_state(stakeholder)  # as a turn does, before it saves
        await ledger.states.save_state(stakeholder, None, {"marker": "held"})
        query = select(func.count()).where(Answer.stakeholder_id == stakeholder)
        assert (await ledger.answers.session.execute(query)).scalar_one() == before + 1
        state = await ledger.answers.session.get(ConversationState, stakeholder)
        assert state is not None and state.data == {"marker": "held"}


async def test_a_core_read_after_a_held_write_sees_it(
    bot: Bot, person: Driver, invite: str
) -> None:
    stakeholder = await onboarded(bot, person, invite)
    chat = (person.channel, person.user)
    store = SqlStore(bot.database)
    async with store.transaction() as ledger:
        await ledger.outbox.enqueue_all(*chat, stakeholder, [Outbound("First")])
        assert await ledger.kpi_plans.last_offer(*chat) == ()  # read, and sent first
    async with bot.database.sessions() as session:
        newest = select(OutboxMessage.payload).order_by(OutboxMessage.id.desc()).limit(1)
        assert (await session.execute(newest)).scalar_one()["text"] == "First"


async def test_two_writes_to_one_table_keep_their_order(
    bot: Bot, person: Driver, invite: str
) -> None:
    stakeholder = await onboarded(bot, person, invite)
    store = SqlStore(bot.database)
    with statements(bot.database) as sent:
        async with store.batch() as batch, batch.each() as ledger:
            await ledger.answers.record(an_answer(stakeholder, "vision", "first"))
            await ledger.answers.record(an_answer(stakeholder, "vision", "second"))
            await ledger.states.load_state(stakeholder)
            await ledger.states.save_state(stakeholder, None, {"marker": 2})
    assert await visions(bot, stakeholder) == ["first", "second"]
    writes = [s for s in sent if s.startswith(("INSERT INTO answers", "WITH w"))]
    assert len(writes) == 2  # the second answer went with the state, not with the first


async def test_a_failed_message_takes_its_held_writes_with_it(
    bot: Bot, person: Driver, invite: str
) -> None:
    stakeholder, store, before = await ready(bot, person, invite)
    async with store.batch() as batch:  # the failed one last: nothing after it sends
        async with batch.each() as ledger:
            await ledger.answers.record(an_answer(stakeholder, "vision", "kept"))
        try:
            async with batch.each() as ledger:
                await ledger.answers.record(an_answer(stakeholder, "vision", "undone"))
                raise RuntimeError("the turn broke")
        except RuntimeError:
            pass
    assert await visions(bot, stakeholder) == ["kept"]
    assert await answer_count(bot, stakeholder) == before + 1


def test_writes_held_together_are_one_statement_compiled_once() -> None:
    """The same kinds of write make the same statement object, which SQLAlchemy can
    cache (a multi-row VALUES cannot be, and compiling it anew cost more than the round
    trip saved): so each shape is compiled once and stays prepared."""
    now = datetime(2026, 3, 1, tzinfo=UTC)
    outbox = outbox_row("telegram", "1", 7, {"text": "Next"}, now)

    def writes(text: str) -> list[HeldWrite]:
        answer = {**an_answer(7, "vision", text).__dict__, "answered_at": now}
        state = per_message.state_write(7, None, {"text": text}, 3, now)
        return [per_message.answer_write(answer), state, per_message.outbox_write([outbox])]

    first, parameters = together(writes("one"))
    second, _ = together(writes("two"))
    assert first is second and first._generate_cache_key() is not None
    assert parameters["w0_display"] == "one" and parameters["w1_version"] == 3
    several = per_message.outbox_write([outbox, outbox])
    assert together([several])[1] == [outbox, outbox]  # several rows go alone, as one executemany
