"""The WeChat Official Account channel over real loopback HTTP: callback, fake API and engine."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from c2cbot.channels._tencent.admission import ExpectedWait
from c2cbot.channels._tencent.callbacks import Refused
from c2cbot.channels.base import DeliveryError, TokenFetch, TokenVault, split_bytes
from c2cbot.channels.wechat_oa.channel import WeChatOfficialAccount
from c2cbot.channels.wechat_oa.reading import read_inbound
from c2cbot.channels.wechat_oa.replies import MAX_BYTES, fitting, render_reply, xml_text
from c2cbot.delivery.dispatcher import Dispatcher
from c2cbot.delivery.in_place import InPlaceReplies
from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.flows import engine, journal, walk
from c2cbot.flows.messages import Choice, Inbound, Outbound
from c2cbot.flows.schema import Conversation, Kind, OptionSource, Question
from c2cbot.flows.texts import Texts
from c2cbot.flows.walk import Position
from c2cbot.runtime import Bot
from c2cbot.store.journal import SqlJournal
from c2cbot.store.models import Answer, InboundMessage, JournalEntry, OutboxMessage
from c2cbot.store.tokens import SqlTokenVault
from tests.channels.conftest import Recorder, drain, outbox_pending
from tests.fakes.wechat_api import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    CALLBACK_TOKEN,
    FakeWeChat,
    Reply,
    WeChatUser,
    message_xml,
    signature,
)
from tests.flows.walker import (
    DATE_TYPED,
    MONEY_TYPED,
    NUMBER_TYPED,
    ZH,
    answers_of,
    says,
    sentence,
    state_of,
)
from tests.support.clock import SetSeconds
from tests.support.expected_wait import GatedEngine, seen_runs, seen_slow
from tests.support.outbox import enqueue as queue
from tests.support.waiting import eventually

OTHER_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
UNSUPPORTED = "I can only read text. Please type your answer or tap a button."
OnInbound = Callable[[Inbound], Awaitable[object]]


def utc(timestamp: float) -> Callable[[], datetime]:
    return lambda: datetime.fromtimestamp(timestamp, UTC)


# ----- fixtures: the fake API, channels served on loopback


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat() as fake:
        yield fake


@dataclass
class Served:
    """A channel whose routes are served on loopback, and the URL WeChat posts to."""

    channel: WeChatOfficialAccount
    url: str
    fake: FakeWeChat
    aes_key: str | None = None

    def user(self, openid: str, *, sealed: bool | None = None, **options: Any) -> WeChatUser:
        """A follower; in safe mode (the channel has a key) they post sealed, as WeChat does."""
        sealed = self.aes_key is not None if sealed is None else sealed
        key = (self.aes_key or AES_KEY) if sealed else None
        return WeChatUser(self.fake, self.url, openid, encoding_aes_key=key, **options)


MakeOA = Callable[..., Awaitable[Served]]


class MemoryVault:
    """The token vault's contract in memory, for tests that need no database."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    async def current(self, key: str) -> str | None:
        return self.tokens.get(key)

    async def refresh(self, key: str, stale: str | None, fetch: TokenFetch) -> str:
        if self.tokens.get(key) not in (None, stale):
            return self.tokens[key]
        self.tokens[key], _seconds = await fetch()
        return self.tokens[key]


class EmptyOutbox:
    """An outbox nothing is taken from, for callbacks that need no database."""

    async def take(self, wanted: Any, choose: Any, now: datetime) -> None:
        raise AssertionError("nothing was written")

    async def answered_in_place(
        self, message_ids: list[int], now: datetime, *, more_waiting: bool
    ) -> None:
        raise AssertionError("nothing was taken")


def no_replies_in_place() -> InPlaceReplies:
    return InPlaceReplies(EmptyOutbox(), lambda: None)


@dataclass(frozen=True)
class Wiring:
    """What a channel is wired to: the bot's engine, outbox and vault, or stand-ins."""

    texts: Texts
    on_inbound: OnInbound
    in_place: InPlaceReplies
    vault: TokenVault


async def serving(fake: FakeWeChat, wiring: Wiring) -> AsyncIterator[MakeOA]:
    """Channels made with ``wiring`` and served on loopback; closed at the end."""
    made: list[tuple[WeChatOfficialAccount, web.AppRunner]] = []

    async def make(
        on_inbound: OnInbound | None = None,
        *,
        token: str = CALLBACK_TOKEN,
        aes_key: str | None = AES_KEY,
        app_id: str = APP_ID,
        api_url: str | None = None,
        **options: Any,
    ) -> Served:
        channel = WeChatOfficialAccount(
            app_id=app_id,
            app_secret=APP_SECRET,
            token=token,
            aes_key=aes_key,
            api_url=api_url or fake.api_url,
            texts=wiring.texts,
            on_inbound=on_inbound or wiring.on_inbound,
            in_place=wiring.in_place,
            vault=wiring.vault,
            **options,
        )
        app = web.Application()
        app.add_routes(channel.routes())
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        made.append((channel, runner))
        host, port = runner.addresses[0][:2]
        return Served(channel, f"http://{host}:{port}/wechat", fake, aes_key)

    yield make
    for channel, runner in made:
        await channel.close()
        await runner.cleanup()


@pytest.fixture
async def make_oa(bot: Bot, fake: FakeWeChat) -> AsyncIterator[MakeOA]:
    """Channels on the seeded bot's engine, outbox and token vault."""
    wiring = Wiring(bot.texts, bot.engine.handle, bot.in_place, SqlTokenVault(bot.database))
    async for make in serving(fake, wiring):
        yield make


@pytest.fixture
async def make_light(fake: FakeWeChat, texts: Texts, recorder: Recorder) -> AsyncIterator[MakeOA]:
    """Channels without a database: a recorder for the engine, nothing in the outbox."""
    async for make in serving(fake, Wiring(texts, recorder, no_replies_in_place(), MemoryVault())):
        yield make


