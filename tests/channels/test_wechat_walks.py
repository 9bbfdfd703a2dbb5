"""Onboarding and all eight steps, typed in Chinese, through the running bot's /wechat and /wecom.

Nothing is assembled by hand: ``Bot`` is built from C2C_* settings and started as
``c2cbot run`` starts it (web server, outbox dispatcher), and the person only writes
to the bot's callback URL as WeChat or WeCom would deliver it. Official Account
followers are walked in plaintext and in safe (encrypted) mode; WeCom callbacks are
always encrypted. Replies reach the person as passive replies or through the fake's
customer-service and message.send APIs, and everything the outbox holds for the
person must reach them exactly once, in order.

The answers come from the flow walker (``tests/flows/walker.py``), as on Telegram; its
``NumberTyping`` turns every button press into the option's number, typed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from c2cbot.channels.base import as_numbered_text, split_bytes
from c2cbot.channels.ratelimit import Rate
from c2cbot.channels.wechat_oa import SPEC as WECHAT
from c2cbot.channels.wecom import SPEC as WECOM
from c2cbot.channels.wecom.limits import WeComLimits
from c2cbot.channels.wecom.spec import WeComOptions
from c2cbot.channels.wecom.writing import render
from c2cbot.config import Settings
from c2cbot.flows.messages import Outbound
from c2cbot.runtime import Bot, link_wecom_group
from c2cbot.store.database import Database
from c2cbot.store.exports import answer_rows
from c2cbot.store.models import Answer, InboundMessage, OutboxMessage
from c2cbot.store.partnership_lookup import find_partnership
from tests.channels.test_telegram_run import (
    ANSWERED,
    PARTNERSHIP,
    PICKS,
    STEPS,
    check_value,
    cli,
    cli_environment,
)
from tests.channels.test_wecom import FAST_LIMITS, FAST_RULES
from tests.conftest import walk_on_one_backend
from tests.fakes.wechat_api import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    CALLBACK_TOKEN,
    FakeWeChat,
    Reply,
    WeChatUser,
)
from tests.fakes.wecom_api import FakeMember, FakeWeCom
from tests.flows.walker import (
    NAMES,
    ORGANISATIONS,
    ZH,
    NumberTyping,
    key_to_row,
    start_step,
    state_of,
    walk_conversation,
)
from tests.support.waiting import eventually

SETTLE = 20.0
# The fast fake's member limits, and no overall pace of 20 a second to wait for.
QUICK_WECOM = WeComOptions(
    request_timeout=2.0,
    answer_within=2.0,
    limits=WeComLimits(FAST_LIMITS.member, FAST_LIMITS.group, Rate(500.0, 100.0)),
)
CJK = re.compile(r"[\u4e00-\u9fff]")


# ----- the bot, started from settings against the fakes


@dataclass
class Fakes:
    wechat: FakeWeChat
    wecom: FakeWeCom


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    """Both fakes; bots get WeCom limits the fast fake measures as well (``start_bot``)."""
    async with FakeWeChat() as wechat, FakeWeCom(FAST_RULES) as wecom:
        yield Fakes(wechat, wecom)


StartBot = Callable[..., Awaitable[tuple[Bot, str]]]


@pytest.fixture
async def start_bot(database_url: str, database: Database, fakes: Fakes) -> AsyncIterator[StartBot]:
    """Bots configured for both fakes (safe mode unless ``plaintext``), stopped at the end."""
    started: list[Bot] = []

    async def start(*, plaintext: bool = False, **settings: Any) -> tuple[Bot, str]:
        wecom = fakes.wecom
        bot = Bot(
            Settings(  # type: ignore[call-arg]
                _env_file=None,
                database_url=database_url,
                wechat_app_id=APP_ID,
                wechat_app_secret=APP_SECRET,
                wechat_token=CALLBACK_TOKEN,
                wechat_aes_key=None if plaintext else AES_KEY,
                wechat_api_url=fakes.wechat.api_url,
                wecom_corp_id=wecom.corp_id,
                wecom_agent_id=wecom.agent_id,
                wecom_secret=wecom.secret,
                wecom_token=wecom.token,
                wecom_aes_key=wecom.aes_key,
                wecom_api_url=wecom.api_url,
                **settings,
            ),
            # WeCom's documented 30 messages a member a minute would make a walk take minutes.
            options={"wecom": QUICK_WECOM},
        )
        started.append(bot)
        url = await bot.start("127.0.0.1", 0)
        wecom.callback_url = f"{url}/wecom"
        return bot, url

    yield start
    for bot in started:
        await bot.stop()


# ----- people who can only type


async def outbox_of(database: Database, channel: str, chat_id: str) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id)
        .order_by(OutboxMessage.id)
    )
    async with database.sessions() as session:
        return list((await session.execute(query)).scalars())


def compact(texts: list[str]) -> str:
    """Texts as one string without whitespace: splitting and joining only move whitespace."""
    return re.sub(r"\s+", "", "".join(texts))


@dataclass
class Typist:
    """What both channels' people share: the walker's view of them, and settling.

    ``last`` is the newest message the bot queued for the person (with its choices);
    ``shown`` is the newest text the person actually received.
    """

    bot: Bot
    user: str
    channel: str
    last: Outbound = field(init=False)

    def __post_init__(self) -> None:
        self.last = Outbound("")

    @property
    def received(self) -> list[str]:
        raise NotImplementedError

    @property
    def shown(self) -> str:
        assert self.received, f"{self.user} received nothing"
        return self.received[-1]

    @property
    def text(self) -> str:
        return "\n---\n".join(self.received[-3:])

    def rendered(self, message: Outbound) -> str:
        raise NotImplementedError

    async def idle(self) -> None:
        raise NotImplementedError

    async def settle(self) -> None:
        """Wait until the bot handled everything and delivered every reply to this person."""

        async def delivered() -> bool:
            await self.idle()
            rows = await outbox_of(self.bot.database, self.channel, self.user)
            if any(r.status in ("pending", "sending") for r in rows):
                return False
            self.last = Outbound.from_json(rows[-1].payload) if rows else Outbound("")
            return True

        await eventually(delivered, within=SETTLE, what=f"the replies to {self.user}")
        assert self.shown.endswith(split_bytes(self.rendered(self.last))[-1]), self.text

    async def check_every_reply_arrived_once(self) -> None:
        rows = await outbox_of(self.bot.database, self.channel, self.user)
        assert {r.status for r in rows} == {"sent"}
        queued = [self.rendered(Outbound.from_json(r.payload)) for r in rows]
        assert compact(self.received) == compact(queued)


@dataclass
class Follower(Typist):
    """A follower of the Official Account, writing to the bot's /wechat."""

    wechat: WeChatUser = field(kw_only=True)

    @property
    def received(self) -> list[str]:
        return [r.text for r in self.wechat.received]

    def rendered(self, message: Outbound) -> str:
        return as_numbered_text(message, self.bot.texts).strip()

    async def idle(self) -> None:
        assert self.bot.runs(WECHAT)
        await self.bot.running(WECHAT).idle()

    async def send(self, typed: str) -> Reply:
        reply = await self.wechat.say(typed)
        assert reply.status == 200, reply
        await self.settle()
        return reply


