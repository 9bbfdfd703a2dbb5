"""The WeCom channel over loopback HTTP: encrypted callbacks, a fake WeCom API, the engine."""

from __future__ import annotations

import asyncio
import base64
import bisect
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select
from wechatpy.enterprise.crypto import PrpCrypto

from c2cbot.channels._tencent.admission import ExpectedWait
from c2cbot.channels._tencent.api import scrub
from c2cbot.channels._tencent.callbacks import read_xml
from c2cbot.channels._tencent.crypto import signature
from c2cbot.channels._tencent.links import defuse_links
from c2cbot.channels._tencent.xml import MAX_BODY
from c2cbot.channels.base import (
    NUMBER_HINT,
    DeliveryError,
    TokenFetch,
    as_numbered_text,
    split_bytes,
)
from c2cbot.channels.ratelimit import Rate
from c2cbot.channels.wecom.channel import WeComApp
from c2cbot.channels.wecom.errors import LIMIT_PAUSE, api_error
from c2cbot.channels.wecom.limits import SendLimiter, WeComLimits
from c2cbot.channels.wecom.reading import CallbackCrypto, read_callback
from c2cbot.channels.wecom.spec import WeComOptions
from c2cbot.channels.wecom.writing import group_chat_id, render
from c2cbot.delivery.dispatcher import Dispatcher
from c2cbot.domain.steps import STEP_NAMES, Step
from c2cbot.flows import walk
from c2cbot.flows.messages import Choice, Inbound, Outbound
from c2cbot.flows.schema import Conversation, Kind, OptionSource, Question
from c2cbot.flows.texts import Texts
from c2cbot.flows.walk import Position
from c2cbot.runtime import Bot
from c2cbot.store.journal import SqlJournal
from c2cbot.store.models import GroupChat, InboundMessage, OutboxMessage
from c2cbot.store.partnership_lookup import find_partnership
from c2cbot.store.tokens import SqlTokenVault
from tests.channels.conftest import Recorder
from tests.fakes.wecom_api import (
    AGENT_ID,
    FakeMember,
    FakeWeCom,
    Posted,
    WeComRules,
    Window,
    message_xml,
)
from tests.flows.walker import (
    DATE_TYPED,
    MONEY_TYPED,
    NUMBER_TYPED,
    ZH,
    answers_of,
    sentence,
    state_of,
)
from tests.support.clock import SetSeconds
from tests.support.expected_wait import GatedEngine, seen_slow
from tests.support.outbox import enqueue as queue
from tests.support.waiting import eventually

# Fast limits for conversations, and a fake that measures the same limits.
FAST_LIMITS = WeComLimits(member=(Rate(100.0, 20.0),), group=(Rate(100.0, 20.0),))
FAST_RULES = WeComRules(member=(Window(1.0, 130),), group_member=(Window(1.0, 130),))
FAST = WeComOptions(request_timeout=2.0, answer_within=2.0, limits=FAST_LIMITS)
OTHER_KEY = base64.b64encode(bytes(range(100, 132))).decode().rstrip("=")
MAX_TURNS = 120

MakeApp = Callable[..., Awaitable[WeComApp]]


class MemoryVault:
    """A ``TokenVault`` in memory, for tests that need no database."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    async def current(self, key: str) -> str | None:
        return self.tokens.get(key)

    async def refresh(self, key: str, stale: str | None, fetch: TokenFetch) -> str:
        token = self.tokens.get(key)
        if token is None or token == stale:
            token, _expires_in = await fetch()
            self.tokens[key] = token
        return token


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    async with FakeWeCom(FAST_RULES) as fake:
        yield fake


@pytest.fixture
async def make_app(texts: Texts) -> AsyncIterator[MakeApp]:
    """Build WeCom channels against a fake and serve their /wecom on loopback."""
    made: list[tuple[WeComApp, web.AppRunner]] = []

    async def make(
        fake: FakeWeCom,
        on_inbound: Callable[[Inbound], Awaitable[object]],
        vault: Any = None,
        *,
        options: WeComOptions = FAST,
        clock: Callable[[], float] = time.time,
        **overrides: Any,
    ) -> WeComApp:
        config: dict[str, Any] = {
            "corp_id": fake.corp_id,
            "agent_id": fake.agent_id,
            "secret": fake.secret,
            "token": fake.token,
            "aes_key": fake.aes_key,
            "api_url": fake.api_url,
            **overrides,
        }
        app = WeComApp(
            **config,
            texts=texts,
            on_inbound=on_inbound,
            vault=vault or MemoryVault(),
            clock=clock,
            options=options,
        )
        fake.callback_url = await serve(app, made)
        return app

    yield make
    for app, runner in made:
        await app.close()
        await runner.cleanup()


async def serve(app: WeComApp, made: list[tuple[WeComApp, web.AppRunner]]) -> str:
    web_app = web.Application()
    web_app.add_routes(app.routes())
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    made.append((app, runner))
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}/wecom"


@pytest.fixture
async def wecom(bot: Bot, fake: FakeWeCom, make_app: MakeApp) -> WeComApp:
    """The WeCom channel feeding the seeded bot's engine, tokens in the database."""
    return await make_app(fake, bot.engine.handle, SqlTokenVault(bot.database))


