"""The whole bot on Telegram: ``Bot`` (and ``c2cbot run``) against the fake Bot API.

Unlike ``test_telegram.py``, nothing here calls the channel or the dispatcher by hand:
the bot is started as it runs in production — polling task, webhook route, outbox
dispatcher — and people only act through the fake Telegram. Only the channel's timing
knobs are shortened (``TelegramOptions``), because ``Bot`` builds the channel with the
production defaults and has no way to be given others; the ``c2cbot run`` test uses
the real defaults.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from c2cbot.channels.telegram.channel import SECRET_HEADER
from c2cbot.channels.telegram.spec import TelegramOptions
from c2cbot.channels.telegram.writing import render
from c2cbot.config import Settings
from c2cbot.domain.reference import load_reference
from c2cbot.flows.messages import Outbound
from c2cbot.flows.schema import Conversation, Kind
from c2cbot.flows.walk import question_at
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.migrate import upgrade
from c2cbot.store.models import (
    Answer,
    ConversationState,
    InboundMessage,
    OutboxMessage,
    Stakeholder,
)
from c2cbot.store.seeding import seed_reference
from tests.channels.conftest import FAST_LIMITS
from tests.conftest import make_invite, walk_on_one_backend
from tests.fakes.telegram_api import Call, FakeTelegram, Sent
from tests.flows.walker import (
    DATE_STORED,
    MONEY_STORED,
    NAMES,
    ORGANISATIONS,
    ZH,
    key_to_row,
    position_for,
    start_step,
    state_of,
    walk_conversation,
)
from tests.support.chat import TelegramChat
from tests.support.outbox import enqueue as queue
from tests.support.waiting import eventually

C2CBOT = str(Path(sys.executable).with_name("c2cbot"))
PARTNERSHIP = "Gothenburg–Shanghai"
STEPS = ("aim", "commit", "partner", "plan", "do", "measure", "act", "replicate")
# Choice buttons that lead to a follow-up question (the walker's defaults would skip it).
PICKS: dict[str, dict[str, int]] = {
    "partner": {"mou_status": 2},
    "plan": {"political_approval": 2},
}
# How many answers the walker stores in each conversation (groups count every item).
ANSWERED = {
    # The invite code came with the deep link, so it is not asked; the language, chosen
    # before consent, is a setting rather than an answer row.
    "onboarding": 6,
    "aim": 11,
    "commit": 9,
    "partner": 17,
    "plan": 18,
    "do": 6,
    "measure": 23,
    "act": 12,  # Measure set up KPIs: two new targets (4 answers) and their confirmation
    "replicate": 8,
}
CJK = re.compile(r"[\u4e00-\u9fff]")
# Quick timing for in-process bots; the limits stay inside the fast fake's flood rules.
QUICK = TelegramOptions(poll_timeout=2, request_timeout=0.5, retry_delay=0.05, limits=FAST_LIMITS)
SECRET = "s3cret-token-of-32-characters-at-least"
SETTLE = 20.0
KILL = signal.SIGKILL


# ----- a person on Telegram, answered by a running bot


def sender_of(update: Mapping[str, Any]) -> int | None:
    """Who caused an update (the fake's updates all carry "from")."""
    for kind in ("message", "callback_query", "my_chat_member"):
        if kind in update:
            return int(update[kind]["from"]["id"])
    return None


async def unsent(database: Database, chat_id: str | None = None) -> int:
    """Outbox messages not yet delivered (in one chat, or anywhere)."""
    query = select(func.count()).where(OutboxMessage.status.in_(("pending", "sending")))
    if chat_id is not None:
        query = query.where(OutboxMessage.chat_id == chat_id)
    async with database.sessions() as session:
        return int((await session.execute(query)).scalar_one())


@dataclass
class DatabaseOnly:
    """What the walker reads from a bot, for a bot that runs in another process."""

    database: Database


@dataclass
class LivePerson(TelegramChat):
    """A person chatting through the fake Telegram with a bot that runs on its own.

    It has the driver interface the flow walker uses (``send``, ``press``, ``click``,
    ``last``, ``text``, ``channel``, ``user``, ``bot.database``). After each action it
    waits until the bot confirmed the update to Telegram (asked getUpdates past it, or
    answered the webhook) and delivered every reply for this chat; ``last`` is then
    the newest message in the chat, as the fake shows it.
    """

    bot: Bot | DatabaseOnly
    fake: FakeTelegram
    user_id: int
    language_code: str = "en"
    channel: str = "telegram"
    within: float = SETTLE
    _seen: int = field(default=0, init=False)

    def waiting_updates(self) -> list[dict[str, Any]]:
        return [u for u in self.fake.pending if sender_of(u) == self.user_id]

    async def settled(self) -> bool:
        return not self.waiting_updates() and not await unsent(self.bot.database, self.user)

    async def settle_replies(self, shown: Callable[[], bool]) -> None:
        """Wait until ``shown`` holds and every reply is delivered (updates may wait)."""

        async def done() -> bool:
            return shown() and not await unsent(self.bot.database, self.user)

        await eventually(done, within=self.within, what=f"the replies to {self.user_id}")

    async def settle(self) -> list[Sent]:
        before = len(self.fake.chat(self.user_id))
        self._seen = before
        await eventually(self.settled, within=self.within, what=f"the bot to answer {self.user_id}")
        return self.fake.chat(self.user_id)[before:]


# ----- fixtures


StartBot = Callable[..., Awaitable[tuple[Bot, str]]]


@pytest.fixture
async def start_bot(
    database_url: str, database: Database, fast_fake: FakeTelegram
) -> AsyncIterator[StartBot]:
    """Start full bots on the test database, talking to the fast fake; stopped at the end."""
    started: list[Bot] = []

    async def start(port: int = 0, **settings: Any) -> tuple[Bot, str]:
        bot = Bot(
            Settings(
                database_url=database_url,
                telegram_token=fast_fake.token,
                telegram_api_url=fast_fake.api_url,
                _env_file=None,  # type: ignore[call-arg]
                **settings,
            ),
            options={"telegram": QUICK},  # quick timing instead of production's
        )
        started.append(bot)
        return bot, await bot.start("127.0.0.1", port)

    yield start
    for bot in started:
        await bot.stop()


async def answer_rows(database: Database) -> list[Answer]:
    async with database.sessions() as session:
        return list((await session.execute(select(Answer).order_by(Answer.id))).scalars())


async def outbox_rows(database: Database, chat_id: str) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.channel == "telegram", OutboxMessage.chat_id == chat_id)
        .order_by(OutboxMessage.id)
    )
    async with database.sessions() as session:
        return list((await session.execute(query)).scalars())


