"""The Telegram channel: python-telegram-bot as the transport only.

No PTB ``Application``, ``ConversationHandler`` or persistence: updates are turned into
``Inbound`` messages for the engine (``reading``), by polling (``polling``) or a
webhook, and ``send`` puts the engine's ``Outbound`` messages on Telegram
(``writing``). Nothing here logs or raises with the bot token in it.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import telegram
from aiohttp import web
from telegram import BotCommand, CallbackQuery, ChatMember, InputFile, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, TelegramError

from c2cbot.channels.base import file_of, image_of
from c2cbot.channels.partial import PartsSent, fingerprint
from c2cbot.channels.ratelimit import SYSTEM_CLOCK, ChatLimiter, Clock, SendShare
from c2cbot.channels.telegram.http import AiohttpRequest, token_free_base_url
from c2cbot.channels.telegram.polling import ALLOWED_UPDATES, Poller, describe
from c2cbot.channels.telegram.reading import Incoming, Reader, unreadable, valid_callback_data
from c2cbot.channels.telegram.spec import CAPABILITIES, NAME, WEBHOOK_PATH, TelegramOptions
from c2cbot.channels.telegram.writing import (
    MAX_CAPTION,
    Part,
    delivery_error,
    edit_failed,
    render,
)
from c2cbot.domain.text import N_
from c2cbot.flows.commands import chat_menu
from c2cbot.flows.messages import Inbound, Outbound
from c2cbot.flows.texts import Texts

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# Every chat command with its description (to translate), from the one registry.
COMMANDS: tuple[tuple[str, str], ...] = chat_menu()
# Telegram's language_code for a command list (None: everyone else) → our language hint.
COMMAND_LANGUAGES: tuple[tuple[str | None, str], ...] = ((None, "en"), ("zh", "zh"), ("de", "de"))
ADMIN_COMMAND = "/link"  # the group command whose sender's administrator status matters
BUTTON_BROKEN = N_("Sorry, that button does not work. Please use the buttons of my last message.")

InboundHandler = Callable[[Inbound], Awaitable[object]]


class TelegramSetupError(Exception):
    """The bot cannot start on Telegram (rejected token); the message is safe to show."""


class TelegramChannel:
    """The Telegram channel: polling or webhook in, rate-limited sending out."""

    name = NAME
    capabilities = CAPABILITIES

    def __init__(
        self,
        token: str,
        api_url: str,
        texts: Texts,
        on_inbound: InboundHandler,
        *,
        clock: Clock = SYSTEM_CLOCK,
        options: TelegramOptions | None = None,
        share: SendShare | None = None,
    ) -> None:
        """``share``: this process's part of the overall send rate (``ratelimit.SendShare``)."""
        self._texts, self._on_inbound, self._clock = texts, on_inbound, clock
        self._options = options or TelegramOptions()
        self._base_url = token_free_base_url(api_url)
        timeout = self._options.request_timeout
        self._polling = AiohttpRequest(token, connection_pool_size=1, connect_timeout=timeout)
        self._bot = self._make_bot(token, api_url)
        self._limiter = ChatLimiter(self._options.limits, clock, share)
        self._reader = Reader()
        self._poller = Poller(
            self._bot,
            self._polling,
            self._base_url,
            self._options,
            clock,
            self._incoming,
            self._handle_incoming,
        )
        self._parts_sent = PartsSent()

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
        await self._poller.forever()

    async def poll_once(self) -> int:
        """Fetch one batch of updates and handle it; how many updates came."""
        return await self._poller.once()

    def _incoming(self, item: dict[str, Any]) -> Incoming:
        """A private text read straight from its JSON, anything else as PTB's ``Update``."""
        inbound = self._reader.plain_text(item)
        if inbound is not None:
            return Incoming(item["update_id"], int(inbound.external_id), inbound)
        return Incoming.of(Update.de_json(item, self._bot))

    async def _handle_incoming(self, update: Incoming) -> None:
        if update.inbound is not None:
            await self._on_inbound(update.inbound)
        elif update.update is not None:
            await self.handle_update(update.update)

    # ----- handling updates (polling and webhook)

    async def handle_update_json(self, data: dict[str, Any]) -> None:
        """Handle one update as Telegram's JSON (the webhook's body)."""
        problem = unreadable(data)
        if problem is not None:  # not from Telegram; answered all the same, or it is retried
            log.warning("ignoring a Telegram update with a malformed %s", problem)
            return
        try:
            update = Update.de_json(data, self._bot)
        except Exception as error:  # not an update we could act on; Telegram must not retry it
            log.warning("ignoring an unreadable Telegram update (%s)", describe(error))
            return
        await self.handle_update(update)

    async def handle_update(self, update: Update) -> None:
        if update.callback_query is not None:
            await self._on_callback(update.update_id, update.callback_query)
            return
        inbound = self._reader.read(update)
        if inbound is not None:
            await self._on_inbound(await self._with_admin_word(inbound))

    async def _with_admin_word(self, inbound: Inbound) -> Inbound:
        """Whether the sender of a group's /link administers the group, as Telegram says.

        Only /link needs it (an administrator may move a linked group to another
        partnership), so only /link costs a getChatMember call.
        """
        words = (inbound.text or "").split(maxsplit=1)
        if not inbound.is_group or inbound.event or not words or words[0].lower() != ADMIN_COMMAND:
            return inbound
        try:
            member = await self._bot.get_chat_member(inbound.chat_id, int(inbound.external_id))
        except (TelegramError, ValueError) as error:
            log.info("could not ask Telegram about a group's administrator (%s)", describe(error))
            return inbound
        admin = member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
        return dataclasses.replace(inbound, group_admin=admin)

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
            log.info("could not answer a button press (%s)", describe(error))

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
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403)
        try:  # JSON is UTF-8 (RFC 8259), whatever charset the Content-Type claims
            data = json.loads((await request.read()).decode())
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
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
            image, document = image_of(message), file_of(message)
            if image is not None:
                return await self._send_photo(chat_id, image, parts[0])
            if document is not None:
                return await self._send_document(chat_id, document, parts[0])
            edit = message.extra.get("edit")
            if edit is not None and len(parts) == 1:
                edited = await self._edit(chat_id, str(edit), parts[0])
                if edited is not None:
                    return edited
            return await self._send_parts(chat_id, parts, fingerprint(chat_id, message))
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
            outcome = edit_failed(error)
            if outcome is None:
                raise
            return message_id if outcome else None
        return message_id

    async def _send_parts(self, chat_id: str, parts: Sequence[Part], key: str) -> str:
        """Send the parts in order; after a failure, a retry skips the parts already sent."""
        sent = self._parts_sent.resume(key)
        try:
            for part in parts[len(sent) :]:
                sent.append(await self._send_one(chat_id, part))
        except TelegramError:
            self._parts_sent.remember(key, sent)
            raise
        return sent[-1]

    async def _send_photo(self, chat_id: str, image: bytes, caption: Part) -> str:
        """A picture (a digest's KPI chart) with the message's text as its caption, if short."""
        await self._limiter.wait(chat_id)
        text = caption.text if 0 < len(caption.text) <= MAX_CAPTION else None
        sent = await self._bot.send_photo(
            chat_id, image, caption=text, parse_mode=ParseMode.HTML, reply_markup=caption.markup
        )
        return str(sent.message_id)

    async def _send_document(self, chat_id: str, document: tuple[str, bytes], caption: Part) -> str:
        """A file (a person's own data) with the message's text as its caption, if short."""
        await self._limiter.wait(chat_id)
        name, content = document
        text = caption.text if 0 < len(caption.text) <= MAX_CAPTION else None
        sent = await self._bot.send_document(
            chat_id, InputFile(content, filename=name), caption=text, parse_mode=ParseMode.HTML
        )
        return str(sent.message_id)

    async def _send_one(self, chat_id: str, part: Part) -> str:
        await self._limiter.wait(chat_id)
        message = await self._bot.send_message(
            chat_id, part.text, parse_mode=ParseMode.HTML, reply_markup=part.markup
        )
        return str(message.message_id)
