"""``c2cbot run --workers 2`` on PostgreSQL: two serving processes, one port, one stream.

People write at once on Telegram (webhook) and WeChat, each one message after the other
as the platforms deliver them (the next only once the last was accepted, again when the
connection broke). Midway one worker is killed (SIGKILL). The supervisor starts it again,
and in the end: every message stored once, every reply sent once and in each person's
order, both workers served, and a WeChat retry on either worker changed nothing.

A killed process cannot tell whether its last sends reached the API: a message it had
"sending" when it died goes again (at least once, as after a crash of one process). So
the one allowance is an immediate repeat of a message that was "sending" at the kill.

That test runs only with C2C_TEST_DATABASE_URL (PostgreSQL), in a database of its own;
the refusals run everywhere.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from c2cbot.channels.telegram.channel import SECRET_HEADER
from c2cbot.store.claimants import APPLICATION, CLAIMANTS
from c2cbot.store.database import Database
from c2cbot.store.models import InboundMessage, OutboxMessage
from tests.channels.test_telegram_run import C2CBOT, cli, cli_environment, free_port
from tests.conftest import POSTGRES_URL
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.wechat_api import (
    APP_ID,
    APP_SECRET,
    CALLBACK_TOKEN,
    FakeWeChat,
    WeChatUser,
)
from tests.support.waiting import eventually

on_postgresql = pytest.mark.skipif(
    not (POSTGRES_URL or "").startswith("postgresql"),
    reason="several workers need PostgreSQL: set C2C_TEST_DATABASE_URL",
)

SECRET = "workers-secret-of-32-characters-at-least"
TELEGRAM_PEOPLE = range(9101, 9107)  # six people on Telegram
WECHAT_PEOPLE = [f"o-workers-{n}" for n in range(4)]  # four on WeChat
BROWSERS = [secrets.token_urlsafe(32) for _ in range(2)]  # two in the browser chat
MESSAGES = 8  # each
KILL_AFTER = 3  # messages of each person before a worker is killed
SERVING = re.compile(r"c2cbot worker (\d+) \(pid (\d+)\) is serving\..* metrics: (\S+)")
# The reply to an unknown command names it (WeChat's strangers are answered in Chinese).
PASSIVE_JOIN = "\n\n"  # how one passive reply joins the replies it carries
UNKNOWN = re.compile(r"(?:I don't know the command|无法识别命令) (/\w+)")


def command(person: object, n: int) -> str:
    """A command nobody knows, so the bot's reply names it: replies can be matched."""
    return f"/q{str(person).replace('-', '')}n{n}"


# ----- the database and the running workers


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A PostgreSQL database of this test's own on the test server, dropped afterwards."""
    assert POSTGRES_URL is not None
    name = f"workers_{os.getpid()}"
    admin = create_async_engine(
        make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as connection:
        await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()


class Workers:
    """``c2cbot run --workers 2`` as a process, and what its output says of its workers."""

    def __init__(self, process: asyncio.subprocess.Process, out: Path, err: Path) -> None:
        self.process, self.out, self.err = process, out, err

    def serving(self) -> list[tuple[int, int, str]]:
        """(index, pid, metrics URL) for every time a worker started serving, in order."""
        found = SERVING.findall(self.out.read_text())
        return [(int(i), int(pid), url) for i, pid, url in found]

    def current(self) -> dict[int, tuple[int, str]]:
        return {index: (pid, url) for index, pid, url in self.serving()}

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 40)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise


async def start_workers(env: dict[str, str], cwd: Path) -> Workers:
    out, err = cwd / "run.out", cwd / "run.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            C2CBOT, "run", "--workers", "2", env=env, cwd=cwd, stdout=stdout, stderr=stderr
        )
    workers = Workers(process, out, err)
    deadline = time.monotonic() + 45
    while "c2cbot is running with 2 workers" not in out.read_text():
        if process.returncode is not None or time.monotonic() > deadline:
            await workers.stop()
            raise AssertionError(f"c2cbot run --workers 2 did not start:\n{err.read_text()}")
        await asyncio.sleep(0.1)
    return workers


# ----- people writing, as the platforms deliver


