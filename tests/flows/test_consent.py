"""Notice and consent at onboarding (GDPR Art. 6, 7 and 13; PIPL Art. 39), and again when
the notice changes: nothing is stored as an answer before consent, "no" stores nothing,
people in Chinese cities also consent to the transfer abroad, and each consent is kept
with the notice's version and the bot's time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from c2cbot.config import Settings
from c2cbot.flows import consent, notice
from c2cbot.flows.commands import privacy
from c2cbot.flows.schema import Conversation
from c2cbot.flows.walk import Position
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.models import Answer, ChannelIdentity, Membership, OutboxMessage, Stakeholder
from tests.driver import Driver
from tests.flows.walker import (
    ZH,
    Walker,
    answer_until,
    answers_of,
    onboard,
    position_of,
    says,
    stakeholder_id,
    start_step,
    state_of,
)
from tests.support.clock import SetClock
from tests.support.downloads import download

NOW = datetime(2026, 3, 2, 9, 17, tzinfo=UTC)
SHANGHAI = 1  # the city buttons: Gothenburg, then Shanghai


@pytest.fixture
def clock() -> SetClock:
    return SetClock(NOW)


@pytest.fixture
async def bot(settings: Settings, database: Database, clock: SetClock) -> AsyncIterator[Bot]:
    bot = Bot(settings, clock=clock)
    yield bot
    await bot.stop()


async def count(bot: Bot, model: type[object], *where: object) -> int:
    async with bot.database.sessions() as session:
        query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int(await session.scalar(query) or 0)


async def delivered(bot: Bot) -> None:
    """What the bot wrote so far reached the people (as the dispatcher would have it)."""
    async with bot.database.transaction() as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.status == "pending").values(status="sent")
        )


def record(scope: str, version: str = notice.NOTICE_VERSION) -> dict[str, object]:
    return {"given": True, "scope": scope, "notice": version}


def utc_of(moment: datetime) -> datetime:
    """A stored time as UTC (SQLite gives it back without its zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ----- at onboarding


async def test_nothing_typed_before_consent_is_stored_as_an_answer(
    bot: Bot, person: Driver, invite: str
) -> None:
    await person.send(f"/start {invite}")  # a deep link: the code waits for consent
    await person.press(person.button("简体中文").action)
    assert (await position_of(person)) == Position("consent")
    assert await answers_of(person) == []
    assert await count(bot, Membership) == 0  # not joined either
    notice_shown = person.replies[-2].text
    assert notice_shown.startswith(says(bot, ZH, notice.TITLE))
    assert says(bot, ZH, notice.CONSENT) in notice_shown
    assert says(bot, ZH, notice.VERSION, version=notice.NOTICE_VERSION) in notice_shown
    async with bot.database.sessions() as session:
        me = await session.get_one(Stakeholder, await stakeholder_id(person))
    assert me.language == ZH  # the one thing kept: a setting, to speak their language

    await person.press(person.button("是").action)
    assert [(a.question, a.value["value"]) for a in await answers_of(person)] == [
        ("consent", record("data"))
    ]
    assert await count(bot, Membership) == 1  # the code joined once consent was given
    assert (await state_of(person))[consent.CONSENT] == {"data": notice.NOTICE_VERSION}


async def test_no_is_refused_with_the_reason_and_nothing_is_stored(
    bot: Bot, person: Driver, invite: str
) -> None:
    await person.send("hello")
    await person.click("English")
    await person.click("No")
    assert says(bot, "en", consent.REFUSED) in person.text
    await person.send("no")  # typed, too
    assert says(bot, "en", consent.REFUSED) in person.text
    assert (await position_of(person)) == Position("consent")
    await person.send(invite)  # not an answer to this question: nobody joins
    assert await answers_of(person) == [] and await count(bot, Membership) == 0

    await person.send("/start")  # back another day: asked again
    assert (await position_of(person)) == Position("consent")
    assert (
        says(bot, "en", "Do you agree that your data is handled as the notice above describes?")
        in person.text
    )
    await person.click("Yes")
    assert (await position_of(person)) == Position("invite")
    assert [a.question for a in await answers_of(person)] == ["consent"]


async def test_the_consent_record_carries_the_notice_version_and_the_bots_time(
    bot: Bot, person: Driver, invite: str, clock: SetClock, conversations: dict[str, Conversation]
) -> None:
    await person.send("hello")
    await person.click("English")
    clock.now = NOW + timedelta(minutes=3)  # read the notice for three minutes
    await person.click("Yes")
    [given] = await answers_of(person)
    assert given.value["value"] == record("data")
    assert utc_of(given.answered_at) == NOW + timedelta(minutes=3)

    await Walker(person, conversations["onboarding"], "en", invite=invite).run()
    await person.send("/mydata")
    data = await download(bot, person.replies[-3:])
    assert data["consents"] == [
        {"consent": "data", "notice": notice.NOTICE_VERSION, "given": given.answered_at.isoformat()}
    ]
    assert "consent" not in [a["question"] for a in data["answers"]]


async def test_a_chinese_side_person_is_asked_about_the_transfer_abroad_a_european_is_not(
    bot: Bot, invite: str, conversations: dict[str, Conversation]
) -> None:
    onboarding = conversations["onboarding"]
    li, sven = Driver(bot, "li"), Driver(bot, "sven")
    shanghai = await onboard(li, conversations, ZH, invite, picks={"city": SHANGHAI})
    gothenburg = await onboard(sven, conversations, "en", invite, picks={"city": 0})
    assert "consent_abroad" in shanghai and "consent_abroad" not in gothenburg
    assert [q.id for q in onboarding.questions].index("consent_abroad") == [
        q.id for q in onboarding.questions
    ].index("city") + 1
    assert [
        (a.question, a.value["value"]) for a in await answers_of(li) if "consent" in a.question
    ] == [
        ("consent", record("data")),
        ("consent_abroad", record("abroad")),
    ]
    assert [a.question for a in await answers_of(sven) if "consent" in a.question] == ["consent"]
    assert (await state_of(li))[consent.SIDE] == "cn"
    assert (await state_of(sven))[consent.SIDE] == "eu"


async def test_refusing_the_transfer_abroad_while_joining_erases_what_joining_stored(
    bot: Bot, invite: str, conversations: dict[str, Conversation]
) -> None:
    li = Driver(bot, "li")
    await li.send("你好")
    await answer_until(
        li,
        conversations["onboarding"],
        ZH,
        "consent_abroad",
        invite=invite,
        picks={"city": SHANGHAI},
    )
    me = await stakeholder_id(li)
    assert [a.question for a in await answers_of(li)] == ["consent", "name", "city"]
    await delivered(bot)  # she read the question before she answered
    await li.click("否")
    assert says(bot, ZH, consent.ABROAD_REFUSED_JOINING) in li.text
    # Nothing of what joining stored is left: answers, membership, profile, identity.
    assert await count(bot, Answer, Answer.stakeholder_id == me) == 0
    assert await count(bot, Membership, Membership.stakeholder_id == me) == 0
    assert await count(bot, ChannelIdentity, ChannelIdentity.stakeholder_id == me) == 0
    async with bot.database.sessions() as session:
        gone = await session.get_one(Stakeholder, me)
    assert (gone.name, gone.city_id, gone.organisation_id) == (None, None, None)

    await li.send("/start")  # coming back starts afresh, as a stranger
    assert await stakeholder_id(li) != me
    assert (await position_of(li)) == Position("language")


# ----- a new notice


async def test_a_new_notice_asks_an_onboarded_person_again_before_anything_else(
    bot: Bot,
    member: Driver,
    conversations: dict[str, Conversation],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await start_step(member, "aim")
    await member.send("A city where people walk and cycle.")
    at = await position_of(member)
    answered = len(await answers_of(member))
    monkeypatch.setattr(notice, "NOTICE_VERSION", "2027-05")

    await member.send("Climate and energy")  # the answer waits: consent comes first
    assert (await state_of(member))["conv"] == consent.CONSENT
    assert says(bot, "en", conversations["consent"].intro or "") in member.text
    assert says(bot, "en", notice.VERSION, version="2027-05") in member.text
    assert len(await answers_of(member)) == answered
    await member.press("s:plan")  # a step button: consent first, still
    assert (await state_of(member))["conv"] == consent.CONSENT

    await member.send("/privacy")  # the commands about one's data still work
    assert says(bot, "en", notice.WHO_SEES) in member.text
    await member.send("/mydata")
    assert says(bot, "en", privacy.MYDATA_BELOW) in member.text
    assert (await position_of(member)) == Position("consent")

    await member.click("Yes")  # Gothenburg: no transfer abroad to ask about
    assert says(bot, "en", "Let's go on where you were.") in member.text
    assert (await state_of(member))["conv"] == "aim" and (await position_of(member)) == at
    assert (await state_of(member))[consent.CONSENT]["data"] == "2027-05"
    newest = (await answers_of(member))[-1]
    assert (newest.conversation, newest.value["value"]) == ("consent", record("data", "2027-05"))
    await member.send("/status")  # and everything else works again
    assert (await state_of(member))["conv"] == "aim"
