"""German readers get German: from their Telegram language, from /language, in city names
and in the language pairs a partnership's group chat can choose for its digests.

The Bonn–Chengdu and Essen–Changzhou groups read German and Chinese, so German is a
complete third catalogue. Expected texts come from the catalogue (``says``); the few
German words pinned here are the ones a German speaker must see whatever the wording.
"""

from __future__ import annotations

import itertools

from sqlalchemy import select

from c2cbot.flows.commands.link import LINKED
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.schema import Conversation
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.models import GroupChat, OutboxMessage, Stakeholder
from tests.conftest import make_invite
from tests.driver import Driver
from tests.flows.walker import ZH, answer_until, onboard, says, stakeholder_id

GROUP = "-100777"
_keys = itertools.count(1)


async def language_of(person: Driver) -> str:
    async with person.bot.database.sessions() as session:
        return (await session.get_one(Stakeholder, await stakeholder_id(person))).language


async def test_a_german_telegram_hint_gets_a_german_welcome(
    bot: Bot, conversations: dict[str, Conversation]
) -> None:
    person = Driver(bot, "jana", language_hint="de-DE")
    await person.send("Hallo")

    assert person.replies[0].text == says(bot, "de", conversations["onboarding"].intro or "")
    assert person.replies[0].text.startswith("Ich unterstütze Sie")
    assert await language_of(person) == "de"


async def test_the_language_menu_offers_deutsch_and_switches_to_it(member: Driver) -> None:
    await member.send("/language")
    assert [(c.action, c.label) for c in member.last.choices] == [
        ("l:en", "English"),
        ("l:zh_Hans", "简体中文"),
        ("l:de", "Deutsch"),
    ]

    await member.press("l:de")

    bot = member.bot
    assert says(bot, "de", "From now on I will write to you in English.") in member.text
    assert "Deutsch" in member.text
    assert await language_of(member) == "de"
    await member.send("/steps")
    assert "Die acht Schritte Ihrer Partnerschaft" in member.text


async def test_german_onboarding_names_cities_in_german(
    person: Driver, invite: str, conversations: dict[str, Conversation]
) -> None:
    await person.send("hello")
    await answer_until(person, conversations["onboarding"], "de", "city", invite=invite)

    # Gothenburg has a German name; Shanghai has none and falls back to its English one.
    assert [c.label for c in person.last.options] == ["Göteborg", "Shanghai"]
    assert says(person.bot, "de", "Which city's team do you belong to?") in person.last.text


async def group_sends(bot: Bot, member: Driver, *, text: str = "", action: str = "") -> list[str]:
    """``member`` writes in the partnership's group chat; the texts the bot posts there."""
    async with bot.database.sessions() as session:
        seen = (
            await session.execute(
                select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)
            )
        ).scalar_one_or_none() or 0
    await bot.engine.handle(
        Inbound(
            member.channel,
            member.user,
            GROUP,
            f"g{next(_keys)}",
            text=text or None,
            action=action or None,
            is_group=True,
        )
    )
    query = select(OutboxMessage).where(OutboxMessage.chat_id == GROUP, OutboxMessage.id > seen)
    async with bot.database.sessions() as session:
        rows = list((await session.execute(query.order_by(OutboxMessage.id))).scalars())
    member.replies += [Outbound.from_json(r.payload) for r in rows]
    return [Outbound.from_json(r.payload).text for r in rows]


async def test_a_bonn_chengdu_group_chooses_german_and_chinese_digests(
    bot: Bot, database: Database, person: Driver, conversations: dict[str, Conversation]
) -> None:
    coordinator = await make_invite(database, "Bonn–Chengdu", role="coordinator")
    await onboard(person, conversations, "de", coordinator)
    said = await group_sends(bot, person, text="/link")

    assert said == [says(bot, "de", LINKED, name="Bonn–Chengdu")]
    pairs = [(c.action, c.label) for c in person.last.choices]
    assert pairs == [
        ("g:en+zh_Hans", "English + 简体中文"),
        ("g:de+zh_Hans", "Deutsch + 简体中文"),
        (f"g:{ZH}", "简体中文"),
        ("g:en", "English"),
    ]

    said = await group_sends(bot, person, action="g:de+zh_Hans")

    assert said == [
        says(
            bot,
            "de",
            "Digests in this group will be written in {languages}.",
            languages="Deutsch + 简体中文",
        )
    ]
    async with bot.database.sessions() as session:
        group = (
            await session.execute(select(GroupChat).where(GroupChat.chat_id == GROUP))
        ).scalar_one()
    assert (group.languages, group.active) == (["de", "zh_Hans"], True)