async def delivered(attempt: Callable[[], Awaitable[bool]]) -> None:
    """Deliver until accepted, as Telegram and WeChat do: again after an error or a
    connection broken (by the killed worker)."""
    for _ in range(40):
        try:
            if await attempt():
                return
        except (aiohttp.ClientError, OSError):
            pass
        await asyncio.sleep(0.25)
    raise AssertionError("a message was never accepted")


async def telegram_person(
    fake: FakeTelegram, endpoint: str, user: int, sent: asyncio.Event
) -> None:
    connector = aiohttp.TCPConnector(force_close=True)  # a connection each: both workers
    async with aiohttp.ClientSession(connector=connector) as session:
        for n in range(MESSAGES):
            update = fake.user_sends(user, command(user, n))  # delivered here, by webhook

            async def attempt(update: dict[str, object] = update) -> bool:
                headers = {SECRET_HEADER: SECRET}
                async with session.post(endpoint, json=update, headers=headers) as response:
                    return response.status == 200

            await delivered(attempt)
            if n == KILL_AFTER - 1:
                sent.set()


async def wechat_person(person: WeChatUser, xmls: list[str], sent: asyncio.Event) -> None:
    for n, xml in enumerate(xmls):

        async def attempt(xml: str = xml) -> bool:
            reply = await person.post(xml)
            return reply.status == 200

        await delivered(attempt)
        if n == KILL_AFTER - 1:
            sent.set()


def a_browser(base: str, cookie: str) -> aiohttp.ClientSession:
    """A browser of the chat: its cookie, this site's Origin, a connection per request."""
    headers = {"Origin": base, "Cookie": f"c2c_chat={cookie}", "Accept-Language": "en"}
    connector = aiohttp.TCPConnector(force_close=True)
    return aiohttp.ClientSession(base_url=base, headers=headers, connector=connector)


async def browser_person(base: str, cookie: str, sent: asyncio.Event) -> None:
    async with a_browser(base, cookie) as browser:
        for n in range(MESSAGES):
            # the page's ids are random: unique among all browsers, as here
            body = {"id": f"{cookie}-{n}", "text": command(cookie[:6].lower(), n)}

            async def attempt(body: dict[str, str] = body) -> bool:
                async with browser.post("/chat/api/send", json=body) as response:
                    return response.status == 200

            await delivered(attempt)
            if n == KILL_AFTER - 1:
                sent.set()


async def browser_reads(base: str, cookie: str, seen: list[str]) -> None:
    """The page's long poll, forever: every reply once, by its outbox id."""
    after = 0
    async with a_browser(base, cookie) as browser:
        while True:
            try:
                params = {"after": str(after), "wait": "20"}
                async with browser.get("/chat/api/messages", params=params) as response:
                    found = (await response.json())["messages"] if response.status == 200 else []
                    if response.status != 200:
                        await asyncio.sleep(0.25)
            except (aiohttp.ClientError, OSError):
                await asyncio.sleep(0.25)
                continue
            for message in found:
                after = max(after, int(message["id"]))
                seen.append(str(message["text"]))


async def handled(metrics_url: str) -> float:
    """Inbound messages a worker handled, by its own /metrics."""
    async with aiohttp.ClientSession() as session, session.get(metrics_url) as response:
        body = await response.text()
    counts = re.findall(r'^c2cbot_messages_in_total\{channel="\w+"\} (\S+)$', body, re.M)
    return sum(float(count) for count in counts)


# ----- what came out


def named_in(texts: list[str]) -> list[str]:
    """The commands the replies name, in the order the person got them."""
    return [m.group(1) for t in texts if (m := UNKNOWN.search(t))]


def messages(received: list[str]) -> list[str]:
    """The bot's messages in what a person saw: a WeChat passive reply may carry several."""
    return [part for text in received for part in text.split(PASSIVE_JOIN)]


def in_order(received: list[str]) -> list[str]:
    """The commands the replies name, each where it was first named."""
    return list(dict.fromkeys(named_in(messages(received))))


def once_but_a_repeat(got: list[str], wanted: list[str], sending: set[str]) -> bool:
    """Whether ``got`` is ``wanted``, or ``wanted`` with one run of its messages repeated
    right after itself, every message of the run one that was "sending" at the kill."""
    extra = len(got) - len(wanted)
    if extra == 0:
        return got == wanted
    return any(
        got == wanted[:i] + wanted[i - extra : i] + wanted[i:]
        and set(wanted[i - extra : i]) <= sending
        for i in range(extra, len(wanted) + 1)
    )