@pytest.fixture
def dispatcher(bot: Bot, wecom: WeComApp) -> Dispatcher:
    return Dispatcher(bot.outbox, {"wecom": wecom}, idle_poll=0.05)


async def drain(dispatcher: Dispatcher) -> None:
    while await dispatcher.drain_once():
        pass


def plain(member: FakeMember, kind: str, **extra: str | int) -> str:
    return message_xml(member.fields(kind, **extra))


# ----- the official sample of WeCom's callback encryption


# From Tencent's WXBizMsgCrypt sample for 企业微信 (Sample.py / Sample.php, "使用示例一/二");
# the same values appear in EasyWeChat's tests, which also give the plaintext below.
OFFICIAL = {"token": "QDG6eK", "aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}
OFFICIAL_CORP = "wx5823bf96d3bd56c7"
OFFICIAL_VERIFY = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": (
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    ),
}
OFFICIAL_QUERY = {
    "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
    "timestamp": "1409659813",
    "nonce": "1372623149",
}
OFFICIAL_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUp"
    "j911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue"
    "06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+"
    "3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH"
    "27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8"
    "R07+qN+E7Q=="
)
OFFICIAL_BODY = (
    f"<xml><ToUserName><![CDATA[{OFFICIAL_CORP}]]></ToUserName>"
    f"<Encrypt><![CDATA[{OFFICIAL_ENCRYPT}]]></Encrypt>"
    "<AgentID><![CDATA[218]]></AgentID></xml>"
).encode()


def test_the_official_sample_decrypts() -> None:
    crypto = CallbackCrypto(
        OFFICIAL["token"], OFFICIAL["aes_key"], OFFICIAL_CORP, lambda: 1409659813.0, 300
    )
    fields = read_xml(crypto.open(OFFICIAL_QUERY, OFFICIAL_ENCRYPT).encode())
    assert fields == {
        "ToUserName": OFFICIAL_CORP,
        "FromUserName": "mycreate",
        "CreateTime": "1409659813",
        "MsgType": "text",
        "Content": "hello",
        "MsgId": "4561255354251345929",
        "AgentID": "218",
    }
    assert read_callback(fields, 218) == Inbound(
        channel="wecom",
        external_id="mycreate",
        chat_id="mycreate",
        dedupe_key="mycreate:1409659813:4561255354251345929",
        text="hello",
        language_hint="zh_Hans",
    )


async def test_the_official_sample_through_the_callback_url(
    fake: FakeWeCom, make_app: MakeApp, recorder: Recorder
) -> None:
    app = await make_app(
        fake, recorder, corp_id=OFFICIAL_CORP, agent_id=218, clock=lambda: 1409659813.0, **OFFICIAL
    )
    assert fake.session is not None
    async with fake.session.get(fake.callback_url, params=OFFICIAL_VERIFY) as response:
        assert response.status == 200
        echoed = await response.text()
    assert echoed.isdigit()  # the random string WeCom asks to see decrypted
    forged = {**OFFICIAL_VERIFY, "nonce": "263014781"}
    async with fake.session.get(fake.callback_url, params=forged) as response:
        assert response.status == 403
    async with fake.session.post(
        fake.callback_url, params=OFFICIAL_QUERY, data=OFFICIAL_BODY
    ) as response:
        assert (response.status, await response.text()) == (200, "")
    await app.settle()
    assert [(i.external_id, i.text) for i in recorder.inbounds] == [("mycreate", "hello")]


# ----- reading callbacks


def fields(kind: str, **extra: str) -> dict[str, str]:
    base = {
        "ToUserName": "corp",
        "FromUserName": "zhangwei",
        "CreateTime": "1700000000",
        "MsgType": kind,
        "AgentID": str(AGENT_ID),
    }
    return {**base, **extra}


def inbound(suffix: str, **values: Any) -> Inbound:
    return Inbound(
        channel="wecom",
        external_id="zhangwei",
        chat_id="zhangwei",
        dedupe_key=f"zhangwei:1700000000:{suffix}",
        language_hint="zh_Hans",
        **values,
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (fields("text", Content="你好", MsgId="42"), inbound("42", text="你好")),
        (fields("event", Event="subscribe"), inbound("subscribe:", text="/start")),
        (fields("event", Event="enter_agent"), inbound("enter_agent:", text="/start")),
        (fields("event", Event="click", EventKey="steps"), inbound("click:steps", text="/steps")),
        (fields("event", Event="click", EventKey="../../x"), None),
        (fields("event", Event="unsubscribe"), inbound("unsubscribe:", event="unreachable")),
        (fields("image", PicUrl="u", MediaId="m", MsgId="43"), inbound("43", event="unsupported")),
        (fields("voice", MediaId="m", MsgId="44"), inbound("44", event="unsupported")),
        (fields("event", Event="view", EventKey="https://x"), None),
        (fields("event", Event="change_contact"), None),
        ({**fields("text", Content="x", MsgId="45"), "AgentID": "999"}, None),
    ],
)
def test_callbacks_become_inbound_messages(given: dict[str, str], expected: Inbound | None) -> None:
    assert read_callback(given, AGENT_ID) == expected


