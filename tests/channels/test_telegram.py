"""The Telegram channel through the real python-telegram-bot code against the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Update
from telegram.error import RetryAfter

from c2cbot.channels.base import DeliveryError
from c2cbot.channels.ratelimit import ChatLimiter, ChatLimits, Rate, TokenBucket, acquire_all
from c2cbot.channels.telegram.channel import (
    BUTTON_BROKEN,
    COMMANDS,
    SECRET_HEADER,
    TelegramChannel,
    TelegramSetupError,
)
from c2cbot.channels.telegram.reading import Reader, valid_callback_data
from c2cbot.channels.telegram.spec import TelegramOptions
from c2cbot.channels.telegram.writing import Unreachable, render, retry_seconds, split_for_telegram
from c2cbot.delivery.dispatcher import Dispatcher
from c2cbot.flows.messages import Choice, Inbound, Outbound
from c2cbot.flows.texts import Texts
from c2cbot.runtime import Bot
from c2cbot.store.models import OutboxMessage
from tests.channels.conftest import FAST, MakeChannel, Recorder, TelegramPerson, deliver_all
from tests.fakes.telegram_api import TOKEN, USERNAME, FakeTelegram
from tests.flows.walker import start_step, walk_conversation
from tests.support.outbox import enqueue as queue

LINK = f"https://t.me/{USERNAME}"
GROUP = -4001


# ----- a fake clock for the rate limiter


class FakeClock:
    def __init__(self) -> None:
        self.time = 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.time += seconds
        await asyncio.sleep(0)


async def send_times(
    limiter: ChatLimiter, clock: FakeClock, chat_id: str, count: int
) -> list[float]:
    times = []
    for _ in range(count):
        await limiter.wait(chat_id)
        times.append(round(clock.time, 6))
    return times


async def test_bucket_allows_a_burst_then_the_rate() -> None:
    clock = FakeClock()
    limiter = ChatLimiter(ChatLimits(overall=Rate(100, 100), private=Rate(1, 2)), clock)
    assert await send_times(limiter, clock, "7", 5) == [0, 0, 1, 2, 3]


async def test_chats_are_limited_separately_and_groups_per_minute() -> None:
    clock = FakeClock()
    limits = ChatLimits(overall=Rate(100, 100), private=Rate(1, 1), group=Rate.per_minute(20, 1))
    limiter = ChatLimiter(limits, clock)
    assert await send_times(limiter, clock, "7", 1) == [0]
    assert await send_times(limiter, clock, "8", 1) == [0]
    assert await send_times(limiter, clock, "-100", 2) == [0, 3]


async def test_the_overall_bucket_caps_all_chats_together() -> None:
    clock = FakeClock()
    limiter = ChatLimiter(ChatLimits(overall=Rate(10, 2), private=Rate(100, 100)), clock)
    times = [await send_times(limiter, clock, str(chat), 1) for chat in range(1, 6)]
    assert [t[0] for t in times] == [0, 0, 0.1, 0.2, 0.3]


async def test_default_limits_stay_inside_telegrams() -> None:
    """Whatever the pattern, the defaults never exceed 30/s overall or 20/min in a group."""
    clock = FakeClock()
    limiter = ChatLimiter(ChatLimits(), clock)
    group = await send_times(limiter, clock, "-100", 40)
    assert all(len([t for t in group if start <= t <= start + 60]) <= 20 for start in group)
    clock.time += 120
    everyone = await asyncio.gather(*(send_times(limiter, clock, str(c), 3) for c in range(1, 40)))
    flat = sorted(t for times in everyone for t in times)
    assert all(len([t for t in flat if start <= t <= start + 1]) <= 30 for start in flat)


async def test_tokens_are_taken_only_when_all_buckets_allow() -> None:
    clock = FakeClock()
    slow, fast = TokenBucket(Rate(1, 1), clock), TokenBucket(Rate(10, 1), clock)
    await acquire_all((slow, fast), clock)
    await acquire_all((slow, fast), clock)
    assert clock.time == pytest.approx(1.0)
    assert fast.wait_time() == pytest.approx(0.1)


async def test_idle_chats_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("c2cbot.channels.ratelimit.MAX_IDLE_BUCKETS", 3)
    clock = FakeClock()
    limiter = ChatLimiter(ChatLimits(), clock)
    for chat in range(3):
        await limiter.wait(str(chat))
    clock.time += 10
    await limiter.wait("new")
    assert limiter.chats_tracked == 1


class NewestFirstClock:
    """Virtual time; sleepers due at the same moment wake newest first.

    Nothing promises an order among timers that fall due together, so a limiter that is
    fair only when sleepers happen to wake oldest first is not fair.
    """

    def __init__(self) -> None:
        self.time = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        due: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.time + seconds, due))
        await due

    async def run(self, tasks: list[asyncio.Task[None]]) -> None:
        """Let the tasks run, moving time on whenever all of them sleep."""
        while not all(task.done() for task in tasks):
            for _ in range(20):
                await asyncio.sleep(0)
            if not self._sleepers:
                continue
            self.time = min(due for due, _ in self._sleepers)
            waking = [s for s in self._sleepers if s[0] <= self.time]
            self._sleepers = [s for s in self._sleepers if s[0] > self.time]
            for _, due in reversed(waking):
                due.set_result(None)


async def test_chats_waiting_for_the_overall_limit_are_served_first_come_first_served() -> None:
    clock = NewestFirstClock()
    limiter = ChatLimiter(ChatLimits(overall=Rate(1, 1), private=Rate(100, 100)), clock)
    served: list[tuple[str, float]] = []

    async def send(chat_id: str) -> None:
        await limiter.wait(chat_id)
        served.append((chat_id, clock.time))

    tasks = []
    for chat in "abcdef":
        tasks.append(asyncio.create_task(send(chat)))
        await asyncio.sleep(0)  # each asks in turn, all at time 0
    await clock.run(tasks)
    assert served == [("a", 0), ("b", 1), ("c", 2), ("d", 3), ("e", 4), ("f", 5)]


async def test_a_chat_waiting_for_its_own_limit_does_not_hold_up_the_others() -> None:
    clock = NewestFirstClock()
    limits = ChatLimits(overall=Rate(10, 1), private=Rate(0.5, 1))
    limiter = ChatLimiter(limits, clock)
    served: list[tuple[str, float]] = []

    async def send(chat_id: str) -> None:
        await limiter.wait(chat_id)
        served.append((chat_id, round(clock.time, 6)))

    await limiter.wait("slow")  # its bucket is empty now: the next message waits 2 s
    clock.time = 0.1
    tasks = [asyncio.create_task(send("slow"))]
    await asyncio.sleep(0)
    tasks += [asyncio.create_task(send(chat)) for chat in ("x", "y")]
    await clock.run(tasks)
    assert served == [("x", 0.1), ("y", 0.2), ("slow", 2.0)]


# ----- reading updates


def inbound(**fields: Any) -> Inbound:
    base: dict[str, Any] = {
        "channel": "telegram",
        "external_id": "7",
        "chat_id": "7",
        "language_hint": "en",
        "display_name": "Person7 Test",
        "private_link": LINK,
    }
    return Inbound(**{**base, **fields})


async def test_start_learns_the_name_and_registers_commands(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder, texts: Texts
) -> None:
    channel = await make_channel(fake, recorder)
    assert channel.username == USERNAME and channel.private_link == LINK
    assert [c["command"] for c in fake.commands[""]] == [name for name, _ in COMMANDS]
    english = dict(COMMANDS)
    assert {c["command"]: c["description"] for c in fake.commands[""]} == english
    chinese = {c["command"]: c["description"] for c in fake.commands["zh"]}
    assert chinese == {name: texts.gettext("zh_Hans", text) for name, text in COMMANDS}
    german = {c["command"]: c["description"] for c in fake.commands["de"]}
    assert german == {name: texts.gettext("de", text) for name, text in COMMANDS}
    assert german["steps"] != english["steps"]  # German readers get German descriptions


async def test_a_rejected_token_stops_start_without_showing_it(
    fake: FakeTelegram, texts: Texts, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "999:wrong-secret-token"
    channel = TelegramChannel(wrong, fake.api_url, texts, recorder, options=FAST)
    with pytest.raises(TelegramSetupError) as raised:
        await channel.start()
    await channel.close()
    assert wrong not in str(raised.value) and wrong not in caplog.text


async def test_private_text_and_deep_link(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    channel = await make_channel(fake, recorder)
    update = fake.user_sends(7, "/start ABC123", language_code="zh-hans")
    assert await channel.poll_once() == 1
    assert recorder.inbounds == [
        inbound(dedupe_key=str(update["update_id"]), text="/start ABC123", language_hint="zh-hans")
    ]


@pytest.mark.parametrize(
    ("text", "mention", "expected"),
    [
        ("/start", "", "/start"),
        ("/link ABC", "", "/link ABC"),
        ("/help", None, "/help"),
        ("/help", "OtherBot", None),
        ("/HELP", USERNAME.upper(), "/HELP"),
    ],
)
async def test_group_commands(
    fake: FakeTelegram,
    make_channel: MakeChannel,
    recorder: Recorder,
    text: str,
    mention: str | None,
    expected: str | None,
) -> None:
    channel = await make_channel(fake, recorder)
    update = fake.group_command(7, GROUP, text, mention=mention)
    fake.user_sends(7, "just chatting", chat_id=GROUP, chat_type="group")
    await channel.poll_once()
    wanted = (
        []
        if expected is None
        else [
            inbound(
                dedupe_key=str(update["update_id"]),
                chat_id=str(GROUP),
                text=expected,
                is_group=True,
            )
        ]
    )
    assert recorder.inbounds == wanted


async def test_membership_events(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    channel = await make_channel(fake, recorder)
    moved, _arrived = fake.group_migrated(GROUP, -1001234567890, by_user=7)
    removed = fake.bot_removed_from_group(-4002, by_user=7)
    blocked = fake.bot_blocked_by(7)
    await channel.poll_once()
    assert recorder.inbounds == [
        inbound(
            dedupe_key=str(moved["update_id"]),
            chat_id=str(GROUP),
            is_group=True,
            event="group_moved",
            text="-1001234567890",
        ),
        inbound(
            dedupe_key=str(removed["update_id"]), chat_id="-4002", is_group=True, event="left_group"
        ),
        inbound(dedupe_key=str(blocked["update_id"]), event="unreachable"),
    ]


async def test_unsupported_updates_are_ignored_or_flagged(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    channel = await make_channel(fake, recorder)
    sticker = fake.user_sends_media(7, "sticker")
    voice = fake.user_sends_media(7, "voice")
    private = fake.make_chat(7, "private", fake.person(7))
    fake.push(edited_message=fake.make_message(private, fake.person(7), text="edited", edit_date=1))
    channel_chat = {"id": -1009, "type": "channel", "title": "News"}
    fake.push(channel_post=fake.make_message(channel_chat, None, text="post"))
    fake.push(inline_query={"id": "iq", "from": fake.person(7), "query": "x", "offset": ""})
    fake.push(poll={"id": "p", "question": "?", "options": []})  # PTB cannot read it: skipped
    fake.push(message={"bogus": True})  # nor this
    photo = fake.user_sends_media(8, "photo")
    group = fake.make_chat(GROUP, "group")
    fake.push(message=fake.make_message(group, fake.person(7), new_chat_title="Renamed"))
    assert await channel.poll_once() == 9
    assert recorder.inbounds == [
        inbound(dedupe_key=str(sticker["update_id"]), event="unsupported"),
        inbound(dedupe_key=str(voice["update_id"]), event="unsupported"),
        inbound(
            dedupe_key=str(photo["update_id"]),
            external_id="8",
            chat_id="8",
            display_name="Person8 Test",
            event="unsupported",
        ),
    ]
    await channel.poll_once()
    assert fake.pending == [] and fake.calls("sendMessage") == []


def _update(**message: Any) -> dict[str, Any]:
    user = {"id": 7, "is_bot": False, "first_name": "Ann", "last_name": "Lee"}
    chat = {"id": 7, "type": "private", "first_name": "Ann"}
    return {
        "update_id": 41,
        "message": {"message_id": 5, "date": 0, "chat": chat, "from": user, **message},
    }


@pytest.mark.parametrize(
    "data",
    [
        _update(text="hello"),
        _update(text="/start ABC", **{"from": {"id": 8, "is_bot": False, "first_name": "Bo"}}),
        _update(
            text="你好",
            **{"from": {"id": 9, "is_bot": False, "first_name": "Li", "language_code": "zh-hans"}},
        ),
        _update(
            text="x", **{"from": {"id": 9, "is_bot": False, "first_name": "", "last_name": "Z"}}
        ),
        _update(text="in a group", chat={"id": -5, "type": "group", "title": "G"}),
        _update(
            sticker={
                "file_id": "f",
                "file_unique_id": "u",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        ),
        _update(text="moved", migrate_to_chat_id=-100),
        _update(text="no sender", **{"from": None}),
        {"update_id": 42, "edited_message": _update(text="edited", edit_date=1)["message"]},
        {"update_id": 43, "message": {"bogus": True}},
    ],
)
def test_plain_text_read_from_json_equals_reading_ptbs_update(data: dict[str, Any]) -> None:
    """The fast path reads plain private texts only, and reads them exactly as PTB's path."""
    reader = Reader(USERNAME)
    fast = reader.plain_text(data)
    try:
        slow = reader.read(Update.de_json(json.loads(json.dumps(data)), None))
    except Exception:
        slow = None  # PTB cannot read it; the fast path must not either
    assert fast is None or fast == slow
    expected_fast = (
        "text" in data.get("message", {}) and data["message"]["chat"]["type"] == "private"
    )
    assert (fast is not None) == (
        expected_fast
        and "migrate_to_chat_id" not in data["message"]
        and data["message"]["from"] is not None
    )


