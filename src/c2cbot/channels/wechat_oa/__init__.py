"""WeChat Official Account (公众号): signed callbacks at /wechat, passive or API replies."""

from c2cbot.channels.wechat_oa.settings import WeChatSettings
from c2cbot.channels.wechat_oa.spec import NAME, SPEC

__all__ = ["NAME", "SPEC", "WeChatSettings"]
