"""The fake Telegram itself: Bot API shapes, long polling and offsets, faults, flood checks."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from tests.fakes.telegram_api import TOKEN, FakeTelegram, RateRule, RateRules


async def call(
    fake: FakeTelegram, method: str, token: str = TOKEN, **params: Any
) -> tuple[int, Any]:
    url = f"{fake.url}/bot{token}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, json=params) as response:
        return response.status, await response.json()


async def test_get_me_and_a_wrong_token(fake: FakeTelegram) -> None:
    status, body = await call(fake, "getMe")
    assert status == 200 and body["result"]["username"] == fake.username
    status, body = await call(fake, "getMe", token="1:wrong")
    assert status == 401 and body == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_get_updates_confirms_by_offset_and_long_polls(fake: FakeTelegram) -> None:
    first = fake.user_sends(7, "hello")
    second = fake.user_sends(7, "again")
    _, body = await call(fake, "getUpdates")
    assert [u["update_id"] for u in body["result"]] == [first["update_id"], second["update_id"]]
    _, body = await call(fake, "getUpdates", offset=second["update_id"])
    assert [u["update_id"] for u in body["result"]] == [second["update_id"]]
    started = time.monotonic()
    waiting = asyncio.create_task(
        call(fake, "getUpdates", offset=second["update_id"] + 1, timeout=5)
    )
    await asyncio.sleep(0.1)
    third = fake.user_sends(7, "later")
    _, body = await waiting
    assert [u["update_id"] for u in body["result"]] == [third["update_id"]]
    assert time.monotonic() - started < 2
    _, body = await call(fake, "getUpdates", offset=third["update_id"] + 1, timeout=0.2)
    assert body["result"] == []


async def test_messages_edits_and_keyboards(fake: FakeTelegram) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "1:yes"}]]}
    _, body = await call(
        fake, "sendMessage", chat_id=7, text="a &lt;b&gt;", parse_mode="HTML", reply_markup=keyboard
    )
    message_id = body["result"]["message_id"]
    _, body = await call(fake, "sendMessage", chat_id=7, text="next")
    assert body["result"]["message_id"] == message_id + 1
    assert fake.last(7).plain == "next" and fake.chat(7)[0].plain == "a <b>"
    assert fake.chat(7)[0].data_for("Yes") == "1:yes"
    status, body = await call(
        fake,
        "editMessageText",
        chat_id=7,
        message_id=message_id,
        text="a &lt;b&gt;",
        parse_mode="HTML",
        reply_markup=keyboard,
    )
    assert status == 400 and "message is not modified" in body["description"]
    status, _ = await call(
        fake, "editMessageText", chat_id=7, message_id=message_id, text="changed"
    )
    assert status == 200 and fake.chat(7)[0].keyboard == [] and fake.chat(7)[0].edits == 1
    status, body = await call(fake, "editMessageText", chat_id=7, message_id=999, text="x")
    assert status == 400 and "message to edit not found" in body["description"]


async def test_bad_html_long_text_and_long_button_data_are_refused(fake: FakeTelegram) -> None:
    status, body = await call(fake, "sendMessage", chat_id=7, text="<b>&", parse_mode="HTML")
    assert status == 400 and "can't parse entities" in body["description"]
    status, body = await call(fake, "sendMessage", chat_id=7, text="x" * 4097)
    assert status == 400 and "too long" in body["description"]
    keyboard = {"inline_keyboard": [[{"text": "x", "callback_data": "x" * 65}]]}
    status, body = await call(fake, "sendMessage", chat_id=7, text="x", reply_markup=keyboard)
    assert status == 400 and "BUTTON_DATA_INVALID" in body["description"]


async def test_faults_are_injected_per_method_and_chat(fake: FakeTelegram) -> None:
    fake.flood("sendMessage", retry_after=3, chat_id=7)
    status, body = await call(fake, "sendMessage", chat_id=8, text="other chat")
    assert status == 200
    status, body = await call(fake, "sendMessage", chat_id=7, text="x")
    assert (status, body["parameters"]) == (429, {"retry_after": 3})
    assert fake.sent_texts(7) == []
    fake.fail("sendMessage", 500, times=2)
    assert [(await call(fake, "sendMessage", chat_id=7, text="x"))[0] for _ in range(3)] == [
        500,
        500,
        200,
    ]
    fake.bot_blocked_by(9)
    status, body = await call(fake, "sendMessage", chat_id=9, text="x")
    assert status == 403 and "blocked" in body["description"]
    fake.delay("getMe", 0.3)
    started = time.monotonic()
    status, _ = await call(fake, "getMe")
    assert status == 502 and time.monotonic() - started >= 0.3


async def test_flood_limits_are_measured() -> None:
    rules = RateRules(private=RateRule(1.0, 1.0, 1.0), overall=RateRule(100.0, 0.0, 1.0))
    async with FakeTelegram(rules=rules) as fake:
        for _ in range(2):
            await call(fake, "sendMessage", chat_id=7, text="x")
        assert fake.violations == []
        await call(fake, "sendMessage", chat_id=7, text="x")
        assert [(v.rule, v.chat_id, v.count) for v in fake.violations] == [("private", 7, 3)]


async def test_callback_answers_and_commands_are_recorded(fake: FakeTelegram) -> None:
    update = fake.user_clicks(7, 1, "1:yes")
    query_id = update["callback_query"]["id"]
    assert (await call(fake, "answerCallbackQuery", callback_query_id=query_id))[0] == 200
    assert (await call(fake, "answerCallbackQuery", callback_query_id=query_id))[0] == 400
    await call(
        fake,
        "setMyCommands",
        commands=[{"command": "help", "description": "帮助"}],
        language_code="zh",
    )
    assert fake.commands["zh"][0]["description"] == "帮助"


async def test_webhook_blocks_polling_and_updates_can_be_posted(fake: FakeTelegram) -> None:
    await call(fake, "setWebhook", url="http://127.0.0.1:1/telegram", secret_token="s")
    status, body = await call(fake, "getUpdates")
    assert status == 409 and "webhook is active" in body["description"]
    _, info = await call(fake, "getWebhookInfo")
    assert info["result"]["url"] == "http://127.0.0.1:1/telegram"
    await call(fake, "deleteWebhook")
    assert (await call(fake, "getUpdates"))[0] == 200