async def test_a_text_callback_reaches_the_engine(
    fake: FakeWeCom, make_app: MakeApp, recorder: Recorder
) -> None:
    app = await make_app(fake, recorder)
    member = fake.member("zhangwei")
    assert await member.send_text("<a href='x'>你好</a> ]]> &amp;") == 200
    assert await member.send_event("click", "help") == 200
    await app.settle()
    assert [i.text for i in recorder.inbounds] == ["<a href='x'>你好</a> ]]> &amp;", "/help"]
    assert all(i.channel == "wecom" and i.chat_id == "zhangwei" for i in recorder.inbounds)


# ----- refusing what is not WeCom


def fresh_query() -> dict[str, str]:
    """A query with a current timestamp (its signature is not checked before the XML is)."""
    return {"msg_signature": "0" * 40, "timestamp": str(int(time.time())), "nonce": "1"}


async def wrong_signature(member: FakeMember) -> int:
    return await member.deliver(plain(member, "text", Content="x", MsgId=1), token="not-ours")


async def wrong_aes_key(member: FakeMember) -> int:
    return await member.deliver(plain(member, "text", Content="x", MsgId=1), aes_key=OTHER_KEY)


async def old_timestamp(member: FakeMember) -> int:
    xml = plain(member, "text", Content="x", MsgId=1)
    return await member.deliver(xml, timestamp=int(time.time()) - 301)


async def future_timestamp(member: FakeMember) -> int:
    xml = plain(member, "text", Content="x", MsgId=1)
    return await member.deliver(xml, timestamp=int(time.time()) + 400)


async def malformed_xml(member: FakeMember) -> int:
    return await member.post(Posted(fresh_query(), b"<xml><Encrypt>abc</xml>"))


async def entity_declaration(member: FakeMember) -> int:
    body = b'<!DOCTYPE xml [<!ENTITY e "x">]><xml><Encrypt>&e;</Encrypt></xml>'
    return await member.post(Posted(fresh_query(), body))


async def entity_inside_the_encryption(member: FakeMember) -> int:
    inner = '<!DOCTYPE xml [<!ENTITY e "x">]><xml><FromUserName>&e;</FromUserName></xml>'
    return await member.deliver(inner)


async def no_encrypt_element(member: FakeMember) -> int:
    return await member.post(Posted(fresh_query(), b"<xml><ToUserName>x</ToUserName></xml>"))


async def no_sender(member: FakeMember) -> int:
    return await member.deliver("<xml><MsgType>text</MsgType><Content>x</Content></xml>")


async def too_large(member: FakeMember) -> int:
    return await member.post(Posted(fresh_query(), b"<xml>" + b"a" * MAX_BODY + b"</xml>"))


async def too_large_chunked(member: FakeMember) -> int:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(17):
            yield b"a" * 65536

    assert member.fake.session is not None
    async with member.fake.session.post(
        member.fake.callback_url, params=fresh_query(), data=chunks()
    ) as response:
        return response.status


@pytest.mark.parametrize(
    ("attack", "status"),
    [
        (wrong_signature, 403),
        (wrong_aes_key, 403),
        (old_timestamp, 403),
        (future_timestamp, 403),
        (malformed_xml, 400),
        (entity_declaration, 400),
        (entity_inside_the_encryption, 400),
        (no_encrypt_element, 400),
        (no_sender, 400),
        (too_large, 413),
        (too_large_chunked, 413),
    ],
)
async def test_bad_callbacks_are_refused(
    fake: FakeWeCom,
    make_app: MakeApp,
    recorder: Recorder,
    attack: Callable[[FakeMember], Awaitable[int]],
    status: int,
) -> None:
    app = await make_app(fake, recorder)
    assert await attack(fake.member("zhangwei")) == status
    await app.settle()
    assert recorder.inbounds == []


async def test_url_verification(fake: FakeWeCom, make_app: MakeApp, recorder: Recorder) -> None:
    await make_app(fake, recorder)
    session = fake.session
    assert session is not None

    async def verify(**changes: str) -> tuple[int, str]:
        key = base64.b64decode(fake.aes_key + "=")
        echo = PrpCrypto(key).encrypt("8675309", fake.corp_id).decode()
        stamp = str(int(time.time()))
        query = {"timestamp": stamp, "nonce": "5", "echostr": echo}
        query["msg_signature"] = signature(fake.token, stamp, "5", echo)
        async with session.get(fake.callback_url, params={**query, **changes}) as response:
            return response.status, await response.text()

    assert await verify() == (200, "8675309")
    assert (await verify(msg_signature="f" * 40))[0] == 403
    assert (await verify(echostr=""))[0] == 400
    assert (await verify(timestamp="1409659589"))[0] == 403


def test_a_malformed_aes_key_is_refused_at_setup(texts: Texts, recorder: Recorder) -> None:
    with pytest.raises(ValueError, match="EncodingAESKey") as raised:
        WeComApp(
            corp_id="c",
            agent_id=1,
            secret="s",
            token="t",
            aes_key="too-short",
            api_url="http://127.0.0.1:9/cgi-bin/",
            texts=texts,
            on_inbound=recorder,
            vault=MemoryVault(),
        )
    assert "too-short" not in str(raised.value)


# ----- answering the callback quickly, handling it fully