async def count(bot: Bot, model: Any, *where: Any) -> int:
    async with bot.database.sessions() as session:
        query = select(func.count()).select_from(model).where(*where)
        return int((await session.execute(query)).scalar_one())


async def enqueue(bot: Bot, chat_id: str, texts: list[str]) -> None:
    await queue(bot.database, [("wechat", chat_id, Outbound(text, language=ZH)) for text in texts])


async def answer_with(bot: Bot, inbound: Inbound, texts: list[str]) -> None:
    """Replies written as the engine writes them: to the outbox, where the callback takes them."""
    async with bot.store.transaction() as ledger:
        await engine.reply(ledger, inbound, None, [Outbound(text, language=ZH) for text in texts])


# ----- (a) WeChat's published samples through the callback


@dataclass(frozen=True)
class Sample:
    token: str
    aes_key: str
    app_id: str
    timestamp: str
    nonce: str
    msg_signature: str
    encrypt: str
    sender: str
    content: str
    msg_id: str


SAMPLES = {
    # The WXBizMsgCrypt demo of WeChat's Official Account message-encryption documentation.
    "official account sample": Sample(
        "spamtest",
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "wx2c2769f8efd9abc2",
        "1409735669",
        "1320562132",
        "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
        "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8"
        "PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332ji"
        "sa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjI"
        "Q6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4"
        "uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=",
        "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        "abcdteT",
        "6054768590064713728",
    ),
    # wechatpy's tests/test_crypto.py (the same envelope, from WeChat's enterprise samples).
    "wechatpy sample": Sample(
        "123456",
        OTHER_KEY,
        "wx49f0ab532d5d035a",
        "1411525903",
        "461056294",
        "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
        "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCr"
        "sTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4"
        "+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td"
        "7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4d"
        "Shyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=",
        "messense",
        "test",
        "4363689963896700987",
    ),
}


@pytest.mark.parametrize("name", list(SAMPLES))
async def test_published_samples_decrypt_through_the_callback(
    make_light: MakeOA, fake: FakeWeChat, recorder: Recorder, name: str
) -> None:
    sample = SAMPLES[name]
    served = await make_light(
        token=sample.token,
        aes_key=sample.aes_key,
        app_id=sample.app_id,
        clock=utc(int(sample.timestamp)),
    )
    user = WeChatUser(fake, served.url, "ignored", token=sample.token)
    body = message_xml({"ToUserName": "gh_10f6c3c3ac5a", "Encrypt": sample.encrypt}).encode()
    query = {
        "signature": signature(sample.token, sample.timestamp, sample.nonce),
        "timestamp": sample.timestamp,
        "nonce": sample.nonce,
        "encrypt_type": "aes",
        "msg_signature": sample.msg_signature,
    }
    assert (await user.request(body, {**query, "msg_signature": "0" * 40})).status == 403
    reply = await user.request(body, query)
    assert (reply.status, reply.body) == (200, "success")
    [inbound] = recorder.inbounds
    assert (inbound.channel, inbound.external_id, inbound.chat_id, inbound.text) == (
        "wechat",
        sample.sender,
        sample.sender,
        sample.content,
    )
    assert inbound.language_hint == ZH
    assert inbound.dedupe_key.endswith(f":{sample.msg_id}")


# ----- reading messages and events


def fields(msg_type: str, **extra: str) -> dict[str, str]:
    return {
        "ToUserName": "gh_x",
        "FromUserName": "o_1",
        "CreateTime": "1700000000",
        "MsgType": msg_type,
        **extra,
    }


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (fields("text", Content="你好", MsgId="42"), ("你好", None, "o_1:1700000000:42")),
        (fields("event", Event="subscribe"), ("/start", None, "o_1:1700000000:subscribe")),
        (
            fields("event", Event="subscribe", EventKey="qrscene_AB12CD"),
            ("/start AB12CD", None, "o_1:1700000000:subscribe:qrscene_AB12CD"),
        ),
        (fields("event", Event="SCAN", EventKey="AB12CD"), ("/start AB12CD", None, None)),
        (fields("event", Event="CLICK", EventKey="steps"), ("/steps", None, None)),
        (fields("event", Event="CLICK", EventKey="/help"), ("/help", None, None)),
        (fields("event", Event="unsubscribe"), (None, "unreachable", None)),
        (fields("image", PicUrl="x", MsgId="43"), (None, "unsupported", "o_1:1700000000:43")),
        (fields("voice", MediaId="m", MsgId="44"), (None, "unsupported", None)),
        (fields("location", Label="上海", MsgId="45"), (None, "unsupported", None)),
        (fields("link", Url="u", MsgId="46"), (None, "unsupported", None)),
        (fields("file", Title="a.pdf", MsgId="47"), (None, "unsupported", None)),
    ],
)
def test_messages_and_events_become_inbounds(
    message: dict[str, str], expected: tuple[str | None, str | None, str | None]
) -> None:
    inbound = read_inbound(message)
    assert inbound is not None
    text, event, key = expected
    assert (inbound.text, inbound.event) == (text, event)
    assert key is None or inbound.dedupe_key == key
    assert (inbound.channel, inbound.external_id, inbound.chat_id) == ("wechat", "o_1", "o_1")


@pytest.mark.parametrize(
    "message",
    [
        fields("event", Event="CLICK", EventKey="weather"),
        fields("event", Event="VIEW", EventKey="https://example.invalid/"),
        fields("event", Event="LOCATION", Latitude="31.2"),
        fields("event", Event="TEMPLATESENDJOBFINISH", Status="success"),
    ],
)
def test_events_that_need_no_answer_are_ignored(message: dict[str, str]) -> None:
    assert read_inbound(message) is None


@pytest.mark.parametrize(
    "message",
    [
        {"MsgType": "text"},
        fields("text") | {"FromUserName": ""},
        fields("text") | {"CreateTime": "x"},
    ],
)
def test_a_message_without_sender_or_time_is_refused(message: dict[str, str]) -> None:
    with pytest.raises(Refused) as refused:
        read_inbound(message)
    assert refused.value.status == 400


