"""What one browser and one address may ask of the browser chat, over real loopback HTTP:
long polls open at once, messages in a burst and then a minute, new browser identities
per address (in the database: the limit outlives a restart), and wrong invite codes
counted per address across identities."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from sqlalchemy import func, select

from c2cbot.config import Settings
from c2cbot.flows.invites import INVITE_PROBLEMS
from c2cbot.flows.ports import InviteProblem
from c2cbot.runtime import Bot
from c2cbot.store.database import Database
from c2cbot.store.invites import GUESSES_PER_PERSON
from c2cbot.store.models import InboundMessage, Membership, Stakeholder
from c2cbot.web.guards import TRUST_PROXY, source_address
from c2cbot.web.limits import (
    TOO_FAST,
    TOO_MANY_NEW,
    TOO_MANY_READS,
    TOO_MANY_TABS,
    Allowance,
    PollSlots,
)
from tests.support.clock import SetClock
from tests.support.waiting import eventually

TOO_MANY_CODES = INVITE_PROBLEMS[InviteProblem.TOO_MANY]


class Bots:
    """Bots on the test's database with some settings changed; those running at the end
    are stopped."""

    def __init__(self, settings: Settings) -> None:
        self.settings, self.running = settings, list[Bot]()

    async def start(self, clock: SetClock | None = None, **changed: Any) -> tuple[Bot, str]:
        settings = self.settings.model_copy(update=changed)
        bot = Bot(settings, clock) if clock else Bot(settings)
        self.running.append(bot)
        return bot, await bot.start("127.0.0.1", 0)

    async def stop(self, bot: Bot) -> None:
        self.running.remove(bot)
        await bot.stop()


@pytest.fixture
async def bots(settings: Settings, database: Database) -> AsyncIterator[Bots]:
    bots = Bots(settings)
    yield bots
    for bot in bots.running:
        await bot.stop()


def a_browser(url: str, cookie: str | None = None, **headers: str) -> aiohttp.ClientSession:
    """A browser with a cookie of its own making, as a script can make one per request:
    the server takes any cookie of the right shape, so only the limits stop a flood."""
    cookie = f"c2c_chat={cookie or secrets.token_urlsafe(32)}"
    return aiohttp.ClientSession(base_url=url, headers={"Origin": url, "Cookie": cookie, **headers})


async def send(browser: aiohttp.ClientSession, text: str, **headers: str) -> aiohttp.ClientResponse:
    body = {"id": secrets.token_hex(8), "text": text}
    async with browser.post("/chat/api/send", json=body, headers=headers) as response:
        await response.read()
        return response


async def count(bot: Bot, table: Any) -> int:
    async with bot.database.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


def retry_after(response: aiohttp.ClientResponse) -> int:
    return int(response.headers["Retry-After"])


# ----- long polls at once, per browser


async def test_a_third_long_poll_of_one_browser_is_refused_at_once(bots: Bots) -> None:
    bot, url = await bots.start()
    polls = {"after": "0", "wait": "10"}
    async with a_browser(url) as tab, a_browser(url) as other:
        waiting = [asyncio.create_task(tab.get("/chat/api/messages", params=polls)) for _ in "12"]
        await eventually(lambda: bot.chat_limits.polls.held == 2, what="two polls waiting")
        began = time.monotonic()
        headers = {"Accept-Language": "zh-CN,zh;q=0.9"}
        async with tab.get("/chat/api/messages", params=polls, headers=headers) as third:
            assert third.status == 429
            assert retry_after(third) >= 1
            refusal = await third.json()
        assert time.monotonic() - began < 2  # not after the 10 s the poll asked to wait
        assert refusal["error"] == bot.texts.gettext("zh_Hans", TOO_MANY_TABS) != TOO_MANY_TABS
        assert refusal["retry_after"] == retry_after(third)
        async with tab.get("/chat/api/messages", params={"after": "0"}) as reading:
            assert reading.status == 200  # reading without waiting holds no poll
        short = {"after": "0", "wait": "1"}
        other_poll = asyncio.create_task(other.get("/chat/api/messages", params=short))
        await eventually(lambda: bot.chat_limits.polls.held == 3, what="another browser polls")

        assert (await send(tab, "hello")).status == 200  # the replies end the waiting polls
        for done in [*waiting, other_poll]:
            async with await done as response:
                assert response.status == 200
        async with tab.get("/chat/api/messages", params=short) as again:
            assert again.status == 200  # the slots are free again
    assert bot.chat_limits.polls.held == 0


async def test_a_poll_whose_browser_went_away_gives_its_slot_up(bots: Bots) -> None:
    bot, url = await bots.start()
    cookie, polls = secrets.token_urlsafe(32), {"after": "0", "wait": "10"}
    async with a_browser(url, cookie) as before_reload:
        gone = [
            asyncio.create_task(before_reload.get("/chat/api/messages", params=polls)) for _ in "12"
        ]
        await eventually(lambda: bot.chat_limits.polls.held == 2, what="two polls waiting")
        for poll in gone:
            poll.cancel()
    async with a_browser(url, cookie) as reloaded:  # the same browser, after two reloads
        began = time.monotonic()
        async with reloaded.get("/chat/api/messages", params={"after": "0", "wait": "1"}) as r:
            assert r.status == 200
        assert time.monotonic() - began >= 0.9  # it waited: the slot was its own


def test_poll_slots_are_per_browser_and_given_back() -> None:
    slots, there = PollSlots(2), lambda: True
    with slots.taken("a", there) as first, slots.taken("a", there) as second:
        with slots.taken("a", there) as third, slots.taken("b", there) as elsewhere:
            assert (first, second, third, elsewhere) == (True, True, False, True)
        assert slots.held == 2
    assert slots.held == 0
    with slots.taken("a", lambda: False), slots.taken("a", there):
        with slots.taken("a", there) as after_a_reload:
            assert after_a_reload  # the first poll's browser is gone
        assert slots.held == 1
    assert slots.held == 0


# ----- reads a browser may make


async def test_reading_past_the_allowance_gets_429_at_once(bots: Bots) -> None:
    clock = SetClock(datetime.now(UTC))  # stands still: nothing flows back into the bucket
    bot, url = await bots.start(clock)
    read, burst = {"after": "0"}, int(bot.chat_limits.reads.burst)
    assert burst == 3 * bot.settings.web_message_burst  # three reads per message
    async with a_browser(url, **{"Accept-Language": "zh-CN,zh;q=0.9"}) as script:
        statuses = []
        for _ in range(burst + 1):
            async with script.get("/chat/api/messages", params=read) as response:
                statuses.append(response.status)
        assert statuses == [200] * burst + [429]
        waiting = {"after": "0", "wait": "10"}
        began = time.monotonic()
        async with script.get("/chat/api/messages", params=waiting) as refused:
            assert refused.status == 429 and retry_after(refused) == 1  # three a second back
            error = await refused.json()
        assert time.monotonic() - began < 2  # not after the 10 s it asked to wait
        assert error["error"] == bot.texts.gettext("zh_Hans", TOO_MANY_READS) != TOO_MANY_READS
        clock.now += timedelta(seconds=1)
        async with script.get("/chat/api/messages", params=read) as again:
            assert again.status == 200
    async with (
        a_browser(url) as someone_else,
        someone_else.get("/chat/api/messages", params=read) as response,
    ):
        assert response.status == 200


# ----- messages a browser may send


async def test_a_burst_past_the_allowance_gets_429_and_is_not_stored(bots: Bots) -> None:
    clock = SetClock(datetime.now(UTC))  # stands still: nothing flows back into the bucket
    bot, url = await bots.start(clock)
    before = await count(bot, InboundMessage)
    async with a_browser(url, **{"Accept-Language": "de-DE,de;q=0.9"}) as browser:
        answers = [await send(browser, f"message {i}") for i in range(30)]
        statuses = [a.status for a in answers]
        assert statuses == [200] * 20 + [429] * 10
        assert all(retry_after(a) == 1 for a in answers[20:])  # one a second comes back
        assert await count(bot, InboundMessage) == before + 20

        clock.now += timedelta(seconds=5)  # five seconds: five more messages
        later = [(await send(browser, f"later {i}")).status for i in range(6)]
        assert later == [200] * 5 + [429]
        async with browser.post("/chat/api/send", json={"id": "x", "text": "no"}) as refused:
            error = await refused.json()
        assert error == {
            "ok": False,
            "error": bot.texts.gettext("de", TOO_FAST),
            "retry_after": 1,
        }
        assert error["error"] != TOO_FAST
    async with a_browser(url) as someone_else:
        assert (await send(someone_else, "hello")).status == 200
    assert await count(bot, InboundMessage) == before + 26


def test_the_allowance_refills_at_its_rate_and_forgets_the_oldest() -> None:
    clock = SetClock(datetime(2030, 1, 1, tzinfo=UTC))
    allowance = Allowance(burst=3, per_minute=30, clock=clock)
    assert [allowance.take("a") for _ in range(4)] == [0, 0, 0, 2.0]
    clock.now += timedelta(seconds=1)
    assert allowance.take("a") == pytest.approx(1.0)  # half a token back
    clock.now += timedelta(seconds=1)
    assert allowance.take("a") == 0
    assert allowance.take("b") == 0  # every browser has its own bucket


# ----- new browser identities per address


async def test_fresh_cookies_from_one_address_stop_making_people(bots: Bots) -> None:
    bot, url = await bots.start(web_new_identities_per_hour=20)
    people = await count(bot, Stakeholder)
    async with a_browser(url) as regular:
        assert (await send(regular, "hello")).status == 200
        browsers = [a_browser(url) for _ in range(50)]
        try:
            answers = await asyncio.gather(*(send(b, "hello") for b in browsers))
        finally:
            await asyncio.gather(*(b.close() for b in browsers))
        statuses = sorted(a.status for a in answers)
        assert statuses == [200] * 19 + [429] * 31
        refused = next(a for a in answers if a.status == 429)
        assert 3500 <= retry_after(refused) <= 3600  # when the first of the hour is forgotten
        assert await count(bot, Stakeholder) == people + 20
        assert (await send(regular, "still here")).status == 200  # known: let in
    async with (
        a_browser(url) as one_more,
        one_more.post("/chat/api/send", json={"id": "m1", "text": "hello"}) as response,
    ):
        assert response.status == 429
        assert (await response.json())["error"] == TOO_MANY_NEW  # no Accept-Language: English
    assert await count(bot, Stakeholder) == people + 20


async def test_the_new_identity_limit_outlives_a_restart(bots: Bots) -> None:
    first, url = await bots.start(web_new_identities_per_hour=3)
    cookies = [secrets.token_urlsafe(32) for _ in range(3)]
    for cookie in cookies:
        async with a_browser(url, cookie) as browser:
            assert (await send(browser, "hello")).status == 200
    await bots.stop(first)

    _restarted, url = await bots.start(web_new_identities_per_hour=3)
    async with a_browser(url) as newcomer:
        assert (await send(newcomer, "hello")).status == 429
    for cookie in cookies:  # the same browsers come back
        async with a_browser(url, cookie) as browser:
            assert (await send(browser, "again")).status == 200


async def test_a_trusted_proxy_names_the_address_and_others_cannot(bots: Bots) -> None:
    _direct, url = await bots.start(web_new_identities_per_hour=1)
    spoofing = [a_browser(url, **{"X-Forwarded-For": f"198.51.100.{i}"}) for i in (1, 2)]
    try:
        answers = [await send(b, "hello") for b in spoofing]
    finally:
        for browser in spoofing:
            await browser.close()
    assert [a.status for a in answers] == [200, 429]  # the header is not believed

    _proxied, url = await bots.start(web_new_identities_per_hour=1, trust_proxy=True)
    statuses = []
    for forwarded in ("203.0.113.9, 198.51.100.1", "198.51.100.2", "198.51.100.1"):
        async with a_browser(url, **{"X-Forwarded-For": forwarded}) as browser:
            statuses.append((await send(browser, "hello")).status)
    assert statuses == [200, 200, 429]  # the last address counts, the one the proxy added


def addressed(remote: str, forwarded: str | None = None, trusted: bool = False) -> str:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    app = web.Application()
    app[TRUST_PROXY] = trusted
    request = make_mocked_request("GET", "/", headers=headers, app=app)
    return source_address(request.clone(remote=remote))


def test_an_ipv6_visitor_counts_by_the_64_and_a_mapped_one_as_ipv4() -> None:
    assert addressed("2001:db8:1:2:aaaa::1") == addressed("2001:db8:1:2:bbbb::7")
    assert addressed("2001:db8:1:2::1") != addressed("2001:db8:1:3::1")
    assert addressed("::ffff:192.0.2.7") == addressed("192.0.2.7") == "192.0.2.7"
    assert addressed("192.0.2.7", "203.0.113.1") == "192.0.2.7"
    assert addressed("192.0.2.7", "203.0.113.1, 198.51.100.4", trusted=True) == "198.51.100.4"
    for nonsense in ("unknown", "198.51.100.4:8080", "[2001:db8::1]", " , ", "x" * 500):
        assert addressed("192.0.2.7", nonsense, trusted=True)  # counted by something, no 500


# ----- wrong invite codes per address


class Visitor:
    """A browser from one address that follows the chat as the page does."""

    def __init__(self, url: str, address: str) -> None:
        self.browser = a_browser(url, **{"X-Forwarded-For": address})
        self.seen = 0

    async def says(self, text: str = "", action: str = "") -> dict[str, Any]:
        """Send ``text`` (or press ``action``); the first message the bot answers with."""
        body = {"id": secrets.token_hex(8), **({"action": action} if action else {"text": text})}
        async with self.browser.post("/chat/api/send", json=body) as sent:
            assert sent.status == 200, await sent.text()
        params = {"after": str(self.seen), "wait": "5"}
        async with self.browser.get("/chat/api/messages", params=params) as polled:
            messages = (await polled.json())["messages"]
        assert messages, f"no answer to {body}"
        return await self._rest(messages)

    async def _rest(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """Read what else came with the answer, so the next one starts after it."""
        while True:
            self.seen = messages[-1]["id"]
            params = {"after": str(self.seen), "wait": "0.2"}
            async with self.browser.get("/chat/api/messages", params=params) as polled:
                more = (await polled.json())["messages"]
            if not more:
                return messages[0] | {"last": messages[-1]}
            messages += more

    async def at_invite_question(self) -> Visitor:
        """Past the language and the privacy notice, as a newcomer gets there."""
        answer = await self.says("hello")
        answer = await self.says(action=answer["last"]["choices"][0][0])  # English
        answer = await self.says(action=answer["last"]["choices"][0][0])  # yes, to the notice
        assert "invite code" in answer["last"]["text"], answer
        return self


@asynccontextmanager
async def visiting(url: str, address: str) -> AsyncIterator[Visitor]:
    visitor = Visitor(url, address)
    async with visitor.browser:
        yield await visitor.at_invite_question()


async def test_wrong_invite_codes_count_per_address_across_identities(
    bots: Bots, invite: str
) -> None:
    bot, url = await bots.start(trust_proxy=True)
    busy, too_many = "203.0.113.50", bot.texts.gettext("en", TOO_MANY_CODES)
    for _ in range(3):  # three identities, each within its own limit, thirty wrong codes
        async with visiting(url, busy) as guesser:
            for _ in range(GUESSES_PER_PERSON):
                assert (await send(guesser.browser, "WRONGCODE2345")).status == 200
    memberships = await count(bot, Membership)

    async with visiting(url, busy) as fresh:
        assert (await fresh.says(invite))["text"] == too_many  # even the right code
    assert await count(bot, Membership) == memberships
    async with visiting(url, "198.51.100.60") as elsewhere:
        assert (await elsewhere.says(invite))["text"].startswith("Welcome to the partnership")
    assert await count(bot, Membership) == memberships + 1