async def test_the_callback_is_answered_before_a_slow_engine_finishes(
    fake: FakeWeCom, make_app: MakeApp
) -> None:
    finished: list[str | None] = []

    async def slow(inbound: Inbound) -> None:
        await asyncio.sleep(0.6)
        finished.append(inbound.text)

    # On a clock that stands, the estimate sees no engine time pass: each callback waits.
    waits = ExpectedWait(SetSeconds())
    app = await make_app(fake, slow, options=WeComOptions(answer_within=0.1), expected_wait=waits)
    member = fake.member("zhangwei")
    started = time.monotonic()
    assert await member.send_text("慢") == 200
    assert time.monotonic() - started < 0.5 and finished == []
    with pytest.raises(TimeoutError):  # WeCom hangs up: the engine must go on anyway
        await member.deliver(plain(member, "text", Content="挂断", MsgId=2), give_up_after=0.02)
    await app.settle()
    assert sorted(finished, key=str) == ["慢", "挂断"]


async def test_a_message_confirmed_before_the_engine_stored_it_is_journalled_until_then(
    bot: Bot, fake: FakeWeCom, make_app: MakeApp
) -> None:
    gate = asyncio.Event()

    async def behind(inbound: Inbound) -> bool:
        await gate.wait()
        return await bot.engine.handle(inbound)

    options = WeComOptions(answer_within=0.05)
    app = await make_app(fake, behind, options=options, journal=bot.journal)
    assert await fake.member("zhangwei").send_text("你好") == 200
    journal = SqlJournal(bot.database)
    assert [i.text for i in await journal.unhandled()] == ["你好"]
    gate.set()
    await app.settle()
    await bot.journal.idle()
    assert await journal.unhandled() == []


async def test_an_engine_slower_than_the_wait_is_confirmed_at_once_and_handled_once(
    bot: Bot, fake: FakeWeCom, make_app: MakeApp
) -> None:
    """The callback would wait far longer than the test may take, but the engine was seen
    taking twice as long as that: confirmed at once, journalled, handled once."""
    slow = GatedEngine(bot.engine.handle)
    options = WeComOptions(answer_within=600.0)
    slower = seen_slow(2 * options.answer_within)
    app = await make_app(fake, slow, options=options, journal=bot.journal, expected_wait=slower)
    members = [fake.member(f"member{n}") for n in range(12)]
    sending = [asyncio.create_task(m.send_text("你好")) for m in members]
    try:
        await eventually(lambda: all(s.done() for s in sending), within=20, what="answers")
        retries = await asyncio.gather(*(m.retry_last() for m in members))
        assert [s.result() for s in sending] == list(retries) == [200] * len(members)
        assert len(await SqlJournal(bot.database).unhandled()) == len(members)
    finally:
        slow.gate.set()
    await app.settle()
    await bot.journal.idle()
    assert len(set(slow.handled)) == len(members)  # each retry reaches the engine's dedupe only
    assert await count_inbound(bot) == len(members)
    assert await SqlJournal(bot.database).unhandled() == []


async def count_inbound(bot: Bot) -> int:
    async with bot.database.sessions() as session:
        query = select(func.count()).select_from(InboundMessage)
        return int((await session.execute(query)).scalar_one())


async def test_an_engine_failure_asks_wecom_to_retry(
    fake: FakeWeCom, make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    async def failing(_inbound: Inbound) -> None:
        raise RuntimeError("database is down")

    await make_app(fake, failing)
    assert await fake.member("zhangwei").send_text("你好") == 500
    assert re.search(r"handling WeCom wecom#[0-9a-f]{12} failed", caplog.text)
    assert "zhangwei" not in caplog.text  # the member is named by a digest, not their id


async def test_a_retried_callback_is_handled_once(
    bot: Bot, fake: FakeWeCom, wecom: WeComApp, dispatcher: Dispatcher, invite: str
) -> None:
    member = fake.member("zhangwei")
    assert await member.send_text(f"/start {invite}") == 200
    statuses = await asyncio.gather(member.retry_last(), member.retry_last())
    assert list(statuses) == [200, 200]
    await wecom.settle()
    await drain(dispatcher)
    once = list(member.received)
    assert await member.retry_last() == 200  # WeCom's third try, much later
    await wecom.settle()
    await drain(dispatcher)
    # intro, first question: the code waits for consent before anyone joins
    assert member.received == once and len(once) == 2
    intro = bot.texts.gettext(ZH, bot.conversations["onboarding"].intro or "")
    assert sum(intro in text for text in once) == 1


# ----- sending


async def test_choices_become_numbered_lines(
    fake: FakeWeCom, make_app: MakeApp, recorder: Recorder, texts: Texts
) -> None:
    app = await make_app(fake, recorder)
    fake.member("lina")
    choices = (Choice("3:gbg", "哥德堡"), Choice("3:sh", "上海"), Choice("3:/skip", "跳过"))
    message = Outbound("你来自哪个城市？", choices, language=ZH)
    assert await app.send("lina", message)
    shown = fake.inbox("lina")
    assert shown == [as_numbered_text(message, texts)]
    assert "1. 哥德堡\n2. 上海\n\n" in shown[0] and "3. " not in shown[0]
    assert texts.gettext(ZH, NUMBER_HINT) in shown[0]
    assert "/skip" not in shown[0]  # the question's own hint says it: once, not twice
    assert fake.calls("message/send")[0].body == {
        "touser": "lina",
        "msgtype": "text",
        "agentid": AGENT_ID,
        "text": {"content": shown[0]},
    }


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ('<a href="http://evil.example">点我</a>', '＜a href="http://evil.example">点我＜/a>'),
        ("<A HREF='x'>x< / a>", "＜A HREF='x'>x＜ / a>"),
        ("1 < 2 and <b>bold</b> and <abc>", "1 < 2 and <b>bold</b> and <abc>"),
    ],
)
def test_typed_links_are_defused(typed: str, sent: str, texts: Texts) -> None:
    assert defuse_links(typed) == sent
    assert render(Outbound(f"你的名字：{typed}"), texts) == [f"你的名字：{sent}"]


