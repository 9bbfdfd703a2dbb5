"""The browser chat: always on, served by the bot's own web server (``c2cbot.web.chat``)."""

from c2cbot.channels.web.chat import NAME
from c2cbot.channels.web.spec import SPEC

__all__ = ["NAME", "SPEC"]
