"""A loopback Telegram Bot API server: enough of it for the bot, with faults and flood checks.

The bot reaches it through C2C_TELEGRAM_API_URL in python-telegram-bot's base_url form
(``f"{fake.url}/bot"``), so the real PTB and HTTP code run unchanged. The fake keeps
what a test wants to read: every request, the messages each chat shows (edits applied),
the command lists, the callback answers, and every breach of Telegram's flood limits.
Helpers build correctly shaped updates as people would cause them; they are served by
``getUpdates`` (long polling, offsets) or POSTed to a webhook with ``post_update_to``.

``getUpdates`` serves every queued update whatever ``allowed_updates`` says (it only
records it), so tests can check that the bot ignores kinds it did not ask for.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "123456:TEST-token-do-not-leak"
USERNAME = "c2c_test_bot"
BOT_ID = 123456
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ADMIN_RIGHTS = (
    "delete_messages", "manage_video_chats", "restrict_members", "promote_members",
    "change_info", "invite_users", "post_stories", "edit_stories", "delete_stories",
)  # fmt: skip
JSON_KEYS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "entities",
    "link_preview_options",
    "reply_parameters",
    "media",
}
INT_KEYS = {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections", "cache_time"}
BOOL_KEYS = {"drop_pending_updates", "show_alert", "disable_notification", "protect_content"}
SENDING = {"sendMessage", "sendPhoto", "sendDocument"}
HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": …, "description": …}``."""

    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class Call:
    """One request the bot made, with its parameters decoded, and the status it got."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class Sent:
    """A message the bot sent, as the chat shows it now (edits applied)."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    keyboard: list[list[dict[str, Any]]] = field(default_factory=list)
    edits: int = 0
    photo: bytes | None = None  # sendPhoto's picture; ``text`` is then its caption
    document: tuple[str, bytes] | None = None  # sendDocument's file name and content

    @property
    def plain(self) -> str:
        """The text as the person reads it: tags removed, entities decoded."""
        if self.parse_mode != "HTML":
            return self.text
        return html.unescape(re.sub(r"<[^>]+>", "", self.text))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [button for row in self.keyboard for button in row]

    @property
    def labels(self) -> list[str]:
        return [button["text"] for button in self.buttons]

    def data_for(self, label: str) -> str:
        """The callback data of the button labelled ``label`` (or the one starting with it)."""
        exact = [b for b in self.buttons if b["text"] == label]
        found = exact or [b for b in self.buttons if b["text"].startswith(label)]
        if len(found) != 1:
            raise AssertionError(f"no single button {label!r} in {self.labels}")
        return str(found[0]["callback_data"])


@dataclass
class Fault:
    """The next ``times`` calls of ``method`` (for ``chat_id``, if given) go wrong."""

    method: str
    status: int
    description: str
    times: int = 1
    retry_after: int | None = None
    delay: float = 0.0
    chat_id: int | None = None
    after: int = 0  # let this many matching calls through first

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.times <= 0 or self.method != method:
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id


@dataclass(frozen=True)
class RateRule:
    """At most ``burst + per_second * window`` messages in any ``window`` seconds."""

    per_second: float
    burst: float
    window: float

    @property
    def allowed(self) -> float:
        return self.burst + self.per_second * self.window


@dataclass(frozen=True)
class RateRules:
    """Telegram's limits: ~1 message/s per chat, 20/min per group, 30/s overall."""

    private: RateRule = RateRule(1.0, 2.0, 5.0)
    group: RateRule = RateRule(20 / 60, 0.0, 60.0)
    overall: RateRule = RateRule(30.0, 0.0, 1.0)


@dataclass(frozen=True)
class Violation:
    rule: str
    chat_id: int | None
    count: int
    at: float