def test_split_bytes_counts_utf8_bytes() -> None:
    chinese = "城市伙伴关系促进合作。" * 300  # 3,300 characters, 9,900 bytes, no spaces
    parts = split_bytes(chinese)
    assert all(len(p.encode()) <= 2048 for p in parts) and "".join(parts) == chinese
    assert len(parts) == 5
    emoji = "🌏" * 1000
    assert [len(p) for p in split_bytes(emoji)] == [512, 488]
    assert split_bytes("short") == ["short"] and split_bytes("  ") == []
    mixed = "\n\n".join(["Aim " * 300, "目标" * 400, "x" * 2500])
    assert all(len(p.encode()) <= 2048 for p in split_bytes(mixed))


async def test_a_long_text_goes_out_in_parts_in_order(
    fake: FakeWeCom, make_app: MakeApp, recorder: Recorder
) -> None:
    app = await make_app(fake, recorder)
    fake.member("lina")
    paragraphs = [f"第{n}段：" + "城市之间的合作需要耐心和信任。" * 50 for n in range(1, 5)]
    await app.send("lina", Outbound("\n\n".join(paragraphs)))
    parts = list(fake.inbox("lina"))
    assert len(parts) > 2 and all(len(p.encode()) <= 2048 for p in parts)
    assert "".join(parts).replace("\n", "") == "".join(paragraphs)
    fake.fail("message/send", -1, after=1)  # the second part of the next message fails
    long = "\n\n".join(p.replace("合作", "交流") for p in paragraphs)
    with pytest.raises(DeliveryError) as raised:
        await app.send("lina", Outbound(long))
    assert not raised.value.permanent
    await app.send("lina", Outbound(long))  # the dispatcher's retry: no part twice
    again = fake.inbox("lina")[len(parts) :]
    assert "".join(again).replace("\n", "") == long.replace("\n", "")


@pytest.mark.parametrize(
    ("errcode", "group", "check"),
    [
        (45009, False, lambda e: e.retry_after == LIMIT_PAUSE and not e.permanent),
        (45033, False, lambda e: e.retry_after == LIMIT_PAUSE and not e.permanent),
        (-1, False, lambda e: not e.permanent and e.retry_after is None),
        (81013, False, lambda e: e.unreachable and e.permanent),
        (60111, False, lambda e: e.unreachable),
        (86003, True, lambda e: e.unreachable and e.permanent),
        (86001, True, lambda e: e.unreachable),
        (40008, False, lambda e: e.permanent and not e.unreachable),
        (44004, True, lambda e: e.permanent and not e.unreachable),
    ],
)
async def test_api_errors_become_delivery_errors(
    fake: FakeWeCom,
    make_app: MakeApp,
    recorder: Recorder,
    errcode: int,
    group: bool,
    check: Callable[[DeliveryError], bool],
) -> None:
    app = await make_app(fake, recorder)
    fake.member("lina")
    path = "appchat/send" if group else "message/send"
    fake.fail(path, errcode)
    with pytest.raises(DeliveryError) as raised:
        await app.send(group_chat_id("chat1") if group else "lina", Outbound("你好"))
    assert check(raised.value), raised.value
    assert str(errcode) in str(raised.value)
    assert check(api_error(errcode, "x", group=group))


async def test_an_unknown_member_is_unreachable(
    fake: FakeWeCom, make_app: MakeApp, recorder: Recorder
) -> None:
    app = await make_app(fake, recorder)
    with pytest.raises(DeliveryError) as raised:
        await app.send("left-the-company", Outbound("你好"))
    assert raised.value.unreachable


# ----- access tokens


async def test_an_expired_token_is_refreshed_and_the_call_made_once_more(
    bot: Bot, fake: FakeWeCom, wecom: WeComApp, make_app: MakeApp, recorder: Recorder
) -> None:
    fake.member("lina")
    await wecom.send("lina", Outbound("一"))
    fake.expire_token()
    await wecom.send("lina", Outbound("二"))
    assert [c.errcode for c in fake.calls("message/send")] == [0, 42001, 0]
    assert len(fake.calls("gettoken")) == 2
    vault = SqlTokenVault(bot.database)
    assert await vault.current(wecom.vault_key) == fake.current_token
    fake.fail("message/send", 40014)  # e.g. invalidated by a token fetched elsewhere
    await wecom.send("lina", Outbound("三"))
    assert len(fake.calls("gettoken")) == 3 and fake.inbox("lina") == ["一", "二", "三"]
    fake.fail("message/send", 42001, times=2)
    with pytest.raises(DeliveryError) as raised:
        await wecom.send("lina", Outbound("四"))
    assert not raised.value.permanent and len(fake.calls("gettoken")) == 4  # refreshed once
    other = await make_app(fake, recorder, vault)  # another instance shares the token
    await other.send("lina", Outbound("五"))
    assert len(fake.calls("gettoken")) == 4 and fake.inbox("lina")[-1] == "五"