@dataclass
class Member(Typist):
    """A member of the corp using the WeCom app, writing to the bot's /wecom."""

    member: FakeMember = field(kw_only=True)

    @property
    def received(self) -> list[str]:
        return self.member.received

    def rendered(self, message: Outbound) -> str:
        return "\n\n".join(render(message, self.bot.texts))

    async def idle(self) -> None:
        assert self.bot.runs(WECOM)
        await self.bot.running(WECOM).settle()

    async def send(self, typed: str) -> int:
        status = await self.member.send_text(typed)
        assert status == 200
        await self.settle()
        return status


# ----- the walk


async def walk_every_step(person: Typist, invite: str | None) -> dict[str, list[str]]:
    """Onboarding (already started) and the eight steps, every press typed as a number."""
    bot, typing = person.bot, NumberTyping(person)
    conversations = bot.conversations
    onboarding = await walk_conversation(typing, conversations["onboarding"], ZH, invite=invite)  # type: ignore[arg-type]
    answered = {"onboarding": onboarding}
    assert (await state_of(typing))["onboarded"] is True  # type: ignore[arg-type]
    for step in STEPS:
        await start_step(typing, step)  # type: ignore[arg-type]
        answered[step] = await walk_conversation(
            typing,  # type: ignore[arg-type]
            conversations[step],
            ZH,
            picks=PICKS.get(step),
        )
    marks = {c.action[2:]: c.label.rsplit(" · ", 1)[1] for c in person.last.choices}
    assert marks == dict.fromkeys(STEPS, "✓")
    assert {step: len(answered[step]) for step in STEPS} == {s: ANSWERED[s] for s in STEPS}
    return answered


