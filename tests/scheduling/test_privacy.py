"""/privacy, /mydata and /forget in Chinese, and the operator's `people export|forget`.

Li (Shanghai, Chinese) has answered Aim and has a KPI question waiting. She reads the
notice, sees her data, then erases it: nothing of hers is sent afterwards, while the
partnership's record still counts her city's answers in the digest, without her name.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any, cast

import pytest
from aiohttp.test_utils import TestClient, TestServer
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
from tests.driver import Driver
from tests.scheduling.conftest import World, build_world, outbox, says, utc


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


async def _download(bot: Bot, path: str) -> dict[str, Any]:
    """Open the link /mydata offered, over loopback HTTP, as the browser would."""
    async with TestClient(TestServer(bot.app)) as client:
        response = await client.get(path)
        assert response.status == 200
        return cast(dict[str, Any], json.loads(await response.read()))


async def _li_with_an_answer_and_a_waiting_prompt(
    database: Database, texts: Catalogues, bot: Bot
) -> tuple[World, Driver]:
    world = await build_world(database)
    for day in (4, 5, 6):
        await jobs.plan_rounds(database, texts, utc(2026, 5, day, 1))
    li = Driver(bot, "li")
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
    [path] = [r.extra["link"]["path"] for r in li.replies[-3:] if "link" in r.extra]
    data = await _download(bot, path)
    assert data["profile"]["name"] == "Li" and data["profile"]["city"] == "Shanghai"
    assert [p["partnership"] for p in data["partnerships"]] == ["Gothenburg–Shanghai"]
    assert [a["answer"] for a in data["answers"]] == ["城市更新与低碳交通"]

    await li.send("/connect")  # a code someone could still link with, were it kept
    assert await _count(database, ConnectCode, ConnectCode.stakeholder_id == world.li) == 1
    await li.send("/forget")
    assert says(texts, "zh_Hans", privacy.ASK_FORGET) in li.text
    assert await _count(database, ChannelIdentity, ChannelIdentity.stakeholder_id == world.li)
    await _delivered(database)  # she read the question before she tapped
    await li.press("fg")
    assert says(texts, "zh_Hans", privacy.ERASED) in li.text
    assert "城市更新" not in caplog.text and "Li" not in caplog.text.replace("Literal", "")
    assert f"person #{world.li} erased" in caplog.text

    # Nothing of hers is left to send to, or to ask: no identity, membership or prompt.
    assert await _count(database, ChannelIdentity, ChannelIdentity.stakeholder_id == world.li) == 0
    assert await _count(database, Membership, Membership.stakeholder_id == world.li) == 0
    assert await _count(database, ConnectCode, ConnectCode.stakeholder_id == world.li) == 0
    waiting = Prompt.stakeholder_id == world.li, Prompt.status.in_(("planned", "sent"))
    assert await _count(database, Prompt, *waiting) == 0
    sent_before = len(await outbox(database, "li"))
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
