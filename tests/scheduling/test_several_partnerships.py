"""A Milan official in two partnerships, on Telegram: each partnership's prompts reach her,
/partnership switches between them, and every answer lands in the partnership it is for.

Giulia (Milan, government) is a member of Milan–Shanghai and, since later, Milan–Beijing.
Each partnership measures its own KPI monthly. The jobs run on the test's clock; the real
Telegram channel and dispatcher deliver to the fake Bot API; Giulia presses buttons and
types as real updates.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from c2cbot.flows import partnerships
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.scheduling.prompt_texts import KPI_ROUND
from c2cbot.store.database import Database
from c2cbot.store.models import (
    Answer,
    ChannelIdentity,
    City,
    KpiPlan,
    KpiValue,
    Membership,
    Partnership,
    Stakeholder,
)
from tests.channels.conftest import TelegramPerson, drain
from tests.fakes.telegram_api import FakeTelegram
from tests.scheduling.conftest import add_person, prompts, says, utc
from tests.scheduling.test_kpi_round_telegram import (
    Telegram,
    bot,
    clock,
    fake,
    ptb_timedelta,
    telegram,
)
from tests.support.clock import SetClock

FIXTURES = (bot, clock, fake, ptb_timedelta, telegram)  # the Telegram world, shared
GIULIA = 901
KPIS = {"milan_shanghai": "Joint projects", "milan_beijing": "Student exchanges"}


async def _giulia(database: Database) -> tuple[int, dict[str, int]]:
    """Giulia in both partnerships (Beijing joined last), on Telegram; a KPI in each."""
    async with database.transaction() as session:
        found = await session.scalars(select(Partnership).where(Partnership.key.in_(KPIS)))
        ids = {p.key or "": p.id for p in found}
        milan = await session.scalar(select(City.id).where(City.key == "milan"))
        assert milan is not None
        giulia = await add_person(
            session, ids["milan_shanghai"], "giulia", "en", milan, "government", "member"
        )
        session.add(
            Membership(
                partnership_id=ids["milan_beijing"],
                stakeholder_id=giulia,
                role="member",
                joined_at=utc(2026, 2, 1),
            )
        )
        identity = await session.scalar(
            select(ChannelIdentity).where(ChannelIdentity.stakeholder_id == giulia)
        )
        assert identity is not None
        identity.channel, identity.external_id = "telegram", str(GIULIA)
        identity.chat_id = str(GIULIA)
        for key, name in KPIS.items():
            session.add(_plan(ids[key], name))
    return giulia, ids


def _plan(partnership_id: int, name: str) -> KpiPlan:
    return KpiPlan(
        partnership_id=partnership_id,
        kpi_key=name.lower().replace(" ", "_"),
        name=name,
        kind="count",
        frequency="monthly",
        responsible_helix="government",
        created_at=utc(2026, 4, 1),
    )


async def _values(database: Database) -> dict[int, Any]:
    async with database.sessions() as session:
        rows = await session.execute(select(KpiPlan.partnership_id, KpiValue.value).join(KpiPlan))
        return {partnership_id: value["value"] for partnership_id, value in rows}


async def _active(database: Database, giulia: int) -> int | None:
    async with database.sessions() as session:
        return (await session.get_one(Stakeholder, giulia)).active_partnership_id


async def _report(person: TelegramPerson, prompt_id: int, figure: str) -> str:
    """Answer a prompt; what the bot said on opening it."""
    await person.press(f"p:{prompt_id}")
    opened = person.text
    await person.click("I have the figure")
    await person.send(figure)
    await person.send("/skip")
    return opened


async def test_a_milan_official_switches_partnerships_and_gets_each_ones_prompts(
    database: Database,
    texts: Catalogues,
    bot: Bot,
    fake: FakeTelegram,
    telegram: Telegram,
    clock: SetClock,
) -> None:
    giulia, ids = await _giulia(database)
    person = TelegramPerson(bot, fake, telegram.channel, telegram.dispatcher, GIULIA, "en")

    # The April rounds of both partnerships reach her on Monday 4 May, 10:00 in Milan.
    for now in (utc(2026, 5, 4, 7), utc(2026, 5, 4, 8)):
        clock.now = now
        await jobs.plan_rounds(database, texts, now)
        await jobs.send_due(database, texts, now)
        await drain(telegram.dispatcher)
    asked = {p.partnership_id: p.id for p in await prompts(database, stakeholder_id=giulia)}
    assert set(asked) == set(ids.values())
    rounds = [m.plain for m in fake.chat(GIULIA)]
    assert all(says(texts, "en", KPI_ROUND) in text for text in rounds)
    assert {
        name for name in ("Milan–Shanghai", "Milan–Beijing") if any(name in t for t in rounds)
    } == {
        "Milan–Shanghai",
        "Milan–Beijing",
    }

    # /partnership lists both, the one joined last marked; a tap switches.
    await person.send("/partnership")
    assert [c.label for c in person.last.choices] == ["Milan–Shanghai", "Milan–Beijing ✓"]
    await person.click("Milan–Shanghai")
    assert "We now work on the partnership Milan–Shanghai." in person.text
    assert "Milan–Shanghai" in person.last.text  # the steps menu names it
    assert await _active(database, giulia) == ids["milan_shanghai"]

    # A step started in Shanghai keeps its answers there; answering Beijing's prompt
    # stops that step and switches to Beijing, where the figure is stored.
    await person.press("s:aim")
    await person.send("To learn from a partner city how to cut emissions")
    opened = await _report(person, asked[ids["milan_beijing"]], "4")
    assert says(texts, "en", partnerships.STOPPED_FOR_SWITCH) in opened
    assert "We now work on the partnership Milan–Beijing." in opened
    assert await _active(database, giulia) == ids["milan_beijing"]
    await _report(person, asked[ids["milan_shanghai"]], "11")
    assert await _values(database) == {ids["milan_beijing"]: "4", ids["milan_shanghai"]: "11"}
    async with database.sessions() as session:
        aims = await session.scalars(select(Answer.partnership_id).where(Answer.step == "aim"))
        assert list(aims) == [ids["milan_shanghai"]]

    # By name too; a partnership she is not in, typed or forged, changes nothing.
    await person.send("/partnership beijing")
    assert await _active(database, giulia) == ids["milan_beijing"]
    await person.send("/partnership Gothenburg–Shanghai")
    assert says(texts, "en", partnerships.NOT_A_MEMBER) in person.text
    async with database.sessions() as session:
        other = await session.scalar(
            select(Partnership.id).where(Partnership.key == "milan_chengdu")
        )
    forged = f"pt:{other}"  # a modified client can send any callback data
    fake.user_clicks(GIULIA, person.last_sent.message_id, forged, language_code="en")
    await person.settle()
    assert says(texts, "en", partnerships.NOT_A_MEMBER) in person.text
    assert await _active(database, giulia) == ids["milan_beijing"]
    assert fake.violations == []