async def exported(database: Database) -> list[dict[str, Any]]:
    async with database.sessions() as session:
        return [row async for row in answer_rows(session)]


async def check_answers(
    bot: Bot, channel: str, answered: dict[str, list[str]], database_url: str, tmp_path: Path
) -> None:
    """``c2cbot export answers`` (its function, and on SQLite the command) shows every answer."""
    # The invitation code is checked, not kept as an answer; the language, chosen before
    # consent, is kept as a setting only.
    kept = [("onboarding", "invite"), ("onboarding", "language")]
    answered = {name: [k for k in keys if (name, k) not in kept] for name, keys in answered.items()}
    rows = await exported(bot.database)
    assert len(rows) == sum(len(keys) for keys in answered.values())
    assert {(r["channel"], r["language"]) for r in rows} == {(channel, ZH)}
    joined = [r["partnership"] for r in rows if r["conversation"] != "onboarding"]
    assert set(joined) == {PARTNERSHIP} and rows[-1]["partnership"] == PARTNERSHIP
    assert {(r["stakeholder"], r["organisation"]) for r in rows} == {(NAMES[ZH], ORGANISATIONS[ZH])}
    for name, keys in answered.items():
        mine = [r for r in rows if r["conversation"] == name]
        assert [(r["question"], r["item"]) for r in mine] == [key_to_row(k) for k in keys], name
    async with bot.database.sessions() as session:
        stored = {a.id: a for a in (await session.execute(select(Answer))).scalars()}
    for name, keys in answered.items():
        if name == "onboarding":
            continue
        mine = [r for r in rows if r["conversation"] == name]
        for row, key in zip(mine, keys, strict=True):
            check_value(stored[row["answer_id"]], bot.conversations[name], key, ZH)
    typed = [r["value"] for r in rows if isinstance(r["value"], str) and CJK.search(r["value"])]
    assert len(typed) > 20  # the sentences came through in Chinese, not mangled
    if not database_url.startswith("sqlite"):
        return
    code, out, err = await cli(
        "export",
        "answers",
        "--format",
        "jsonl",
        env=cli_environment(C2C_DATABASE_URL=database_url),
        cwd=tmp_path,
    )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(e["answer_id"], e["question"], e["value"]) for e in lines] == [
        (r["answer_id"], r["question"], r["value"]) for r in rows
    ]


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
async def test_a_follower_walks_every_step_by_typing(
    start_bot: StartBot,
    fakes: Fakes,
    invite: str,
    database_url: str,
    tmp_path: Path,
    mode: str,
) -> None:
    """Follow from the invitation's QR code, then onboarding and all eight steps, typed."""
    walk_on_one_backend(database_url, 0 if mode == "plaintext" else 1)
    bot, url = await start_bot(plaintext=mode == "plaintext")
    key = AES_KEY if mode == "safe" else None
    user = WeChatUser(fakes.wechat, f"{url}/wechat", "o_walker_zh", encoding_aes_key=key)
    person = Follower(bot, user.openid, "wechat", wechat=user)
    followed = await user.follow(scene=invite)
    assert followed.status == 200
    await person.settle()
    answered = await walk_every_step(person, None)
    assert answered["onboarding"] == [
        "language",
        "consent",
        "name",
        "city",
        "organisation",
        "helix_role",
    ]

    await person.check_every_reply_arrived_once()
    kinds = {r.kind for r in user.received}
    assert "passive" in kinds and kinds <= {"passive", "custom"}
    async with bot.database.sessions() as session:
        keys = (await session.execute(select(InboundMessage.dedupe_key))).scalars().all()
    assert len(keys) == len(set(keys)) > 100
    assert await bot.outbox.dead_letters() == []
    await check_answers(bot, "wechat", answered, database_url, tmp_path)


