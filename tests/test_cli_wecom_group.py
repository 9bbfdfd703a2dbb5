"""`c2cbot wecom-group` gives the group a language pair as /link does in Telegram: the
one asked for, or the partnership's own; a language the bot does not speak is refused
before any group is created."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import select

from c2cbot.cli import main
from c2cbot.config import Settings
from c2cbot.domain.cities import group_languages, language_of
from c2cbot.domain.people import Side
from c2cbot.store.database import Database
from c2cbot.store.models import GroupChat, OutboxMessage
from tests.fakes.wecom_api import AES_KEY, AGENT_ID, CALLBACK_TOKEN, CORP_ID, SECRET, FakeWeCom

Cli = Callable[..., Awaitable[tuple[int, str, str]]]
SPOKEN = ("en", "zh_Hans", "de")


@pytest.fixture
async def wecom(
    settings: Settings,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> AsyncIterator[tuple[Cli, FakeWeCom]]:
    """`c2cbot …` with WeCom configured against a loopback fake, on the test's database."""
    async with FakeWeCom() as fake:
        for userid in ("zhangwei", "lina"):
            fake.member(userid)
        for name in list(os.environ):
            if name.startswith("C2C_"):
                monkeypatch.delenv(name)
        for name, value in {
            "C2C_DATABASE_URL": settings.database_url,
            "C2C_WECOM_CORP_ID": CORP_ID,
            "C2C_WECOM_AGENT_ID": str(AGENT_ID),
            "C2C_WECOM_SECRET": SECRET,
            "C2C_WECOM_TOKEN": CALLBACK_TOKEN,
            "C2C_WECOM_AES_KEY": AES_KEY,
            "C2C_WECOM_API_URL": fake.api_url,
        }.items():
            monkeypatch.setenv(name, value)

        async def call(*args: str) -> tuple[int, str, str]:
            capsys.readouterr()
            code = await asyncio.to_thread(main, list(args))
            out, err = capsys.readouterr()
            return code, out, err

        yield call, fake


async def linked(database: Database) -> list[tuple[str, list[str]]]:
    async with database.sessions() as session:
        groups = (await session.execute(select(GroupChat).order_by(GroupChat.id))).scalars()
        return [(group.chat_id, group.languages) for group in groups]


async def welcome(database: Database) -> str:
    async with database.sessions() as session:
        message = (await session.execute(select(OutboxMessage))).scalar_one()
    return str(message.payload["text"])


GROUP = ("wecom-group", "--owner", "zhangwei", "--members", "lina")


@pytest.mark.parametrize(
    ("partnership", "languages"),
    [("Bonn–Chengdu", ["de", "zh_Hans"]), ("Gothenburg", ["en", "zh_Hans"])],
)
async def test_a_group_gets_the_partnerships_languages_by_default(
    wecom: tuple[Cli, FakeWeCom], database: Database, partnership: str, languages: list[str]
) -> None:
    cli, fake = wecom
    code, out, err = await cli(*GROUP, "--partnership", partnership)
    assert code == 0, err
    (chatid,) = fake.groups
    assert await linked(database) == [(f"group:{chatid}", languages)]
    assert " + ".join(languages) in out
    text = await welcome(database)
    assert "本群属于合作项目" in text and "belongs to the partnership" not in text.split("\n\n")[1]
    assert text.split("\n\n")[0] != text.split("\n\n")[1]  # one welcome in each language


async def test_a_group_gets_the_languages_asked_for(
    wecom: tuple[Cli, FakeWeCom], database: Database
) -> None:
    cli, fake = wecom
    code, _out, err = await cli(*GROUP, "--partnership", "Gothenburg", "--languages", "zh_Hans")
    assert code == 0, err
    (chatid,) = fake.groups
    assert await linked(database) == [(f"group:{chatid}", ["zh_Hans"])]
    assert "本群属于合作项目" in await welcome(database)


@pytest.mark.parametrize(
    ("languages", "complaint"),
    [
        (("fr", "zh_Hans"), "unknown language 'fr'"),
        (("en", "en"), "one language or two different ones"),
        (("en", "de", "zh_Hans"), "one language or two different ones"),
    ],
)
async def test_languages_the_bot_cannot_give_a_group_are_refused_before_creating_it(
    wecom: tuple[Cli, FakeWeCom],
    database: Database,
    languages: tuple[str, ...],
    complaint: str,
) -> None:
    cli, fake = wecom
    code, out, err = await cli(*GROUP, "--partnership", "Bonn", "--languages", *languages)
    assert code == 2 and out == "" and complaint in err
    assert fake.groups == {} and await linked(database) == []


@pytest.mark.parametrize(
    ("countries", "languages"),
    [
        ([(Side.EU, "SE"), (Side.CN, "CN")], ["en", "zh_Hans"]),
        ([(Side.EU, "AT"), (Side.CN, "CN")], ["de", "zh_Hans"]),
        ([(Side.EU, "DE"), (Side.EU, "FR"), (Side.CN, "CN")], ["en", "zh_Hans"]),
        ([(Side.EU, "DE"), (Side.EU, "DE"), (Side.CN, "HK")], ["de", "zh_Hans"]),
    ],
)
def test_a_partnerships_languages_come_from_its_cities_countries(
    countries: list[tuple[Side, str]], languages: list[str]
) -> None:
    assert group_languages(countries, SPOKEN) == languages
    assert language_of("HK", SPOKEN) == "zh_Hans" and language_of("GB", ("zh_Hans",)) == "en"
