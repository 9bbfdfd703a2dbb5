"""/mydata on Telegram: the person's data arrives as a JSON document, not a wall of text."""

from __future__ import annotations

import json
from collections.abc import Callable

from c2cbot.flows.commands import privacy
from c2cbot.runtime import Bot
from tests.channels.conftest import TelegramPerson
from tests.fakes.telegram_api import FakeTelegram
from tests.flows.walker import walk_conversation


async def test_mydata_arrives_as_a_json_file(
    bot: Bot, make_person: Callable[..., TelegramPerson], invite: str, fast_fake: FakeTelegram
) -> None:
    person = make_person(41, "en-GB")
    await person.send(f"/start {invite}")
    await walk_conversation(person, bot.conversations["onboarding"], "en")  # type: ignore[arg-type]

    await person.send("/mydata")
    [document] = [m for m in fast_fake.chat(41) if m.document is not None]
    assert document.plain == privacy.MYDATA_FILE
    assert document.document is not None
    name, content = document.document
    assert name.startswith("c2cbot-my-data-") and name.endswith(".json")
    data = json.loads(content)
    assert data["channels"][0]["channel"] == "telegram"
    assert data["profile"]["language"] == "en" and data["partnerships"]
    assert not any(m.plain.startswith("{") for m in fast_fake.chat(41))  # no JSON as text
    assert fast_fake.violations == []