async def test_a_wecom_member_walks_every_step_and_gets_a_partnership_group(
    start_bot: StartBot, fakes: Fakes, invite: str, database_url: str, tmp_path: Path
) -> None:
    """Open the app, type the invitation code, onboard and walk all steps; then the group."""
    walk_on_one_backend(database_url, 1)
    bot, _url = await start_bot()
    fake = fakes.wecom
    member = fake.member("wangli")
    person = Member(bot, "wangli", "wecom", member=member)
    assert await member.send_event("enter_agent") == 200
    await person.settle()
    answered = await walk_every_step(person, invite)
    assert answered["onboarding"][0] == "language" and "invite" in answered["onboarding"]
    await person.check_every_reply_arrived_once()
    assert fake.violations == [] and await bot.outbox.dead_letters() == []
    await check_answers(bot, "wecom", answered, database_url, tmp_path)

    for colleague in ("zhangwei", "lina"):
        fake.member(colleague)
    chatid = await bot.running(WECOM).create_group(PARTNERSHIP, "wangli", ["zhangwei", "lina"])
    assert fake.groups[chatid].members == ["wangli", "zhangwei", "lina"]
    async with bot.database.sessions() as session:
        partnership = await find_partnership(session, PARTNERSHIP)
    await link_wecom_group(bot, partnership.id, f"group:{chatid}", PARTNERSHIP)
    await eventually(
        lambda: bool(fake.groups[chatid].messages), within=SETTLE, what="the group's welcome"
    )
    [welcome] = fake.groups[chatid].messages
    assert PARTNERSHIP in welcome and CJK.search(welcome)
    [posted] = fake.calls("appchat/send")
    assert posted.body is not None and posted.body["chatid"] == chatid


# ----- a slow engine, through the running bot


@contextlib.asynccontextmanager
async def database_held(database_url: str, seconds: float) -> AsyncIterator[None]:
    """Another client holds the database for ``seconds``: the engine cannot record messages.

    SQLite: a second connection takes the write lock. PostgreSQL: a transaction locks
    ``inbound_messages`` against inserts (reads go on). Either way the engine waits.
    """
    if database_url.startswith("sqlite"):
        path = make_url(database_url).database
        assert path is not None
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
            await asyncio.sleep(seconds)
        finally:
            holder.execute("COMMIT")
            holder.close()
        return
    other = Database(database_url)
    try:
        async with other.engine.connect() as connection, connection.begin():
            await connection.execute(text("LOCK TABLE inbound_messages IN SHARE MODE"))
            yield
            await asyncio.sleep(seconds)
    finally:
        await other.close()


async def test_a_slow_engine_answers_once_through_the_customer_service_api(
    start_bot: StartBot,
    fakes: Fakes,
    invite: str,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The engine outlasts the reply deadline; WeChat's retries come meanwhile and later.

    On SQLite the held write lock keeps even the journal from keeping the message in
    time: WeChat is answered within its five seconds anyway, and it is kept afterwards.
    """
    bot, url = await start_bot(wechat_reply_deadline=0.2)
    user = WeChatUser(fakes.wechat, f"{url}/wechat", "o_slow_zh", encoding_aes_key=AES_KEY)
    follow = user.xml("event", None, Event="subscribe", EventKey=f"qrscene_{invite}")
    async with database_held(database_url, 1.0):
        first = await user.post(follow)
        retries = [await user.post(follow) for _ in range(3)]  # WeChat tries again, thrice
    assert first.body == "success" and [r.body for r in retries] == ["success"] * 3
    assert first.elapsed < 5.0
    if database_url.startswith("sqlite"):  # one write lock for every table
        assert "before the journal kept it" in caplog.text
    assert user.openid not in caplog.text  # logs name a message by a digest of its key
    person = Follower(bot, user.openid, "wechat", wechat=user)
    await person.settle()
    assert (await user.post(follow)).body == "success"  # a retry after it was all done
    await person.settle()

    rows = await outbox_of(bot.database, "wechat", user.openid)
    # the intro and the language question at least (the code waits for consent)
    assert len(rows) >= 2 and {r.status for r in rows} == {"sent"}
    custom = fakes.wechat.calls("message/custom/send")
    assert len(custom) == len(rows) and {r.kind for r in user.received} == {"custom"}
    await person.check_every_reply_arrived_once()
    async with bot.database.sessions() as session:
        inbound = (await session.execute(select(InboundMessage))).scalars().all()
    assert len(inbound) == 1
    assert bot.texts.gettext(ZH, "Which language would you like me to use?") in user.last
