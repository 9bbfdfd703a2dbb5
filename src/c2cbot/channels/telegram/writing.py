"""The engine's messages as Telegram messages: escaped HTML, keyboards, and errors.

Text marked ``HTML_MARKUP`` (digests) was escaped and cut by its renderer: it goes as is.
"""

from __future__ import annotations

import functools
import html
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from c2cbot.channels.base import DeliveryError, split_text
from c2cbot.channels.telegram.reading import valid_callback_data
from c2cbot.channels.telegram.spec import MAX_LENGTH
from c2cbot.flows.messages import Choice, Outbound

SELECTED = "☑ "
SHORT_LABEL = 12
BUTTONS_PER_ROW = 3
MAX_CAPTION = 1024
# ``extra["markup"]`` of text already escaped for Telegram's HTML (digests): sent as it is.
HTML_MARKUP = "telegram_html"


class Unreachable(DeliveryError):
    """The person blocked the bot, or it was removed from the chat: stop writing there."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True, unreachable=True)


@dataclass(frozen=True)
class Part:
    """One Telegram message: escaped HTML, and the keyboard if it is the last part."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def render(message: Outbound) -> list[Part]:
    """The message as Telegram messages: split to fit, escaped, buttons on the last one.

    Text marked ``HTML_MARKUP`` was escaped and cut to fit by its renderer: it goes as is.
    """
    markup = keyboard(message.choices) if message.choices else None
    if message.extra.get("markup") == HTML_MARKUP:
        return [Part(message.text, markup)]
    texts = split_for_telegram(message.text)
    last = len(texts) - 1
    return [Part(escape(text), markup if n == last else None) for n, text in enumerate(texts)]


def escape(text: str) -> str:
    """The engine's text is plain; in HTML parse mode only <, > and & mean something."""
    return html.escape(text, quote=False)


def split_for_telegram(text: str) -> list[str]:
    """Parts of at most 4096 characters as Telegram counts them (UTF-16 code units)."""
    parts = split_text(text, MAX_LENGTH)
    if all(_utf16_length(part) <= MAX_LENGTH for part in parts):
        return parts
    return split_text(text, MAX_LENGTH // 2)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup:
    """The inline keyboard for these choices; PTB's objects are immutable, so built once."""
    return _keyboard(tuple(choices))


@functools.lru_cache(maxsize=1024)
def _keyboard(choices: tuple[Choice, ...]) -> InlineKeyboardMarkup:
    for choice in choices:
        if not valid_callback_data(choice.action):
            raise DeliveryError(f"button data {choice.action!r} is not valid", permanent=True)
    buttons = [InlineKeyboardButton(label(c), callback_data=c.action) for c in choices]
    return InlineKeyboardMarkup(rows(buttons))


def label(choice: Choice) -> str:
    return SELECTED + choice.label if choice.selected else choice.label


def rows(buttons: Sequence[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Short labels (Yes/No, ratings) share rows; longer ones get a row each."""
    if all(len(b.text) <= SHORT_LABEL for b in buttons):
        return [
            list(buttons[n : n + BUTTONS_PER_ROW]) for n in range(0, len(buttons), BUTTONS_PER_ROW)
        ]
    return [[button] for button in buttons]


def delivery_error(error: TelegramError) -> DeliveryError:
    """Telegram's error as the dispatcher understands it: wait, retry, or give up."""
    reason = f"{type(error).__name__}: {error.message}"
    if isinstance(error, RetryAfter):
        return DeliveryError(reason, retry_after=retry_seconds(error))
    if isinstance(error, Forbidden):
        return Unreachable(reason)
    if isinstance(error, ChatMigrated):
        return DeliveryError(reason, permanent=True)
    if isinstance(error, BadRequest):
        if "chat not found" in error.message.lower():
            return Unreachable(reason)
        return DeliveryError(reason, permanent=True)
    return DeliveryError(reason)


def retry_seconds(error: RetryAfter) -> float:
    """PTB 22 gives ``retry_after`` as int (deprecated) or, with PTB_TIMEDELTA, a timedelta."""
    with warnings.catch_warnings():  # no await inside, so no other task sees the filter
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def edit_failed(error: BadRequest) -> bool | None:
    """``True``: nothing to change (fine); ``False``: cannot edit, send anew; ``None``: real."""
    text = error.message.lower()
    if "message is not modified" in text:
        return True
    if any(s in text for s in ("to edit not found", "can't be edited", "message_id_invalid")):
        return False
    return None
