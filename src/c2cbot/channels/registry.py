"""Every channel the bot knows, one line each; everything else reads them from here.

A channel's settings class joins ``ChannelSettings`` (``config.Settings`` is made of
it), its spec joins ``SPECS``.
"""

from __future__ import annotations

from typing import Any

from c2cbot.channels.spec import ChannelSpec
from c2cbot.channels.telegram import SPEC as TELEGRAM
from c2cbot.channels.telegram import TelegramSettings
from c2cbot.channels.web import SPEC as WEB
from c2cbot.channels.wechat_oa import SPEC as WECHAT_OA
from c2cbot.channels.wechat_oa import WeChatSettings
from c2cbot.channels.wecom import SPEC as WECOM
from c2cbot.channels.wecom import WeComSettings

SPECS: tuple[ChannelSpec[Any, Any, Any], ...] = (WEB, TELEGRAM, WECHAT_OA, WECOM)


class ChannelSettings(TelegramSettings, WeChatSettings, WeComSettings):
    """The C2C_* settings of every channel, validated by each channel's own rules."""


#: Which side of a partnership a group chat on each channel belongs to ("eu" or "cn").
GROUP_SIDES: dict[str, str] = {spec.name: spec.capabilities.group_side for spec in SPECS}