async def test_concurrent_sends_fetch_one_token(
    fake: FakeWeCom, make_app: MakeApp, recorder: Recorder
) -> None:
    app = await make_app(fake, recorder)
    for userid in ("a", "b", "c", "d"):
        fake.member(userid)
    await asyncio.gather(*(app.send(u, Outbound("hi")) for u in ("a", "b", "c", "d")))
    assert len(fake.calls("gettoken")) == 1


# ----- sending limits


class FakeClock:
    def __init__(self) -> None:
        self.time = 0.0

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.time += seconds
        await asyncio.sleep(0)


def most_in_any_window(times: list[float], seconds: float) -> int:
    return max(bisect.bisect_left(times, t + seconds) - i for i, t in enumerate(times))


async def test_the_default_limits_stay_inside_wecoms_documented_numbers() -> None:
    clock = FakeClock()
    limiter = SendLimiter(WeComLimits(), clock)
    member: list[float] = []
    for _ in range(1100):
        await limiter.wait("lina")
        member.append(clock.time)
    assert most_in_any_window(member, 60) <= 30 and most_in_any_window(member, 3600) <= 1000
    group: list[float] = []
    for _ in range(200):
        await limiter.wait(group_chat_id("chat1"))
        group.append(clock.time)
    assert most_in_any_window(group, 60) <= 20
    assert most_in_any_window(group, 60) * 2 <= 200  # a member in two groups stays under 200


async def test_a_burst_of_100_messages_never_exceeds_the_member_limit(
    make_app: MakeApp, recorder: Recorder
) -> None:
    rules = WeComRules(member=(Window(0.5, 25),))
    limited = WeComOptions(limits=WeComLimits(member=(Rate(40.0, 2.0),)))  # ≤ 22 per 0.5 s
    async with FakeWeCom(rules) as fake:
        app = await make_app(fake, recorder, options=limited)
        fake.member("lina")
        await asyncio.gather(*(app.send("lina", Outbound(f"消息 {n}")) for n in range(100)))
        assert len(fake.inbox("lina")) == 100 and fake.violations == []
        loose = WeComLimits(member=(Rate(1e4, 1e4),), overall=Rate(1e4, 1e4))
        unlimited = await make_app(fake, recorder, options=WeComOptions(limits=loose))
        fake.member("wangfang")
        await asyncio.gather(*(unlimited.send("wangfang", Outbound(f"{n}")) for n in range(100)))
        assert fake.violations and len(fake.inbox("wangfang")) < 100  # WeCom drops silently


# ----- group chats


async def enqueue(bot: Bot, chat_id: str, text: str) -> None:
    await queue(bot.database, [("wecom", chat_id, Outbound(text))])


async def test_a_partnership_group_chat(
    bot: Bot, fake: FakeWeCom, wecom: WeComApp, dispatcher: Dispatcher
) -> None:
    for userid in ("zhangwei", "lina", "wangfang"):
        fake.member(userid)
    with pytest.raises(ValueError, match="2 to 500"):
        await wecom.create_group("独自", "zhangwei", ["zhangwei"])
    chatid = await wecom.create_group("哥德堡–上海 城市伙伴", "zhangwei", ["lina", "wangfang"])
    assert fake.groups[chatid].members == ["zhangwei", "lina", "wangfang"]
    assert (await wecom.group_info(chatid)).members == ("zhangwei", "lina", "wangfang")
    address = group_chat_id(chatid)
    async with bot.database.transaction() as session:
        partnership = await find_partnership(session, "Gothenburg–Shanghai")
        session.add(
            GroupChat(
                channel="wecom",
                chat_id=address,
                partnership_id=partnership.id,
                languages=[ZH],
                linked_at=bot.database.clock(),
            )
        )
    await enqueue(bot, address, "本周进展：双方确定了清洁能源联合研究的负责人。")
    await drain(dispatcher)
    assert fake.groups[chatid].messages == ["本周进展：双方确定了清洁能源联合研究的负责人。"]
    assert fake.calls("appchat/send")[0].body == {
        "chatid": chatid,
        "msgtype": "text",
        "text": {"content": "本周进展：双方确定了清洁能源联合研究的负责人。"},
    }
    await wecom.post_to_group(chatid, Outbound("下次会议：12月1日"))
    assert fake.groups[chatid].messages[-1] == "下次会议：12月1日"
    named = await wecom.create_group("Named", "lina", ["wangfang"], chat_id="c2cGbgSha2026")
    assert named == "c2cGbgSha2026" and fake.groups[named].owner == "lina"
    with pytest.raises(ValueError, match="chatid"):
        await wecom.create_group("Bad", "lina", ["wangfang"], chat_id="group:no")
    assert fake.violations == []