def first(received: list[str], named: str) -> str:
    """The reply that names the command ``named``."""
    return next(text for text in messages(received) if named in named_in([text]))


async def sender_of_a_reply(database: Database) -> int:
    """The process id of a worker that is sending a reply now (claimed, not yet marked
    sent): killing it leaves work that the others must take over."""
    query = text(
        "SELECT a.application_name FROM outbox o"
        " JOIN pg_locks l ON l.locktype = 'advisory' AND l.objsubid = 2"
        " AND l.classid::bigint = :claimants AND l.objid::bigint = o.claimed_by"
        " JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE o.status = 'sending' LIMIT 1"
    )
    for _ in range(200):
        async with database.sessions() as session:
            name = (await session.execute(query, {"claimants": CLAIMANTS})).scalar()
        if name is not None:
            return int(name.removeprefix(APPLICATION))
        await asyncio.sleep(0.05)
    raise AssertionError("no worker was sending anything")


async def in_flight(database: Database) -> set[tuple[str, str]]:
    """(chat, text) of the replies "sending" now."""
    query = select(OutboxMessage.chat_id, OutboxMessage.payload).where(
        OutboxMessage.status == "sending"
    )
    async with database.sessions() as session:
        rows = (await session.execute(query)).all()
    return {(chat, str(payload.get("text"))) for chat, payload in rows}


@on_postgresql
async def test_two_workers_serve_one_stream_and_survive_a_killed_one(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    async with FakeTelegram() as telegram, FakeWeChat() as wechat:
        env = cli_environment(
            C2C_DATABASE_URL=database_url,
            C2C_HTTP_PORT=str(port),
            C2C_PUBLIC_URL=f"http://127.0.0.1:{port}",
            C2C_TELEGRAM_TOKEN=telegram.token,
            C2C_TELEGRAM_API_URL=telegram.api_url,
            C2C_TELEGRAM_MODE="webhook",
            C2C_TELEGRAM_WEBHOOK_SECRET=SECRET,
            C2C_WECHAT_APP_ID=APP_ID,
            C2C_WECHAT_APP_SECRET=APP_SECRET,
            C2C_WECHAT_TOKEN=CALLBACK_TOKEN,
            C2C_WECHAT_API_URL=wechat.api_url,
        )
        database = Database(database_url)
        workers = await start_workers(env, tmp_path)
        readers: list[asyncio.Task[None]] = []
        try:
            before = workers.current()
            assert sorted(before) == [0, 1]
            base = f"http://127.0.0.1:{port}"
            people = [WeChatUser(wechat, f"{base}/wechat", openid) for openid in WECHAT_PEOPLE]
            xmls = {
                p.openid: [p.text_xml(command(p.openid, n)) for n in range(MESSAGES)]
                for p in people
            }
            sent = [asyncio.Event() for _ in range(len(TELEGRAM_PEOPLE) + len(people))]
            streams = [
                *(
                    telegram_person(telegram, f"{base}/telegram", user, done)
                    for user, done in zip(TELEGRAM_PEOPLE, sent, strict=False)
                ),
                *(
                    wechat_person(person, xmls[person.openid], done)
                    for person, done in zip(people, sent[len(TELEGRAM_PEOPLE) :], strict=True)
                ),
            ]
            web: dict[str, list[str]] = {cookie: [] for cookie in BROWSERS}
            readers += [asyncio.create_task(browser_reads(base, c, web[c])) for c in BROWSERS]
            sent += [asyncio.Event() for _ in BROWSERS]
            streams += [
                browser_person(base, c, e) for c, e in zip(BROWSERS, sent[-2:], strict=True)
            ]
            running = asyncio.gather(*streams)
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in sent)), 30)

            served = [await handled(url) for _pid, url in before.values()]
            victim = await sender_of_a_reply(database)
            killed = next(index for index, (pid, _url) in before.items() if pid == victim)
            os.kill(victim, signal.SIGKILL)
            sending_at_kill = await in_flight(database)
            await asyncio.wait_for(running, 40)

            await eventually(
                lambda: workers.current()[killed][0] != victim,
                within=15,
                what="the killed worker started again",
            )
            expected = {
                user: [command(user, n) for n in range(MESSAGES)] for user in TELEGRAM_PEOPLE
            }
            expected |= {p.openid: [command(p.openid, n) for n in range(MESSAGES)] for p in people}
            expected |= {c: [command(c[:6].lower(), n) for n in range(MESSAGES)] for c in BROWSERS}

            def replies() -> dict[object, list[str]]:
                got: dict[object, list[str]] = {u: telegram.sent_texts(u) for u in TELEGRAM_PEOPLE}
                got |= {p.openid: [r.text for r in p.received] for p in people}
                return got | {cookie: list(seen) for cookie, seen in web.items()}

            await eventually(
                lambda: {k: in_order(v) for k, v in replies().items()} == expected,
                within=30,
                what="every reply, in each person's order",
                explain=lambda: str(
                    {k: v for k, v in replies().items() if in_order(v) != expected[k]}
                ),
            )
            # WeChat retries a message it thinks unanswered: on any worker, nothing new.
            stored = await inbound_keys(database)
            for person in people:
                again = await person.post(xmls[person.openid][KILL_AFTER])
                assert again.status == 200
            await asyncio.sleep(1.0)
            assert await inbound_keys(database) == stored
            got = replies()
            assert await workers.stop() == 0
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            if workers.process.returncode is None:
                await workers.stop()
            unsent = await count(database, OutboxMessage.status != "sent")
            await database.close()

    # both workers served before the kill
    assert all(n > 0 for n in served), served
    # every message stored once (each a key of its own: Telegram update_id, WeChat MsgId)
    everyone = len(TELEGRAM_PEOPLE) + len(WECHAT_PEOPLE) + len(BROWSERS)
    assert len(stored) == len(set(stored)) == everyone * MESSAGES
    # every reply sent; once, but for a repeat of one that was on its way at the kill
    assert unsent == 0
    for person, received in got.items():
        # each message: "unknown command /…", then "join a partnership first"
        named = named_in(messages(received))
        wanted = [text for text in messages(received) if UNKNOWN.search(text) is None][:1]
        assert len(set(messages(received)) - set(wanted)) == MESSAGES, received
        replies = [r for n in expected[person] for r in (first(received, n), wanted[0])]
        sending = {text for chat, text in sending_at_kill if chat == str(person)}
        assert once_but_a_repeat(messages(received), replies, sending), (received, sending)
        assert sorted(set(named)) == sorted(expected[person])
    # the supervisor started the killed worker again, and only it
    starts = [index for index, _pid, _url in workers.serving()]
    assert sorted(starts) == sorted([0, 1, killed]), starts