def test_reader_without_a_username_still_reads_plain_commands() -> None:
    reader = Reader()
    assert reader.private_link is None
    assert reader.own_command("/start@anybot") is None
    assert reader.own_command("/start x") == "/start x"


# ----- button presses


async def test_button_press_is_answered_before_the_engine_sees_it(
    fake: FakeTelegram, make_channel: MakeChannel
) -> None:
    seen: list[tuple[Inbound, dict[str, str | None]]] = []

    async def on_inbound(inbound: Inbound) -> None:
        seen.append((inbound, dict(fake.answered)))

    channel = await make_channel(fake, on_inbound)
    update = fake.user_clicks(7, 42, "3:+water")
    await channel.poll_once()
    query_id = update["callback_query"]["id"]
    assert seen == [
        (
            inbound(dedupe_key=str(update["update_id"]), action="3:+water", source_message_id="42"),
            {query_id: None},
        )
    ]


@pytest.mark.parametrize("data", ["x" * 65, "好" * 22, "1:\x00", ""])
async def test_forged_button_data_is_refused_politely(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder, texts: Texts, data: str
) -> None:
    channel = await make_channel(fake, recorder)
    update = fake.user_clicks(7, 42, data, language_code="zh-hans")
    await channel.poll_once()
    assert recorder.inbounds == []
    assert fake.answered == {
        update["callback_query"]["id"]: texts.gettext("zh_Hans", BUTTON_BROKEN)
    }


