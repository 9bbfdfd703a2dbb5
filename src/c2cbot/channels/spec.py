"""A channel as one declaration: its settings, how it is built, its routes, start and stop,
and what it can show.

The bot (``runtime``), the digests (which markup and limit a group's digest takes) and
the deliveries (which side of a partnership a group belongs to) all read channels from
``registry.SPECS``, so adding a channel changes none of them. A spec is light: reading
its capabilities or settings loads no chat library; only ``build`` imports the channel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiohttp import web

from c2cbot.channels.base import Capabilities, Channel, InboundJournal, ReplayGuard, TokenVault
from c2cbot.channels.ratelimit import SendShare
from c2cbot.clock import Clock
from c2cbot.delivery.in_place import InPlaceReplies
from c2cbot.flows.messages import Inbound
from c2cbot.flows.texts import Texts

InboundHandler = Callable[[Inbound], Awaitable[object]]
Background = Coroutine[Any, Any, None]  # what a started channel keeps running (polling)


@dataclass(frozen=True)
class BotParts:
    """What the bot hands every channel it builds."""

    texts: Texts
    on_inbound: InboundHandler  # the engine's ``handle``
    in_place: InPlaceReplies  # for callbacks that answer with their replies
    vault: TokenVault
    journal: InboundJournal
    clock: Clock
    replays: ReplayGuard | None = None  # signed callbacks seen (WeChat, WeCom)
    share: SendShare = field(default_factory=SendShare)  # of the apps' overall send rates


class NoOptions:
    """The options of a channel that has no knobs."""


Config = TypeVar("Config")
Built = TypeVar("Built", bound=Channel)
Options = TypeVar("Options")


def no_routes(channel: Any, config: Any) -> list[web.RouteDef]:
    return []


async def nothing_to_start(channel: Any, config: Any) -> Background | None:
    return None


async def nothing_to_stop(channel: Any) -> None:
    return None


@dataclass(frozen=True)
class ChannelSpec(Generic[Config, Built, Options]):
    """One channel: ``configured`` reads its part of the settings (``None``: it stays off),
    ``build`` makes it from the bot's parts and its ``options`` (timing knobs tests shorten),
    ``routes`` are what the bot's web server serves for it, ``start`` runs after the server
    listens and may return work to keep running, ``stop`` runs after the server stopped."""

    name: str
    capabilities: Capabilities
    configured: Callable[[Any], Config | None]
    build: Callable[[Config, BotParts, Options | None], Built]
    options: type[Options]
    routes: Callable[[Built, Config], list[web.RouteDef]] = no_routes
    start: Callable[[Built, Config], Awaitable[Background | None]] = nothing_to_start
    stop: Callable[[Built], Awaitable[None]] = nothing_to_stop

    def install(
        self, settings: object, parts: BotParts, options: Mapping[str, object]
    ) -> Installed[Config, Built] | None:
        """The channel built from ``settings``, or ``None`` if its settings are not given."""
        config = self.configured(settings)
        if config is None:
            return None
        chosen = options.get(self.name)
        if chosen is not None and not isinstance(chosen, self.options):
            raise TypeError(f"options for {self.name} must be {self.options.__name__}")
        return Installed(self, config, self.build(config, parts, chosen))


@dataclass(frozen=True)
class Installed(Generic[Config, Built]):
    """A channel the bot runs, with the spec and settings it was built from."""

    spec: ChannelSpec[Config, Built, Any]
    config: Config
    channel: Built

    def routes(self) -> list[web.RouteDef]:
        return self.spec.routes(self.channel, self.config)

    async def start(self) -> Background | None:
        return await self.spec.start(self.channel, self.config)

    async def stop(self) -> None:
        await self.spec.stop(self.channel)
