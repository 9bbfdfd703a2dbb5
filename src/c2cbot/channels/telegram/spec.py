"""Telegram's spec: on when C2C_TELEGRAM_TOKEN is set; polling, or a webhook at /telegram."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from c2cbot.channels.base import Capabilities
from c2cbot.channels.ratelimit import ChatLimits
from c2cbot.channels.spec import Background, BotParts, ChannelSpec
from c2cbot.channels.telegram.settings import TelegramConfig, configured

if TYPE_CHECKING:
    from c2cbot.channels.telegram.channel import TelegramChannel

NAME = "telegram"
WEBHOOK_PATH = "/telegram"
MAX_LENGTH = 4096
CAPABILITIES = Capabilities(
    buttons=True, max_length=MAX_LENGTH, markup="html", images=True, files=True
)


@dataclass(frozen=True)
class TelegramOptions:
    """Timing knobs; the defaults suit production, tests shorten them."""

    poll_timeout: int = 25
    request_timeout: float = 10.0
    retry_delay: float = 1.0
    max_retry_delay: float = 60.0
    update_attempts: int = 5
    limits: ChatLimits = field(default_factory=ChatLimits)


def _build(
    config: TelegramConfig, parts: BotParts, options: TelegramOptions | None
) -> TelegramChannel:
    from c2cbot.channels.telegram.channel import TelegramChannel

    return TelegramChannel(
        config.token,
        config.api_url,
        parts.texts,
        parts.on_inbound,
        options=options,
        share=parts.share,
    )


def _routes(channel: TelegramChannel, config: TelegramConfig) -> list[web.RouteDef]:
    if config.webhook_secret is None:
        return []
    return channel.webhook_routes(config.webhook_secret)


async def _start(channel: TelegramChannel, config: TelegramConfig) -> Background | None:
    """After the server listens, since a webhook may be called at once; else poll."""
    await channel.start()
    if config.webhook_secret is None:
        return channel.poll_forever()
    await channel.use_webhook(str(config.public_url), config.webhook_secret)
    return None


async def _stop(channel: TelegramChannel) -> None:
    await channel.close()


SPEC = ChannelSpec(
    NAME,
    CAPABILITIES,
    configured,
    _build,
    TelegramOptions,
    routes=_routes,
    start=_start,
    stop=_stop,
)
