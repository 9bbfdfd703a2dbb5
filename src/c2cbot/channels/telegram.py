"""Telegram: python-telegram-bot as the transport only; conversations live in the database.

No PTB ``Application``, ``ConversationHandler`` or persistence: updates are turned into
``Inbound`` messages for the engine, and ``send`` puts the engine's ``Outbound``
messages on Telegram. Polling confirms an update only after the engine has handled it,
so a crash means Telegram delivers it again and the engine's dedupe ignores what it
already did. Nothing here logs or raises with the bot token in it.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import html
import json
import logging
import warnings
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import telegram
from aiohttp import web
from telegram import (
    BotCommand,
    CallbackQuery,
    Chat,
    ChatMember,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from c2cbot.channels.base import Capabilities, DeliveryError, image_of, split_text
from c2cbot.channels.ratelimit import SYSTEM_CLOCK, ChatLimiter, ChatLimits, Clock
from c2cbot.channels.telegram_http import AiohttpRequest, token_free_base_url
from c2cbot.domain.text import N_
from c2cbot.flows.commands import chat_menu
from c2cbot.flows.messages import Choice, Inbound, Outbound
from c2cbot.flows.texts import Texts

log = logging.getLogger(__name__)

NAME = "telegram"
WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
MAX_LENGTH = 4096
MAX_CALLBACK_BYTES = 64
GROUP_TYPES = frozenset({Chat.GROUP, Chat.SUPERGROUP})
SELECTED = "☑ "
SHORT_LABEL = 12
BUTTONS_PER_ROW = 3
MAX_PARTIAL = 1000
MAX_CAPTION = 1024
# ``extra["markup"]`` of text already escaped for Telegram's HTML (digests): sent as it is.
HTML_MARKUP = "telegram_html"

# Every chat command with its description (to translate), from the one registry.
COMMANDS: tuple[tuple[str, str], ...] = chat_menu()
# Telegram's language_code for a command list (None: everyone else) → our language hint.
COMMAND_LANGUAGES: tuple[tuple[str | None, str], ...] = ((None, "en"), ("zh", "zh"), ("de", "de"))
BUTTON_BROKEN = N_("Sorry, that button does not work. Please use the buttons of my last message.")

InboundHandler = Callable[[Inbound], Awaitable[object]]


class Unreachable(DeliveryError):
    """The person blocked the bot, or it was removed from the chat: stop writing there."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True, unreachable=True)


class TelegramSetupError(Exception):
    """The bot cannot start on Telegram (rejected token); the message is safe to show."""


@dataclass(frozen=True)
class TelegramOptions:
    """Timing knobs; the defaults suit production, tests shorten them."""

    poll_timeout: int = 25
    request_timeout: float = 10.0
    retry_delay: float = 1.0
    max_retry_delay: float = 60.0
    update_attempts: int = 5
    limits: ChatLimits = field(default_factory=ChatLimits)


# ----- reading updates