def test_retry_after_in_both_forms_ptb_22_knows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PTB_TIMEDELTA")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flood = RetryAfter(3)
    assert retry_seconds(flood) == 3.0  # the deprecated int, its warning kept inside
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    assert retry_seconds(RetryAfter(timedelta(seconds=1.5))) == 1.5


def test_callback_data_rules() -> None:
    assert valid_callback_data("12:+climate_energy") and valid_callback_data("x" * 64)
    assert not valid_callback_data(None) and not valid_callback_data("é" * 33)


# ----- polling


async def test_people_run_in_parallel_each_in_order(
    fake: FakeTelegram, make_channel: MakeChannel
) -> None:
    log: list[tuple[str, str]] = []

    async def slow_for_seven(inbound: Inbound) -> None:
        await asyncio.sleep(0.1 if inbound.external_id == "7" else 0)
        log.append((inbound.external_id, inbound.text or ""))

    channel = await make_channel(fake, slow_for_seven)
    for n in range(3):
        fake.user_sends(7, f"a{n}")
        fake.user_sends(8, f"b{n}")
    await channel.poll_once()
    assert [t for u, t in log if u == "7"] == ["a0", "a1", "a2"]
    assert [t for u, t in log if u == "8"] == ["b0", "b1", "b2"]
    assert log[:3] == [("8", "b0"), ("8", "b1"), ("8", "b2")]
    await channel.poll_once()
    assert fake.confirmed_offset == max(
        c.params.get("offset") or 0 for c in fake.calls("getUpdates")
    )
    assert fake.pending == []