# ----- writing replies


def test_long_texts_split_on_a_byte_budget() -> None:
    text = "\n\n".join(["长" * 1500, "emoji 😀" * 300, "x" * 100])
    parts = split_bytes(text, MAX_BYTES)
    assert all(0 < len(p.encode()) <= MAX_BYTES for p in parts) and len(parts) >= 4
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )
    assert split_bytes("短", MAX_BYTES) == ["短"] and split_bytes("", MAX_BYTES) == []


def test_whole_messages_that_fit_one_reply() -> None:
    assert fitting(["a" * 1000, "b" * 1000, "c" * 50]) == 2  # 2,054 bytes with separators
    assert fitting(["a" * 1000, "b" * 1046]) == 2
    assert fitting(["好" * 700]) == 0 and fitting([]) == 0


def test_replies_cannot_break_out_of_cdata() -> None:
    xml = render_reply(fields("text"), "a ]]><x/> b\x00\x1b 你好", datetime(2026, 1, 1, tzinfo=UTC))
    reply = WeChatUser(FakeWeChat(), "", "o_1").open_reply(xml)
    assert reply["Content"] == "a ]]><x/> b 你好"
    assert (reply["ToUserName"], reply["FromUserName"]) == ("o_1", "gh_x")
    assert xml_text("\ud800ok") == "ok"


# ----- (h) bad input is refused before anything is stored