async def inbound_count(database: Database) -> int:
    async with database.sessions() as session:
        return int((await session.execute(select(func.count(InboundMessage.id)))).scalar_one())


# A suite run at another date (make test-later) moves the command's clock as well.
SHIFTED_CLOCK = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_RESET")


def cli_environment(**variables: str) -> dict[str, str]:
    """Only what the command needs: its settings, PATH, PTB's timedelta opt-in, the clock;
    the operator's metrics on any free port, so runs at once never share one."""
    clock = {name: os.environ[name] for name in SHIFTED_CLOCK if name in os.environ}
    path = os.environ.get("PATH", "/usr/bin:/bin")
    metrics = {"C2C_METRICS_PORT": "0"}
    return {"PATH": path, "PTB_TIMEDELTA": "true", **metrics, **clock, **variables}


async def cli(*args: str, env: Mapping[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        C2CBOT,
        *args,
        env=dict(env),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


# ----- 1. polling: every conversation through the running bot


def check_value(row: Answer, conversation: Conversation, key: str, language: str) -> None:
    """The stored value for what the walker gave, by the question's kind."""
    question = question_at(conversation, position_for(key))
    value = row.value["value"]
    assert row.value["type"] == question.type.value, key
    if question.type is Kind.DATE:
        assert value == DATE_STORED, key
    elif question.type is Kind.MONEY:
        assert value == MONEY_STORED[language], key
    elif question.type is Kind.NUMBER:
        assert value == "12", key
    elif question.type is Kind.RATING:
        assert value == 4, key
    elif question.type is Kind.YESNO:
        assert value is True, key
    elif question.type is Kind.MULTI:
        assert isinstance(value, list) and len(value) == 2, (key, value)
    elif question.type is Kind.CHOICE:
        assert isinstance(value, str) and value, (key, value)
    else:
        assert value == row.display and value.strip() == value, (key, value)
        assert bool(CJK.search(value)) == (language == ZH), (key, value)


@pytest.mark.parametrize(("language", "language_code"), [("en", "en"), (ZH, "zh-hans")])
async def test_polling_bot_onboards_and_walks_every_step(
    start_bot: StartBot,
    fast_fake: FakeTelegram,
    invite: str,
    database_url: str,
    tmp_path: Path,
    language: str,
    language_code: str,
) -> None:
    """A new person opens the deep link, then answers onboarding and all eight steps."""
    walk_on_one_backend(database_url, 0 if language == "en" else 1)
    bot, _url = await start_bot()
    person = LivePerson(bot, fast_fake, 701, language_code)

    await person.send(f"/start {invite}")
    assert len(fast_fake.calls("deleteWebhook")) == 1 and fast_fake.webhook is None  # polling
    assert [c.label for c in person.last.choices] == ["English", "简体中文", "Deutsch"]
    onboarding = await walk_conversation(person, bot.conversations["onboarding"], language)  # type: ignore[arg-type]
    assert onboarding == ["language", "consent", "name", "city", "organisation", "helix_role"]
    assert (await state_of(person))["onboarded"] is True  # type: ignore[arg-type]
    answered = {"onboarding": onboarding}
    for step in STEPS:
        await start_step(person, step)  # type: ignore[arg-type]
        answered[step] = await walk_conversation(
            person,  # type: ignore[arg-type]
            bot.conversations[step],
            language,
            picks=PICKS.get(step),
        )
    menu = [c.action for c in person.last.choices]
    assert menu == [f"s:{step}" for step in STEPS]
    marks = {c.action[2:]: c.label.rsplit(" · ", 1)[1] for c in person.last.choices}
    assert marks == dict.fromkeys(STEPS, "✓")

    rows = await answer_rows(bot.database)
    assert {name: len(keys) for name, keys in answered.items()} == ANSWERED
    assert len(rows) == sum(ANSWERED.values()) - 1 == 109  # - 1: the language, not stored
    assert {(r.channel, r.language) for r in rows} == {("telegram", language)}
    assert all(r.inbound_id is not None for r in rows)
    for name, keys in answered.items():
        mine = [r for r in rows if r.conversation == name]
        stored = [k for k in keys if (name, k) != ("onboarding", "language")]
        assert [(r.question, r.item) for r in mine] == [key_to_row(k) for k in stored], name
        if name != "onboarding":
            for row, key in zip(mine, keys, strict=True):
                check_value(row, bot.conversations[name], key, language)
    onboarded = {r.question: r.value["value"] for r in rows if r.conversation == "onboarding"}
    async with bot.database.sessions() as session:
        chosen = await session.scalar(
            select(Stakeholder.language).where(Stakeholder.name.is_not(None))
        )
    assert (chosen, onboarded["name"], onboarded["organisation"]) == (
        language,
        NAMES[language],
        ORGANISATIONS[language],
    )
    aim = {r.question: r.value["value"] for r in rows if r.conversation == "aim"}
    assert aim["challenges"] == ["climate_energy", "mobility"]
    assert fast_fake.violations == []
    assert len(fast_fake.answered) == len(fast_fake.calls("answerCallbackQuery")) > 20

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
    exported = [json.loads(line) for line in out.splitlines()]
    assert [e["answer_id"] for e in exported] == [r.id for r in rows]
    assert [(e["conversation"], e["question"], e["item"]) for e in exported] == [
        (r.conversation, r.question, r.item) for r in rows
    ]
    assert {(e["channel"], e["language"], e["partnership"]) for e in exported} == {
        ("telegram", language, PARTNERSHIP),
        ("telegram", language, None),  # the consent: given before the code joined anyone
    }
    assert [e["question"] for e in exported if e["partnership"] is None] == ["consent"]
    assert {e["stakeholder"] for e in exported} == {NAMES[language]}
    assert [e["value"] for e in exported] == [r.value["value"] for r in rows]
    by_question = {(e["conversation"], e["question"], e["item"]): e["value"] for e in exported}
    assert by_question[("plan", "approval_date", None)] == DATE_STORED
    assert by_question[("plan", "activities.start", 1)] == DATE_STORED
    assert by_question[("commit", "budget", None)] == MONEY_STORED[language]


# ----- 2. webhook mode through the full bot


def free_port() -> int:
    """A loopback port nobody listens on now (for settings that must name the port early)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def post(url: str, body: bytes, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status


async def test_webhook_bot_registers_checks_the_secret_and_replies(
    start_bot: StartBot, fast_fake: FakeTelegram, invite: str
) -> None:
    port = free_port()
    bot, url = await start_bot(
        port,
        telegram_mode="webhook",
        public_url=f"http://127.0.0.1:{port}",
        telegram_webhook_secret=SECRET,
    )
    assert url == f"http://127.0.0.1:{port}"
    assert fast_fake.webhook == {
        "url": f"http://127.0.0.1:{port}/telegram",
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query", "my_chat_member"],
    }
    update = fast_fake.user_sends(702, f"/start {invite}")
    endpoint = f"{url}/telegram"

    assert await fast_fake.post_update_to(endpoint, "wrong-token", update) == [403]
    assert await fast_fake.post_update_to(endpoint, None, update) == [403]
    assert await fast_fake.post_update_to(endpoint, SECRET + "x", update) == [403]
    assert await post(endpoint, b'{"update_id": 1, "message": ', SECRET) == 400
    assert await inbound_count(bot.database) == 0
    assert await unsent(bot.database) == 0 and fast_fake.chat(702) == []

    assert await fast_fake.post_update_to(endpoint, SECRET) == [200]  # the queued update
    await LivePerson(bot, fast_fake, 702).settle()
    shown = fast_fake.chat(702)
    assert shown[0].plain.startswith("I help you and your colleagues")  # onboarding begins
    assert [m.labels for m in shown] == [[], ["English", "简体中文", "Deutsch"]]
    async with bot.database.sessions() as session:
        states = (await session.execute(select(ConversationState.data))).scalars().all()
    assert [s.get("held_invite") for s in states] == [invite]  # joined once consent is given
    async with bot.database.sessions() as session:
        keys = (await session.execute(select(InboundMessage.dedupe_key))).scalars().all()
    assert keys == [str(update["update_id"])]
    assert await fast_fake.post_update_to(endpoint, SECRET, update) == [200]  # a retry
    await LivePerson(bot, fast_fake, 702).settle()
    assert await inbound_count(bot.database) == 1 and fast_fake.chat(702) == shown
    assert fast_fake.calls("getUpdates") == [] and fast_fake.calls("deleteWebhook") == []


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"telegram_webhook_secret": SECRET}, "C2C_PUBLIC_URL"),
        ({"public_url": "https://bot.example.org"}, "C2C_TELEGRAM_WEBHOOK_SECRET"),
        (
            {"public_url": "https://bot.example.org", "telegram_webhook_secret": "has space"},
            "C2C_TELEGRAM_WEBHOOK_SECRET",
        ),
        (  # allowed by Telegram, but a secret anyone could guess
            {"public_url": "https://bot.example.org", "telegram_webhook_secret": "x" * 31},
            "32 to 256",
        ),
    ],
)
def test_webhook_mode_needs_an_address_and_a_secret(given: dict[str, str], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        Settings(
            telegram_token="123:ABC",
            telegram_mode="webhook",
            _env_file=None,  # type: ignore[call-arg]
            **given,  # type: ignore[arg-type]
        )


# ----- 3. delivery under faults: every message once, in order, per chat


def is_edit(row: OutboxMessage) -> bool:
    extra = row.payload.get("extra") or {}
    return "edit" in extra or bool(extra.get("update"))


def delivered(fake: FakeTelegram, chat_id: int) -> list[Call]:
    """The sends and edits Telegram carried out in a chat, in the order they came."""
    return [
        c
        for c in fake.requests
        if c.method in ("sendMessage", "editMessageText")
        and c.params.get("chat_id") == chat_id
        and c.status == 200
    ]


async def test_delivery_under_faults_is_once_and_in_order_per_chat(
    start_bot: StartBot, fast_fake: FakeTelegram, invite: str
) -> None:
    first, second = 711, 712
    fast_fake.flood("sendMessage", retry_after=1, chat_id=first, after=1)
    fast_fake.fail("sendMessage", 500, chat_id=second, after=4)
    fast_fake.delay("sendMessage", 1.0, chat_id=second)  # the 500's retry times out (0.5 s)
    bot, _url = await start_bot()
    people = [LivePerson(bot, fast_fake, first), LivePerson(bot, fast_fake, second, "zh-hans")]

    async def onboard(person: LivePerson, language: str) -> list[str]:
        await person.send(f"/start {invite}")
        return await walk_conversation(person, bot.conversations["onboarding"], language)  # type: ignore[arg-type]

    keys = await asyncio.gather(onboard(people[0], "en"), onboard(people[1], ZH))
    assert keys == [["language", "consent", "name", "city", "organisation", "helix_role"]] * 2

    statuses = {
        chat: [c.status for c in fast_fake.calls("sendMessage") if c.params["chat_id"] == chat]
        for chat in (first, second)
    }
    assert statuses[first].count(429) == 1 and set(statuses[first]) == {200, 429}
    assert statuses[second][4:7] == [500, 502, 200]  # 502: the held call, after the timeout
    assert set(statuses[second]) == {200, 500, 502}
    for chat in (first, second):
        rows = await outbox_rows(bot.database, str(chat))
        assert {r.status for r in rows} == {"sent"}
        wanted = [
            ("editMessageText" if is_edit(r) else "sendMessage", part.text)
            for r in rows
            for part in render(Outbound.from_json(r.payload))
        ]
        assert [(c.method, c.params["text"]) for c in delivered(fast_fake, chat)] == wanted
        new = [r for r in rows if not is_edit(r)]
        assert [m.message_id for m in fast_fake.chat(chat)] == [
            int(r.external_message_id or 0) for r in new
        ]
        retried = {r.id: r.attempts for r in rows if r.attempts}
        assert list(retried.values()) == ([1] if chat == first else [2]), retried

    flooded = next(c for c in fast_fake.calls("sendMessage") if c.status == 429)
    resumed = next(
        c.at for c in delivered(fast_fake, first) if c.at > flooded.at
    )  # the first message after the flood went out no sooner than Telegram asked
    assert resumed - flooded.at >= 1.0
    meanwhile = [c for c in delivered(fast_fake, second) if flooded.at < c.at < resumed]
    assert len(meanwhile) >= 2, "the other chat kept going while the first one waited"
    assert fast_fake.violations == []


# ----- 4. `c2cbot run` killed in the middle of a conversation, and started again


class WatchedTelegram(FakeTelegram):
    """The fake Bot API, also acting when getUpdates hands out one particular update.

    From that moment on getUpdates fails (502, before any offset is confirmed), so the
    update stays unconfirmed whatever the bot does with it — as when the process dies
    before its next poll — until ``thaw``. ``then`` runs at that moment too, before the
    answer is written to the bot.
    """

    def __init__(self) -> None:
        super().__init__()
        self._watched: int | None = None
        self._then: Callable[[], object] = lambda: None
        self.handed_out = asyncio.Event()

    def watch(self, update: Mapping[str, Any], then: Callable[[], object] = lambda: None) -> None:
        self._watched, self._then = int(update["update_id"]), then
        self.handed_out.clear()

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        batch = await super()._api_getUpdates(params)
        if self._watched is not None and any(u["update_id"] == self._watched for u in batch):
            self._watched = None
            self.fail("getUpdates", 502, times=1_000_000)
            self._then()
            self.handed_out.set()
        return batch

    def thaw(self) -> None:
        self._faults = [f for f in self._faults if f.method != "getUpdates"]


@pytest.fixture
async def watched_fake() -> AsyncIterator[WatchedTelegram]:
    async with WatchedTelegram() as fake:
        yield fake


async def start_c2cbot(env: Mapping[str, str], cwd: Path, name: str) -> asyncio.subprocess.Process:
    """``c2cbot run`` with stdout and stderr in files; returns once it says it is running."""
    out, err = cwd / f"{name}.out", cwd / f"{name}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            C2CBOT, "run", env=dict(env), cwd=cwd, stdout=stdout, stderr=stderr
        )
    deadline = time.monotonic() + 30
    while "c2cbot is running" not in out.read_text():
        if process.returncode is not None or time.monotonic() > deadline:
            await stop_process(process)
            raise AssertionError(f"c2cbot run did not start:\n{err.read_text()}")
        await asyncio.sleep(0.05)
    return process


async def stop_process(process: asyncio.subprocess.Process, *, kill: bool = True) -> int:
    """SIGKILL (or SIGTERM, waiting for a clean stop) and reap the process."""
    if process.returncode is None:
        process.send_signal(KILL if kill else signal.SIGTERM)
    try:
        return await asyncio.wait_for(process.wait(), 15)
    except TimeoutError:
        process.kill()
        return await process.wait()


def asks(message: Sent, key: str) -> bool:
    """Whether ``message`` is onboarding's question ``key``, numbered as these people see it:
    they came with /start CODE, so the invite question is neither asked nor counted, and
    the transfer abroad counts until their city (in Sweden) shows it is not asked."""
    number, total = NUMBERED[key]
    first_line = message.plain.split("\n", 1)[0]
    return first_line.endswith(f" · {number}/{total}") and PROMPTS[key] in message.plain


NUMBERED = {
    "language": (1, 7),
    "consent": (2, 7),
    "name": (3, 7),
    "city": (4, 7),
    "organisation": (5, 6),
    "helix_role": (6, 6),
}
PROMPTS = {
    "language": "Which language would you like me to use?",
    "consent": "Do you agree that your data is handled as the notice above describes?",
    "name": "What is your name?",
    "city": "Which city's team do you belong to?",
    "organisation": "Which organisation do you work for?",
    "helix_role": "Which group does your organisation belong to?",
}


async def test_c2cbot_run_killed_mid_conversation_continues_where_it_was(
    watched_fake: WatchedTelegram, tmp_path: Path
) -> None:
    fake = watched_fake
    url = f"sqlite+aiosqlite:///{tmp_path / 'c2cbot.sqlite3'}"
    base = cli_environment(C2C_DATABASE_URL=url)
    for command in (("db", "upgrade"), ("seed",)):
        code, _out, err = await cli(*command, env=base, cwd=tmp_path)
        assert code == 0, err
    code, out, err = await cli(
        "invite", "--partnership", PARTNERSHIP, "--role", "coordinator", env=base, cwd=tmp_path
    )
    assert code == 0 and re.fullmatch(r"[A-Z0-9]{14}\n", out), err
    invite = out.strip()
    env = {
        **base,
        "C2C_TELEGRAM_TOKEN": fake.token,
        "C2C_TELEGRAM_API_URL": fake.api_url,
        "C2C_HTTP_PORT": str(free_port()),  # C2C_HTTP_PORT=0 is refused (must be >= 1)
    }
    database = Database(url)
    person = LivePerson(DatabaseOnly(database), fake, 721, within=40)
    processes: list[asyncio.subprocess.Process] = []
    try:
        processes.append(await start_c2cbot(env, tmp_path, "first"))
        await person.send(f"/start {invite}")
        assert asks(person.last_sent, "language")
        await person.click("English")
        assert asks(person.last_sent, "consent")
        await person.click("Yes")
        assert asks(person.last_sent, "name")

        # A: killed the moment getUpdates hands out the answer, before it reaches the bot.
        running = processes[-1]
        fake.watch(fake.user_sends(721, NAMES["en"]), then=lambda: running.send_signal(KILL))
        await asyncio.wait_for(fake.handed_out.wait(), 10)
        assert await stop_process(running) == -KILL
        # /start, the language and the consent: not the name; the language is no answer
        assert await inbound_count(database) == 3
        assert [r.question for r in await answer_rows(database)] == ["consent"]
        fake.thaw()
        processes.append(await start_c2cbot(env, tmp_path, "second"))
        await person.settle()  # the answer came again and was handled now
        assert asks(person.last_sent, "city"), person.last_sent.plain
        assert (await state_of(person))["pos"][0] == "city"  # type: ignore[arg-type]
        await person.click("Gothenburg")
        assert asks(person.last_sent, "organisation")

        # B: killed after the answer was handled and its reply delivered, but before the
        # bot confirmed the update: Telegram delivers it again after the restart.
        answer = fake.user_sends(721, ORGANISATIONS["en"])
        fake.watch(answer)
        await person.settle_replies(lambda: asks(person.last_sent, "helix_role"))
        shown, handled = len(fake.chat(721)), await inbound_count(database)
        await stop_process(processes[-1])
        assert answer in fake.pending  # never confirmed
        fake.thaw()
        processes.append(await start_c2cbot(env, tmp_path, "third"))
        await person.settle()
        assert len(fake.chat(721)) == shown and await inbound_count(database) == handled
        assert asks(person.last_sent, "helix_role")

        await person.click("Industry")
        assert (await state_of(person))["onboarded"] is True  # type: ignore[arg-type]
        assert [c.action for c in person.last.choices] == [f"s:{step}" for step in STEPS]
        assert await stop_process(processes[-1], kill=False) == 0  # SIGTERM: a clean stop
    finally:
        for process in processes:
            await stop_process(process)
        rows = await answer_rows(database)
        await database.close()

    assert [(r.question, r.channel, r.language) for r in rows] == [
        (q, "telegram", "en") for q in ("consent", "name", "city", "organisation", "helix_role")
    ]
    assert [r.value["value"] for r in rows if r.question in ("name", "organisation")] == [
        NAMES["en"],
        ORGANISATIONS["en"],
    ]
    texts = fake.sent_texts(721)
    assert all(a != b for a, b in itertools.pairwise(texts)), texts
    for prompt in PROMPTS.values():
        assert sum(prompt in text for text in texts) == 1, (prompt, texts)
    assert sum("I help you and your colleagues" in text for text in texts) == 1  # one intro
    assert fake.violations == []


# ----- defects found while writing these tests, now regression tests


async def enqueue(database: Database, messages: list[tuple[int, str]]) -> None:
    """Put (chat, text) messages in the outbox in one transaction, in this order."""
    await queue(
        database, [("telegram", str(chat_id), Outbound(text)) for chat_id, text in messages]
    )


class HeldUp(AssertionError):
    """A chat's messages waited for another chat."""


async def test_a_slow_chat_does_not_hold_up_the_others(
    start_bot: StartBot, fast_fake: FakeTelegram
) -> None:
    slow, quick = 731, 732
    fast_fake.delay("sendMessage", 2.0, chat_id=slow)  # times out after 0.5 s, then retried
    bot, _url = await start_bot()
    # One transaction, so the dispatcher's first round holds slow-0 and quick-0 together.
    await enqueue(bot.database, [(slow, "slow-0")] + [(quick, f"quick-{n}") for n in range(4)])
    await eventually(lambda: len(fast_fake.chat(quick)) == 4, within=10, what="the quick chat")
    await eventually(lambda: len(fast_fake.chat(slow)) == 1, within=10, what="the slow chat")
    assert fast_fake.sent_texts(quick) == [f"quick-{n}" for n in range(4)]
    assert fast_fake.sent_texts(slow) == ["slow-0"]
    tries = [c for c in fast_fake.calls("sendMessage") if c.params["chat_id"] == slow]
    assert len(tries) == 2  # the held one (timed out) and the retry
    times = [c.at for c in delivered(fast_fake, quick)]
    if times[-1] - times[0] >= 0.3:  # four ready messages take a few milliseconds
        raise HeldUp(f"the quick chat took {times[-1] - times[0]:.2f} s: the slow one's timeout")


class ReplyLost(AssertionError):
    """The reply that was on its way at the crash did not come after the restart."""


async def test_c2cbot_run_killed_while_sending_a_reply_sends_it_after_restart(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c2cbot.sqlite3'}"
    database = Database(url)
    await upgrade(database)
    async with database.transaction() as session:
        await seed_reference(session, load_reference(), database.clock())
    invite = await make_invite(database, role="coordinator")
    env = {
        **cli_environment(C2C_DATABASE_URL=url),
        "C2C_TELEGRAM_TOKEN": fake.token,
        "C2C_TELEGRAM_API_URL": fake.api_url,
        "C2C_HTTP_PORT": str(free_port()),
    }
    person = LivePerson(DatabaseOnly(database), fake, 722, within=30)
    processes: list[asyncio.subprocess.Process] = []
    try:
        processes.append(await start_c2cbot(env, tmp_path, "first"))
        await person.send(f"/start {invite}")
        await person.click("English")
        await person.click("Yes")
        assert asks(person.last_sent, "name")
        calls = len(fake.calls("sendMessage"))
        fake.delay("sendMessage", 30.0, chat_id=722)  # Telegram does not answer in time
        fake.user_sends(722, NAMES["en"])
        await eventually(
            lambda: len(fake.calls("sendMessage")) > calls, within=10, what="the reply"
        )
        await stop_process(processes[-1])
        async with database.sessions() as session:
            query = select(OutboxMessage.status).order_by(OutboxMessage.id)
            statuses = (await session.execute(query)).scalars().all()
        assert statuses[-1] == "sending"  # the reply was on its way
        processes.append(await start_c2cbot(env, tmp_path, "second"))
        try:
            await eventually(lambda: asks(person.last_sent, "city"), within=3, what="the reply")
        except AssertionError:
            raise ReplyLost("nothing came within 3 s of the restart") from None
    finally:
        for process in processes:
            await stop_process(process)
        await database.close()