async def test_a_dissolved_group_is_a_dead_letter(
    bot: Bot, fake: FakeWeCom, wecom: WeComApp, dispatcher: Dispatcher
) -> None:
    for userid in ("zhangwei", "lina"):
        fake.member(userid)
    chatid = await wecom.create_group("临时", "zhangwei", ["lina"])
    fake.delete_group(chatid)
    with pytest.raises(DeliveryError) as raised:
        await wecom.post_to_group(chatid, Outbound("还在吗？"))
    assert raised.value.unreachable and raised.value.permanent
    await enqueue(bot, group_chat_id(chatid), "还在吗？")
    await enqueue(bot, "lina", "限流")
    fake.fail("message/send", 45009)
    await drain(dispatcher)
    async with bot.database.sessions() as session:
        rows = {r.chat_id: r for r in (await session.execute(select(OutboxMessage))).scalars()}
    dead, waiting = rows[group_chat_id(chatid)], rows["lina"]
    assert dead.status == "dead" and "86003" in (dead.error or "")
    assert waiting.status == "pending" and waiting.attempts == 1
    soonest = datetime.now(UTC) + timedelta(seconds=LIMIT_PAUSE - 5)
    assert waiting.next_attempt_at.replace(tzinfo=UTC) >= soonest


# ----- secrets


