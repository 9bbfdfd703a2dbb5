"""The Official Account's spec: on when C2C_WECHAT_APP_ID, _APP_SECRET and _TOKEN are set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from c2cbot.channels.base import Capabilities
from c2cbot.channels.spec import BotParts, ChannelSpec
from c2cbot.channels.wechat_oa.settings import WeChatConfig, configured

if TYPE_CHECKING:
    from c2cbot.channels.wechat_oa.channel import WeChatOfficialAccount

NAME = "wechat"
CALLBACK_PATH = "/wechat"
CAPABILITIES = Capabilities(buttons=False, max_length=2048, markup="plain", length_unit="bytes")


class WeChatOptions:
    """The Official Account has no knobs beyond its settings."""


def _build(
    config: WeChatConfig, parts: BotParts, options: WeChatOptions | None
) -> WeChatOfficialAccount:
    from c2cbot.channels.wechat_oa.channel import WeChatOfficialAccount

    return WeChatOfficialAccount(
        app_id=config.app_id,
        app_secret=config.app_secret,
        token=config.token,
        aes_key=config.aes_key,
        api_url=config.api_url,
        texts=parts.texts,
        on_inbound=parts.on_inbound,
        in_place=parts.in_place,
        vault=parts.vault,
        template_id=config.template_id,
        journal=parts.journal,
        replays=parts.replays,
        reply_deadline=config.reply_deadline,
        clock=parts.clock,
    )


def _routes(channel: WeChatOfficialAccount, config: WeChatConfig) -> list[web.RouteDef]:
    return channel.routes()


async def _stop(channel: WeChatOfficialAccount) -> None:
    await channel.close()  # lets callbacks in progress finish


SPEC = ChannelSpec(
    NAME, CAPABILITIES, configured, _build, WeChatOptions, routes=_routes, stop=_stop
)