def sealed_garbage(user: WeChatUser) -> Awaitable[Reply]:
    timestamp, nonce, encrypted = str(int(time.time())), "5", "bm90IHJlYWxseQ=="
    query = {
        "signature": signature(CALLBACK_TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": signature(CALLBACK_TOKEN, timestamp, nonce, encrypted),
    }
    return user.request(message_xml({"Encrypt": encrypted}).encode(), query)


def plain(user: WeChatUser, body: bytes) -> Awaitable[Reply]:
    return user.deliver(body)


TEXT = b"<xml><FromUserName>o_bad</FromUserName><CreateTime>%d</CreateTime><MsgType>text</MsgType>"
BAD_INPUT: dict[str, tuple[Callable[[Served], Awaitable[Reply]], int]] = {
    "wrong signature": (lambda s: s.user("o_bad").deliver(b"<xml/>", signature="0" * 40), 403),
    "no signature": (lambda s: s.user("o_bad").deliver(b"<xml/>", signature=""), 403),
    "no msg_signature in aes mode": (
        lambda s: s.user("o_bad", sealed=True).deliver(b"<xml/>", msg_signature=""),
        403,
    ),
    "wrong msg_signature": (
        lambda s: s.user("o_bad", sealed=True).deliver(b"<xml/>", msg_signature="1" * 40),
        403,
    ),
    "wrong AES key": (
        lambda s: WeChatUser(s.fake, s.url, "o_bad", encoding_aes_key=OTHER_KEY).say("hi"),
        403,
    ),
    "not our ciphertext": (lambda s: sealed_garbage(s.user("o_bad")), 403),
    "replayed old timestamp": (
        lambda s: s.user("o_bad", clock=lambda: time.time() - 600).say("hi"),
        403,
    ),
    "timestamp from the future": (
        lambda s: s.user("o_bad", clock=lambda: time.time() + 600).say("hi"),
        403,
    ),
    "malformed XML": (lambda s: plain(s.user("o_bad"), b"<xml><Content>x</xml>"), 400),
    "truncated XML": (
        lambda s: plain(s.user("o_bad"), s.user("o_bad").text_xml("hi").encode()[:-9]),
        400,
    ),
    "entity declaration": (
        lambda s: plain(
            s.user("o_bad"),
            b'<!DOCTYPE xml [<!ENTITY a "aaaaaaaa">]>'
            + TEXT % int(time.time())
            + b"<Content>&a;</Content><MsgId>1</MsgId></xml>",
        ),
        400,
    ),
    "entity inside the sealed message": (
        lambda s: s.user("o_bad", sealed=True).post('<!DOCTYPE x [<!ENTITY a "b">]><xml/>'),
        400,
    ),
    "no sender": (
        lambda s: plain(s.user("o_bad"), b"<xml><MsgType>text</MsgType><Content>x</Content></xml>"),
        400,
    ),
    "over 1 MiB": (lambda s: plain(s.user("o_bad"), b"<xml>" + b"a" * (1 << 20) + b"</xml>"), 413),
}


async def test_bad_callbacks_are_refused_and_nothing_is_stored(bot: Bot, make_oa: MakeOA) -> None:
    served = await make_oa()
    for case, (attempt, status) in BAD_INPUT.items():
        reply = await attempt(served)
        assert reply.status == status, (case, reply.body)
    assert await count(bot, InboundMessage) == 0
    assert await outbox_pending(bot) == 0 and served.fake.received == {}


async def test_a_sealed_callback_needs_a_configured_key(
    make_light: MakeOA, recorder: Recorder
) -> None:
    served = await make_light(aes_key=None)
    assert (await served.user("o_1", sealed=True).say("hi")).status == 403
    assert (await served.user("o_1").say("hi")).body == "success" and len(recorder.inbounds) == 1


@pytest.mark.parametrize("key", ["short", "!" * 43, AES_KEY[:-1] + "*"])
def test_a_malformed_aes_key_is_refused_at_once(
    fake: FakeWeChat, texts: Texts, recorder: Recorder, key: str
) -> None:
    with pytest.raises(ValueError, match="EncodingAESKey"):
        WeChatOfficialAccount(
            app_id=APP_ID,
            app_secret=APP_SECRET,
            token=CALLBACK_TOKEN,
            aes_key=key,
            api_url=fake.api_url,
            texts=texts,
            on_inbound=recorder,
            in_place=no_replies_in_place(),
            vault=MemoryVault(),
        )


async def test_wechats_url_check(make_light: MakeOA, fake: FakeWeChat) -> None:
    served = await make_light()
    now = str(int(time.time()))
    good = {"signature": signature(CALLBACK_TOKEN, now, "9"), "timestamp": now, "nonce": "9"}
    async with fake.session.get(served.url, params={**good, "echostr": "e123"}) as response:
        assert (response.status, await response.text()) == (200, "e123")
    for bad in ({"signature": "0" * 40}, {"timestamp": "1409735669"}):
        async with fake.session.get(served.url, params={**good, **bad, "echostr": "e"}) as response:
            assert response.status == 403


# ----- replying in place, the deadline and WeChat's retries


async def test_several_replies_share_one_passive_reply_and_the_rest_goes_by_api(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat
) -> None:
    async def three_replies(inbound: Inbound) -> bool:
        await answer_with(bot, inbound, ["一" * 300, "二" * 300, "三" * 300])  # 900 bytes each
        return True

    served = await make_oa(three_replies)
    user = served.user("o_many")
    reply = await user.say("你好")
    assert reply.text == "一" * 300 + "\n\n" + "二" * 300
    await served.channel.idle()  # the answer is recorded as sent: the third may go
    await drain(
        Dispatcher(bot.outbox, {"wechat": served.channel}, held_back=bot.in_place.held_back)
    )
    assert fake.texts("o_many") == [reply.text, "三" * 300]
    assert [r.kind for r in user.received] == ["passive", "custom"]


async def test_a_chat_with_unsent_messages_gets_its_replies_after_them(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat
) -> None:
    """An answer in place would overtake what the dispatcher has not sent yet."""

    async def after_a_prompt(inbound: Inbound) -> bool:
        await enqueue(bot, inbound.chat_id, ["请更新本月进展"])  # a prompt, not yet sent
        await answer_with(bot, inbound, ["第一条", "第二条"])
        return True

    served = await make_oa(after_a_prompt)
    user = served.user("o_order", sealed=True)
    assert (await user.say("你好")).body == "success"
    await drain(
        Dispatcher(bot.outbox, {"wechat": served.channel}, held_back=bot.in_place.held_back)
    )
    assert fake.texts("o_order") == ["请更新本月进展", "第一条", "第二条"]
    assert {r.kind for r in user.received} == {"custom"}


async def _idle(bot: Bot) -> bool:
    return await outbox_pending(bot) == 0


async def test_retries_of_one_message_are_handled_once(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, invite: str
) -> None:
    engine_calls: list[str] = []

    async def slowish(inbound: Inbound) -> bool:
        engine_calls.append(inbound.dedupe_key)
        await asyncio.sleep(0.2)
        return await bot.engine.handle(inbound)

    served = await make_oa(slowish, reply_deadline=4.0)
    user = served.user("o_retry", sealed=True)
    follow = user.xml("event", None, Event="subscribe", EventKey=f"qrscene_{invite}")
    at_once = await asyncio.gather(*(user.post(follow) for _ in range(3)))
    assert sorted(r.body == "success" for r in at_once) == [False, True, True]
    later = [await user.post(follow) for _ in range(3)]  # WeChat's retries after the answer
    assert all(r.body == "success" for r in later)
    assert len(engine_calls) == 4  # the three later ones reach the engine's dedupe only
    assert await count(bot, InboundMessage) == 1
    assert [r.kind for r in user.received] == ["passive"]
    assert says(bot, ZH, "Which language would you like me to use?") in user.last


async def test_a_slow_engine_gets_success_in_time_and_replies_go_once_by_api(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, invite: str
) -> None:
    finished: list[str] = []

    async def slow(inbound: Inbound) -> bool:
        await asyncio.sleep(0.6)
        try:
            return await bot.engine.handle(inbound)
        finally:
            finished.append(inbound.dedupe_key)

    served = await make_oa(slow, reply_deadline=0.3)
    user = served.user("o_slow")
    reply = await user.follow(invite)
    assert reply.body == "success" and finished == []  # before its engine run ended
    again = await user.say("你好")
    # Meanwhile: also answered without waiting for its own engine run (0.6 s after the
    # first's): whenever the answer came, that run had not ended.
    assert again.body == "success" and len(finished) <= 1
    await served.channel.idle()
    await drain(
        Dispatcher(bot.outbox, {"wechat": served.channel}, held_back=bot.in_place.held_back)
    )
    sent = await count(bot, OutboxMessage, OutboxMessage.status == "sent")
    assert sent == await count(bot, OutboxMessage) >= 4
    assert len(fake.calls("message/custom/send")) == sent == len(user.received)
    assert {r.kind for r in user.received} == {"custom"}


async def test_when_the_engine_is_behind_a_callback_answers_at_once(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, invite: str
) -> None:
    """A run in flight for seconds, none finished: a new callback does not wait for its own."""
    gate = asyncio.Event()
    seconds = SetSeconds()

    async def behind(inbound: Inbound) -> bool:
        if inbound.chat_id == "o_first":
            await gate.wait()
        return await bot.engine.handle(inbound)

    served = await make_oa(behind, reply_deadline=4.0, expected_wait=ExpectedWait(seconds))
    first, second = served.user("o_first"), served.user("o_second", sealed=True)
    waiting = asyncio.create_task(first.follow(invite))
    await eventually(lambda: _running(served.channel, 1), within=5, what="a running callback")
    seconds.now += 4.0  # the first run has kept the engine busy that long
    reply = await second.follow(invite)
    assert reply.body == "success" and not waiting.done()
    gate.set()
    assert (await waiting).text is not None  # the first one still answers in place
    await served.channel.idle()
    await drain(
        Dispatcher(bot.outbox, {"wechat": served.channel}, held_back=bot.in_place.held_back)
    )
    assert {r.kind for r in first.received} == {"passive"}
    assert {r.kind for r in second.received} == {"custom"}
    assert len(second.received) == await count(
        bot, OutboxMessage, OutboxMessage.chat_id == "o_second"
    )


async def _running(channel: WeChatOfficialAccount, engines: int) -> bool:
    return channel.engines_running >= engines


async def test_an_engine_slower_than_the_deadline_gets_success_at_once_and_replies_by_api(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, invite: str
) -> None:
    """An overload that cannot be answered in place: confirmed at once, nothing lost or doubled.

    The reply deadline is far longer than the test may take, and every engine run waits
    for a gate the test opens only after all callbacks are answered: a callback that
    waited for its run could not be answered in time. The engine was seen taking twice
    that deadline for a run.
    """
    deadline = 600.0
    slow = GatedEngine(bot.engine.handle)
    slower = seen_slow(2 * deadline)
    served = await make_oa(slow, reply_deadline=deadline, expected_wait=slower, journal=bot.journal)
    users = [served.user(f"o_overload_{n:02d}") for n in range(12)]
    follows = [u.xml("event", None, Event="subscribe", EventKey=f"qrscene_{invite}") for u in users]
    answering = [asyncio.create_task(u.post(x)) for u, x in zip(users, follows, strict=True)]
    retrying = [asyncio.create_task(u.post(x)) for u, x in zip(users, follows, strict=True)]
    everything = [*answering, *retrying]
    try:
        await eventually(lambda: all(t.done() for t in everything), within=20, what="answers")
        assert served.channel.engines_running == len(users)
        assert [t.result().body for t in everything] == ["success"] * len(everything)
        assert await count(bot, JournalEntry) == len(users)  # kept until the engine has them
    finally:
        slow.gate.set()
    await served.channel.idle()
    await bot.journal.idle()
    await drain(
        Dispatcher(bot.outbox, {"wechat": served.channel}, held_back=bot.in_place.held_back)
    )
    handled = slow.handled
    assert sorted(handled) == sorted(set(handled)) and len(handled) == len(users)
    assert await count(bot, InboundMessage) == len(users)
    assert await count(bot, JournalEntry) == 0
    question = says(bot, ZH, "Which language would you like me to use?")
    for user in users:
        assert {r.kind for r in user.received} == {"custom"}
        assert sum(question in r.text for r in user.received) == 1
    sent = await count(bot, OutboxMessage, OutboxMessage.status == "sent")
    assert sent == await count(bot, OutboxMessage) == len(fake.calls("message/custom/send"))


async def test_a_fast_engine_answers_more_than_ten_waiting_callbacks_in_place(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, invite: str
) -> None:
    """Fifteen callbacks wait at once, each answered passively: no fixed count sends them away."""
    expected, seconds = seen_runs(100, 0.01)  # a hundred runs of 10 ms
    waiting = 15
    all_in = asyncio.Event()

    async def fast(inbound: Inbound) -> bool:
        await all_in.wait()  # each run starts once all fifteen callbacks wait
        seconds.now += 0.01
        return await bot.engine.handle(inbound)

    served = await make_oa(fast, reply_deadline=4.0, expected_wait=expected)
    users = [served.user(f"o_fast_{n:02d}") for n in range(waiting)]
    following = [asyncio.create_task(u.follow(invite)) for u in users]
    try:
        await eventually(lambda: _running(served.channel, waiting), within=10, what="all in")
    finally:
        all_in.set()
    replies = await asyncio.gather(*following)
    assert all(r.text is not None for r in replies)
    assert all([r.kind for r in u.received] == ["passive"] for u in users)
    assert says(bot, ZH, "Which language would you like me to use?") in users[0].last
    await served.channel.idle()
    assert fake.calls("message/custom/send") == []
    assert await count(bot, InboundMessage) == waiting


async def test_replies_committed_after_the_deadline_go_by_the_api_once(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, invite: str
) -> None:
    """The engine held replies for the answer, but its commit came too late for it."""

    async def late(inbound: Inbound) -> bool:
        handled = await bot.engine.handle(inbound)  # committed, replies held in place
        await asyncio.sleep(0.5)
        return handled

    served = await make_oa(late, reply_deadline=0.3)
    user = served.user("o_late", sealed=True)
    assert (await user.follow(invite)).body == "success"
    await served.channel.idle()  # the held replies go back to the dispatcher
    await drain(
        Dispatcher(bot.outbox, {"wechat": served.channel}, held_back=bot.in_place.held_back)
    )
    rows = await count(bot, OutboxMessage, OutboxMessage.status == "sent")
    assert rows == await count(bot, OutboxMessage) >= 1
    assert len(user.received) == rows and {r.kind for r in user.received} == {"custom"}
    assert says(bot, ZH, "Which language would you like me to use?") in user.last


async def test_a_message_confirmed_before_the_engine_stored_it_is_journalled_until_then(
    bot: Bot, make_oa: MakeOA, invite: str
) -> None:
    """WeChat never sends a confirmed message again: until it is stored, the journal has it."""
    gate = asyncio.Event()

    async def behind(inbound: Inbound) -> bool:
        await gate.wait()
        return await bot.engine.handle(inbound)

    served = await make_oa(behind, expected_wait=seen_slow(), journal=bot.journal)
    reply = await served.user("o_kept", sealed=True).follow(invite)
    assert reply.body == "success"
    assert [i.external_id for i in await SqlJournal(bot.database).unhandled()] == ["o_kept"]
    gate.set()
    await served.channel.idle()
    await bot.journal.idle()
    assert await count(bot, JournalEntry) == 0
    assert await count(bot, InboundMessage) == 1


async def test_messages_a_crash_left_confirmed_but_unhandled_are_handled_at_the_next_start(
    bot: Bot, make_oa: MakeOA, invite: str
) -> None:
    async def crashing(inbound: Inbound) -> bool:
        await asyncio.sleep(0.2)  # the callback has confirmed; then the process "dies"
        raise RuntimeError("killed")

    served = await make_oa(crashing, expected_wait=seen_slow(), journal=bot.journal)
    first, second = served.user("o_lost_1"), served.user("o_lost_2", sealed=True)
    assert (await first.follow(invite)).body == "success"
    assert (await second.say("你好")).body == "success"
    await served.channel.idle()
    assert await count(bot, InboundMessage) == 0 and await count(bot, JournalEntry) == 2

    restarted = Bot(bot.settings)
    try:
        await restarted.start("127.0.0.1", 0)
    finally:
        await restarted.stop()
    assert await count(bot, InboundMessage) == 2 and await count(bot, JournalEntry) == 0
    question = says(bot, ZH, "Which language would you like me to use?")
    waiting = await outbox_texts(bot, "o_lost_1")
    assert any(question in text for text in waiting)  # the follow started onboarding


async def test_messages_whose_engine_run_failed_are_handled_at_a_later_look(
    bot: Bot, make_oa: MakeOA, invite: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that failed after its message was confirmed (a deadlock, a process killed):
    a process that looks at the journal later handles it, without waiting for a restart,
    but leaves alone what is newer than ``journal.LEFT_AFTER``."""
    monkeypatch.setattr(journal, "LOOK_EVERY", 0.1)
    looking = Bot(bot.settings)
    await looking.start("127.0.0.1", 0)  # another process, started before the failures
    try:

        async def failing(_inbound: Inbound) -> bool:
            raise RuntimeError("deadlock detected")

        served = await make_oa(failing, expected_wait=seen_slow(), journal=bot.journal)
        assert (await served.user("o_failed").follow(invite)).body == "success"
        await served.channel.idle()
        await asyncio.sleep(0.5)  # several looks: the message is not old enough yet
        assert await count(bot, InboundMessage) == 0 and await count(bot, JournalEntry) == 1
        monkeypatch.setattr(journal, "LEFT_AFTER", timedelta(0))
        await eventually(
            lambda: _stored_and_forgotten(bot),
            what="the failed message handled by the other process, and out of the journal",
        )
    finally:
        await looking.stop()


async def _stored_and_forgotten(bot: Bot) -> bool:
    return await count(bot, InboundMessage) == 1 and await count(bot, JournalEntry) == 0


async def outbox_texts(bot: Bot, chat_id: str) -> list[str]:
    async with bot.database.sessions() as session:
        query = select(OutboxMessage.payload).where(OutboxMessage.chat_id == chat_id)
        return [payload["text"] for payload in (await session.execute(query)).scalars()]


async def test_the_journal_keeps_each_message_once(bot: Bot) -> None:
    journal = SqlJournal(bot.database)
    message = Inbound("wechat", "o_1", "o_1", "o_1:1:1", text="你好", language_hint=ZH)
    await journal.write([message, message], [])
    await journal.write([message], [])
    assert await journal.unhandled() == [message]
    await journal.write([], [message])
    assert await journal.unhandled() == [] and await count(bot, JournalEntry) == 0


# ----- (f, g) sending through the API


@pytest.mark.parametrize("errcode", [40001, 42001])
async def test_a_rejected_token_is_refreshed_and_the_call_retried_once(
    make_oa: MakeOA, fake: FakeWeChat, recorder: Recorder, errcode: int
) -> None:
    served = await make_oa(recorder)
    await served.channel.send("o_tok", Outbound("你好"))
    fake.expire_tokens(errcode)
    await served.channel.send("o_tok", Outbound("再见"))
    custom = fake.calls("message/custom/send")
    assert [c.errcode for c in custom] == [0, errcode, 0]
    assert custom[1].params["access_token"] == fake.tokens[0]
    assert custom[2].params["access_token"] == fake.tokens[1]
    assert len(fake.calls("token")) == 2 and fake.texts("o_tok") == ["你好", "再见"]
    fake.fail("message/custom/send", 40001, times=2)
    with pytest.raises(DeliveryError) as raised:
        await served.channel.send("o_tok", Outbound("又一次"))
    assert not raised.value.permanent and len(fake.calls("message/custom/send")) == 5


@pytest.mark.parametrize("errcode", [45015, 45047])
async def test_outside_the_48_hour_window_a_template_is_sent(
    make_light: MakeOA, fake: FakeWeChat, recorder: Recorder, errcode: int
) -> None:
    served = await make_light(template_id="TPL-1")
    fake.fail("message/custom/send", errcode, openid="o_far")
    msg_id = await served.channel.send("o_far", Outbound("请更新您的目标"))
    [template] = fake.calls("message/template/send")
    assert template.body is not None and template.body["template_id"] == "TPL-1"
    assert template.body["data"] == {"content": {"value": "请更新您的目标"}}
    assert msg_id is not None and fake.texts("o_far", "template") == ["请更新您的目标"]


async def test_outside_the_window_without_template_is_a_visible_dead_letter(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, recorder: Recorder
) -> None:
    served = await make_oa(recorder)
    fake.close_window("o_far")
    with pytest.raises(DeliveryError) as raised:
        await served.channel.send("o_far", Outbound("请更新您的目标"))
    assert raised.value.permanent and not raised.value.unreachable
    assert "48-hour" in str(raised.value)
    await enqueue(bot, "o_far", ["请更新您的目标"])
    await drain(
        Dispatcher(bot.outbox, {"wechat": served.channel}, held_back=bot.in_place.held_back)
    )
    [dead] = await bot.outbox.dead_letters()
    assert dead.chat_id == "o_far" and "48-hour" in (dead.error or "")
    assert fake.calls("message/template/send") == []


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        (lambda f: f.fail("message/custom/send", 45009), lambda e: e.retry_after == 3600),
        (lambda f: f.fail("message/custom/send", -1), lambda e: e.retry_after == 5),
        (lambda f: f.fail_http("message/custom/send", 502), lambda e: not e.permanent),
        (lambda f: f.fail_http("token", 500), lambda e: not e.permanent),
        (lambda f: f.fail("token", 40164), lambda e: not e.permanent and "40164" in str(e)),
        (lambda f: f.fail("message/custom/send", 43004), lambda e: e.unreachable),
        (lambda f: f.fail("message/custom/send", 40003), lambda e: e.unreachable),
        (lambda f: f.fail("message/custom/send", 48001), lambda e: e.permanent),
    ],
)
async def test_api_failures_become_delivery_errors(
    make_light: MakeOA,
    fake: FakeWeChat,
    recorder: Recorder,
    fault: Callable[[FakeWeChat], None],
    check: Callable[[DeliveryError], bool],
) -> None:
    served = await make_light()
    fault(fake)
    with pytest.raises(DeliveryError) as raised:
        await served.channel.send("o_err", Outbound("你好"))
    assert check(raised.value), raised.value
    assert fake.texts("o_err") == []


async def test_network_errors_are_retried(make_light: MakeOA, recorder: Recorder) -> None:
    served = await make_light(api_url="http://127.0.0.1:9/cgi-bin/")
    with pytest.raises(DeliveryError) as raised:
        await served.channel.send("o_net", Outbound("你好"))
    assert not raised.value.permanent


async def test_a_long_text_goes_in_parts_in_order_and_a_retry_skips_sent_parts(
    make_light: MakeOA, fake: FakeWeChat, recorder: Recorder
) -> None:
    served = await make_light()
    text = "\n\n".join(["甲" * 600, "乙" * 600, "丙" * 600])  # 1,800 bytes each
    fake.fail("message/custom/send", 45009, after=1)
    with pytest.raises(DeliveryError):
        await served.channel.send("o_long", Outbound(text))
    await served.channel.send("o_long", Outbound(text))
    assert fake.texts("o_long") == ["甲" * 600, "乙" * 600, "丙" * 600]
    ok = [c for c in fake.calls("message/custom/send") if c.errcode == 0]
    assert len(ok) == 3


async def test_options_are_numbered_for_wechat(
    make_light: MakeOA, fake: FakeWeChat, recorder: Recorder
) -> None:
    served = await make_light()
    choices = (Choice("3:a", "气候与能源"), Choice("3:b", "城市交通"), Choice("3:/skip", "跳过"))
    await served.channel.send("o_num", Outbound("哪些挑战？", choices, language=ZH))
    shown = fake.texts("o_num")[0]
    assert shown.startswith("哪些挑战？\n\n1. 气候与能源\n2. 城市交通\n\n")
    # Skip is no option, and the question's own hint says /skip: the channel adds none.
    assert "/skip" not in shown and "3." not in shown


# ----- (i) secrets stay out of logs and errors


async def test_secrets_never_reach_logs_or_errors(
    make_light: MakeOA, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    async with FakeWeChat(app_secret="another-secret") as wrong:
        refused = await make_light(api_url=wrong.api_url)
        closed = await make_light(api_url="http://127.0.0.1:9/cgi-bin/")
        for channel in (refused.channel, closed.channel):
            with contextlib.suppress(DeliveryError):
                await channel.send("o_s", Outbound("x"))
    served = await make_light()
    served.fake.fail_http("message/custom/send", 502)
    for attempt in range(3):
        if attempt == 1:
            served.fake.expire_tokens(40001)
        try:
            await served.channel.send("o_s", Outbound("x"))
        except DeliveryError as error:
            errors.append(error)
    await served.user("o_s").deliver(b"<xml/>", signature="0" * 40)
    await served.user("o_s", sealed=True).deliver(b"<xml/>", msg_signature="0" * 40)
    assert "refused a WeChat callback" in caplog.text and "refreshing" in caplog.text
    # aiosqlite logs SQL parameters at DEBUG, stored tokens among them: the store's concern.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "aiosqlite")
    shown = logged + "".join(f"{e!r}{e}{e.__cause__!r}{e.__context__!r}" for e in errors)
    for secret in (APP_SECRET, CALLBACK_TOKEN, AES_KEY, *served.fake.tokens):
        assert secret not in shown


# ----- (c) whole conversations in Chinese, typed


@dataclass
class Person:
    """A follower typing to the account; ``bot``, ``channel`` and ``user`` serve the walker."""

    bot: Bot
    wechat: WeChatUser
    settle: Callable[[], Awaitable[None]]
    channel: str = "wechat"

    @property
    def user(self) -> str:
        return self.wechat.openid

    async def say(self, text: str) -> Reply:
        reply = await self.wechat.say(text)
        assert reply.status == 200, reply
        await self.settle()
        return reply


async def position_in(person: Person, conversation: str) -> Position | None:
    state = await state_of(person)  # type: ignore[arg-type]
    if state.get("conv") != conversation or not state.get("pos"):
        return None
    return Position.from_json(state["pos"])


def typed_answer(person: Person, question: Question, position: Position, turn: int) -> str:
    """What a person types for ``question``: numbers for options, text and values otherwise."""
    options = person.wechat.numbered()
    if position.more:
        return "是" if (position.item or 0) == 0 else "否"  # the engine reads yes/no as words
    kind = question.type
    if kind in (Kind.CHOICE, Kind.MULTI, Kind.RATING, Kind.YESNO):
        assert options, f"no numbered options in {person.wechat.last!r}"
    if kind is Kind.CHOICE and question.options_from is OptionSource.LANGUAGES:
        return options["简体中文"]
    if kind is Kind.CHOICE:
        return "１" if turn % 2 else "2"
    if kind is Kind.MULTI:
        return "１ ２" if turn % 2 else "1、3"
    if kind is Kind.RATING:
        return "４"
    if kind is Kind.YESNO:
        return "是"
    typed = {Kind.NUMBER: NUMBER_TYPED, Kind.MONEY: MONEY_TYPED, Kind.DATE: DATE_TYPED}
    return typed[kind][ZH] if kind in typed else sentence(question, ZH, turn)


async def type_through(person: Person, conversation: Conversation) -> list[str]:
    """Answer every question by typing (the first optional one skipped); the keys answered."""
    answered: list[str] = []
    skipped = False
    for turn in range(200):
        position = await position_in(person, conversation.id)
        if position is None:
            return answered
        question = walk.question_at(conversation, position)
        skip = question.optional and not position.more and not skipped
        typed = "/skip" if skip else typed_answer(person, question, position, turn)
        skipped = skipped or skip
        await person.say(typed)
        assert await position_in(person, conversation.id) != position, person.wechat.last
        answered += [] if skip or position.more else [position.key]
    raise AssertionError(f"{conversation.id} did not end")


async def chat_in_chinese(bot: Bot, person: Person, invite: str) -> None:
    reply = await person.wechat.follow(invite)
    await person.settle()
    assert reply.status == 200
    assert says(bot, ZH, "Which language would you like me to use?") in person.wechat.last
    onboarding = await type_through(person, bot.conversations["onboarding"])
    assert onboarding[0] == "language" and "invite" not in onboarding
    aim_label = says(bot, ZH, STEP_NAMES[Step.AIM])
    [number] = [n for label, n in person.wechat.numbered().items() if label.startswith(aim_label)]
    await person.say(number)
    aim = await type_through(person, bot.conversations["aim"])
    stored = await answers_of(person)  # type: ignore[arg-type]
    assert {a.channel for a in stored} == {"wechat"} and {a.language for a in stored} == {ZH}
    assert {(a.conversation, a.question) for a in stored} >= {("aim", key) for key in aim}
    names = [a.value for a in stored if a.question == "name"]
    assert names and "王丽" in str(names[0])
    [challenges] = [a for a in stored if a.question == "challenges"]
    assert isinstance(challenges.value, dict | list) and len(challenges.value) >= 1


async def test_a_chinese_conversation_in_plaintext_mode(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, invite: str
) -> None:
    served = await make_oa()
    dispatcher = Dispatcher(
        bot.outbox, {"wechat": served.channel}, held_back=bot.in_place.held_back
    )
    person = Person(bot, served.user("o_plain_zh"), lambda: drain(dispatcher))
    await chat_in_chinese(bot, person, invite)
    kinds = {r.kind for r in person.wechat.received}
    assert "passive" in kinds
    assert await count(bot, Answer, Answer.channel == "wechat") > 10


async def test_a_chinese_conversation_in_safe_mode_with_the_dispatcher_running(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, invite: str
) -> None:
    """The dispatcher is woken by every commit and races the callback, as in the bot."""
    served = await make_oa()
    channels = {"wechat": served.channel}
    held_back = bot.in_place.held_back  # as the bot wires it: chats a callback answers
    dispatcher = Dispatcher(bot.outbox, channels, idle_poll=0.05, held_back=held_back)
    bot.database.after_commit.append(dispatcher.wake)
    running = asyncio.create_task(dispatcher.run())
    person = Person(
        bot,
        served.user("o_safe_zh", sealed=True),
        lambda: eventually(lambda: _idle(bot), within=5, what="the bot to be idle"),
    )
    try:
        await chat_in_chinese(bot, person, invite)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert await bot.outbox.dead_letters() == []
    assert await count(bot, Answer, Answer.channel == "wechat") > 10


async def test_media_gets_a_polite_reply_and_emoji_and_long_texts_are_fine(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, invite: str
) -> None:
    served = await make_oa()
    dispatcher = Dispatcher(
        bot.outbox, {"wechat": served.channel}, held_back=bot.in_place.held_back
    )
    person = Person(bot, served.user("o_media"), lambda: drain(dispatcher))
    await person.wechat.follow(invite)
    for kind in ("image", "voice", "location", "video", "link", "file"):
        reply = await person.wechat.send_media(kind)
        assert reply.text is not None and says(bot, ZH, UNSUPPORTED) in reply.text, kind
    await person.say(person.wechat.numbered()["简体中文"])
    await person.say(person.wechat.numbered()["是"])  # to the privacy notice
    await person.say("王丽 🌸😀")
    long = await person.say("很长的回答" * 1000)  # 5,000 characters
    assert long.text is not None and len(long.text.encode()) <= MAX_BYTES
    [name] = [a for a in await answers_of(person) if a.question == "name"]  # type: ignore[arg-type]
    assert name.value == "王丽 🌸😀" or "🌸😀" in str(name.value)


async def test_menu_clicks_scans_and_unfollowing(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, invite: str
) -> None:
    served = await make_oa()
    user = served.user("o_menu")
    await user.scan(invite)
    assert says(bot, ZH, "Which language would you like me to use?") in user.last
    help_reply = await user.click("help")
    assert help_reply.text is not None and "/steps" in help_reply.text
    assert (await user.click("weather")).body == "success"
    assert (await user.unfollow()).body == "success"
    assert await count(bot, InboundMessage) == 3  # the unknown menu key was not stored


async def test_a_link_typed_by_a_follower_is_never_sent_as_a_link(
    bot: Bot, make_oa: MakeOA, fake: FakeWeChat, invite: str
) -> None:
    """WeChat shows <a href> in a text message as a link: what people typed is defused,
    in passive replies and in customer-service messages alike."""
    served = await make_oa()
    dispatcher = Dispatcher(
        bot.outbox, {"wechat": served.channel}, held_back=bot.in_place.held_back
    )
    person = Person(bot, served.user("o_links"), lambda: drain(dispatcher))
    await person.wechat.follow(invite)
    await person.say(person.wechat.numbered()["简体中文"])
    await person.say(person.wechat.numbered()["是"])  # to the privacy notice
    await person.say('<a href="https://phish.example">王丽</a>')  # as their name
    await person.say("/mydata")  # echoes the name back
    shown = "\n".join(r.text or "" for r in person.wechat.received)
    assert "＜a href=" in shown and "王丽＜/a>" in shown  # /mydata shows JSON: quotes escaped
    assert "<a href" not in shown and "</a>" not in shown