class FakeTelegram:
    """The fake Bot API server; ``async with FakeTelegram() as fake`` serves on 127.0.0.1."""

    def __init__(
        self, token: str = TOKEN, username: str = USERNAME, rules: RateRules | None = None
    ) -> None:
        self.token, self.username, self.rules = token, username, rules or RateRules()
        self.url = ""
        self.requests: list[Call] = []
        self.messages: dict[int, dict[int, Sent]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.answered: dict[str, str | None] = {}
        self.violations: list[Violation] = []
        self.webhook: dict[str, Any] | None = None
        self.blocked: set[int] = set()
        self.removed: set[int] = set()
        self.migrated: dict[int, int] = {}
        # Group administrators by chat: getChatMember says "administrator" for them.
        self.admins: dict[int, set[int]] = {}
        self.allowed_updates: Any = None
        self.confirmed_offset = 0
        self._faults: list[Fault] = []
        self._pending: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._closing = asyncio.Event()
        self._update_ids = itertools.count(1001)
        self._query_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._queries: set[str] = set()
        self._sends: dict[str, deque[float]] = {}
        self._runner: web.AppRunner | None = None

    # ----- lifecycle

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @property
    def api_url(self) -> str:
        """What C2C_TELEGRAM_API_URL is set to for this fake."""
        return f"{self.url}/bot"

    # ----- faults

    def fail(
        self,
        method: str,
        status: int = 500,
        *,
        times: int = 1,
        chat_id: int | str | None = None,
        description: str | None = None,
        retry_after: int | None = None,
        after: int = 0,
    ) -> None:
        """The next ``times`` calls of ``method`` (after ``after`` good ones) get ``status``
        without being carried out."""
        text = description or {
            429: f"Too Many Requests: retry after {retry_after}",
            403: "Forbidden: bot was blocked by the user",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }.get(status, "Bad Request")
        chat = int(chat_id) if chat_id is not None else None
        self._faults.append(Fault(method, status, text, times, retry_after, 0.0, chat, after))

    def flood(self, method: str, retry_after: int = 1, **options: Any) -> None:
        """429 Too Many Requests with ``retry_after``, as Telegram answers a flood."""
        self.fail(method, 429, retry_after=retry_after, **options)

    def delay(
        self, method: str, seconds: float, *, times: int = 1, chat_id: int | None = None
    ) -> None:
        """Hold the next calls for ``seconds`` and then answer 502 without carrying them out,
        like a request that never reached Telegram's processing."""
        self._faults.append(Fault(method, 502, "Bad Gateway", times, None, seconds, chat_id))

    # ----- what tests read

    def chat(self, chat_id: int | str) -> list[Sent]:
        """The bot's messages in a chat, oldest first, as they look now."""
        messages = self.messages.get(int(chat_id), {})
        return [messages[key] for key in sorted(messages)]

    def last(self, chat_id: int | str) -> Sent:
        messages = self.chat(chat_id)
        assert messages, f"the bot sent nothing to {chat_id}"
        return messages[-1]

    def calls(self, method: str) -> list[Call]:
        return [call for call in self.requests if call.method == method]

    def sent_texts(self, chat_id: int | str) -> list[str]:
        return [m.plain for m in self.chat(chat_id)]

    @property
    def pending(self) -> list[dict[str, Any]]:
        return list(self._pending)

    # ----- people doing things (each queues an update and returns it)

    def push(self, **fields: Any) -> dict[str, Any]:
        """Queue an update with the next update_id; ``fields`` are its kind and body."""
        update = {"update_id": next(self._update_ids), **fields}
        self._pending.append(update)
        self._arrived.set()
        return update

    def user_sends(
        self,
        user_id: int,
        text: str,
        language_code: str = "en",
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> dict[str, Any]:
        user = self.person(user_id, language_code)
        chat = self.make_chat(chat_id if chat_id is not None else user_id, chat_type, user)
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            fields["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return self.push(message=self.make_message(chat, user, **fields))

    def user_sends_media(
        self, user_id: int, kind: str = "sticker", language_code: str = "en"
    ) -> dict[str, Any]:
        """A photo, sticker or voice message in the user's private chat."""
        media = {
            "photo": [{"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 90}],
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "us1",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
            "voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3},
        }[kind]
        user = self.person(user_id, language_code)
        return self.push(
            message=self.make_message(
                self.make_chat(user_id, "private", user), user, **{kind: media}
            )
        )

    def user_clicks(
        self,
        user_id: int,
        message_id: int,
        data: str,
        chat_id: int | None = None,
        language_code: str = "en",
    ) -> dict[str, Any]:
        """A press on a button of the bot's message ``message_id`` carrying ``data``."""
        user = self.person(user_id, language_code)
        chat_key = chat_id if chat_id is not None else user_id
        chat = self.make_chat(chat_key, "private" if chat_key > 0 else "group", user)
        shown = self.messages.get(chat_key, {}).get(message_id)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self.me(),
            "text": shown.plain if shown else "…",
        }
        query_id = f"q{next(self._query_ids)}"
        self._queries.add(query_id)
        query = {
            "id": query_id,
            "from": user,
            "chat_instance": f"ci{chat_key}",
            "data": data,
            "message": message,
        }
        return self.push(callback_query=query)

    def click(
        self, user_id: int, label: str, chat_id: int | None = None, language_code: str = "en"
    ) -> dict[str, Any]:
        """Press the button labelled ``label`` on the newest message that has one."""
        chat_key = chat_id if chat_id is not None else user_id
        for sent in reversed(self.chat(chat_key)):
            if any(b["text"] == label or b["text"].startswith(label) for b in sent.buttons):
                data = sent.data_for(label)
                return self.user_clicks(user_id, sent.message_id, data, chat_id, language_code)
        raise AssertionError(f"no button {label!r} in chat {chat_key}")

    def group_command(
        self,
        user_id: int,
        chat_id: int,
        command: str,
        *,
        mention: str | None = "",
        chat_type: str = "group",
        language_code: str = "en",
    ) -> dict[str, Any]:
        """``/cmd args`` in a group; ``mention`` "" means @this bot, None means no @."""
        word, _, rest = command.partition(" ")
        target = self.username if mention == "" else mention
        text = f"{word}@{target}" if target else word
        text = f"{text} {rest}" if rest else text
        return self.user_sends(user_id, text, language_code, chat_id=chat_id, chat_type=chat_type)

    def bot_blocked_by(self, user_id: int) -> dict[str, Any]:
        """The user blocks the bot: a my_chat_member update, and sending to them fails (403)."""
        self.blocked.add(user_id)
        user = self.person(user_id)
        return self.push(
            my_chat_member=self._member_change(
                self.make_chat(user_id, "private", user), user, "kicked"
            )
        )

    def bot_removed_from_group(
        self, chat_id: int, by_user: int = 1, status: str = "left"
    ) -> dict[str, Any]:
        self.removed.add(chat_id)
        user = self.person(by_user)
        return self.push(
            my_chat_member=self._member_change(self.make_chat(chat_id, "group"), user, status)
        )

    def group_migrated(self, old: int, new: int, by_user: int = 1) -> list[dict[str, Any]]:
        """A group becomes a supergroup: Telegram says so in both chats."""
        self.migrated[old] = new
        user = self.person(by_user)
        moved = self.make_message(self.make_chat(old, "group"), user, migrate_to_chat_id=new)
        arrived = self.make_message(
            self.make_chat(new, "supergroup"), user, migrate_from_chat_id=old
        )
        return [self.push(message=moved), self.push(message=arrived)]

    # ----- webhook delivery

    async def post_update_to(
        self, url: str, secret: str | None, update: dict[str, Any] | None = None
    ) -> list[int]:
        """POST ``update`` (or every queued one, dequeued) to a webhook; the HTTP statuses."""
        updates = [update] if update is not None else self._take_pending()
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        statuses = []
        async with aiohttp.ClientSession() as session:
            for body in updates:
                async with session.post(url, json=body, headers=headers) as response:
                    statuses.append(response.status)
        return statuses

    def _take_pending(self) -> list[dict[str, Any]]:
        taken, self._pending = self._pending, []
        return taken

    # ----- JSON shapes

    def me(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "C2C", "username": self.username}

    @staticmethod
    def person(user_id: int, language_code: str = "en") -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"Person{user_id}",
            "last_name": "Test",
            "language_code": language_code,
        }

    @staticmethod
    def make_chat(
        chat_id: int, chat_type: str, user: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        if chat_type == "private":
            return {
                "id": chat_id,
                "type": "private",
                "first_name": (user or {}).get("first_name", "P"),
            }
        return {"id": chat_id, "type": chat_type, "title": f"Group {chat_id}"}

    def make_message(
        self, chat: dict[str, Any], user: dict[str, Any] | None, **fields: Any
    ) -> dict[str, Any]:
        message = {
            "message_id": self._next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
        }
        if user is not None:
            message["from"] = user
        return {**message, **fields}

    def _member_change(
        self, chat: dict[str, Any], user: dict[str, Any], status: str
    ) -> dict[str, Any]:
        new = {"status": status, "user": self.me()}
        if status == "kicked":
            new["until_date"] = 0
        return {
            "chat": chat,
            "from": user,
            "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": self.me()},
            "new_chat_member": new,
        }

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _chat_of(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return self.make_chat(chat_id, "private", self.person(chat_id))
        return self.make_chat(chat_id, "supergroup" if chat_id < -1_000_000_000_000 else "group")

    def _message_json(self, sent: Sent) -> dict[str, Any]:
        body = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": self._chat_of(sent.chat_id),
            "from": self.me(),
            "text": sent.plain,
        }
        if sent.keyboard:
            body["reply_markup"] = {"inline_keyboard": sent.keyboard}
        return body

    # ----- the HTTP side

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params, time.monotonic())
        self.requests.append(call)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            await self._inject_fault(method, params)
            result = await self._dispatch(method, params)
        except ApiError as error:
            call.status = error.status
            return web.json_response(error.body(), status=error.status)
        return web.json_response({"ok": True, "result": result})

    async def _inject_fault(self, method: str, params: dict[str, Any]) -> None:
        fault = next((f for f in self._faults if f.matches(method, params)), None)
        if fault is None:
            return
        if fault.after > 0:
            fault.after -= 1
            return
        fault.times -= 1
        if fault.delay:
            await self._wait(fault.delay)
        extra = {"retry_after": fault.retry_after} if fault.retry_after is not None else {}
        raise ApiError(fault.status, fault.description, **extra)

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    async def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return await handler(params)

    # ----- Bot API methods

    async def _api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = "administrator" if user_id in self.admins.get(chat_id, set()) else "member"
        member: dict[str, Any] = {"status": status, "user": self.person(user_id)}
        if status == "administrator":
            member |= {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True}
            member |= {f"can_{right}": True for right in ADMIN_RIGHTS}
        return member

    async def _api_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.me(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self.allowed_updates = params.get("allowed_updates", self.allowed_updates)
        self._confirm(int(params.get("offset") or 0))
        if not self._pending and params.get("timeout"):
            self._arrived.clear()
            await self._wait_for_update(float(params["timeout"]))
        return self._pending[: int(params.get("limit") or 100)]

    def _confirm(self, offset: int) -> None:
        """Updates below ``offset`` are confirmed and forgotten, as Telegram does."""
        if offset > 0:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    async def _wait_for_update(self, seconds: float) -> None:
        arrived = asyncio.ensure_future(self._arrived.wait())
        closing = asyncio.ensure_future(self._closing.wait())
        await asyncio.wait({arrived, closing}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (arrived, closing):
            waiter.cancel()

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {
            "url": params["url"],
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
        }
        return True

    async def _api_deleteWebhook(self, _params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def _api_getWebhookInfo(self, _params: dict[str, Any]) -> dict[str, Any]:
        url = self.webhook["url"] if self.webhook else ""
        return {
            "url": url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands[params.get("language_code") or ""] = params["commands"]
        return True

    async def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands.get(params.get("language_code") or "", [])

    async def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._reachable(int(params["chat_id"]))
        return True

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        self._reachable(chat_id)
        text = str(params.get("text", ""))
        sent = Sent(chat_id, 0, text, params.get("parse_mode"), _keyboard(params))
        _check_text(sent)
        return self._store(sent)

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        self._reachable(chat_id)
        sent = Sent(
            chat_id, 0, str(params.get("caption", "")), params.get("parse_mode"), _keyboard(params)
        )
        photo = params.get("photo")
        if not isinstance(photo, bytes) or not photo:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if sent.parse_mode == "HTML":
            _check_html(sent.text)
        if len(sent.plain) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        sent.photo = photo
        return self._store(sent)

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        self._reachable(chat_id)
        sent = Sent(chat_id, 0, str(params.get("caption", "")), params.get("parse_mode"))
        content = params.get("document")
        if not isinstance(content, bytes) or not content:
            raise ApiError(400, "Bad Request: there is no document in the request")
        if sent.parse_mode == "HTML":
            _check_html(sent.text)
        if len(sent.plain) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        sent.document = (str(params.get("document.filename", "")), content)
        return self._store(sent)

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = self._editable(params)
        edited = Sent(
            sent.chat_id,
            sent.message_id,
            str(params.get("text", "")),
            params.get("parse_mode"),
            _keyboard(params),
        )
        _check_text(edited)
        if (edited.plain, edited.keyboard) == (sent.plain, sent.keyboard):
            raise ApiError(400, NOT_MODIFIED)
        sent.text, sent.parse_mode, sent.keyboard = edited.text, edited.parse_mode, edited.keyboard
        sent.edits += 1
        return self._message_json(sent)

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = self._editable(params)
        keyboard = _keyboard(params)
        if keyboard == sent.keyboard:
            raise ApiError(400, NOT_MODIFIED)
        sent.keyboard, sent.edits = keyboard, sent.edits + 1
        return self._message_json(sent)

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params["callback_query_id"])
        if query_id not in self._queries or query_id in self.answered:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answered[query_id] = params.get("text")
        return True

    # ----- sending rules

    def _reachable(self, chat_id: int) -> None:
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.removed:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        if chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrated[chat_id],
            )

    def _editable(self, params: dict[str, Any]) -> Sent:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        self._reachable(chat_id)
        sent = self.messages.get(chat_id, {}).get(message_id)
        if sent is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return sent

    def _store(self, sent: Sent) -> dict[str, Any]:
        sent.message_id = self._next_message_id(sent.chat_id)
        self.messages.setdefault(sent.chat_id, {})[sent.message_id] = sent
        self._measure(sent.chat_id, time.monotonic())
        return self._message_json(sent)

    def _measure(self, chat_id: int, now: float) -> None:
        """Record a breach of a flood limit, as Telegram would answer it with 429."""
        rule_name = "private" if chat_id > 0 else "group"
        checks = ((rule_name, str(chat_id), chat_id), ("overall", "*", None))
        for name, key, chat in checks:
            rule: RateRule = getattr(self.rules, name)
            times = self._sends.setdefault(key, deque())
            times.append(now)
            while times and times[0] < now - rule.window:
                times.popleft()
            if len(times) > rule.allowed + 1e-9:
                self.violations.append(Violation(name, chat, len(times), now))


# ----- request decoding and checks


async def _params(request: web.Request) -> dict[str, Any]:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        raw.update(await request.json())
    elif request.method == "POST":
        form = await request.post()
        raw.update({key: value for key, value in form.items() if isinstance(value, str)})
        files = {key: value for key, value in form.items() if not isinstance(value, str)}
        raw.update({key: value.file.read() for key, value in files.items()})
        raw.update({f"{key}.filename": value.filename for key, value in files.items()})
    return {key: _coerce(key, value) for key, value in raw.items()}


def _coerce(key: str, value: Any) -> Any:
    """Form values arrive as strings; JSON-valued, integer and boolean keys are decoded."""
    if not isinstance(value, str):
        return value
    if key in JSON_KEYS:
        return json.loads(value)
    if key in INT_KEYS and value.lstrip("-").isdigit():
        return int(value)
    if key in BOOL_KEYS:
        return value == "true"
    return value


def _keyboard(params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    markup = params.get("reply_markup") or {}
    rows: list[list[dict[str, Any]]] = markup.get("inline_keyboard", [])
    for button in (b for row in rows for b in row):
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_BYTES:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return rows


def _check_text(sent: Sent) -> None:
    if sent.parse_mode == "HTML":
        _check_html(sent.text)
    if not sent.plain.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(sent.plain.encode("utf-16-le")) // 2 > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")


def _check_html(text: str) -> None:
    """Telegram's HTML: only its tags, and every & must start an entity."""
    for tag in re.findall(r"</?([a-zA-Z-]*)[^>]*>", text):
        if tag.lower() not in HTML_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"'
            )
    if re.search(r"<(?![a-zA-Z/])", text) or re.search(
        r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text
    ):
        raise ApiError(400, "Bad Request: can't parse entities: unescaped character")
