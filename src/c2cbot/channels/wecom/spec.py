"""The WeCom app's spec: on when every C2C_WECOM_* setting is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from c2cbot.channels.base import Capabilities
from c2cbot.channels.spec import BotParts, ChannelSpec
from c2cbot.channels.wecom.limits import WeComLimits
from c2cbot.channels.wecom.settings import WeComConfig, configured
from c2cbot.clock import unix_seconds

if TYPE_CHECKING:
    from c2cbot.channels.wecom.channel import WeComApp

NAME = "wecom"
CALLBACK_PATH = "/wecom"
MAX_BYTES = 2048  # WeCom's limit for a text or markdown message's content, in UTF-8 bytes
# A WeCom chat is the Chinese side's: its digests default to the Chinese city's time zone.
CAPABILITIES = Capabilities(
    buttons=False,
    max_length=MAX_BYTES,
    markup="markdown",
    images=True,
    length_unit="bytes",
    group_side="cn",
)


@dataclass(frozen=True)
class WeComOptions:
    """Timing knobs; the defaults suit production, tests shorten them."""

    request_timeout: float = 10.0
    answer_within: float = 3.0  # WeCom retries after 5 s without an answer
    max_skew: float = 300.0
    token_cache_seconds: float = 300.0
    greet_after: float = 1800.0  # opening the app re-asks the question only after this long away
    limits: WeComLimits = field(default_factory=WeComLimits)


def _build(config: WeComConfig, parts: BotParts, options: WeComOptions | None) -> WeComApp:
    from c2cbot.channels.wecom.channel import WeComApp

    return WeComApp(
        corp_id=config.corp_id,
        agent_id=config.agent_id,
        secret=config.secret,
        token=config.token,
        aes_key=config.aes_key,
        api_url=config.api_url,
        texts=parts.texts,
        on_inbound=parts.on_inbound,
        vault=parts.vault,
        journal=parts.journal,
        replays=parts.replays,
        clock=unix_seconds(parts.clock),
        options=options,
        share=parts.share,
    )


def _routes(channel: WeComApp, config: WeComConfig) -> list[web.RouteDef]:
    return channel.routes()


async def _stop(channel: WeComApp) -> None:
    await channel.close()  # lets callbacks in progress finish


SPEC = ChannelSpec(NAME, CAPABILITIES, configured, _build, WeComOptions, routes=_routes, stop=_stop)
