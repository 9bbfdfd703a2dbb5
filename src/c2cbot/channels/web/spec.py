"""The browser chat's spec: no settings, no routes of its own (``c2cbot.web`` serves /chat)."""

from __future__ import annotations

from c2cbot.channels.spec import BotParts, ChannelSpec, NoOptions
from c2cbot.channels.web.chat import CAPABILITIES, NAME, WebChat


def _always(settings: object) -> bool:
    return True


def _build(config: bool, parts: BotParts, options: NoOptions | None) -> WebChat:
    return WebChat()


SPEC = ChannelSpec(NAME, CAPABILITIES, _always, _build, NoOptions)