@dataclass(frozen=True)
class Reader:
    """Turns Telegram updates into the engine's ``Inbound``; pure, so it is table-tested."""

    username: str = ""

    @property
    def private_link(self) -> str | None:
        return f"https://t.me/{self.username}" if self.username else None

    def read(self, update: Update) -> Inbound | None:
        """The ``Inbound`` for a message or membership change; ``None`` for what we ignore."""
        if update.message is not None:
            return self.message(update.update_id, update.message)
        if update.my_chat_member is not None:
            return self.member(update.update_id, update.my_chat_member)
        return None

    def message(self, update_id: int, message: Message) -> Inbound | None:
        chat = message.chat
        if message.migrate_to_chat_id:
            moved_to = str(message.migrate_to_chat_id)
            return self._inbound(
                update_id, message.from_user, chat, text=moved_to, event="group_moved"
            )
        if chat.type == Chat.PRIVATE:
            return self._private(update_id, message)
        if chat.type in GROUP_TYPES:
            return self._group_command(update_id, message)
        return None

    def _private(self, update_id: int, message: Message) -> Inbound | None:
        if message.text is not None:
            return self._inbound(update_id, message.from_user, message.chat, text=message.text)
        if message.effective_attachment is not None:
            return self._inbound(update_id, message.from_user, message.chat, event="unsupported")
        return None  # service messages (pins, timers…) need no answer

    def _group_command(self, update_id: int, message: Message) -> Inbound | None:
        """Only commands for this bot: ``/cmd@thisbot``, or a plain ``/cmd``.

        Privacy mode delivers only commands to the bot, so a plain one is meant for it.
        """
        command = self.own_command(message.text or "")
        if command is None:
            return None
        return self._inbound(update_id, message.from_user, message.chat, text=command)

    def own_command(self, text: str) -> str | None:
        """``text`` with ``@thisbot`` dropped if it is a command for this bot, else ``None``."""
        if not text.startswith("/"):
            return None
        word = text.split(maxsplit=1)[0]
        command, _, target = word[1:].partition("@")
        if not command or (target and target.lower() != self.username.lower()):
            return None
        return f"/{command}{text[len(word) :]}"

    def member(self, update_id: int, change: ChatMemberUpdated) -> Inbound | None:
        """The bot blocked in a private chat, or removed from a group."""
        status, chat = change.new_chat_member.status, change.chat
        if chat.type == Chat.PRIVATE and status == ChatMember.BANNED:
            return self._inbound(update_id, change.from_user, chat, event="unreachable")
        if chat.type in GROUP_TYPES and status in (ChatMember.LEFT, ChatMember.BANNED):
            return self._inbound(update_id, change.from_user, chat, event="left_group")
        return None

    def plain_text(self, data: dict[str, Any]) -> Inbound | None:
        """The ``Inbound`` of a private text message read straight from the update's JSON.

        Most updates are exactly that; building PTB's ``Update`` for them cost more than
        the rest of reading. Anything else (``None`` here) goes through PTB's objects. The
        result equals what ``read`` makes of the same update.
        """
        message, update_id = data.get("message"), data.get("update_id")
        if not isinstance(message, dict) or type(update_id) is not int:
            return None
        chat, user, text = message.get("chat"), message.get("from"), message.get("text")
        if not (isinstance(chat, dict) and isinstance(user, dict) and isinstance(text, str)):
            return None
        chat_id, user_id = chat.get("id"), user.get("id")
        first, last = user.get("first_name"), user.get("last_name")
        language = user.get("language_code")
        if (
            chat.get("type") != Chat.PRIVATE
            or type(chat_id) is not int
            or type(user_id) is not int
            or "migrate_to_chat_id" in message
            or not isinstance(first, str)
            or not isinstance(last, str | None)
            or not isinstance(language, str | None)
        ):
            return None
        return Inbound(
            channel=NAME,
            external_id=str(user_id),
            chat_id=str(chat_id),
            dedupe_key=str(update_id),
            text=text,
            language_hint=language,
            display_name=f"{first} {last}" if first and last else first or None,
            is_group=False,
            private_link=self.private_link,
        )

    def callback(self, update_id: int, query: CallbackQuery) -> Inbound | None:
        """A button press; ``source_message_id`` names the message whose button it was."""
        message = query.message
        if message is None or query.data is None:
            return None  # a button under an inline-mode message: not ours
        return self._inbound(
            update_id,
            query.from_user,
            message.chat,
            action=query.data,
            source_message_id=str(message.message_id),
        )

    def _inbound(
        self,
        update_id: int,
        user: User | None,
        chat: Chat,
        *,
        text: str | None = None,
        action: str | None = None,
        event: str | None = None,
        source_message_id: str | None = None,
    ) -> Inbound:
        return Inbound(
            channel=NAME,
            external_id=str(user.id if user is not None else chat.id),
            chat_id=str(chat.id),
            dedupe_key=str(update_id),
            text=text,
            action=action,
            language_hint=user.language_code if user is not None else None,
            display_name=user.full_name if user is not None else None,
            is_group=chat.type in GROUP_TYPES,
            source_message_id=source_message_id,
            event=event,
            private_link=self.private_link,
        )


def valid_callback_data(data: str | None) -> bool:
    """What our own buttons carry: 1–64 bytes of printable text; anything else is forged."""
    return data is not None and 0 < len(data.encode()) <= MAX_CALLBACK_BYTES and data.isprintable()


def sender_key(update: Update) -> int:
    """Whose update this is, so one person's updates are handled in order."""
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.update_id


