"""Telegram: python-telegram-bot as the transport only; conversations live in the database."""

from c2cbot.channels.telegram.settings import TelegramMode, TelegramSettings
from c2cbot.channels.telegram.spec import NAME, SPEC, TelegramOptions

__all__ = ["NAME", "SPEC", "TelegramMode", "TelegramOptions", "TelegramSettings"]
