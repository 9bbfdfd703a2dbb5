"""WeCom (企业微信) self-built app: encrypted callbacks at /wecom, ``message/send`` and app
chats out."""

from c2cbot.channels.wecom.settings import WeComSettings
from c2cbot.channels.wecom.spec import NAME, SPEC, WeComOptions

__all__ = ["NAME", "SPEC", "WeComOptions", "WeComSettings"]
