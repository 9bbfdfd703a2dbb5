"""Chat commands, declared once: one module per command (or a few related ones), each
giving its name, its description, who may use it, its handler and its buttons, and
``registry`` listing them all.

This package's own namespace is the view channels read: names and descriptions, never
handlers. Telegram registers ``chat_menu()`` as its command menus, and WeChat and WeCom
take ``typed_commands()`` as the words their menu buttons may send.
"""

from c2cbot.flows.commands.declaration import Audience, CommandInfo
from c2cbot.flows.commands.registry import chat_menu, listed, typed_commands

__all__ = ["Audience", "CommandInfo", "chat_menu", "listed", "typed_commands"]
