"""/privacy, /mydata and /forget in Chinese, and the operator's `people export|forget`.

Li (Shanghai, Chinese) joined before consent was asked: her first message brings the
notice and both consents (to the handling of her data, and to its transfer out of
China). She answers Aim and has a KPI question waiting. She reads the notice, sees her
data and her consents, then erases it: nothing of hers is sent afterwards, while the
partnership's record still counts her city's answers in the digest, without her name.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from c2cbot.cli import main
from c2cbot.config import Settings
from c2cbot.flows import notice
from c2cbot.flows.commands import privacy
from c2cbot.i18n import Catalogues
from c2cbot.runtime import Bot
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from c2cbot.store.digest_facts import weekly_facts
from c2cbot.store.guard_models import ConnectCode
from c2cbot.store.models import (
    Answer,
    ChannelIdentity,
    Membership,
    OutboxMessage,
    Prompt,
    Stakeholder,
)
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import (
    NAMES,
    ORGANISATIONS,
    ZH,
    onboard,
    stakeholder_id,
    start_step,
)
from tests.scheduling.conftest import World, build_world, outbox, says, utc
from tests.support.downloads import download

ABROAD_QUESTION = (
    "Your city is in China. Do you agree that your data is shared with the members of "
    "the European partner city, and stored and processed outside China?"
)

NAME_LI = re.compile(r"(?<![\w-])Li(?![\w-])")  # not inside a word or a token


async def _count(database: Database, model: type, *where: object) -> int:
    async with database.sessions() as session:
        query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int(await session.scalar(query) or 0)


async def _delivered(database: Database) -> None:
    """What the bot wrote so far reached the people (as the dispatcher would have it)."""
    async with database.transaction() as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.status == "pending").values(status="sent")
        )


async def _li_with_an_answer_and_a_waiting_prompt(
    database: Database, texts: Catalogues, bot: Bot
) -> tuple[World, Driver]:
    world = await build_world(database, consent=False)
    for day in (4, 5, 6):
        await jobs.plan_rounds(database, texts, utc(2026, 5, day, 1))
    li = Driver(bot, "li")
    await li.press("s:aim")  # consent comes first
    assert says(texts, "zh_Hans", notice.VERSION) in li.text
    await li.click("是")
    assert says(texts, "zh_Hans", ABROAD_QUESTION) in li.last.text
    await li.click("是")  # Shanghai is in China: the transfer abroad
    assert await _count(database, Answer, Answer.stakeholder_id == world.li) == 2
    await li.press("s:aim")
    await li.send("城市更新与低碳交通")
    await li.send("/cancel")
    return world, li


async def test_a_shanghai_official_reads_the_notice_sees_her_data_and_erases_it(
    database: Database, texts: Catalogues, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    world, li = await _li_with_an_answer_and_a_waiting_prompt(database, texts, bot)
    caplog.set_level(logging.INFO)

    await li.send("/privacy")
    assert says(texts, "zh_Hans", notice.WHO_SEES) in li.text
    assert texts.gettext("zh_Hans", notice.OPERATORS["web"]) in li.text

    await li.send("/mydata")
    data = await download(bot, li.replies[-3:])
    assert data["profile"]["name"] == "Li" and data["profile"]["city"] == "Shanghai"
    assert [p["partnership"] for p in data["partnerships"]] == ["Gothenburg–Shanghai"]
    assert [a["answer"] for a in data["answers"]] == ["城市更新与低碳交通"]
    assert [(c["consent"], c["notice"]) for c in data["consents"]] == [
        ("data", notice.NOTICE_VERSION),
        ("abroad", notice.NOTICE_VERSION),
    ]
    async with database.sessions() as session:
        given = await session.scalars(
            select(Answer.answered_at)
            .where(Answer.stakeholder_id == world.li, Answer.conversation == "consent")
            .order_by(Answer.id)
        )
        assert [c["given"] for c in data["consents"]] == [at.isoformat() for at in given]

    await li.send("/connect")  # a code someone could still link with, were it kept
    assert await _count(database, ConnectCode, ConnectCode.stakeholder_id == world.li) == 1
    await li.send("/forget")
    assert says(texts, "zh_Hans", privacy.ASK_FORGET) in li.text
    assert await _count(database, ChannelIdentity, ChannelIdentity.stakeholder_id == world.li)
    await _delivered(database)  # she read the question before she tapped
    await li.press("fg")
    assert says(texts, "zh_Hans", privacy.ERASED) in li.text
    # Her name as a word: a random one-time token in the access log may hold "Li" inside.
    assert "城市更新" not in caplog.text and not NAME_LI.search(caplog.text)
    assert f"person #{world.li} erased" in caplog.text

    # Nothing of hers is left to send to, or to ask: no identity, membership or prompt.
    assert await _count(database, ChannelIdentity, ChannelIdentity.stakeholder_id == world.li) == 0
    assert await _count(database, Membership, Membership.stakeholder_id == world.li) == 0
    assert await _count(database, ConnectCode, ConnectCode.stakeholder_id == world.li) == 0
    waiting = Prompt.stakeholder_id == world.li, Prompt.status.in_(("planned", "sent"))
    assert await _count(database, Prompt, *waiting) == 0
    sent_before = len(await outbox(database, "li"))
    # What was sent to her went with her, but for the chat's newest row (so ids keep
    # growing) and the farewell.
    assert sent_before == 2
    for day in (6, 7):
        await jobs.plan_rounds(database, texts, utc(2026, 5, day, 1))
        await jobs.send_due(database, texts, utc(2026, 5, day, 3))
    after = await outbox(database, "li")
    assert len(after) == sent_before  # the rounds wrote her nothing
    assert says(texts, "zh_Hans", privacy.ERASED) in after[-1].text  # the last word

    # Her answer stays in the shared record, nameless, and the digest still counts it.
    async with database.sessions() as session:
        person = await session.get_one(Stakeholder, world.li)
        assert person.name is None and person.city_id == world.shanghai
        answered = await session.scalar(
            select(Answer.answered_at).where(Answer.stakeholder_id == world.li)
        )
        assert answered is not None
        sunday = answered.date() + timedelta(days=6 - answered.weekday())
        facts = (await weekly_facts(session, [world.partnership_id], sunday))[world.partnership_id]
    assert dict(facts.answers_by_step)["aim"] == 1
    assert ("shanghai", 1) in [(b.city, b.answers) for b in facts.balance]

    # Writing again starts afresh, as a stranger.
    await li.send("你好")
    assert await _count(database, ChannelIdentity, ChannelIdentity.external_id == "li") == 1
    async with database.sessions() as session:
        identity = await session.scalar(
            select(ChannelIdentity).where(ChannelIdentity.external_id == "li")
        )
        assert identity is not None and identity.stakeholder_id != world.li


async def test_forget_waits_for_confirmation(database: Database, bot: Bot) -> None:
    world = await build_world(database, plan_created=None)
    sven = Driver(bot, "sven")
    await sven.send("/forget")
    await sven.send("/forget maybe")
    assert await _count(database, ChannelIdentity, ChannelIdentity.stakeholder_id == world.sven)
    await sven.send("/forget confirm")
    assert not await _count(database, ChannelIdentity, ChannelIdentity.stakeholder_id == world.sven)


async def test_the_operator_exports_and_erases_a_person(
    database: Database,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("C2C_DATABASE_URL", settings.database_url)
    world = await build_world(database, plan_created=None)
    assert await asyncio.to_thread(main, ["people", "export", str(world.sven)]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["profile"]["name"] == "Sven" and exported["channels"][0]["channel"] == "web"
    assert await asyncio.to_thread(main, ["people", "forget", str(world.sven)]) == 2
    assert await _count(database, ChannelIdentity, ChannelIdentity.stakeholder_id == world.sven)
    assert await asyncio.to_thread(main, ["people", "forget", str(world.sven), "--yes"]) == 0
    assert not await _count(database, ChannelIdentity, ChannelIdentity.stakeholder_id == world.sven)
    assert await asyncio.to_thread(main, ["people", "export", "999999"]) == 2


async def test_what_she_said_about_herself_while_joining_goes_with_her_name(
    database: Database, bot: Bot
) -> None:
    """Zhao joins in the chat: her name and organisation as she typed them go with her
    name; her Aim answer stays, and the digest counts the same before and after."""
    world = await build_world(database, plan_created=None)
    zhao = Driver(bot, "zhao")
    invite = await make_invite(database)
    await onboard(zhao, bot.conversations, ZH, invite, picks={"city": 1})  # Shanghai
    await start_step(zhao, "aim")
    await zhao.send("绿色低碳的宜居城市")
    await zhao.send("/cancel")
    me = await stakeholder_id(zhao)

    async def kept() -> tuple[str, Any]:
        async with database.sessions() as session:
            rows = list(await session.scalars(select(Answer).where(Answer.stakeholder_id == me)))
            week_end = rows[-1].answered_at.date() + timedelta(
                days=6 - rows[-1].answered_at.weekday()
            )
            facts = (await weekly_facts(session, [world.partnership_id], week_end))[
                world.partnership_id
            ]
        shown = " ".join(f"{r.display} {json.dumps(r.value, ensure_ascii=False)}" for r in rows)
        return shown, (facts.answers_by_step, facts.balance)

    before, counted = await kept()
    assert NAMES[ZH] in before and ORGANISATIONS[ZH] in before
    await zhao.send("/forget confirm")
    after, counted_after = await kept()
    assert NAMES[ZH] not in after and ORGANISATIONS[ZH] not in after
    assert "绿色低碳的宜居城市" in after  # the partnership's answer stays
    assert counted_after == counted
    assert dict(counted[0])["aim"] == 1 and ("shanghai", 5) in [
        (b.city, b.answers) for b in counted[1]
    ]