async def test_neither_secret_nor_token_reaches_logs_or_errors(
    bot: Bot,
    fake: FakeWeCom,
    wecom: WeComApp,
    make_app: MakeApp,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    fake.member("lina")

    async def attempt(app: WeComApp, text: str) -> None:
        try:
            await app.send("lina", Outbound(text))
        except DeliveryError as error:
            errors.append(error)

    await attempt(wecom, "一")
    fake.expire_token()
    await attempt(wecom, "二")
    fake.fail("message/send", 45009)
    await attempt(wecom, "三")
    for broken in (
        {"secret": "wrong-secret-value-1234"},
        {"api_url": "http://127.0.0.1:9/cgi-bin/"},  # nothing listens on port 9
        {"api_url": "http://127.0.0.1:99999/cgi-bin/"},  # not even a valid URL
    ):
        await attempt(await make_app(fake, recorder, **broken), "四")
    member = fake.member("zhangwei")
    await wrong_signature(member)
    await wrong_aes_key(member)
    assert len(errors) == 4 and fake.inbox("lina") == ["一", "二"]
    assert "WeCom" in caplog.text
    logged = "".join(r.getMessage() for r in caplog.records if r.name != "aiosqlite")
    shown = logged + "".join(f"{e!r}{e}{e.__cause__!r}{e.__context__!r}" for e in errors)
    for secret in (fake.secret, "wrong-secret-value-1234", fake.aes_key, fake.token, *fake.issued):
        assert secret not in shown


async def test_the_database_driver_does_not_log_tokens(
    bot: Bot, fake: FakeWeCom, wecom: WeComApp, caplog: pytest.LogCaptureFixture
) -> None:
    if not bot.settings.database_url.startswith("sqlite"):
        pytest.skip("only aiosqlite logs parameters")
    caplog.set_level(logging.DEBUG)
    fake.member("lina")
    await wecom.send("lina", Outbound("一"))
    assert fake.issued and fake.issued[0] not in caplog.text


def test_scrub_removes_credentials_from_urls() -> None:
    text = "GET /cgi-bin/gettoken?corpid=ww1&corpsecret=abc&x=1 access_token=tok9 'tok9'"
    assert scrub(text, ["tok9"]) == (
        "GET /cgi-bin/gettoken?corpid=ww1&corpsecret=<redacted>&x=1 "
        "access_token=<redacted> '<redacted>'"
    )


# ----- with the engine: a member of a Chinese city's team on WeCom


@dataclass
class WeComPerson:
    """A person typing into the WeCom app; what they read is what reached the fake."""

    bot: Bot
    member: FakeMember
    app: WeComApp
    dispatcher: Dispatcher
    channel: str = "wecom"

    @property
    def user(self) -> str:
        return self.member.userid

    @property
    def last(self) -> str:
        return self.member.last

    async def say(self, text: str) -> list[str]:
        before = len(self.member.received)
        assert await self.member.send_text(text) == 200
        await self.app.settle()
        await drain(self.dispatcher)
        return self.member.received[before:]

    def numbered(self) -> dict[str, str]:
        """The numbered options of the last message: label → number."""
        return {label: n for n, label in re.findall(r"^(\d+)\. (.+)$", self.last, re.MULTILINE)}


async def position_in(person: WeComPerson, conversation: Conversation) -> Position | None:
    state = await state_of(person)  # type: ignore[arg-type]
    if state.get("conv") != conversation.id or not state.get("pos"):
        return None
    return Position.from_json(state["pos"])


def reply_for(person: WeComPerson, question: Question, position: Position, turn: int) -> str:
    """What a person types: numbers for choices, labels for yes/no, values otherwise."""
    options, texts = person.numbered(), person.bot.texts
    if position.more or question.type is Kind.YESNO:
        wanted = "Yes" if position.more is False or (position.item or 0) == 0 else "No"
        label = texts.gettext(ZH, wanted)
        assert label in options, person.last
        return label
    if question.type is Kind.CHOICE and question.options_from is OptionSource.LANGUAGES:
        return options[texts.languages[ZH]]
    if question.type in (Kind.CHOICE, Kind.MULTI, Kind.RATING):
        assert len(options) >= 2, person.last
        return {Kind.CHOICE: "1", Kind.MULTI: "1 2", Kind.RATING: "4"}[question.type]
    typed = {Kind.NUMBER: NUMBER_TYPED, Kind.MONEY: MONEY_TYPED, Kind.DATE: DATE_TYPED}
    if question.type in typed:
        return typed[question.type][ZH]
    return sentence(question, ZH, turn)


async def answer_by_typing(person: WeComPerson, conversation: Conversation) -> list[str]:
    """Answer every question by typing; the first optional one is skipped with /skip."""
    answered: list[str] = []
    skipped = False
    for turn in range(MAX_TURNS):
        position = await position_in(person, conversation)
        if position is None:
            return answered
        question = walk.question_at(conversation, position)
        if question.optional and not position.more and not skipped:
            skipped = True
            await person.say("/skip")
        else:
            await person.say(reply_for(person, question, position, turn))
            answered += [] if position.more else [position.key]
        assert await position_in(person, conversation) != position, person.last
    raise AssertionError(f"{conversation.id} did not end within {MAX_TURNS} turns")


async def test_a_chinese_conversation_through_wecom(
    bot: Bot, fake: FakeWeCom, wecom: WeComApp, dispatcher: Dispatcher, invite: str
) -> None:
    person = WeComPerson(bot, fake.member("zhangwei"), wecom, dispatcher)
    welcome = bot.texts.gettext(ZH, "Welcome to the partnership {name}!").split("{")[0]
    intro = bot.texts.gettext(ZH, bot.conversations["onboarding"].intro or "")
    assert intro in (await person.say(f"/start {invite}"))[0]
    onboarding = await answer_by_typing(person, bot.conversations["onboarding"])
    assert {"language", "consent", "name", "city", "organisation", "helix_role"} <= set(onboarding)
    # the code joined once consent was given, right before the name was asked
    assert sum(welcome in text for text in fake.inbox("zhangwei")) == 1
    aim = bot.texts.gettext(ZH, STEP_NAMES[Step.AIM])
    menu = person.numbered()
    await person.say(next(n for label, n in menu.items() if label.startswith(aim)))
    answered = await answer_by_typing(person, bot.conversations["aim"])
    assert {"vision", "challenges", "has_strategy", "impact_rating"} <= set(answered)
    answers = await answers_of(person)  # type: ignore[arg-type]
    assert {a.conversation for a in answers} == {"onboarding", "aim"}
    assert all(a.channel == "wecom" and a.language == ZH for a in answers)
    challenges = next(a for a in answers if a.question == "challenges")
    assert challenges.value["value"] == ["climate_energy", "mobility"]
    received = fake.inbox("zhangwei")
    assert any(bot.texts.gettext(ZH, NUMBER_HINT) in text for text in received)
    assert all(len(text.encode()) <= 2048 for text in received)
    assert fake.violations == [] and not wecom.capabilities.buttons


async def test_an_image_gets_a_polite_reply(
    bot: Bot, fake: FakeWeCom, wecom: WeComApp, dispatcher: Dispatcher, invite: str
) -> None:
    person = WeComPerson(bot, fake.member("lina"), wecom, dispatcher)
    await person.say(f"/start {invite}")
    asked = person.last
    assert await person.member.send_image() == 200
    await wecom.settle()
    await drain(dispatcher)
    polite = bot.texts.gettext(ZH, "I can only read text. Please type your answer or tap a button.")
    assert person.member.received[-2:] == [polite, asked]


async def test_opening_the_app_greets_a_newcomer(
    bot: Bot, fake: FakeWeCom, wecom: WeComApp, dispatcher: Dispatcher
) -> None:
    person = WeComPerson(bot, fake.member("wangfang"), wecom, dispatcher)
    assert await person.member.send_event("enter_agent") == 200
    await wecom.settle()
    await drain(dispatcher)
    assert person.member.received  # the engine's answer to /start: onboarding begins
    assert (await state_of(person))["conv"] == "onboarding"  # type: ignore[arg-type]


async def test_opening_the_app_again_re_asks_only_after_being_away(
    bot: Bot, fake: FakeWeCom, make_app: MakeApp
) -> None:
    away = [0.0]  # seconds the clock is moved on, within the callbacks' allowed skew
    app = await make_app(
        fake,
        bot.engine.handle,
        SqlTokenVault(bot.database),
        clock=lambda: time.time() + away[0],
        options=replace(FAST, greet_after=100.0),
    )
    person = WeComPerson(bot, fake.member("wangfang"), app, Dispatcher(bot.outbox, {"wecom": app}))

    async def open_app() -> list[str]:
        before, now = len(person.member.received), int(time.time() + away[0])
        opening = person.member.fields("event", Event="enter_agent", CreateTime=now)
        assert await person.member.deliver(message_xml(opening), timestamp=now) == 200
        await app.settle()
        await drain(person.dispatcher)
        return person.member.received[before:]

    greeting = await open_app()
    assert greeting and person.numbered()  # a newcomer: onboarding asks the first question
    away[0] = 10.0
    assert await open_app() == []  # opened again soon: nothing to repeat
    away[0] = 150.0
    assert await open_app() == [greeting[-1]]  # back after a while: the question again
    async with bot.database.sessions() as session:
        events = (await session.execute(select(InboundMessage.dedupe_key))).scalars().all()
    assert len(events) == 2
