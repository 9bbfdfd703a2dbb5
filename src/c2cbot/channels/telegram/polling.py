"""Long polling: each batch handled person by person, confirmed only once handled.

Polling confirms an update (the next ``offset``) only after the engine has handled it,
so a crash means Telegram delivers it again and the engine's dedupe ignores what it
already did. One update that keeps failing is dropped after a few tries, so it blocks
nobody.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import telegram

from c2cbot.channels.ratelimit import Clock
from c2cbot.channels.telegram.http import AiohttpRequest
from c2cbot.channels.telegram.reading import Incoming, by_sender
from c2cbot.channels.telegram.spec import TelegramOptions

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")


def describe(error: BaseException) -> str:
    """An error for the log; every message from our HTTP layer is already token-free."""
    return f"{type(error).__name__}: {error}"


class Poller:
    """getUpdates in a loop; ``read`` makes an ``Incoming`` of an update's JSON (or raises),
    ``handle`` puts it through the engine."""

    def __init__(
        self,
        bot: telegram.Bot,
        request: AiohttpRequest,
        base_url: str,
        options: TelegramOptions,
        clock: Clock,
        read: Callable[[dict[str, Any]], Incoming],
        handle: Callable[[Incoming], Awaitable[None]],
    ) -> None:
        self._bot, self._request, self._base_url = bot, request, base_url
        self._options, self._clock, self._read, self._handle = options, clock, read, handle
        self._offset: int | None = None
        self._webhook_cleared = False
        self._attempts: dict[int, int] = {}

    async def forever(self) -> None:
        """Long-poll for updates until cancelled; failures are logged and retried, never fatal."""
        failures = 0
        while True:
            try:
                await self.once()
            except Exception as error:  # the loop must outlive any single failure
                failures += 1
                log.warning("Telegram polling failed (%s); retrying", describe(error))
                await self._clock.sleep(self._backoff(failures))
            else:
                failures = 0

    def _backoff(self, failures: int) -> float:
        delay = self._options.retry_delay * 2 ** (failures - 1)
        return float(min(self._options.max_retry_delay, delay))

    async def once(self) -> int:
        """Fetch one batch of updates and handle it; how many updates came."""
        if not self._webhook_cleared:
            await self._bot.delete_webhook()  # polling and a webhook exclude each other
            self._webhook_cleared = True
        batch = await self._get_updates()
        if batch:
            await self._handle_batch(self._readable(batch), batch[-1]["update_id"] + 1)
        return len(batch)

    async def _get_updates(self) -> list[dict[str, Any]]:
        """getUpdates as raw JSON: PTB's ``get_updates`` fails the whole batch when one
        update does not parse, and a batch that never parses would stop the bot for good."""
        query: dict[str, object] = {
            "timeout": self._options.poll_timeout,
            "allowed_updates": json.dumps(ALLOWED_UPDATES),
        }
        if self._offset is not None:
            query["offset"] = self._offset
        read_timeout = (self._request.read_timeout or 0) + self._options.poll_timeout
        result = await self._request.post(
            f"{self._base_url}/getUpdates?{urlencode(query)}", read_timeout=read_timeout
        )
        return (
            [item for item in result if isinstance(item, dict)] if isinstance(result, list) else []
        )

    def _readable(self, batch: Sequence[dict[str, Any]]) -> list[Incoming]:
        updates = []
        for item in batch:
            try:
                updates.append(self._read(item))
            except Exception as error:  # skipped: confirming it is the only way past it
                log.warning(
                    "skipping unreadable Telegram update %s (%s)",
                    item.get("update_id"),
                    describe(error),
                )
        return updates

    async def _handle_batch(self, updates: Sequence[Incoming], next_offset: int) -> None:
        """People in parallel, each person's updates in order; confirm only what was handled."""
        results = await asyncio.gather(*(self._in_order(group) for group in by_sender(updates)))
        failed = [update_id for update_id in results if update_id is not None]
        self._offset = min(failed, default=next_offset)
        if failed:
            await self._clock.sleep(self._options.retry_delay)

    async def _in_order(self, updates: Sequence[Incoming]) -> int | None:
        """Handle one person's updates; the id of the first that must come again, if any."""
        for update in updates:
            if not await self._attempt(update):
                return update.update_id
        return None

    async def _attempt(self, update: Incoming) -> bool:
        try:
            await self._handle(update)
        except Exception:
            return self._give_up(update.update_id)
        self._attempts.pop(update.update_id, None)
        return True

    def _give_up(self, update_id: int) -> bool:
        """Retry a failed update a few times, then drop it so one bad update blocks nobody."""
        attempts = self._attempts.pop(update_id, 0) + 1
        if attempts >= self._options.update_attempts:
            log.exception("dropping Telegram update %s after %s failures", update_id, attempts)
            return True
        self._attempts[update_id] = attempts
        log.warning("Telegram update %s failed; it will come again", update_id, exc_info=True)
        return False
