"""/connect and /channel through the engine: one person on several channels.

People are drivers on different channels of one bot (the engine does not care which
channel a message came from, only which identity sent it); the bot runs on a clock of
the test's own, so codes can expire.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from c2cbot.config import Settings
from c2cbot.flows.commands import connect, prompt_channel
from c2cbot.flows.link_ports import LinkOutcome
from c2cbot.flows.schema import Conversation
from c2cbot.flows.walk import Position
from c2cbot.runtime import Bot
from c2cbot.store import prompt_reads
from c2cbot.store.database import Database
from c2cbot.store.guard_models import ConnectAttempt
from c2cbot.store.models import (
    Answer,
    ChannelIdentity,
    ConversationState,
    KpiPlan,
    KpiValue,
    Membership,
    Prompt,
    Stakeholder,
)
from c2cbot.store.prompts import Identity
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import (
    ZH,
    Walker,
    answer_until,
    answers_of,
    onboard,
    says,
    stakeholder_id,
    start_step,
    state_of,
)
from tests.support.clock import SetClock

CODE_SHOWN = re.compile(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b")


@pytest.fixture
def clock() -> SetClock:
    return SetClock(datetime(2026, 3, 2, 9, tzinfo=UTC))


@pytest.fixture
async def bot(settings: Settings, database: Database, clock: SetClock) -> AsyncIterator[Bot]:
    bot = Bot(settings, clock=clock)
    yield bot
    await bot.stop()


async def code_from(driver: Driver) -> str:
    """Send /connect and read the code it shows."""
    await driver.send("/connect")
    found = CODE_SHOWN.findall(driver.text)
    assert found, driver.text
    return str(found[-1])


def refused(bot: Bot, outcome: LinkOutcome, language: str = "en", **params: object) -> str:
    return says(bot, language, connect.REFUSED[outcome], **params)


async def count(database: Database, model: type[object]) -> int:
    async with database.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def owners(bot: Bot) -> dict[tuple[str, str], int]:
    """Every identity and its stakeholder: what a refused code must leave as it was."""
    async with bot.database.sessions() as session:
        rows = await session.execute(
            select(
                ChannelIdentity.channel, ChannelIdentity.external_id, ChannelIdentity.stakeholder_id
            )
        )
        return {(channel, user): owner for channel, user, owner in rows}


# ----- linking a new channel


async def test_a_new_chat_linked_with_a_code_continues_the_same_step(
    member: Driver, bot: Bot, conversations: dict[str, Conversation]
) -> None:
    """Halfway through Aim on the web, /connect; the code typed on WeChat; Aim goes on there."""
    aim = conversations["aim"]
    await start_step(member, "aim")
    await answer_until(member, aim, "en", "facts_collected")
    asked = member.last.text
    code = await code_from(member)
    assert says(bot, "en", connect.CODE, code=code, minutes=10) in member.text
    assert member.last.text == asked  # the question is asked again, to answer right here

    phone = Driver(bot, "o_phone", channel="wechat")
    await phone.send(f"/connect {code.lower().replace('-', ' ')}")  # as people type it
    assert says(bot, "en", connect.LINKED) in phone.text
    assert phone.last.text == asked  # the same question, now on WeChat
    assert await stakeholder_id(phone) == await stakeholder_id(member)
    assert await count(bot.database, Stakeholder) == 1

    await Walker(phone, aim, "en").run()  # the rest of the step, on WeChat
    answers = await answers_of(member, "aim")
    assert {a.channel for a in answers} == {"web", "wechat"}
    assert {a.stakeholder_id for a in answers} == {await stakeholder_id(member)}
    assert [a.question for a in answers if a.channel == "web"] == [
        "vision",
        "challenges",
        "has_strategy",
    ]
    assert (await state_of(member)).get("conv") is None  # Aim is complete


async def test_merging_two_people_keeps_every_answer(
    member: Driver, bot: Bot, database: Database, conversations: dict[str, Conversation]
) -> None:
    """Bob, a member with answers, a KPI value and a prompt, merges into Alice, coordinator."""
    aim = conversations["aim"]
    await start_step(member, "aim")
    await answer_until(member, aim, "en", "has_strategy")
    bob = Driver(bot, "bob", channel="wechat")
    await onboard(bob, conversations, ZH, await make_invite(database, role="member"))
    await start_step(bob, "aim")
    await answer_until(bob, aim, ZH, "facts_collected")
    alice_id, bob_id = await stakeholder_id(member), await stakeholder_id(bob)
    kpi_value, prompt = await _reported(database, bob_id)
    alice_answers, bob_answers = len(await answers_of(member)), len(await answers_of(bob))
    assert alice_answers and bob_answers

    await bob.send(f"/connect {await code_from(member)}")
    assert says(bot, "en", connect.MERGED) in bob.text
    assert await stakeholder_id(bob) == alice_id
    answers = await answers_of(member)
    assert len(answers) == alice_answers + bob_answers == await count(database, Answer)
    async with database.sessions() as session:
        assert await session.get(Stakeholder, bob_id) is None
        memberships = list((await session.execute(select(Membership))).scalars())
        assert [(m.stakeholder_id, m.role) for m in memberships] == [(alice_id, "coordinator")]
        assert (await session.get_one(KpiValue, kpi_value)).reported_by == alice_id
        assert (await session.get_one(Prompt, prompt)).stakeholder_id == alice_id
        states = list((await session.execute(select(ConversationState))).scalars())
    assert [s.stakeholder_id for s in states] == [alice_id]
    assert Position.from_json(states[0].data["pos"]).key == "has_strategy"  # Alice's, not Bob's
    assert bob.last.text == member.last.text


async def _reported(database: Database, person: int) -> tuple[int, int]:
    """A KPI value Bob reported and a prompt he was sent: their ids."""
    async with database.transaction() as session:
        membership = (
            await session.execute(select(Membership).where(Membership.stakeholder_id == person))
        ).scalar_one()
        now = database.clock()
        plan = KpiPlan(
            partnership_id=membership.partnership_id,
            kpi_key="joint_projects",
            name="Joint projects",
            kind="count",
            frequency="monthly",
            created_at=now,
        )
        session.add(plan)
        await session.flush()
        value = KpiValue(
            kpi_plan_id=plan.id, period_key="2026-02", value={}, reported_by=person, reported_at=now
        )
        prompt = Prompt(
            kind="kpi",
            stakeholder_id=person,
            partnership_id=membership.partnership_id,
            subject_id=plan.id,
            period_key="2026-02",
            due_at=now,
            status="sent",
            created_at=now,
        )
        session.add_all([value, prompt])
        await session.flush()
        return value.id, prompt.id


# ----- bad input: a clear message, nothing changed


async def test_a_wrong_code_changes_nothing(member: Driver, bot: Bot) -> None:
    phone = Driver(bot, "o_phone", channel="wechat")
    await phone.send("hello")
    before = await owners(bot)
    await phone.send("/connect ABCDE-FGHJK")
    assert refused(bot, LinkOutcome.UNKNOWN) in phone.text
    await phone.send("/connect 12")
    assert refused(bot, LinkOutcome.UNKNOWN) in phone.text
    assert await owners(bot) == before


async def test_an_expired_code_changes_nothing(member: Driver, bot: Bot, clock: SetClock) -> None:
    code = await code_from(member)
    clock.now += timedelta(minutes=10, seconds=1)
    phone = Driver(bot, "o_phone", channel="wechat")
    await phone.send(f"/connect {code}")
    assert refused(bot, LinkOutcome.EXPIRED) in phone.text
    assert await stakeholder_id(phone) != await stakeholder_id(member)


async def test_a_code_works_once(member: Driver, bot: Bot) -> None:
    code = await code_from(member)
    phone = Driver(bot, "o_phone", channel="wechat")
    await phone.send(f"/connect {code}")
    desk = Driver(bot, "wang", channel="wecom")
    await desk.send(f"/connect {code}")
    assert refused(bot, LinkOutcome.USED) in desk.text
    assert await stakeholder_id(desk) != await stakeholder_id(member)


async def test_a_code_typed_where_it_was_shown_changes_nothing(member: Driver, bot: Bot) -> None:
    before = await owners(bot)
    await member.send(f"/connect {await code_from(member)}")
    assert refused(bot, LinkOutcome.OWN_CODE) in member.text
    assert await owners(bot) == before


async def test_linking_a_chat_twice_says_it_is_linked(member: Driver, bot: Bot) -> None:
    phone = Driver(bot, "o_phone", channel="wechat")
    await phone.send(f"/connect {await code_from(member)}")
    before = await owners(bot)
    await phone.send(f"/connect {await code_from(member)}")
    assert refused(bot, LinkOutcome.ALREADY) in phone.text
    assert await owners(bot) == before


async def test_too_many_wrong_codes_wait_an_hour_even_after_a_restart(
    member: Driver, bot: Bot, settings: Settings, clock: SetClock
) -> None:
    phone = Driver(bot, "o_phone", channel="wechat")
    for minute in range(5):
        clock.now += timedelta(minutes=1)
        await phone.send(f"/connect WRONG-CODE{minute}")
        assert refused(bot, LinkOutcome.UNKNOWN) in phone.text
    code = await code_from(member)
    await phone.send(f"/connect {code}")
    assert refused(bot, LinkOutcome.TOO_MANY, minutes=56) in phone.text
    assert await stakeholder_id(phone) != await stakeholder_id(member)
    assert await count(bot.database, ConnectAttempt) == 5  # refusals while waiting add none

    restarted = Bot(settings, clock=clock)  # the count is in the database, not in memory
    try:
        again = Driver(restarted, "o_phone", channel="wechat")
        clock.now += timedelta(minutes=55)
        await again.send(f"/connect {code}")
        assert refused(restarted, LinkOutcome.TOO_MANY, minutes=1) in again.text
        clock.now += timedelta(minutes=1)
        code = await code_from(Driver(restarted, member.user, channel=member.channel))
        await again.send(f"/connect {code}")
        assert says(restarted, "en", connect.LINKED) in again.text
    finally:
        await restarted.stop()


async def test_someone_else_is_not_merged(
    member: Driver, bot: Bot, database: Database, conversations: dict[str, Conversation]
) -> None:
    """Alice in Gothenburg and 李伟 (another name) in Shanghai are two people: refused."""
    li = Driver(bot, "li", channel="wechat")
    invite = await make_invite(database, role="member")
    await onboard(li, conversations, ZH, invite, picks={"city": 1})
    before, answers = await owners(bot), await count(database, Answer)
    await li.send(f"/connect {await code_from(member)}")
    assert refused(bot, LinkOutcome.SOMEONE_ELSE, ZH) in li.text  # in her own language
    assert await owners(bot) == before
    assert await count(database, Answer) == answers
    assert await count(database, Stakeholder) == 2


# ----- where prompts go


async def test_the_person_chooses_where_prompts_go(member: Driver, bot: Bot) -> None:
    phone = Driver(bot, "o_phone", channel="wechat")
    await member.send("/channel")
    assert says(bot, "en", prompt_channel.ONLY_ONE) in member.text
    await phone.send(f"/connect {await code_from(member)}")
    person = await stakeholder_id(member)
    assert await _prompts_go_to(bot, person) == Identity("wechat", "o_phone")  # wrote last

    await phone.send("/channel")
    assert says(bot, "en", prompt_channel.LIST) in phone.text
    labels = [c.label for c in phone.last.choices]
    assert labels == ["browser chat", "WeChat (this chat) ★"]
    await phone.send("1")  # typed under the list, as WeChat people answer
    assert says(bot, "en", prompt_channel.CHOSEN, channel="browser chat") in phone.text
    assert await _prompts_go_to(bot, person) == Identity("web", member.user)

    await member.send("/channel")
    assert [c.label for c in member.last.choices] == ["browser chat (this chat) ★", "WeChat"]
    await member.click("WeChat")
    assert await _prompts_go_to(bot, person) == Identity("wechat", "o_phone")
    await member.send("/channel 3")
    assert says(bot, "en", prompt_channel.NO_SUCH) in member.text
    assert await _prompts_go_to(bot, person) == Identity("wechat", "o_phone")


async def _prompts_go_to(bot: Bot, person: int) -> Identity:
    async with bot.database.sessions() as session:
        return (await prompt_reads.identities_of(session, {person}))[person]
