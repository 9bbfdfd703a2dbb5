"""/metrics stays off the public listener: it is served on a listener of its own (loopback
by default, C2C_METRICS_HOST and C2C_METRICS_PORT), and on the public one only when
C2C_METRICS_PUBLIC asks for it."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from c2cbot.config import Settings
from c2cbot.runtime import Bot
from c2cbot.store.database import Database

OPERATOR = ("127.0.0.1", 0)


async def status(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        await response.read()
        return response.status


def test_metrics_default_to_a_loopback_listener_of_their_own() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.metrics_host, settings.metrics_port) == ("127.0.0.1", 9464)
    assert settings.metrics_public is False


async def test_the_public_listener_has_no_metrics_by_default(bot: Bot) -> None:
    public = await bot.start("127.0.0.1", 0, metrics=OPERATOR)
    assert await status(f"{public}/metrics") == 404
    assert await status(f"{public}/healthz") == 200
    assert bot.metrics_url is not None and bot.metrics_url.startswith("http://127.0.0.1:")
    assert await status(f"{bot.metrics_url}/metrics") == 200
    assert await status(f"{bot.metrics_url}/healthz") == 200
    assert await status(f"{bot.metrics_url}/chat") == 404  # the operator's listener only


async def test_metrics_on_the_public_listener_when_asked_for(
    settings: Settings, database: Database
) -> None:
    bot = Bot(settings.model_copy(update={"metrics_public": True}))
    try:
        public = await bot.start("127.0.0.1", 0)
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{public}/metrics") as response,
        ):
            assert response.status == 200
            assert "c2cbot_messages_in_total" in await response.text()
    finally:
        await bot.stop()


async def test_a_taken_metrics_port_costs_the_metrics_not_the_bot(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        public = await bot.start("127.0.0.1", 0, metrics=taken.getsockname())
        assert await status(f"{public}/chat") == 200
    assert bot.metrics_url is None
    assert "cannot serve /metrics" in caplog.text