async def test_a_failed_update_comes_again_and_blocks_only_its_sender(
    fake: FakeTelegram, make_channel: MakeChannel
) -> None:
    handled: list[str] = []
    failures = {"a0": 1}

    async def flaky(inbound: Inbound) -> None:
        text = inbound.text or ""
        if failures.get(text, 0) > 0:
            failures[text] -= 1
            raise RuntimeError("database hiccup")
        handled.append(text)

    channel = await make_channel(fake, flaky)
    fake.user_sends(7, "a0")
    fake.user_sends(7, "a1")
    fake.user_sends(8, "b0")
    await channel.poll_once()
    assert handled == ["b0"]
    await channel.poll_once()
    assert [text for text in handled if text.startswith("a")] == ["a0", "a1"]
    assert handled.count("b0") == 2  # delivered again with a0: harmless, the engine dedupes


async def test_an_update_that_always_fails_is_dropped(
    fake: FakeTelegram, make_channel: MakeChannel
) -> None:
    handled: list[str] = []

    async def poisoned(inbound: Inbound) -> None:
        if inbound.text == "poison":
            raise RuntimeError("always")
        handled.append(inbound.text or "")

    options = TelegramOptions(
        poll_timeout=1, retry_delay=0.01, update_attempts=2, limits=FAST.limits
    )
    channel = await make_channel(fake, poisoned, options)
    fake.user_sends(7, "poison")
    fake.user_sends(7, "after")
    await channel.poll_once()
    await channel.poll_once()
    assert handled == ["after"]


