"""The outbox dispatcher stops when told, even when told the moment it is woken."""

from __future__ import annotations

import asyncio
import time

from c2cbot.runtime import Bot


async def test_a_dispatcher_woken_as_it_is_stopped_still_stops(bot: Bot) -> None:
    await bot.start("127.0.0.1", 0)
    await asyncio.sleep(0.1)  # idle, waiting to be woken
    began = time.monotonic()
    bot.dispatcher.wake()  # a commit just before the stop: its wake and the cancel meet
    await bot.stop()
    assert time.monotonic() - began < 5  # not left behind after 15 s, still running