@dataclass(frozen=True)
class Incoming:
    """One update of a batch: read already (plain text), or as PTB's ``Update``."""

    update_id: int
    sender: int
    inbound: Inbound | None = None
    update: Update | None = None

    @classmethod
    def of(cls, update: Update) -> Incoming:
        return cls(update.update_id, sender_key(update), update=update)


def by_sender(updates: Iterable[Incoming]) -> list[list[Incoming]]:
    """Updates grouped per sender, each group in Telegram's order."""
    groups: dict[int, list[Incoming]] = {}
    for update in updates:
        groups.setdefault(update.sender, []).append(update)
    return list(groups.values())


# ----- writing messages


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


def _edit_failed(error: BadRequest) -> bool | None:
    """``True``: nothing to change (fine); ``False``: cannot edit, send anew; ``None``: real."""
    text = error.message.lower()
    if "message is not modified" in text:
        return True
    if any(s in text for s in ("to edit not found", "can't be edited", "message_id_invalid")):
        return False
    return None


def _fingerprint(chat_id: str, message: Outbound) -> str:
    body = json.dumps(message.to_json(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{chat_id}\n{body}".encode()).hexdigest()


def _describe(error: BaseException) -> str:
    """An error for the log; every message from our HTTP layer is already token-free."""
    return f"{type(error).__name__}: {error}"


# ----- the channel


class TelegramChannel:
    """The Telegram channel: polling or webhook in, rate-limited sending out."""

    name = NAME
    capabilities = Capabilities(buttons=True, max_length=MAX_LENGTH, markup="html", images=True)

    def __init__(
        self,
        token: str,
        api_url: str,
        texts: Texts,
        on_inbound: InboundHandler,
        *,
        clock: Clock = SYSTEM_CLOCK,
        options: TelegramOptions | None = None,
    ) -> None:
        self._texts, self._on_inbound, self._clock = texts, on_inbound, clock
        self._options = options or TelegramOptions()
        self._base_url = token_free_base_url(api_url)
        timeout = self._options.request_timeout
        self._polling = AiohttpRequest(token, connection_pool_size=1, connect_timeout=timeout)
        self._bot = self._make_bot(token, api_url)
        self._limiter = ChatLimiter(self._options.limits, clock)
        self._reader = Reader()
        self._offset: int | None = None
        self._webhook_cleared = False
        self._attempts: dict[int, int] = {}
        self._partial: dict[str, list[str]] = {}

    def _make_bot(self, token: str, api_url: str) -> telegram.Bot:
        """A PTB ``Bot`` whose URLs hold a placeholder; only the HTTP layer knows the token."""
        timeout = self._options.request_timeout
        request = AiohttpRequest(
            token,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            pool_timeout=timeout,
        )
        file_url = api_url[: -len("bot")] + "file/bot" if api_url.endswith("/bot") else api_url
        return telegram.Bot(
            token,
            base_url=lambda _token: self._base_url,
            base_file_url=lambda _token: token_free_base_url(file_url),
            request=request,
            get_updates_request=self._polling,
        )

    @property
    def username(self) -> str:
        """The bot's @username without the @, known after ``start``."""
        return self._reader.username

    @property
    def private_link(self) -> str | None:
        return self._reader.private_link

    # ----- lifecycle

    async def start(self) -> None:
        """Learn the bot's username (getMe) and register its commands in each menu language."""
        try:
            await self._bot.initialize()
        except InvalidToken:
            raise TelegramSetupError(
                "Telegram rejected the bot token (C2C_TELEGRAM_TOKEN)"
            ) from None
        self._reader = Reader(self._bot.username)
        for language_code, hint in COMMAND_LANGUAGES:
            await self._bot.set_my_commands(self._commands(hint), language_code=language_code)

    def _commands(self, hint: str) -> list[BotCommand]:
        language = self._texts.choose_language(hint)
        return [BotCommand(name, self._texts.gettext(language, text)) for name, text in COMMANDS]

    async def use_webhook(self, public_url: str, secret: str) -> None:
        """Ask Telegram to POST updates to ``public_url``/telegram with ``secret`` attached."""
        await self._bot.set_webhook(
            url=public_url.rstrip("/") + WEBHOOK_PATH,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )

    async def close(self) -> None:
        await self._bot.shutdown()

    # ----- polling

    async def poll_forever(self) -> None:
        """Long-poll for updates until cancelled; failures are logged and retried, never fatal."""
        failures = 0
        while True:
            try:
                await self.poll_once()
            except Exception as error:  # the loop must outlive any single failure
                failures += 1
                log.warning("Telegram polling failed (%s); retrying", _describe(error))
                await self._clock.sleep(self._backoff(failures))
            else:
                failures = 0

    def _backoff(self, failures: int) -> float:
        delay = self._options.retry_delay * 2 ** (failures - 1)
        return float(min(self._options.max_retry_delay, delay))

    async def poll_once(self) -> int:
        """Fetch one batch of updates and handle it; how many updates came."""
        if not self._webhook_cleared:
            await self._bot.delete_webhook()  # polling and a webhook exclude each other
            self._webhook_cleared = True
        batch = await self._get_updates()
        if batch:
            await self._handle_batch(self._readable(batch), batch[-1]["update_id"] + 1)
        return len(batch)

    async def _get_updates(self) -> list[dict[str, Any]]:
        """getUpdates as raw JSON: PTB's ``get_updates`` fails the whole batch when one
        update does not parse, and a batch that never parses would stop the bot for good."""
        query: dict[str, object] = {
            "timeout": self._options.poll_timeout,
            "allowed_updates": json.dumps(ALLOWED_UPDATES),
        }
        if self._offset is not None:
            query["offset"] = self._offset
        read_timeout = (self._polling.read_timeout or 0) + self._options.poll_timeout
        result = await self._polling.post(
            f"{self._base_url}/getUpdates?{urlencode(query)}", read_timeout=read_timeout
        )
        return (
            [item for item in result if isinstance(item, dict)] if isinstance(result, list) else []
        )

    def _readable(self, batch: Sequence[dict[str, Any]]) -> list[Incoming]:
        updates = []
        for item in batch:
            inbound = self._reader.plain_text(item)
            if inbound is not None:
                updates.append(Incoming(item["update_id"], int(inbound.external_id), inbound))
                continue
            try:
                updates.append(Incoming.of(Update.de_json(item, self._bot)))
            except Exception as error:  # skipped: confirming it is the only way past it
                log.warning(
                    "skipping unreadable Telegram update %s (%s)",
                    item.get("update_id"),
                    _describe(error),
                )
        return updates

    async def _handle_batch(self, updates: Sequence[Incoming], next_offset: int) -> None:
        """People in parallel, each person's updates in order; confirm only what was handled."""
        results = await asyncio.gather(*(self._in_order(group) for group in by_sender(updates)))
        failed = [update_id for update_id in results if update_id is not None]
        self._offset = min(failed, default=next_offset)
        if failed:
            await self._clock.sleep(self._options.retry_delay)

    async def _in_order(self, updates: Sequence[Incoming]) -> int | None:
        """Handle one person's updates; the id of the first that must come again, if any."""
        for update in updates:
            if not await self._attempt(update):
                return update.update_id
        return None

    async def _attempt(self, update: Incoming) -> bool:
        try:
            if update.inbound is not None:
                await self._on_inbound(update.inbound)
            elif update.update is not None:
                await self.handle_update(update.update)
        except Exception:
            return self._give_up(update.update_id)
        self._attempts.pop(update.update_id, None)
        return True

    def _give_up(self, update_id: int) -> bool:
        """Retry a failed update a few times, then drop it so one bad update blocks nobody."""
        attempts = self._attempts.pop(update_id, 0) + 1
        if attempts >= self._options.update_attempts:
            log.exception("dropping Telegram update %s after %s failures", update_id, attempts)
            return True
        self._attempts[update_id] = attempts
        log.warning("Telegram update %s failed; it will come again", update_id, exc_info=True)
        return False

    # ----- handling updates (polling and webhook)

    async def handle_update_json(self, data: dict[str, Any]) -> None:
        """Handle one update as Telegram's JSON (the webhook's body)."""
        try:
            update = Update.de_json(data, self._bot)
        except Exception as error:  # not an update we could act on; Telegram must not retry it
            log.warning("ignoring an unreadable Telegram update (%s)", _describe(error))
            return
        await self.handle_update(update)

    async def handle_update(self, update: Update) -> None:
        if update.callback_query is not None:
            await self._on_callback(update.update_id, update.callback_query)
            return
        inbound = self._reader.read(update)
        if inbound is not None:
            await self._on_inbound(inbound)

    async def _on_callback(self, update_id: int, query: CallbackQuery) -> None:
        """Answer at once so the button's spinner stops, then let the engine handle the press."""
        if not valid_callback_data(query.data):
            await self._answer(query, self._broken_button_text(query.from_user))
            return
        await self._answer(query, None)
        inbound = self._reader.callback(update_id, query)
        if inbound is not None:
            await self._on_inbound(inbound)

    def _broken_button_text(self, user: User) -> str:
        language = self._texts.choose_language(user.language_code)
        return self._texts.gettext(language, BUTTON_BROKEN)

    async def _answer(self, query: CallbackQuery, text: str | None) -> None:
        try:
            await self._bot.answer_callback_query(query.id, text=text)
        except TelegramError as error:  # an expired query must not stop the engine
            log.info("could not answer a button press (%s)", _describe(error))

    # ----- webhook

    def webhook_routes(self, secret: str) -> list[web.RouteDef]:
        """POST /telegram, accepting only requests that carry the webhook's secret token."""
        if not secret:
            raise ValueError("a Telegram webhook needs a secret token")
        expected = secret.encode()

        async def receive(request: web.Request) -> web.Response:
            return await self._receive(request, expected)

        return [web.post(WEBHOOK_PATH, receive)]

    async def _receive(self, request: web.Request, expected: bytes) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403)
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(data, dict):
            return web.Response(status=400)
        try:
            await self.handle_update_json(data)
        except Exception:  # Telegram retries a failed delivery; the dedupe makes that safe
            log.exception("handling a Telegram webhook update failed")
            return web.Response(status=500)
        return web.Response()

    # ----- sending

    async def send(self, chat_id: str, message: Outbound) -> str | None:
        """Send (or edit, with ``extra["edit"]``) one message; the id of its last part."""
        parts = render(message)
        try:
            image = image_of(message)
            if image is not None:
                return await self._send_photo(chat_id, image, parts[0])
            edit = message.extra.get("edit")
            if edit is not None and len(parts) == 1:
                edited = await self._edit(chat_id, str(edit), parts[0])
                if edited is not None:
                    return edited
            return await self._send_parts(chat_id, parts, _fingerprint(chat_id, message))
        except TelegramError as error:
            raise delivery_error(error) from None

    async def _edit(self, chat_id: str, message_id: str, part: Part) -> str | None:
        """Edit a message in place; ``None`` when Telegram cannot, so it is sent anew."""
        if not message_id.isdigit():
            return None
        await self._limiter.wait(chat_id)
        try:
            await self._bot.edit_message_text(
                part.text,
                chat_id=chat_id,
                message_id=int(message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=part.markup,
            )
        except BadRequest as error:
            outcome = _edit_failed(error)
            if outcome is None:
                raise
            return message_id if outcome else None
        return message_id

    async def _send_parts(self, chat_id: str, parts: Sequence[Part], key: str) -> str:
        """Send the parts in order; after a failure, a retry skips the parts already sent."""
        sent = self._partial.pop(key, [])
        try:
            for part in parts[len(sent) :]:
                sent.append(await self._send_one(chat_id, part))
        except TelegramError:
            self._remember(key, sent)
            raise
        return sent[-1]

    def _remember(self, key: str, sent: list[str]) -> None:
        if not sent:
            return
        if len(self._partial) >= MAX_PARTIAL:
            del self._partial[next(iter(self._partial))]
        self._partial[key] = sent

    async def _send_photo(self, chat_id: str, image: bytes, caption: Part) -> str:
        """A picture (a digest's KPI chart) with the message's text as its caption, if short."""
        await self._limiter.wait(chat_id)
        text = caption.text if 0 < len(caption.text) <= MAX_CAPTION else None
        sent = await self._bot.send_photo(
            chat_id, image, caption=text, parse_mode=ParseMode.HTML, reply_markup=caption.markup
        )
        return str(sent.message_id)

    async def _send_one(self, chat_id: str, part: Part) -> str:
        await self._limiter.wait(chat_id)
        message = await self._bot.send_message(
            chat_id, part.text, parse_mode=ParseMode.HTML, reply_markup=part.markup
        )
        return str(message.message_id)