async def test_the_polling_loop_survives_errors(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    channel = await make_channel(fake, recorder)
    await fake_webhook_is_set(fake)
    fake.fail("getUpdates", 500, times=2)
    fake.fail("deleteWebhook", 502)
    fake.user_sends(7, "hello")
    task = asyncio.create_task(channel.poll_forever())
    try:
        await asyncio.wait_for(recorder.arrived.wait(), 5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert fake.webhook is None
    assert [c.status for c in fake.calls("getUpdates")][:3] == [500, 500, 200]
    assert fake.calls("getUpdates")[-1].params["allowed_updates"] == [
        "message",
        "callback_query",
        "my_chat_member",
    ]


async def fake_webhook_is_set(fake: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as session:
        await session.post(
            f"{fake.api_url}{fake.token}/setWebhook", json={"url": "http://127.0.0.1:9/x"}
        )


# ----- webhook


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[TelegramChannel], Awaitable[str]]]:
    """Serve a channel's webhook routes on loopback, as the bot's web server would."""
    runners: list[web.AppRunner] = []

    async def start(channel: TelegramChannel) -> str:
        app = web.Application()
        app.add_routes(channel.webhook_routes("s3cret-Token"))
        runner = web.AppRunner(app, access_log=None)
        runners.append(runner)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def webhook(
    fake: FakeTelegram,
    make_channel: MakeChannel,
    recorder: Recorder,
    serve: Callable[[TelegramChannel], Awaitable[str]],
) -> tuple[TelegramChannel, str]:
    channel = await make_channel(fake, recorder)
    return channel, await serve(channel)


async def test_webhook_checks_the_secret_and_the_body(
    fake: FakeTelegram, webhook: tuple[TelegramChannel, str], recorder: Recorder
) -> None:
    channel, base = webhook
    await channel.use_webhook(base + "/", "s3cret-Token")
    assert fake.webhook == {
        "url": f"{base}/telegram",
        "secret_token": "s3cret-Token",
        "allowed_updates": ["message", "callback_query", "my_chat_member"],
    }
    update = fake.user_sends(7, "hello")
    assert await fake.post_update_to(f"{base}/telegram", "wrong", update) == [403]
    assert await fake.post_update_to(f"{base}/telegram", None, update) == [403]
    assert await fake.post_update_to(f"{base}/telegram", "s3cret-Tokenx", update) == [403]
    assert recorder.inbounds == []
    async with aiohttp.ClientSession() as session:
        headers = {SECRET_HEADER: "s3cret-Token"}
        async with session.post(f"{base}/telegram", data=b"{not json", headers=headers) as response:
            assert response.status == 400
        async with session.post(f"{base}/telegram", json=[1, 2], headers=headers) as response:
            assert response.status == 400
        async with session.post(
            f"{base}/telegram", json={"nonsense": True}, headers=headers
        ) as response:
            assert response.status == 200
    assert recorder.inbounds == []
    assert await fake.post_update_to(f"{base}/telegram", "s3cret-Token") == [200]
    assert recorder.inbounds == [inbound(dedupe_key=str(update["update_id"]), text="hello")]


async def test_webhook_reports_engine_failures_so_telegram_retries(
    fake: FakeTelegram,
    make_channel: MakeChannel,
    serve: Callable[[TelegramChannel], Awaitable[str]],
) -> None:
    async def broken(_inbound: Inbound) -> None:
        raise RuntimeError("database down")

    base = await serve(await make_channel(fake, broken))
    fake.user_sends(7, "hi")
    assert await fake.post_update_to(f"{base}/telegram", "s3cret-Token") == [500]


def test_a_webhook_without_secret_is_refused(texts: Texts, recorder: Recorder) -> None:
    channel = TelegramChannel(TOKEN, "http://127.0.0.1:9/bot", texts, recorder)
    with pytest.raises(ValueError, match="secret"):
        channel.webhook_routes("")


# ----- sending


async def test_text_is_escaped_for_html(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    channel = await make_channel(fake, recorder)
    message_id = await channel.send(
        "7", Outbound("Use <b> & <i>, not 'quotes' \"x\"", (Choice("1:a", "<A> & B"),))
    )
    sent = fake.last(7)
    assert str(sent.message_id) == message_id
    assert sent.parse_mode == "HTML"
    assert sent.text == "Use &lt;b&gt; &amp; &lt;i&gt;, not 'quotes' \"x\""
    assert sent.plain == "Use <b> & <i>, not 'quotes' \"x\"" and sent.labels == ["<A> & B"]


async def test_long_text_is_split_with_buttons_on_the_last_part(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    channel = await make_channel(fake, recorder)
    paragraphs = "\n\n".join(f"Paragraph {n}: " + "word " * 150 for n in range(12))
    message_id = await channel.send(
        "7", Outbound(paragraphs, (Choice("1:yes", "Yes"), Choice("1:no", "No")))
    )
    parts = fake.chat(7)
    assert len(parts) >= 3 and all(len(p.plain) <= 4096 for p in parts)
    assert [bool(p.keyboard) for p in parts] == [False] * (len(parts) - 1) + [True]
    assert parts[-1].keyboard == [
        [{"text": "Yes", "callback_data": "1:yes"}, {"text": "No", "callback_data": "1:no"}]
    ]
    assert message_id == str(parts[-1].message_id)
    assert " ".join(p.plain for p in parts).split() == paragraphs.split()


def test_splitting_counts_like_telegram() -> None:
    assert [len(p) for p in split_for_telegram("😀" * 3000)] == [2048, 952]
    assert len(split_for_telegram("好" * 4096)) == 1
    choices = tuple(Choice(f"1:{n}", f"A long option label {n}") for n in range(3))
    markup = render(Outbound("x", choices))[0].markup
    assert markup is not None and [len(row) for row in markup.inline_keyboard] == [1, 1, 1]


async def test_a_question_is_edited_in_place(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    channel = await make_channel(fake, recorder)
    choices = (Choice("4:+a", "Alpha"), Choice("4:+b", "Beta"), Choice("4:=", "Done"))
    first = await channel.send("7", Outbound("Pick some", choices, multi=True))
    toggled = (Choice("4:+a", "Alpha", True), *choices[1:])
    edited = await channel.send(
        "7", Outbound("Pick some", toggled, multi=True, extra={"edit": first})
    )
    assert edited == first and len(fake.chat(7)) == 1
    assert fake.last(7).labels == ["☑ Alpha", "Beta", "Done"] and fake.last(7).edits == 1
    same = await channel.send(
        "7", Outbound("Pick some", toggled, multi=True, extra={"edit": first})
    )
    assert same == first and fake.last(7).edits == 1  # "message is not modified" is fine
    gone = await channel.send(
        "7", Outbound("Pick some", toggled, multi=True, extra={"edit": "999"})
    )
    assert gone != first and len(fake.chat(7)) == 2
    closed = await channel.send("7", Outbound("Pick some\n\n✓ Alpha", extra={"edit": first}))
    assert closed == first and fake.chat(7)[0].keyboard == []


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        (
            lambda f: f.flood("sendMessage", retry_after=3),
            lambda e: e.retry_after == 3.0 and not e.permanent,
        ),
        (lambda f: f.fail("sendMessage", 500), lambda e: not e.permanent and e.retry_after is None),
        (lambda f: f.fail("sendMessage", 502), lambda e: not e.permanent),
        (lambda f: f.delay("sendMessage", 2.0), lambda e: not e.permanent and "TimedOut" in str(e)),
        (
            lambda f: f.fail("sendMessage", 403),
            lambda e: isinstance(e, Unreachable) and e.unreachable,
        ),
        (
            lambda f: f.fail("sendMessage", 400, description="Bad Request: chat not found"),
            lambda e: isinstance(e, Unreachable),
        ),
        (
            lambda f: f.fail("sendMessage", 400, description="Bad Request: can't parse entities"),
            lambda e: e.permanent and not e.unreachable,
        ),
        (lambda f: f.group_migrated(7, -1001), lambda e: e.permanent and "-1001" in str(e)),
    ],
)
async def test_send_failures_become_delivery_errors(
    fake: FakeTelegram,
    make_channel: MakeChannel,
    recorder: Recorder,
    fault: Callable[[FakeTelegram], object],
    check: Callable[[DeliveryError], bool],
) -> None:
    options = TelegramOptions(request_timeout=0.5, limits=FAST.limits)
    channel = await make_channel(fake, recorder, options)
    fault(fake)
    with pytest.raises(DeliveryError) as raised:
        await channel.send("7", Outbound("hello"))
    assert check(raised.value), raised.value
    assert fake.chat(7) == []


async def test_bad_button_data_is_a_permanent_error(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    channel = await make_channel(fake, recorder)
    with pytest.raises(DeliveryError) as raised:
        await channel.send("7", Outbound("x", (Choice("x" * 65, "X"),)))
    assert raised.value.permanent and fake.calls("sendMessage") == []


async def test_a_retried_long_message_does_not_repeat_its_parts(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    channel = await make_channel(fake, recorder)
    text = "\n\n".join("x" * 3000 for _ in range(3))
    fake.fail("sendMessage", 500, after=2)  # the second part of the long message fails
    await channel.send("7", Outbound("first"))
    with pytest.raises(DeliveryError):
        await channel.send("7", Outbound(text))
    await channel.send("7", Outbound(text))
    assert [len(m.plain) for m in fake.chat(7)] == [5, 3000, 3000, 3000]


# ----- delivery through the dispatcher and the real outbox


async def enqueue(bot: Bot, chat_id: str, texts: list[str]) -> None:
    await queue(bot.database, [("telegram", chat_id, Outbound(text)) for text in texts])


async def test_delivery_under_faults_is_complete_ordered_and_once(
    bot: Bot, fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    options = TelegramOptions(request_timeout=0.5)  # Telegram's real limits, measured by the fake
    channel = await make_channel(fake, recorder, options)
    dispatcher = Dispatcher(bot.outbox, {"telegram": channel}, idle_poll=0.05)
    wanted = {chat: [f"{chat}-{n}" for n in range(4)] for chat in ("7", "8", "9")}
    for chat, texts in wanted.items():
        await enqueue(bot, chat, texts)
    fake.flood("sendMessage", retry_after=2, chat_id=7)
    fake.fail("sendMessage", 500, chat_id=8)
    fake.delay("sendMessage", 1.0, chat_id=9)
    started = time.monotonic()
    await deliver_all(bot, dispatcher)
    for chat, texts in wanted.items():
        assert fake.sent_texts(chat) == texts
    assert fake.violations == []
    first_of_seven = min(
        c.at for c in fake.calls("sendMessage") if c.params["chat_id"] == 7 and c.status == 200
    )
    delivered_eight = [
        c.at for c in fake.calls("sendMessage") if c.params["chat_id"] == 8 and c.status == 200
    ]
    assert first_of_seven - started >= 2.0
    assert len([at for at in delivered_eight if at < first_of_seven]) >= 2  # 8 kept going


async def test_a_blocked_person_is_a_dead_letter_and_unreachable(
    bot: Bot, fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    channel = await make_channel(fake, recorder)
    dispatcher = Dispatcher(bot.outbox, {"telegram": channel}, idle_poll=0.05)
    fake.bot_blocked_by(7)
    await enqueue(bot, "7", ["hello"])
    await deliver_all(bot, dispatcher, within=3)
    async with bot.database.sessions() as session:
        row = await session.get(OutboxMessage, 1)
    assert row is not None and row.status == "dead" and "blocked" in (row.error or "")


async def test_many_chats_at_telegrams_real_limits(
    fake: FakeTelegram, make_channel: MakeChannel, recorder: Recorder
) -> None:
    channel = await make_channel(fake, recorder, TelegramOptions())

    async def chat(chat_id: int) -> None:
        for n in range(3):
            await channel.send(str(chat_id), Outbound(f"message {n}"))

    await asyncio.gather(*(chat(c) for c in range(1, 13)), chat(GROUP))
    assert len(fake.calls("sendMessage")) == 39 and fake.violations == []


# ----- secrets


async def test_the_token_never_reaches_logs_or_errors(
    fake: FakeTelegram, texts: Texts, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    closed = "http://127.0.0.1:9/bot"  # nothing listens on port 9
    options = TelegramOptions(
        poll_timeout=1, request_timeout=0.3, retry_delay=0.01, max_retry_delay=0.02
    )
    for api_url in (closed, fake.api_url):
        channel = TelegramChannel(fake.token, api_url, texts, Recorder(), options=options)
        fake.fail("getMe", 500)
        fake.delay("sendMessage", 1.0)
        fake.fail("getUpdates", 502, times=3)
        for attempt in (channel.start(), channel.send("7", Outbound("x")), channel.poll_once()):
            try:
                await attempt
            except Exception as error:
                errors.append(error)
        polling = asyncio.create_task(channel.poll_forever())
        await asyncio.sleep(0.2)
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        await channel.close()
    assert len(errors) == 6
    assert "Telegram polling failed" in caplog.text and "<token>" in caplog.text
    shown = caplog.text + "".join(f"{e!r}{e}{e.__cause__!r}{e.__context__!r}" for e in errors)
    assert fake.token not in shown and fake.token.split(":")[1] not in shown


# ----- with the engine: a person on Telegram


async def test_deep_link_onboarding_and_aim_in_english(
    bot: Bot, make_person: Callable[..., TelegramPerson], invite: str, fast_fake: FakeTelegram
) -> None:
    person = make_person(7, "en-GB")
    await person.send(f"/start {invite}")
    await walk_conversation(person, bot.conversations["onboarding"], "en")  # type: ignore[arg-type]
    await start_step(person, "aim")  # type: ignore[arg-type]
    await walk_conversation(person, bot.conversations["aim"], "en")  # type: ignore[arg-type]
    asked = [m for m in fast_fake.chat(7) if "Which pressing challenges" in m.plain]
    assert len(asked) == 1, "toggling edits the question instead of sending it again"
    edits = [
        c
        for c in fast_fake.calls("editMessageText")
        if c.params["message_id"] == asked[0].message_id
    ]
    ticked = [
        [
            b["text"]
            for row in c.params.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row
            if b["text"].startswith("☑ ")
        ]
        for c in edits
    ]
    assert ticked == [["☑ Climate and energy"], ["☑ Climate and energy", "☑ Urban mobility"], []]
    assert asked[0].plain.endswith("✓ Climate and energy, Urban mobility") and not asked[0].keyboard
    assert len(fast_fake.answered) == len(fast_fake.calls("answerCallbackQuery")) > 10
    assert fast_fake.violations == []


async def test_deep_link_onboarding_in_chinese(
    bot: Bot, make_person: Callable[..., TelegramPerson], invite: str, fast_fake: FakeTelegram
) -> None:
    person = make_person(8, "zh-hans")
    await person.send(f"/start {invite}")
    answered = await walk_conversation(person, bot.conversations["onboarding"], "zh_Hans")  # type: ignore[arg-type]
    assert "language" in answered and "invite" not in answered
    assert any(c.action == "s:aim" for c in person.last.choices)
    asked = bot.texts.gettext("zh_Hans", "Which language would you like me to use?")
    assert any(asked in m.plain for m in fast_fake.chat(8))


async def test_an_old_button_gets_a_polite_answer(
    bot: Bot, make_person: Callable[..., TelegramPerson], invite: str, fast_fake: FakeTelegram
) -> None:
    person = make_person(9)
    await person.send(f"/start {invite}")
    question = person.last_sent
    english = question.data_for("English")
    await person.press(english)
    before = len(fast_fake.chat(9))
    fast_fake.user_clicks(9, question.message_id, english)  # pressed twice, or from a stale screen
    await person.settle()
    replies = [m.plain for m in fast_fake.chat(9)[before:]]
    assert any("earlier question" in text for text in replies), replies
    assert len(fast_fake.answered) == 2


async def test_a_sticker_in_private_gets_a_polite_reply(
    bot: Bot, make_person: Callable[..., TelegramPerson], invite: str, fast_fake: FakeTelegram
) -> None:
    person = make_person(10)
    await person.send(f"/start {invite}")
    before = len(fast_fake.chat(10))
    fast_fake.user_sends_media(10, "sticker")
    await person.settle()
    replies = [m.plain for m in fast_fake.chat(10)[before:]]
    assert replies and "only read text" in replies[0]
