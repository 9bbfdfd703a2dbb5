"""Telegram updates as the engine's ``Inbound``; pure, so it is table-tested."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Chat, ChatMember, ChatMemberUpdated, Message, Update, User

from c2cbot.channels.telegram.spec import NAME
from c2cbot.flows.messages import Inbound, storable

MAX_CALLBACK_BYTES = 64
GROUP_TYPES = frozenset({Chat.GROUP, Chat.SUPERGROUP})
ID_LIMIT = 2**63  # Telegram's ids fit a signed 64-bit integer


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


def unreadable(data: Mapping[str, Any]) -> str | None:
    """What makes an update's JSON unlike anything Telegram sends, or ``None``.

    PTB builds its objects without checking a single type, so a text that is a number or
    a chat without an id would reach the engine. The fields the bot reads are checked
    here first; the answer names a field, never its content.
    """
    if not _is_id(data.get("update_id")):
        return "update_id"
    checks = (("message", _message), ("callback_query", _press), ("my_chat_member", _change))
    for kind, readable in checks:
        if kind in data and not readable(data[kind]):
            return kind
    return None


def _is_id(value: object) -> bool:
    return type(value) is int and -ID_LIMIT < value < ID_LIMIT


def _is_text(value: object, *, optional: bool = True) -> bool:
    return (optional and value is None) or (isinstance(value, str) and storable(value))


def _chat(chat: object) -> bool:
    return (
        isinstance(chat, dict)
        and _is_id(chat.get("id"))
        and _is_text(chat.get("type"), optional=False)
    )


def _user(user: object) -> bool:
    return (
        isinstance(user, dict)
        and _is_id(user.get("id"))
        and _is_text(user.get("first_name"), optional=False)
        and all(_is_text(user.get(name)) for name in ("last_name", "language_code"))
    )


def _message(message: object) -> bool:
    return (
        isinstance(message, dict)
        and _chat(message.get("chat"))
        and (message.get("from") is None or _user(message["from"]))
        and _is_text(message.get("text"))
        and (message.get("migrate_to_chat_id") is None or _is_id(message["migrate_to_chat_id"]))
    )


def _press(query: object) -> bool:
    return (
        isinstance(query, dict)
        and _is_text(query.get("id"), optional=False)
        and _user(query.get("from"))
        and _is_text(query.get("data"))
        and (query.get("message") is None or _message(query["message"]))
    )


def _change(change: object) -> bool:
    new = change.get("new_chat_member") if isinstance(change, dict) else None
    return (
        isinstance(change, dict)
        and _chat(change.get("chat"))
        and _user(change.get("from"))
        and isinstance(new, dict)
        and _is_text(new.get("status"), optional=False)
    )


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