async def inbound_keys(database: Database) -> list[str]:
    async with database.sessions() as session:
        query = select(InboundMessage.channel + ":" + InboundMessage.dedupe_key)
        return list((await session.execute(query)).scalars())


async def count(database: Database, condition: object) -> int:
    async with database.sessions() as session:
        query = select(func.count()).select_from(OutboxMessage).where(condition)  # type: ignore[arg-type]
        return int((await session.execute(query)).scalar_one())


# ----- what --workers refuses, before it changes anything


@pytest.mark.parametrize(
    ("arguments", "variables", "said"),
    [
        (["--workers", "2"], {}, "needs PostgreSQL"),  # the SQLite default
        (["--workers", "0"], {}, "between 1 and 64, not 0"),
        (["--workers", "-3"], {}, "between 1 and 64, not -3"),
        (["--workers", "65"], {}, "between 1 and 64, not 65"),
        ([], {"C2C_WORKERS": "2"}, "needs PostgreSQL"),
        ([], {"C2C_WORKERS": "0"}, "invalid setting C2C_WORKERS"),
        (
            ["--workers", "2"],
            {"C2C_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:9/none"},
            "needs a fixed C2C_HTTP_PORT",
        ),
    ],
)
async def test_workers_refused_with_a_reason(
    arguments: list[str], variables: dict[str, str], said: str, tmp_path: Path
) -> None:
    env = cli_environment(**variables)
    if "C2C_DATABASE_URL" in variables:
        env["C2C_HTTP_PORT"] = "0"
    code, out, err = await cli("run", *arguments, env=env, cwd=tmp_path)
    assert code == 2 and said in err, (code, out, err)
    assert out == "" and not (tmp_path / "var").exists()  # nothing started, nothing created
